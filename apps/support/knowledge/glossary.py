"""A bilingual shop glossary: Chinese words shoppers use and the English words policies use, both ways,
and the words within one language that shoppers and policies use for the same thing.

Keyword retrieval matches a Chinese question to an English-only policy (and the other way round)
through the ``PAIRS``: each side's tokens are added to the other as a second view of the question.
``SYNONYMS`` does the same within a language: a shopper asks whether the shop *delivers* to Canada, the
policy says where it *ships*; "邮费" and "运费", "质保" and "保修" are one thing. Word forms the stemmer
keeps apart ("deliver" / "delivery", "wore" / "worn") are grouped the same way. Both lists are general
e-commerce vocabulary (returns, shipping, payment, sizing, warranty, service, stock and quantities,
collecting, membership, what goods are made of and how they keep), not any store's wording;
a store's own terms belong in its documents.
"""

from __future__ import annotations

from functools import lru_cache

# (Chinese, English): several Chinese words may share one English word and the other way round.
PAIRS: tuple[tuple[str, str], ...] = (
    ("退货", "return"), ("退回", "return"), ("退", "return"), ("退款", "refund"), ("退钱", "refund"),
    ("换货", "exchange"), ("更换", "exchange"), ("换", "exchange"), ("换新", "replace"), ("替换", "replace"),
    ("保修", "warranty"), ("保修期", "warranty period"), ("质保", "warranty"), ("维修", "repair"),
    ("修理", "repair"), ("质量问题", "defect faulty"), ("瑕疵", "defect"), ("坏", "broken"),
    ("损坏", "damaged"), ("破损", "damaged"), ("丢失", "lost"), ("丢件", "lost"),
    ("运费", "shipping fee cost"), ("邮费", "shipping fee"), ("包邮", "free shipping"), ("免费", "free"),
    ("快递", "express delivery carrier"), ("加急", "express"), ("物流", "tracking shipping"),
    ("配送", "delivery ship"), ("发货", "ship dispatch"), ("送达", "delivery"), ("到货", "delivery arrive"),
    ("寄", "ship send"), ("邮寄", "ship"), ("包裹", "parcel package"), ("单号", "tracking number"),
    ("关税", "customs duties"), ("海关", "customs"), ("进口", "import"), ("国际", "international"),
    ("地址", "address"), ("收货地址", "delivery address"), ("邮政信箱", "box"),
    ("订单", "order"), ("下单", "order place"), ("取消", "cancel"), ("修改", "change"),
    ("申请", "claim apply request"),
    ("付款", "pay payment"), ("支付", "pay payment"), ("扣款", "charge"), ("收费", "charge fee"),
    ("货到付款", "cash delivery"), ("现金", "cash"), ("信用卡", "credit card"), ("银行卡", "card"),
    ("分期", "instalments"), ("免息", "interest free"), ("发票", "invoice"), ("币种", "currency"),
    ("人民币", "cny"), ("欧元", "eur"), ("汇率", "currency conversion"), ("失败", "failed fail"),
    ("优惠券", "coupon"), ("折扣", "discount"), ("打折", "sale discount"), ("特价", "sale"),
    ("礼品卡", "gift card"), ("礼品包装", "gift wrap"), ("包装", "wrap packaging"), ("礼物", "gift"),
    ("尺码", "size"), ("尺寸", "size"), ("码", "size"), ("大一码", "size up"), ("偏小", "small"),
    ("偏大", "large"), ("鞋", "shoe"), ("鞋子", "shoes"), ("鞋码", "shoe size"), ("欧码", "eu"),
    ("美码", "us"), ("英码", "uk"), ("衣服", "clothing"), ("衬衫", "shirt"), ("外套", "jacket"),
    ("针织衫", "knitwear"), ("胸围", "chest"), ("脚长", "foot length"), ("测量", "measure"),
    ("耳机", "headphones"), ("充电器", "charger"), ("手表", "watch"), ("电池", "battery"),
    ("智能", "smart"), ("智能手表", "smart watch"), ("电量", "charge battery"), ("充电", "charge"),
    ("拉链", "zip"), ("包", "bag"), ("进水", "water damage"), ("防水", "waterproof"),
    ("实体店", "physical store"), ("门店", "store"), ("店铺", "store shop"), ("客服", "customer service"),
    ("工作时间", "hours"), ("营业时间", "hours"), ("几点", "hours time"),
    ("多久", "how long days"), ("几天", "days"), ("天", "days"), ("工作日", "business days"),
    ("时间", "time"), ("期限", "window limit"), ("条件", "condition"), ("吊牌", "tags"), ("洗", "washed"),
    ("内衣", "underwear"), ("泳衣", "swimwear"), ("刻字", "engraved"), ("定制", "personalised"),
    ("账户", "account"), ("邮箱", "email"), ("手机", "phone"), ("短信", "sms"),
    # goods in general: stock, buying in quantity, collecting, membership, what a product is made of
    ("库存", "stock"), ("现货", "in stock"), ("缺货", "out of stock"), ("补货", "restock"),
    ("预售", "pre-order"), ("预订", "pre-order reserve"), ("批发", "wholesale bulk"), ("大量", "bulk"),
    ("样品", "sample"), ("小样", "sample"), ("试用装", "sample trial"), ("订阅", "subscription"),
    ("会员", "member membership"), ("积分", "points"), ("学生", "student"), ("新客", "first order"),
    ("自提", "collect pickup"), ("提货", "collect pickup"), ("仓库", "warehouse"),
    ("材质", "material"), ("材料", "material"), ("成分", "ingredients"), ("配料", "ingredients"),
    ("产地", "origin made"), ("有机", "organic"), ("天然", "natural"), ("过敏原", "allergen"),
    ("保质期", "shelf life expiry"), ("过期", "expired expiry"), ("新鲜", "fresh"), ("保存", "store keep"),
    ("储存", "storage store"), ("存放", "store keep"), ("冰箱", "fridge"), ("温度", "temperature"),
    ("水温", "water temperature"), ("水", "water"), ("重量", "weight"), ("克", "g gram"),
    ("兼容", "compatible"), ("型号", "model"), ("颜色", "colour"), ("贺卡", "card message"),
    ("留言", "message note"), ("孕妇", "pregnant"), ("儿童", "children kids"), ("孩子", "children kids"),
)  # fmt: skip


