"""Copy the suite's fake backend writes for marketing prompts (``FakeBackend(writer=copy_writer)``).

``copy_writer`` reads the request back out of the prompt's last block (product, brand, promotion) and
writes candidate ``index`` in the prompt's language (carrying on from the opening the service wrote
after the prompt's label, if any), in five kinds that cycle:

0. a clean line that states the promotion as given;
1. an absolute claim in a phrase of its own, then the offer (kept after the phrase is dropped);
2. the promotion followed by filler sentences, too long for short channels (kept after a cut);
3. a discount the promotion does not offer (kept after the phrase is dropped, or flagged);
4. another clean line.
"""

from __future__ import annotations

import re


def _request(prompt: str) -> tuple[bool, str, str, str]:
    block = prompt.split("###")[-1]
    chinese = "商品:" in block or "类目:" in block
    product = re.search(r"^(?:Product|商品): ([^|\n]*)", block, re.MULTILINE)
    brand = re.search(r"\| (?:Brand|品牌): ([^|\n]*)", block)
    promotion = re.search(r"^(?:Promotion|活动): (.*)$", block, re.MULTILINE)
    promo = promotion.group(1).strip() if promotion else ""
    if promo in ("none", "无"):
        promo = ""
    return (
        chinese,
        (product.group(1).strip() if product else ""),
        (brand.group(1).strip() if brand else ""),
        promo,
    )


def copy_writer(prompt: str, index: int) -> str:
    chinese, title, brand, promo = _request(prompt)
    # The opening the service wrote after the prompt's label, if any (prompting.copy_leads): each
    # opening starts the cycle at another kind, as a model's other seeds would write other copy.
    lead = re.split(r"(?:Copy|文案):", prompt)[-1].strip()
    openings = ["", f"{brand}{'' if chinese else ' '}{title}", title, brand]
    kind = (index + 2 * (openings.index(lead) if lead in openings else 0)) % 5
    if chinese:
        offer = promo.split("，")[0] if promo else "新品上市"
        lines = [
            f"{brand}{title}{offer}，快来选购。",
            f"全网最好的{title}，{brand}{title}{offer}。",
            f"{title}{offer}。" + "面料舒适，做工细致，日常百搭，欢迎到店选购。" * 3,
            f"{title}舒适百搭。现在五折！",
            f"{title}{offer}，欢迎选购。",
        ]
    else:
        offer = promo.split(",")[0] if promo else "new in store"
        lines = [
            f"{brand} {title}: {offer}. Shop now.",
            f"The best {title} ever, {brand} {title} at {offer}.",
            f"{title}, {offer}." + " Soft, easy to wear and made with care for every day." * 3,
            f"{title} for every day. Now 50% off!",
            f"{title} from {brand}, {offer}.",
        ]
    line = lines[kind]
    if lead and line.startswith(lead):
        return line[len(lead) :]
    return line if lead and chinese else f" {line}"
