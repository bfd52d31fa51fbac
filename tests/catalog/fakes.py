"""A deterministic stand-in for the inference layer's generate / generate_stream.

It reads the product's facts back out of the prompt's last block and writes candidates from
them: even candidates invent claims (a material, a number, a superlative), odd ones use only the
facts. Reranking should therefore always keep an odd one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apps.inference.types import Choice, Generation, GenerationRequest, StreamEvent


def _facts(prompt: str) -> tuple[str, list[str], bool]:
    block = prompt.split("###")[-1]
    chinese = "商品：" in block or "商品:" in block
    title = re.search(r"^(?:Product|商品): (.*)$", block, re.MULTILINE)
    values = re.findall(r"^- [^:]+: (.*)$", block, re.MULTILINE)
    return (title.group(1) if title else ""), values, chinese


def draft(prompt: str, index: int) -> str:
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


class FakeInference:
    def __init__(self) -> None:
        self.calls: list[list[GenerationRequest]] = []

    def generate(
        self, requests: list[GenerationRequest], model: Any = None, store: Any = None
    ) -> list[Generation]:
        self.calls.append(list(requests))
        return [
            Generation(
                model="fake-gen",
                prompt_tokens=len(request.prompt or "") // 4,
                choices=[
                    Choice(
                        text=" " + draft(request.prompt or "", index),
                        finish_reason="stop",
                        completion_tokens=20,
                    )
                    for index in range(request.n)
                ],
            )
            for request in requests
        ]

    def generate_stream(
        self, request: GenerationRequest, model: Any = None, store: Any = None
    ) -> Iterator[StreamEvent]:
        text = " " + draft(request.prompt or "", 1)
        for start in range(0, len(text), 8):
            yield StreamEvent(delta=text[start : start + 8])
        yield StreamEvent(delta="", finish_reason="stop", prompt_tokens=10, completion_tokens=20)