# Groups of words (one language each) that mean the same thing in a shop's questions and policies.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("ship", "shipping", "deliver", "delivery", "delivered", "dispatch", "send", "sent", "postage"),
    ("fee", "cost", "price", "charge"),
    ("parcel", "package", "shipment"),
    ("exchange", "swap"),
    ("change", "modify", "edit", "amend"),
    ("repair", "fix", "mend"),
    ("warranty", "guarantee"),
    ("purchase", "buy", "bought"),
    ("wear", "wore", "worn"),
    ("break", "broke", "broken"),
    ("lost", "lose", "missing"),
    ("duties", "duty", "tax", "taxes"),
    ("invoice", "receipt", "fapiao"),
    ("sweater", "jumper", "cardigan", "knitwear"),
    ("shoe", "shoes", "sneaker", "trainer", "boot"),
    ("store", "shop"),
    ("colour", "color"),
    ("personalised", "personalized"),
    ("jewellery", "jewelry"),
    ("退货", "退回", "退"), ("退款", "退钱"), ("换货", "更换", "换", "调换"),
    ("保修", "质保", "保修期"), ("维修", "修理", "修"), ("坏", "损坏", "破损", "摔坏"),
    ("丢失", "丢件", "丢"), ("运费", "邮费", "快递费"), ("包邮", "免运费"),
    ("配送", "发货", "寄", "邮寄", "送", "送达", "寄送", "寄到", "寄往", "送到"),
    ("签收", "收到", "收货", "到货"),
    ("包裹", "快递", "货"), ("关税", "税"), ("修改", "改", "更改"), ("地址", "收货地址"),
    ("付款", "支付", "付"), ("扣款", "扣钱", "扣费"), ("信用卡", "银行卡", "卡"),
    ("发票", "开票"), ("优惠", "折扣", "打折"), ("尺码", "尺寸", "码", "号"), ("鞋", "鞋子"),
    ("衣服", "服装"), ("店铺", "门店", "实体店", "店"), ("客服", "人工客服"),
    ("多久", "几天", "多长时间"), ("礼品", "礼物"),
    ("collect", "pickup", "pick"), ("bulk", "wholesale"), ("sample", "samples", "trial"),
    ("subscription", "subscribe", "subscribed"), ("store", "keep", "storage"),
    ("children", "kids", "child"), ("expiry", "expire", "expired", "expiration"),
    ("保存", "储存", "存放"), ("样品", "小样", "试用装"), ("自提", "提货"), ("孩子", "儿童", "小孩"),
)  # fmt: skip


@lru_cache(maxsize=1)
def _synonym_table() -> dict[str, list[str]]:
    """Each ``SYNONYMS`` word as a keyword token, mapped to the other words of its group. A Chinese word
    is its own token (a chunk holds its words and bigrams); an English word its stem."""
    from apps.core.text import CJK

    from .tokens import tokenize

    table: dict[str, list[str]] = {}
    for group in SYNONYMS:
        keys = list(dict.fromkeys(word if CJK.match(word) else "".join(tokenize(word)) for word in group))
        for key in keys:
            table.setdefault(key, []).extend(other for other in keys if other != key)
    return table


def synonyms(token: str) -> list[str]:
    """Other tokens for the same thing in the same language (``SYNONYMS``)."""
    return [other for other in dict.fromkeys(_synonym_table().get(token, ())) if other != token]


def expand_token(token: str) -> list[str]:
    """What else a keyword of the question may appear as in a chunk: its synonyms, its glossary
    translations and theirs (a Chinese question's "邮费" finds "shipping" through "运费")."""
    near = [token, *synonyms(token)]
    return [other for other in dict.fromkeys([*near[1:], *translate_tokens(near)]) if other != token]


def direct_counterparts(token: str) -> list[str]:
    """The token's synonyms and its own glossary translations, without the translations of its
    synonyms: a narrower view than ``expand_token``, for matching short texts such as headings, where
    one loose match ("send" to 运费 through "ship") would decide."""
    return [
        other for other in dict.fromkeys([*synonyms(token), *translate_tokens([token])]) if other != token
    ]


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    from .tokens import tokenize

    chinese_to_english: dict[str, list[str]] = {}
    english_to_chinese: dict[str, list[str]] = {}
    for chinese, english in PAIRS:
        english_tokens = tokenize(english)
        chinese_to_english.setdefault(chinese, []).extend(english_tokens)
        for token in english_tokens:
            english_to_chinese.setdefault(token, []).append(chinese)
    return chinese_to_english, english_to_chinese


def translate_tokens(tokens: list[str]) -> list[str]:
    """The glossary's counterparts of ``tokens`` (English stems for Chinese words and the reverse)."""
    chinese_to_english, english_to_chinese = _tables()
    translated: list[str] = []
    for token in tokens:
        translated.extend(chinese_to_english.get(token, ()))
        translated.extend(english_to_chinese.get(token, ()))
    return translated
