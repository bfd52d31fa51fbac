"""Few-shot prompts for a base model: finished examples for the channel, then the request left open.

Facts and promotion terms are data: each value goes on one line with the prompt's markers removed,
and a value that reads like an instruction to the model is left out (the catalog's rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from apps.catalog.text.facts import ProductFacts
from apps.catalog.text.prompting import clean_facts, fact_value, looks_like_instruction
from apps.core.text import prompt_head

from .channels import CHANNELS
from .counting import display_width
from .facts import PromotionTerms

PROMPT_VERSION = "copy-v2"
SEPARATOR = "###"
FIELD_SEPARATOR = " | "
GOALS = ("sales", "launch", "awareness", "winback")

LABELS = {
    "en": {
        "intro": "Marketing copy written only from the facts given: no superlatives, no guarantees.",
        "channel": "Channel",
        "product": "Product",
        "facts": "Facts",
        "promotion": "Promotion",
        "goal": "Goal",
        "copy": "Copy",
        "none": "none",
        "voice": "Voice",
    },
    "zh": {
        "intro": "以下营销文案只根据给出的信息撰写，不用绝对化用语，不作保证。",
        "channel": "渠道",
        "product": "商品",
        "facts": "参数",
        "promotion": "活动",
        "goal": "目标",
        "copy": "文案",
        "none": "无",
        "voice": "品牌调性",
    },
}
GOAL_TEXT = {
    "en": {
        "sales": "drive sales",
        "launch": "announce a new product",
        "awareness": "build awareness",
        "winback": "win back lapsed customers",
    },
    "zh": {"sales": "促进销售", "launch": "新品上市", "awareness": "提升品牌认知", "winback": "召回老客户"},
}
CHANNEL_TEXT = {
    "en": {
        "search_headline": "search ad headline",
        "search_description": "search ad description",
        "email_subject": "e-mail subject line",
        "email_preheader": "e-mail preheader",
        "email_body": "e-mail body",
        "sms": "SMS",
        "social_post": "social media post with hashtags",
        "push_title": "push notification title",
        "push_body": "push notification text",
        "banner": "on-site banner",
    },
    "zh": {
        "search_headline": "搜索广告标题",
        "search_description": "搜索广告描述",
        "email_subject": "邮件标题",
        "email_preheader": "邮件预览文字",
        "email_body": "邮件正文",
        "sms": "短信",
        "social_post": "社交媒体帖子（带话题标签）",
        "push_title": "推送标题",
        "push_body": "推送内容",
        "banner": "网站横幅",
    },
}

_SHIRT = {
    "en": ProductFacts(
        title="Linen shirt", brand="Acme", attributes={"material": "linen", "colour": "white"}
    ),
    "zh": ProductFacts(title="亚麻衬衫", brand="远山", attributes={"材质": "亚麻", "颜色": "白色"}),
}
_MUG = {
    "en": ProductFacts(
        title="Ceramic mug", brand="Kiln", attributes={"capacity": "350 ml", "colour": "sage green"}
    ),
    "zh": ProductFacts(title="陶瓷马克杯", brand="窑里", attributes={"容量": "350ml", "颜色": "灰绿色"}),
}
_EXAMPLE_NOUNS = {"en": ("shirt", "mug"), "zh": ("衬衫", "马克杯")}
_SUMMER = "20% off, Jun 1 to Jun 7, code SUMMER20"
_SUMMER_ZH = "8折，6月1日至6月7日，优惠码 SUMMER20"
# (promotion or "", goal, copy) per channel and language: the first for the shirt, the second the mug.
EXAMPLES: dict[str, dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]]] = {
    "en": {
        "search_headline": (
            (_SUMMER, "sales", "Acme Linen Shirts 20% Off"),
            ("", "launch", "New Kiln Ceramic Mug"),
        ),
        "search_description": (
            (_SUMMER, "sales", "White linen shirts from Acme, 20% off until Jun 7 with code SUMMER20."),
            ("", "launch", "Meet the Kiln ceramic mug: 350 ml in sage green. Order yours today."),
        ),
        "email_subject": (
            (_SUMMER, "sales", "Your linen shirt is 20% off this week"),
            ("", "launch", "Say hello to our sage green mug"),
        ),
        "email_preheader": (
            (_SUMMER, "sales", "Use code SUMMER20 before Jun 7 for 20% off Acme linen."),
            ("", "launch", "A 350 ml ceramic mug in sage green, new from Kiln."),
        ),
        "email_body": (
            (
                _SUMMER,
                "sales",
                "Summer is here, and so is 20% off our white Acme linen shirt. Enter code SUMMER20 at checkout before Jun 7. Light linen keeps you cool on warm days.",  # noqa: E501
            ),
            (
                "",
                "launch",
                "Our new Kiln ceramic mug holds 350 ml of your morning coffee. Its sage green glaze brings calm to any desk. Find it in the shop now.",  # noqa: E501
            ),
        ),
        "sms": (
            (_SUMMER, "sales", "Acme: white linen shirts 20% off until Jun 7. Use code SUMMER20."),
            ("", "launch", "Kiln: our new 350 ml sage green ceramic mug is in store now."),
        ),
        "social_post": (
            (
                _SUMMER,
                "sales",
                "Linen season is on: our white Acme linen shirt is 20% off until Jun 7 with code SUMMER20. #linen #summerstyle",  # noqa: E501
            ),
            (
                "",
                "launch",
                "New on the shelf: the Kiln ceramic mug, 350 ml in sage green. #ceramics #coffeetime",
            ),
        ),
        "push_title": ((_SUMMER, "sales", "20% off linen shirts"), ("", "launch", "New: sage green mug")),
        "push_body": (
            (_SUMMER, "sales", "Code SUMMER20 takes 20% off Acme linen shirts until Jun 7."),
            ("", "launch", "The Kiln ceramic mug, 350 ml in sage green, is here."),
        ),
        "banner": (
            (_SUMMER, "sales", "Linen shirts 20% off with code SUMMER20"),
            ("", "launch", "New: the Kiln ceramic mug in sage green"),
        ),
    },
    "zh": {
        "search_headline": (
            (_SUMMER_ZH, "sales", "远山亚麻衬衫限时8折"),
            ("", "launch", "窑里陶瓷马克杯新品"),
        ),
        "search_description": (
            (_SUMMER_ZH, "sales", "白色亚麻衬衫8折，6月7日前输入SUMMER20。"),
            ("", "launch", "350ml灰绿色陶瓷杯，新品上市。"),
        ),
        "email_subject": ((_SUMMER_ZH, "sales", "亚麻衬衫本周8折"), ("", "launch", "灰绿色马克杯上新了")),
        "email_preheader": (
            (_SUMMER_ZH, "sales", "6月7日前用优惠码SUMMER20享8折。"),
            ("", "launch", "窑里新款350ml陶瓷马克杯。"),
        ),
        "email_body": (
            (
                _SUMMER_ZH,
                "sales",
                "夏天到了，远山白色亚麻衬衫限时8折。6月7日前结账时输入优惠码SUMMER20即可享受。亚麻面料轻薄，炎热天气也清爽。",
            ),
            (
                "",
                "launch",
                "窑里新款陶瓷马克杯上市了，容量350ml，灰绿色釉面，为你的书桌添一份安静。现在就到店里看看。",
            ),
        ),
        "sms": (
            (_SUMMER_ZH, "sales", "远山亚麻衬衫6月7日前8折，下单输入SUMMER20。"),
            ("", "launch", "窑里新款350ml灰绿色陶瓷马克杯已上架。"),
        ),
        "social_post": (
            (
                _SUMMER_ZH,
                "sales",
                "亚麻季来了！远山白色亚麻衬衫6月7日前8折，优惠码SUMMER20。#亚麻衬衫# #夏日穿搭#",
            ),
            ("", "launch", "新品上架：窑里陶瓷马克杯，350ml，灰绿色。#陶瓷# #咖啡时光#"),
        ),
        "push_title": ((_SUMMER_ZH, "sales", "亚麻衬衫8折"), ("", "launch", "灰绿马克杯上新")),
        "push_body": (
            (_SUMMER_ZH, "sales", "输入SUMMER20，远山亚麻衬衫8折，6月7日止。"),
            ("", "launch", "窑里350ml灰绿色陶瓷马克杯到货了。"),
        ),
        "banner": (
            (_SUMMER_ZH, "sales", "亚麻衬衫8折，优惠码SUMMER20"),
            ("", "launch", "新品：窑里灰绿色陶瓷马克杯"),
        ),
    },
}


def example_terms(language: str) -> tuple[str, ...]:
    """What only the prompt's examples state (their products' titles, brands and facts, the example
    promotion's code): a base model copies them into the copy it writes, and the request's own facts
    never give them, so copy that states one states an invented fact."""
    terms: list[str] = ["SUMMER20", *_EXAMPLE_NOUNS[language]]
    for product in (_SHIRT[language], _MUG[language]):
        terms += [product.title, product.brand, *product.attributes.values()]
    return tuple(dict.fromkeys(term for term in terms if term))


@dataclass(frozen=True)
class CopyPrompt:
    text: str
    products: list[ProductFacts]  # as the prompt used them (instruction-like values dropped)
    dropped: list[str]
    version: str = PROMPT_VERSION
    leads: tuple[str, ...] = ("",)  # how candidates begin (copy_leads); "" leaves it to the model


def copy_leads(products: Sequence[ProductFacts], language: str, category: str = "") -> tuple[str, ...]:
    """How candidates begin: one left to the model, the others with what the request is about (the
    first product's brand and title, its title, the brand; or the category) written after the
    prompt's label, so the model continues from this request's own product instead of the examples'
    (a base model otherwise copies the examples' products, brands and facts). The openings also
    spread the variants of one request over different first words."""
    joiner = "" if language == "zh" else " "
    if products:
        product = products[0]
        title, brand = fact_value(product.title), fact_value(product.brand)
        leads = [joiner.join(part for part in (brand, title) if part), title, brand]
    else:
        leads = [fact_value(category)]
    return ("", *dict.fromkeys(lead for lead in leads if lead and not looks_like_instruction(lead)))


def _product_lines(products: Sequence[ProductFacts], language: str, category: str) -> list[str]:
    labels = LABELS[language]
    lines = []
    if category:
        lines.append(f"{'类目' if language == 'zh' else 'Category'}: {fact_value(category)}")
    for product in products[:5]:
        facts = "; ".join(f"{key}: {value}" for key, value in product.attributes.items())
        brand = (
            f"{FIELD_SEPARATOR}{'品牌' if language == 'zh' else 'Brand'}: {product.brand}"
            if product.brand
            else ""
        )
        lines.append(
            f"{labels['product']}: {product.title}{brand}{FIELD_SEPARATOR}{labels['facts']}: {facts}"
        )
    return lines


def _block(lines: list[str], promotion: str, goal: str, language: str) -> str:
    labels = LABELS[language]
    return "\n".join(
        [
            *lines,
            f"{labels['promotion']}: {promotion or labels['none']}",
            f"{labels['goal']}: {GOAL_TEXT[language][goal]}",
            f"{labels['copy']}:",
        ]
    )


def build_prompt(
    *,
    channel: str,
    language: str,
    goal: str,
    products: Sequence[ProductFacts],
    promotion: PromotionTerms | None,
    category: str = "",
    voice: str = "",
) -> CopyPrompt:
    """``voice``: how the brand sounds (a brand voice's description and words to use), one line."""
    labels = LABELS[language]
    cleaned, dropped = [], []
    for product in products:
        facts, left_out = clean_facts(product)
        cleaned.append(facts)
        dropped += left_out
    header = f"{labels['intro']}\n{labels['channel']}: {CHANNEL_TEXT[language][channel]}"
    if voice and not looks_like_instruction(voice):
        header += f"\n{labels['voice']}: {fact_value(voice)}"
    blocks = []
    for example, product in zip(EXAMPLES[language][channel], (_SHIRT[language], _MUG[language]), strict=True):
        promotion_text, example_goal, copy_text = example
        blocks.append(
            _block(_product_lines([product], language, ""), promotion_text, example_goal, language)
            + f" {copy_text}"
        )
    target = _block(
        _product_lines(cleaned, language, category),
        promotion.describe(language) if promotion else "",
        goal,
        language,
    )
    blocks.append(target)
    return CopyPrompt(
        text=header + "\n" + f"\n{SEPARATOR}\n".join(blocks),
        products=cleaned,
        dropped=dropped,
        leads=tuple(
            lead
            for lead in copy_leads(cleaned, language, category)
            # an opening that leaves the model no room in a short channel is no help
            if CHANNELS[channel].unit not in ("width", "weighted")
            or display_width(lead) <= CHANNELS[channel].limit // 2
        ),
    )


def shared_prefix(prompt: str) -> str:
    """The header and examples every request of the language shares (the request's own block follows
    the last separator): the local engine computes them once."""
    return prompt_head(prompt, f"\n{SEPARATOR}\n")


def stop_strings(language: str) -> tuple[str, ...]:
    labels = LABELS[language]
    # " | " separates the fields of the prompt's product line: copy never holds it, and a model that
    # writes it has moved from copy to repeating the product line (most often after a title opening).
    return (SEPARATOR, f"\n{labels['product']}:", f"\n{labels['promotion']}:", "\n\n", FIELD_SEPARATOR)


def max_new_tokens(channel: str, language: str) -> int:
    spec = CHANNELS[channel]
    if spec.unit == "sms_segments":
        return 80
    if spec.unit == "words":
        return 260 if language == "zh" else 220
    # width and weighted units: about one token per two columns in English, per hanzi in Chinese
    return max(16, int(spec.limit * (0.7 if language == "zh" else 0.45)) + 8)


_TAGS = re.compile(r"<[^>]{0,200}>")


def clean_output(text: str, *, channel: str) -> str:
    """The copy as the model wrote it: first line (or paragraph for e-mail bodies), no markup or quotes."""
    text = _TAGS.sub("", text).split(SEPARATOR)[0].split(FIELD_SEPARATOR)[0].strip()
    if not CHANNELS[channel].multiline:
        text = text.split("\n")[0]
    text = re.sub(r"[ \t]+", " ", text).strip()
    return text.strip("\"“”'「」 ")
