"""A bilingual shop glossary: Chinese words shoppers use and the English words policies use, both ways.

Keyword retrieval matches a Chinese question to an English-only policy (and the other way round)
through these pairs: each side's tokens are added to the other as a second view of the question. The
list is general e-commerce vocabulary (returns, shipping, payment, sizing, warranty, service), not any
store's wording; a store's own terms belong in its documents.
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
    ("拉链", "zip"), ("包", "bag"), ("进水", "water damage"), ("防水", "waterproof"),
    ("实体店", "physical store"), ("门店", "store"), ("店铺", "store shop"), ("客服", "customer service"),
    ("工作时间", "hours"), ("营业时间", "hours"), ("几点", "hours time"),
    ("多久", "how long days"), ("几天", "days"), ("天", "days"), ("工作日", "business days"),
    ("时间", "time"), ("期限", "window limit"), ("条件", "condition"), ("吊牌", "tags"), ("洗", "washed"),
    ("内衣", "underwear"), ("泳衣", "swimwear"), ("刻字", "engraved"), ("定制", "personalised"),
    ("账户", "account"), ("邮箱", "email"), ("手机", "phone"), ("短信", "sms"),
)  # fmt: skip


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
