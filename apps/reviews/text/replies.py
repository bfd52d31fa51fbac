"""Reply drafts: the few-shot prompt for a base model, and the checks every draft goes through.

A reply may promise only what the store's policy text states: a refund, a replacement, a
discount or a deadline the policy does not mention is flagged, and so is a reply in the wrong
language, one that is empty, or one that repeats the prompt's scaffolding. The checks only flag:
a person approves every reply before it leaves the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.core.text import CJK, clean_text, is_chinese, prompt_head

REVIEW_MAX_CHARS = 600

# Promise concepts, each by its words in English and Chinese. A concept in a reply must be in the policy.
PROMISES: dict[str, tuple[str, ...]] = {
    "refund": ("refund", "money back", "reimburse", "退款", "退钱", "返还", "退还"),
    "replacement": (
        "replacement",
        "replace",
        "exchange",
        "new one",
        "resend",
        "换货",
        "更换",
        "补发",
        "换一",
    ),
    "return": ("return", "send it back", "退货", "寄回"),
    "compensation": (
        "compensat",
        "discount",
        "coupon",
        "voucher",
        "store credit",
        "gift card",
        "free",
        "赔偿",
        "补偿",
        "优惠券",
        "折扣",
        "红包",
        "免费",
        "返现",
    ),
    "guarantee": ("guarantee", "warranty", "保证", "保修", "质保", "包退", "包换"),
}
_DEADLINE = re.compile(
    r"(\d+)\s*(hours?|days?|business days?|weeks?|小时|天|日|个工作日|工作日|周)", re.IGNORECASE
)
_CONTACT = re.compile(r"(https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d\s-]{7,}\d)")
_SCAFFOLD = re.compile(r"(^|\n)\s*(Review|Reply|Store policy|评价|回复|店铺政策)\s*[:：(（]", re.IGNORECASE)

INTRO = {
    "en": (
        "Replies of an online store's customer service to product reviews. Each reply is polite, "
        "answers what the customer wrote, and promises nothing beyond the store policy."
    ),
    "zh": "网店客服对商品评价的回复。每条回复礼貌、针对顾客所说的内容，不作店铺政策之外的承诺。",
}
EXAMPLES = {
    "en": (
        (
            2,
            "The zipper broke after one week. Disappointed.",
            "Thank you for letting us know, and we are sorry the zipper broke so soon. "
            "Please contact our support team so we can look into it with you.",
        ),
        (
            5,
            "Fits perfectly and the fabric is soft. Arrived fast too!",
            "Thank you for your kind words! We are glad the fit and the soft fabric work for you, "
            "and that it arrived quickly.",
        ),
    ),
    "zh": (
        (
            2,
            "拉链用了一周就坏了，很失望。",
            "非常抱歉拉链这么快就出现问题，感谢您告诉我们。请联系我们的客服，我们会和您一起查看情况。",
        ),
        (
            5,
            "尺码很合适，面料很舒服，物流也快！",
            "感谢您的好评！很高兴尺码和面料都让您满意，也很高兴包裹及时送达。",
        ),
    ),
}
LABELS = {
    "en": ("Store policy", "Review", "stars", "Reply"),
    "zh": ("店铺政策", "评价", "星", "回复"),
}
STOP = ("\n\n", "\nReview", "\n评价")


@dataclass(frozen=True)
class ReplyContext:
    text: str
    language: str
    rating: int | None
    policy: str
    aspects: tuple[str, ...] = ()


def _one_line(text: str, limit: int) -> str:
    flat = re.sub(r"\s+", " ", clean_text(text)).strip()
    # The review cannot open a new block of the prompt ("Reply:") and steer what follows.
    flat = _SCAFFOLD.sub(" ", flat)
    return flat[:limit]


def reply_prompt(context: ReplyContext) -> str:
    language = context.language if context.language in INTRO else "en"
    policy_label, review_label, stars_label, reply_label = LABELS[language]
    policy = _one_line(context.policy, 800) or ("(none)" if language == "en" else "（无）")
    lines = [INTRO[language], "", f"{policy_label}: {policy}", ""]
    for stars, review, reply in EXAMPLES[language]:
        lines += [f"{review_label} ({stars} {stars_label}): {review}", f"{reply_label}: {reply}", ""]
    rating = f"{context.rating} {stars_label}" if context.rating else "-"
    lines += [f"{review_label} ({rating}): {_one_line(context.text, REVIEW_MAX_CHARS)}", f"{reply_label}:"]
    return "\n".join(lines)


def reply_shared_prefix(prompt: str) -> str:
    """The instructions, the store's policy and the examples: the same for every review of a store and
    language (the review follows the last blank line), so the local engine computes them once."""
    return prompt_head(prompt, "\n\n")


def _mentions(text: str, term: str) -> bool:
    if CJK.search(term):
        return term in text
    return re.search(rf"(?<![a-z]){re.escape(term)}", text) is not None


def promise_concepts(text: str) -> set[str]:
    lowered = text.lower().replace("feel free", "")
    return {concept for concept, terms in PROMISES.items() if any(_mentions(lowered, t) for t in terms)}


_NEGATION = re.compile(
    # "七天无理由退货" (returns, no reason needed) is a promise, not its negation.
    r"(\bno\b|\bnot\b|n't\b|\bnever\b|\bwithout\b|不|没有|无(?!理由))[^.;。；，!！?？]{0,25}$",
    re.IGNORECASE,
)


def policy_allows(policy: str) -> set[str]:
    """The promise concepts the policy states, less those it only rules out ("no refunds", "不退款")."""
    lowered = policy.lower()
    allowed = set()
    for concept, terms in PROMISES.items():
        for term in terms:
            pattern = re.escape(term) if CJK.search(term) else rf"(?<![a-z]){re.escape(term)}"
            for match in re.finditer(pattern, lowered):
                if not _NEGATION.search(lowered[max(0, match.start() - 30) : match.start()]):
                    allowed.add(concept)
    return allowed


def reply_flags(reply: str, context: ReplyContext) -> list[dict[str, str]]:
    """What a person must look at before approving the reply; empty when nothing stands out."""
    flags: list[dict[str, str]] = []
    text = reply.strip()
    if not text:
        return [{"code": "empty", "detail": "The draft is empty."}]
    allowed = policy_allows(context.policy)
    for concept in sorted(promise_concepts(text) - allowed):
        flags.append({"code": "promise_not_in_policy", "detail": concept})
    policy_numbers = set(re.findall(r"\d+", context.policy))
    for match in _DEADLINE.finditer(text):
        if match.group(1) not in policy_numbers:
            flags.append({"code": "deadline_not_in_policy", "detail": match.group(0)})
    for match in _CONTACT.finditer(text):
        if match.group(0) not in context.policy:
            flags.append({"code": "contact_not_in_policy", "detail": match.group(0)})
    if context.language == "zh" and not is_chinese(text):
        flags.append({"code": "wrong_language", "detail": "The review is Chinese; the reply is not."})
    if context.language == "en" and len(CJK.findall(text)) > 3:
        flags.append({"code": "wrong_language", "detail": "The review is English; the reply is not."})
    if _SCAFFOLD.search("\n" + text):
        flags.append({"code": "prompt_echo", "detail": "The draft repeats the prompt's labels."})
    return flags


def clean_reply(text: str) -> str:
    """The generated text up to where the model starts another example."""
    cut = text
    for stop in STOP:
        if stop in cut:
            cut = cut[: cut.index(stop)]
    return clean_text(cut).strip()
