"""Which aspects a review speaks of, and the sentiment of each.

Method: the review is cut into clauses (sentences, then commas and contrasts such as "but" or
"但是"), so "great fabric but it shipped late" gives one clause per aspect. A clause mentions an
aspect when it contains one of the aspect's keywords, or when its embedding is close enough to
one of the aspect's example phrases (cosine at least ``threshold`` and ``margin`` above the same
clause's similarity to the other aspects' examples). Keywords give precision on the words
customers use most; the embeddings catch paraphrases and carry custom aspects, which a store
defines by a name and a few example phrases in either language. The sentiment of a mention is
the classifier's label for its clause.

``embed`` and ``classify`` are plain callables (the reviews module passes the inference layer's
multilingual encoder, ``inference.embed(texts, model="multilingual-e5-small", kind="query")``,
and the sentiment classifier), so this package has no Django in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .sentences import Span, split_clauses
from .similarity import best_similarities

Embed = Callable[[list[str]], list[list[float]]]
Classify = Callable[[list[str]], list[tuple[str, float]]]

# Chosen on the tune rows of tests/data/reviews/aspects.csv with multilingual-e5-small embeddings
# of kind "query" for both clauses and examples (e5's advice for symmetric similarity): F1 was flat
# from 0.80 to 0.90 at this margin, and a margin of 0 let in many wrong aspects.
DEFAULT_THRESHOLD = 0.84
DEFAULT_MARGIN = 0.04


@dataclass(frozen=True)
class AspectDefinition:
    """An aspect: its name, example phrases (either language), and optional literal keywords.

    Keywords match case-insensitively; English keywords match whole words, Chinese ones as substrings.
    """

    name: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class AspectMention:
    aspect: str
    start: int
    end: int
    sentence: str
    sentiment: str
    confidence: float


DEFAULT_ASPECTS: tuple[AspectDefinition, ...] = (
    AspectDefinition(
        "quality",
        (
            "the quality is excellent and it feels well made",
            "it broke after a week, poor quality",
            "the material feels cheap and the stitching came apart",
            "质量很好，做工精细",
            "质量太差了，用了两天就坏了",
            "面料很舒服，材质不错",
        ),
        (
            "quality",
            "well made",
            "poorly made",
            "material",
            "fabric",
            "stitching",
            "durable",
            "flimsy",
            "broke",
            "broken",
            "sturdy",
            "cheaply made",
            "fell apart",
            "defective",
            "craftsmanship",
            "battery",
            "leaks",
            "stopped working",
            "cotton",
            "质量",
            "做工",
            "材质",
            "面料",
            "质感",
            "用料",
            "坏了",
            "开线",
            "掉色",
            "起球",
            "结实",
            "耐用",
            "电池",
            "漏水",
            "不亮",
            "棉",
        ),
    ),
    AspectDefinition(
        "size_fit",
        (
            "the size runs small, order one size up",
            "it fits perfectly and true to size",
            "too tight around the waist and the sleeves are too long",
            "尺码偏小，建议买大一号",
            "大小合适，很合身",
            "穿着太紧了，码数不标准",
        ),
        (
            "size",
            "sizing",
            "fit",
            "fits",
            "fitted",
            "too small",
            "too big",
            "too tight",
            "too loose",
            "runs small",
            "runs large",
            "true to size",
            "too long",
            "too short",
            "waist",
            "pinch",
            "pinches",
            "尺码",
            "尺寸",
            "码数",
            "大小",
            "合身",
            "偏大",
            "偏小",
            "太紧",
            "太松",
            "太长",
            "太短",
            "大一码",
            "小一码",
            "大一号",
            "小一号",
            "挤脚",
            "腰围",
            "长度",
        ),
    ),
    AspectDefinition(
        "delivery",
        (
            "shipping was fast and it arrived in two days",
            "delivery took three weeks, far too slow",
            "the courier lost my parcel",
            "物流很快，第二天就到了",
            "快递太慢了，等了一个星期",
            "发货速度很快",
        ),
        (
            "shipping",
            "shipped",
            "delivery",
            "delivered",
            "arrived early",
            "arrived late",
            "arrived quickly",
            "still waiting",
            "next-day",
            "same day",
            "courier",
            "tracking",
            "took weeks",
            "late",
            "on time",
            "物流",
            "快递",
            "发货",
            "送货",
            "到货",
            "配送",
            "收到货",
            "没收到",
            "次日达",
            "顺丰",
            "天就到",
            "等了",
        ),
    ),
    AspectDefinition(
        "packaging",
        (
            "the box was crushed and the item was not protected",
            "nicely packaged, good for a gift",
            "packaging was damaged when it arrived",
            "包装很好，很严实",
            "包装盒破了，东西都压坏了",
            "包装精美，送人很合适",
        ),
        (
            "packaging",
            "packaged",
            "package",
            "box",
            "wrapped",
            "wrapping",
            "bubble wrap",
            "seal",
            "packed",
            "包装",
            "盒子",
            "纸箱",
            "泡沫",
            "包得",
            "封口",
        ),
    ),
    AspectDefinition(
        "price",
        (
            "great value for the price",
            "way too expensive for what you get",
            "cheap and worth every penny",
            "性价比很高，价格实惠",
            "太贵了，不值这个价",
            "价格便宜，物超所值",
        ),
        (
            "price",
            "priced",
            "value",
            "expensive",
            "overpriced",
            "worth",
            "money",
            "bargain",
            "deal",
            "affordable",
            "cost",
            "价格",
            "性价比",
            "便宜",
            "太贵",
            "价钱",
            "实惠",
            "划算",
            "值这个价",
            "运费",
            "物超所值",
            "不值",
        ),
    ),
    AspectDefinition(
        "service",
        (
            "customer service was helpful and answered quickly",
            "the seller ignored my messages about a refund",
            "support was rude and would not help",
            "客服态度很好，回复很及时",
            "卖家不理人，售后太差",
            "退货很麻烦，客服推来推去",
        ),
        (
            "customer service",
            "seller",
            "support",
            "refund",
            "return",
            "returned",
            "replacement",
            "responded",
            "response",
            "reply",
            "replied",
            "store owner",
            "ignored",
            "messages",
            "客服",
            "卖家",
            "店家",
            "商家",
            "售后",
            "退货",
            "退款",
            "换货",
            "服务",
            "态度",
            "回复",
            "补发",
            "消息",
        ),
    ),
)


@lru_cache(maxsize=256)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for keyword in sorted(keywords, key=len, reverse=True):
        escaped = re.escape(keyword.lower())
        parts.append(escaped if not keyword.isascii() else rf"\b{escaped}\b")
    return re.compile("|".join(parts)) if parts else None


def keyword_hit(aspect: AspectDefinition, text: str) -> bool:
    pattern = _keyword_pattern(aspect.keywords)
    return bool(pattern and pattern.search(text.lower()))


def find_aspects_many(
    texts: Sequence[str],
    *,
    aspects: Sequence[AspectDefinition] = DEFAULT_ASPECTS,
    embed: Embed,
    classify: Classify,
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
    embed_examples: Embed | None = None,
) -> list[list[AspectMention]]:
    """``find_aspects`` for many texts with one ``embed`` and one ``classify`` call in all.

    ``embed_examples`` embeds the aspects' example phrases where the caller keeps their vectors
    between calls (they are the same for every batch); by default they go to ``embed`` with the clauses.
    """
    clauses: list[tuple[int, Span]] = [
        (index, clause) for index, text in enumerate(texts) for clause in split_clauses(text)
    ]
    results: list[list[AspectMention]] = [[] for _ in texts]
    if not clauses or not aspects:
        return results
    examples = [(position, example) for position, aspect in enumerate(aspects) for example in aspect.examples]
    example_texts = [example for _, example in examples]
    clause_texts = [clause.text for _, clause in clauses]
    if embed_examples is None:
        vectors = embed(example_texts + clause_texts)
        example_vectors, clause_vectors = vectors[: len(examples)], vectors[len(examples) :]
    else:
        example_vectors, clause_vectors = embed_examples(example_texts), embed(clause_texts)
    if len(clause_vectors) != len(clauses) or len(example_vectors) != len(examples):
        raise ValueError(
            f"embed returned {len(example_vectors) + len(clause_vectors)} vectors "
            f"for {len(examples) + len(clauses)} texts"
        )
    similarities = best_similarities(
        clause_vectors, example_vectors, [position for position, _ in examples], len(aspects)
    )
    patterns = [_keyword_pattern(aspect.keywords) for aspect in aspects]
    found: list[tuple[int, Span, int]] = []  # (text index, clause, aspect position)
    for (index, clause), best in zip(clauses, similarities, strict=True):
        lowered = clause.text.lower()
        for position, pattern in enumerate(patterns):
            others = [score for other, score in enumerate(best) if other != position]
            runner_up = max(others) if others else -1.0
            by_meaning = best[position] >= threshold and best[position] >= runner_up + margin
            if by_meaning or (pattern is not None and pattern.search(lowered)):
                found.append((index, clause, position))
    if not found:
        return results
    distinct = sorted({(index, clause.start, clause.end) for index, clause, _ in found})
    clause_text = {(index, clause.start, clause.end): clause.text for index, clause, _ in found}
    labels = classify([clause_text[key] for key in distinct])
    sentiment = dict(zip(distinct, labels, strict=True))
    for index, clause, position in found:
        label, confidence = sentiment[(index, clause.start, clause.end)]
        results[index].append(
            AspectMention(
                aspect=aspects[position].name,
                start=clause.start,
                end=clause.end,
                sentence=clause.text,
                sentiment=label,
                confidence=float(confidence),
            )
        )
    for mentions in results:
        mentions.sort(key=lambda mention: (mention.start, mention.aspect))
    return results


def find_aspects(
    text: str,
    *,
    aspects: Sequence[AspectDefinition] = DEFAULT_ASPECTS,
    embed: Embed,
    classify: Classify,
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> list[AspectMention]:
    """Every (clause, aspect) the review speaks of, in text order, with the clause's sentiment."""
    return find_aspects_many(
        [text], aspects=aspects, embed=embed, classify=classify, threshold=threshold, margin=margin
    )[0]
