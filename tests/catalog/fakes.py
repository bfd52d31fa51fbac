"""Drafts the suite's fake backend writes for catalog prompts (``FakeBackend(writer=draft)``).

``draft`` reads the product's facts back out of the prompt's last block and writes a candidate
from them: even candidates invent claims (a material, a number, a superlative), odd ones use only
the facts. Reranking should therefore always keep an odd one.
"""

from __future__ import annotations

import re


def _facts(prompt: str) -> tuple[str, list[str], bool]:
    block = prompt.split("###")[-1]
    chinese = "商品：" in block or "商品:" in block
    title = re.search(r"^(?:Product|商品): (.*)$", block, re.MULTILINE)
    values = re.findall(r"^- [^:]+: (.*)$", block, re.MULTILINE)
    return (title.group(1) if title else ""), values, chinese


def draft(prompt: str, index: int) -> str:
    return " " + _draft(prompt, index)


def _draft(prompt: str, index: int) -> str:
    title, values, chinese = _facts(prompt)
    if chinese:
        text = f"{title}，" + "，".join(values) + "。"
        return text + ("采用真皮材质，全网最好，保修5年。" if index % 2 == 0 else "日常使用很方便。")
    text = f"The {title} features " + ", ".join(values) + "."
    return text + (
        " Made of genuine leather, the best choice, with a 5 year warranty."
        if index % 2 == 0
        else " A practical pick for everyday use."
    )
