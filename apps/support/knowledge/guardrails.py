"""Guardrails on what shoppers and documents say: handoff rules, personal-data redaction, injection.

Everything here is rules on text, in Chinese and English, with no model: a handoff or a redaction
must not depend on a small model's mood. ``looks_like_injection`` only *flags* text; the assistant's
behaviour never comes from message or document text in the first place (answers are quoted from the
store's chunks, and a flagged sentence inside a chunk is never quoted).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

HandoffReason = Literal["human_requested", "money_complaint", "safety_complaint", "legal_complaint"]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


_HUMAN = _any(
    [
        r"\b(?:talk|speak|chat|connect|transfer)\w*\s+(?:me\s+)?(?:to|with)\s+(?:a|an|the|some|your)?\s*"
        r"(?:real\s+|live\s+)?(?:human|person|agent|representative|rep|someone|somebody|staff|manager|supervisor|operator|boss)",
        r"\b(?:real|live)\s+(?:human|person|agent)\b",
        r"\bhuman\s+(?:agent|being|support|help)\b",
        r"\b(?:customer\s+service|support)\s+(?:agent|representative|rep)\b",
        r"\bi\s+(?:want|need|would\s+like)\s+(?:a|an|to\s+talk\s+to\s+a)\s+(?:human|person|agent|manager|supervisor)\b",
        r"\b(?:get|put|bring)\s+(?:me\s+)?(?:a|an|the|your)\s+(?:manager|supervisor|boss)\b",
        r"\b(?:someone|somebody)\s+in\s+charge\b|\bput\s+me\s+through\b",
        # a person to get in touch ("can a manager call me back?", "have someone email me")
        r"\b(?:a|an|the|your|some)?\s*(?:human|person|agent|manager|supervisor|representative|someone|"
        r"somebody)\s+(?:to\s+)?(?:call|ring|phone|contact|email|get\s+back\s+to)\s+me\b",
        r"\bnot\s+(?:a|this)\s+(?:bot|robot|machine)\b",
        r"\bescalate\b",
        # Chinese: naming a person is not asking for one ("人工客服几点上班？" asks for the hours), so
        # the noun needs a request (转, 要, 找, 让...) or must be the whole message ("人工！").
        r"转人工|转接\s*(?:人工|客服|真人)",
        # ... also with whose person it is ("找你们主管", "叫一下你们的经理")
        r"(?:要|找|叫|请|接|换|联系|需要|想要|给我|让|来|有没有)(?:一?个|一下|位)?\s*"
        r"(?:(?:你们|您们|贵店|店里|店铺)的?)?\s*"
        r"(?:人工客服|人工服务|人工|真人|活人|客服人员|客服|经理|店长|主管)",
        r"^\W*(?:人工客服|人工服务|人工|真人|客服)\W*$",
        r"(?:不要|不想|别)(?:跟|和|用)?机器人",
        r"人工(?:回复|处理|帮)",
    ]
)
_MONEY = _any(
    [
        # "charged me twice" said of what happened (not "will I be charged twice?")
        r"(?:^|\b(?:you|they|i|i've|been|was|were|got|have|has|just)\s+)(?:charged|billed)\s+"
        r"(?:me\s+|(?:my|our)\s+(?:credit\s+|debit\s+|bank\s+|paypal\s+)?(?:card|account|paypal)\s+)?"
        r"(?:twice|double|again|(?:two|three|four|\d+|several|multiple|many)\s+times)",
        r"\b(?:dispute|contest)\s+(?:this|it|the\s+(?:charge|payment))\s+with\s+my\s+(?:bank|card)|\bfile\s+a\s+dispute\b",
        r"\bdouble[-\s]?(?:charged|billed|charge)\b",
        r"\bover[-\s]?charg",
        r"\b(?:unauthori[sz]ed|fraudulent|unknown)\s+(?:charge|payment|transaction)",
        r"\b(?:fraud|scam|scammed|stole|stolen|rip[-\s]?off|ripped\s+off)\b",
        r"\bcharge[-\s]?back\b",
        r"\b(?:still|never)\s+(?:haven'?t\s+|have\s+not\s+|not\s+)?(?:got|gotten|received|seen)\s+(?:my\s+)?"
        r"(?:refund|money)",
        r"\b(?:refund|money)\s+(?:has\s+not|hasn'?t|never|did\s?n'?t|didn't)\s+(?:arrived?|come|came|"
        r"reach|shown?|been)",
        r"\bwhere\s+is\s+my\s+(?:refund|money)\b",
        r"\b(?:want|demand)\s+my\s+money\s+back\b",
        r"\b(?:was|were|been|got)\s+charged\b[^.?!]{0,60}\bbut\b",
        r"\bno\s+(?:refund|money)\s+(?:has\s+)?(?:came|come|arrived|yet|back)\b",
        r"扣了(?:两|三|四|几|好几|多)次|重复扣款|扣了两次|扣两次|多扣|乱扣|扣错|被扣了?.{0,6}(?:钱|款)|盗刷|诈骗|骗子|骗钱|黑店",
        r"退款.{0,6}(?:没|未|还没|一直没)(?:有)?(?:到|收到|退|到账)",
        r"(?:钱|款).{0,4}(?:没|未|还没)(?:有)?(?:退|到账|收到)",
        r"还我钱|退我钱",
    ]
)
_SAFETY = _any(
    [
        r"\b(?:caught|catch|catches|on)\s+fire\b",
        r"\b(?:burn|burned|burnt|burning|scald)\w*\b",
        r"\b(?:injur|hurt|wound|bleed|bled|cut\s+myself|cut\s+my)\w*",
        r"\belectric(?:al)?\s+shock|\bshocked\s+me\b|\belectrocut",
        r"\b(?:explod|exploded|explosion|smok(?:e|ing)\s+(?:came|coming|from))\w*",
        r"\b(?:allergic|allergy|rash|poison|toxic|chok(?:e|ed|ing))\w*",
        r"\b(?:dangerous|unsafe|hazard)\w*",
        # someone fell ill from a product ("made my daughter sick", "we got ill after drinking it")
        r"\b(?:made|makes|making|got|gotten|get|became|become|fell|felt|feel|been|was|were)\s+"
        r"(?:me|us|him|her|them|(?:my|our)\s+\w+(?:\s+\w+)?)?\s*(?:really\s+|very\s+|so\s+)?"
        r"(?:sick|ill|nauseous|nauseated)\b",
        r"\b(?:vomit|vomited|vomiting|threw\s+up|throwing\s+up|food\s+poisoning|diarrh[o]?ea)\b",
        # said of goods received ("arrived mouldy", "found glass in it"), not asked ("how to avoid mould")
        r"\bcontaminated\b|\b(?:is|was|were|are|arrived|got|gone|went|came|turned)\s+(?:all\s+)?mou?ldy\b",
        r"\b(?:there\s+(?:is|was|were|are)|found|has|had)\s+(?:some\s+|a\s+)?(?:mou?ld|insects?|bugs?|"
        r"worms?|glass|metal|hair)\s+(?:in|on|inside)\b",
        r"(?:扎|割|刺)(?:破|伤)|(?:砸|夹|咬|弄|摔|磕|划)伤(?:了|到)?(?:我|手|脚|腿|脸|孩子|宝宝)",
        r"着火|起火|烧伤|烫伤|烧坏|冒烟|爆炸|炸了|触电|漏电|受伤|割伤|流血|过敏|中毒|有毒|窒息|危险|安全隐患",
        # fell ill after eating or drinking it; contaminated or mouldy goods
        r"(?:吃|喝|用)(?:了|完)?.{0,8}(?:拉肚子|腹泻|呕吐|吐了|肚子疼|胃疼|头晕|恶心|生病|住院|进医院)",
        r"(?:拉肚子|腹泻|呕吐|上吐下泻|食物中毒)|被污染|污染了|有异物|发霉了|霉变了|长毛了|长霉了",
        r"(?:里面?|里头)(?:有|发现了?|全是|都是)(?:一只|几只|好多|很多)?(?:虫|异物|玻璃|头发|霉)",
    ]
)
_LEGAL = _any(
    [
        r"\b(?:lawyer|attorney|solicitor|lawsuit|sue|suing|court|legal\s+action|small\s+claims)\b",
        r"\bconsumer\s+(?:protection|rights|council|agency)\b",
        r"\b(?:report|reporting)\s+(?:you|this|your\s+(?:shop|store|company))\s+to\b",
        r"\b(?:trading\s+standards|better\s+business\s+bureau|bbb|ftc)\b",
        r"律师|起诉|告你|法院|诉讼|法律|维权|消协|消费者协会|12315|工商局|市场监管|投诉到|举报",
    ]
)

_INJECTION = _any(
    [
        r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:previous|prior|above|earlier|all|any|"
        r"your|the|these|those|system)\b.{0,30}\b(?:instructions?|prompts?|rules?|guidelines|directions|"
        r"messages?|context|polic(?:y|ies))",
        r"\b(?:new|updated|real|actual)\s+(?:instructions?|system\s+prompt|rules)\s*[:：]",
        r"\b(?:you\s+are\s+now|from\s+now\s+on\s+you|act\s+as|pretend\s+(?:to\s+be|you)|roleplay\s+as|"
        r"you\s+must\s+now)\b",
        r"\b(?:system|developer)\s*(?:prompt|message|mode)\b",
        r"\b(?:reveal|show|print|repeat|output|tell\s+me)\b.{0,30}\b(?:prompt|instructions|system\s+message|"
        r"hidden\s+rules|configuration|api\s+key|password|secret)",
        r"\bjail\s?break|\bdan\s+mode\b|\bdo\s+anything\s+now\b",
        r"</?\s*(?:system|assistant|instructions?)\s*>|\[/?(?:inst|system)\]|<\|im_start\|>",
        r"\b(?:assistant|ai|bot)\s*[:：]\s*(?:sure|ok|yes)",
        r"(?:忽略|无视|忘记|忘掉|不要理会|跳过).{0,12}(?:之前|以上|前面|上面|所有|先前|原来|系统)?.{0,6}"
        r"(?:指令|指示|提示|规则|设定|要求|说明)",
        r"(?:你现在是|从现在(?:开始|起)你|扮演|假装你?是|你的新(?:身份|任务|指令))",
        r"(?:系统提示|系统指令|提示词|开发者模式|越狱)",
        r"(?:告诉我|输出|显示|泄露|打印).{0,10}(?:你的)?(?:指令|提示词|系统|密码|密钥)",
    ]
)


def needs_handoff(message: str) -> HandoffReason | None:
    """Why this message must go to a person (asks for one; a money, safety or legal complaint), else None."""
    text = _fold(message)
    if _HUMAN.search(text):
        return "human_requested"
    if _SAFETY.search(text):
        return "safety_complaint"
    if _LEGAL.search(text):
        return "legal_complaint"
    if _MONEY.search(text):
        return "money_complaint"
    return None


def looks_like_injection(text: str) -> bool:
    """Whether the text tries to give the assistant instructions (ignore your rules, you are now...)."""
    return _INJECTION.search(_fold(text)) is not None


def strip_injection(text: str) -> str:
    """``text`` without its sentences that try to instruct the assistant: what is left is searched for."""
    parts = re.split(r"(?<=[.!?。！？；;\n])\s*", text)
    return " ".join(part for part in parts if part.strip() and not looks_like_injection(part)).strip()


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_CHINA_ID = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"
)
_CARD = re.compile(r"(?<![0-9])(?:\d[ -]?){12,18}\d(?![0-9])")
_PHONE = re.compile(
    r"(?<![\w])(?:\+|00)?(?:86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])"  # Chinese mobile
    r"|(?<![\w])\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?![0-9])"  # international
    r"|(?<![\w])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![0-9])"  # North American
    r"|(?<![\w])0\d{2,3}[ -]\d{7,8}(?![0-9])"  # Chinese landline
)
_STREET_EN = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][A-Za-z'.-]*\s+){1,4}(?:street|st|avenue|ave|road|rd|lane|ln|boulevard|"
    r"blvd|drive|dr|court|ct|way|place|pl|terrace|close|crescent|highway|hwy)\b\.?"
    r"(?:,?\s*(?:apt|apartment|suite|unit|flat|#)\.?\s*\w+)?",
    re.IGNORECASE,
)
_PROVINCES = (
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
    "四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_ADDRESS_ZH = re.compile(
    rf"(?:{_PROVINCES})(?:省|市|自治区|特别行政区)?[\u4e00-\u9fff0-9]{{0,20}}?(?:路|街|道|巷|弄|村|镇|小区|大厦)"
    r"[0-9一二三四五六七八九十百零〇\-号栋幢单元楼层室]*"
    r"|[\u4e00-\u9fff]{1,6}(?:路|街|巷|弄)\d+号(?:[0-9\-]+(?:栋|幢|单元|楼|室))*"
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group(0)


def redact_pii(text: str) -> str:
    """``text`` with emails, phone numbers, ID and card numbers and street addresses replaced by tags."""
    text = _EMAIL.sub("[EMAIL]", text)
    text = _CHINA_ID.sub("[ID]", text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub("[PHONE]", text)
    text = _ADDRESS_ZH.sub("[ADDRESS]", text)
    return _STREET_EN.sub("[ADDRESS]", text)
