"""What the span check must not flag (supported text said in other words, praise, plain words) and the claims
it reads against the facts' own wording (dimensions, sizes in another state, features the facts deny)."""

from __future__ import annotations

import pytest

from apps.catalog.text.facts import ProductFacts
from apps.catalog.text.invention import detect

EARBUDS = ProductFacts(
    title="Wireless earbuds",
    brand="Sonique",
    category="Audio",
    attributes={"bluetooth": "5.3", "battery life": "6 hours, 24 hours with case", "charging": "USB-C"},
)
BEANIE = ProductFacts(
    title="Merino wool beanie",
    brand="Fellgate",
    category="Accessories",
    attributes={"material": "100% merino wool", "knit": "rib knit", "size": "one size"},
)
SHOES = ProductFacts(
    title="Trail running shoes",
    brand="Ridgeline",
    category="Footwear",
    attributes={"upper": "ripstop mesh", "weight": "310 g", "sizes": "EU 38-46"},
)
SKILLET = ProductFacts(
    title="Cast iron skillet",
    brand="Ironvale",
    category="Kitchen",
    attributes={"diameter": "30 cm", "hob types": "gas, electric, induction", "care": "hand wash only"},
)
KETTLE = ProductFacts(
    title="Electric kettle",
    brand="Boilright",
    category="Kitchen",
    attributes={"capacity": "1.7 L", "temperature settings": "5 presets 40-100 °C"},
)
SCALE = ProductFacts(
    title="Digital kitchen scale",
    brand="Weighsmart",
    category="Kitchen",
    attributes={"max weight": "5 kg", "precision": "0.1 g", "units": "g, oz"},
)
LIGHTS = ProductFacts(
    title="LED strip lights",
    brand="Glowline",
    category="Lighting",
    attributes={"length": "10 m", "adhesive": "self-adhesive back"},
)
DESK = ProductFacts(
    title="Standing desk converter",
    brand="Deskwise",
    category="Office",
    attributes={"width": "95 cm", "height range": "15-42 cm", "load capacity": "20 kg"},
)
PILLOW = ProductFacts(
    title="Wool throw pillow cover",
    brand="Fernhill",
    category="Home",
    attributes={"size": "45 x 45 cm", "closure": "hidden zip", "insert": "insert not included"},
)
LUNCH_BOX = ProductFacts(
    title="Stainless steel lunch box",
    brand="Packwell",
    category="Kitchen",
    attributes={
        "material": "304 stainless steel",
        "leakproof": "not leakproof",
        "microwave safe": "no, metal",
    },
)
RAIN_JACKET = ProductFacts(
    title="Kids' rain jacket",
    brand="Puddlejump",
    category="Kidswear",
    attributes={"outer": "nylon shell", "water rating": "5000 mm"},
)
SHIRT = ProductFacts(
    title="Linen shirt",
    brand="Harbor Lane",
    category="Apparel",
    attributes={"material": "100% linen", "fit": "relaxed"},
)
SHIRT_SIZES = ProductFacts(
    title="Linen shirt",
    brand="Harbor Lane",
    category="Apparel",
    attributes={"sizes": "S-XL", "colour": "white"},
)
TWO_COLOURS = ProductFacts(
    title="Linen shirt",
    brand="Harbor Lane",
    category="Apparel",
    attributes={"colours": "white, sand"},
)
KETTLE_POWER = ProductFacts(
    title="Electric kettle",
    brand="Boilright",
    category="Kitchen",
    attributes={"capacity": "1.7 L", "power": "2200 W"},
)
BOARD = ProductFacts(
    title="Bamboo cutting board",
    brand="Grainfold",
    category="Kitchen",
    attributes={"material": "bamboo", "size": "35 x 25 cm", "thickness": "2 cm"},
)
SCARF_ZH = ProductFacts(
    title="羊毛围巾",
    brand="北境",
    category="配饰",
    attributes={"材质": "100%羊毛", "尺寸": "180x30cm", "流苏": "无流苏"},
)
CHAIR_ZH = ProductFacts(
    title="露营折叠椅",
    brand="野趣",
    category="户外",
    attributes={"材质": "铝合金支架，牛津布", "展开尺寸": "52x50x65cm", "收纳": "附收纳袋"},
)
PAN_ZH = ProductFacts(
    title="铸铁锅",
    brand="铁匠铺",
    category="锅具",
    attributes={"口径": "26cm", "锅盖": "不带锅盖", "涂层": "无涂层", "保温": "保温6小时"},
)
BOTTLE = ProductFacts(
    title="Insulated bottle",
    brand="Packwell",
    category="Drinkware",
    attributes={"material": "stainless steel", "dishwasher safe": "yes", "leakproof": "yes"},
)
CUP_ZH = ProductFacts(
    title="保温杯",
    brand="知温",
    category="杯具",
    attributes={"容量": "500ml", "保温": "保温12小时", "防漏": "是"},
)
EARBUDS_ZH = ProductFacts(
    title="无线降噪耳机", brand="声阔", category="数码", attributes={"连接": "无线蓝牙", "降噪": "主动降噪"}
)
BOARD_ZH = ProductFacts(
    title="竹制砧板",
    brand="木作",
    category="厨具",
    attributes={"材质": "楠竹", "面料": "羊毛混纺"},
)


def flagged(text: str, facts: ProductFacts, language: str = "en") -> list[str]:
    return [span.text for span in detect(text, facts, language=language).invented]


def praised(text: str, facts: ProductFacts, language: str = "en") -> list[str]:
    return [span.text for span in detect(text, facts, language=language).puffery]


@pytest.mark.parametrize(
    ("text", "facts", "language"),
    [
        # The kind's obvious purpose and its plain names.
        ("The headphones are great for podcasts, games and watching TV.", EARBUDS, "en"),
        ("The hat keeps your head warm in winter.", BEANIE, "en"),
        ("Install it on a wall, in a cupboard or in a hallway.", LIGHTS, "en"),
        ("It boils water for tea.", KETTLE, "en"),
        ("The rain jacket is waterproof and protects from the elements.", RAIN_JACKET, "en"),
        ("The heel and forefoot sit in the mesh upper.", SHOES, "en"),
        ("It converts your desk.", DESK, "en"),
        # The facts in other words.
        ("It is safe to use on the stovetop.", SKILLET, "en"),
        ("It is accurate to 0.1 g and reads grams and ounces.", SCALE, "en"),
        ("It has 5 preset temperatures.", KETTLE, "en"),
        ("It has hidden zippers.", PILLOW, "en"),
        ("The case is an earbud holder and charges over a USB-C cable.", EARBUDS, "en"),
        ("The shoes are lightweight.", SHOES, "en"),
        # Plain words of saying anything.
        ("It is made of approximately 100% merino wool, a bit like other materials.", BEANIE, "en"),
        # Dimensions said with the fact's own dimension.
        ("It is 10 m long.", LIGHTS, "en"),
        ("It is 45 cm long and 45 cm wide.", PILLOW, "en"),
        ("It is 95 cm wide.", DESK, "en"),
        # Chinese: words segmentation glues together, a fact's word with a common ending.
        ("北境羊毛围巾非常适合日常使用。", SCARF_ZH, "zh"),
        ("具有保温性。", PAN_ZH, "zh"),
        ("采用羊毛混纺布。", BOARD_ZH, "zh"),
        # Denied features said with their negation, or echoed as a label.
        ("It is not leakproof and not microwave safe.", LUNCH_BOX, "en"),
        ("The insert is not included.", PILLOW, "en"),
        ("Microwave safe: no, metal.", LUNCH_BOX, "en"),
        ("不带锅盖，无涂层。", PAN_ZH, "zh"),
        # Features the facts affirm, said as they are or added to ("not only", "不仅").
        ("It is dishwasher safe and leakproof.", BOTTLE, "en"),
        ("Not only leakproof, it is dishwasher safe too.", BOTTLE, "en"),
        ("不仅防漏，还能保温。", CUP_ZH, "zh"),
        ("无线降噪耳机，主动降噪。", EARBUDS_ZH, "zh"),  # 无线 (wireless) only starts with 无
        ("无流苏。", SCARF_ZH, "zh"),
        ("展开尺寸为52x50x65cm。", CHAIR_ZH, "zh"),
        # A label of the prompt echoed back, a size letter the facts give, colours the facts list.
        ("Brand: Fellgate. Category: Accessories.", BEANIE, "en"),
        ("It comes in sizes S, M and XL.", SHIRT_SIZES, "en"),
        ("It comes in a variety of colours.", TWO_COLOURS, "en"),
        # Units joined by a hyphen or spelt out, and a range's first number in the range's unit.
        ("It has a 1.7-litre capacity and 2200 watt power.", KETTLE_POWER, "en"),
        ("It has a 15-cm height.", DESK, "en"),
        # Praise by its form: doubled, or a bare grade after praise.
        ("性价比高，干干净净。", PAN_ZH, "zh"),
        ("It is 35 x 25 cm in size and 2 cm thick.", BOARD, "en"),
    ],
)
def test_supported_text_is_not_flagged(text: str, facts: ProductFacts, language: str) -> None:
    assert flagged(text, facts, language) == []


@pytest.mark.parametrize(
    ("text", "facts", "language", "praise"),
    [
        (
            "It is safe, good and worth every penny.",
            SKILLET,
            "en",
            ["safe", "good", "worth", "penny"],
        ),
        ("It fits comfortably and is easy-to-clean.", BEANIE, "en", ["comfortably", "easy-to-clean"]),
        ("A high quality, premium-grade beanie.", BEANIE, "en", ["high", "quality", "premium-grade"]),
        ("使用起来方便快捷，色泽亮丽。", PAN_ZH, "zh", ["方便快捷", "亮丽"]),
        ("它是最轻的。", PAN_ZH, "zh", ["最轻"]),
    ],
)
def test_generic_praise_is_puffery_not_invention(
    text: str, facts: ProductFacts, language: str, praise: list[str]
) -> None:
    assert flagged(text, facts, language) == []
    assert praised(text, facts, language) == praise


@pytest.mark.parametrize(
    ("text", "facts", "language", "expected"),
    [
        # The same words without the kind or the fact that accounts for them.
        (
            "The shirt is waterproof and keeps you warm in winter.",
            SHIRT,
            "en",
            ["waterproof", "warm in winter"],
        ),
        ("It is safe to use on the stovetop.", KETTLE, "en", ["stovetop"]),
        ("It reads grams and pounds.", SCALE, "en", ["pounds"]),
        # "lightweight" says what a product weighs, not what it can carry.
        ("It is lightweight.", SCALE, "en", ["lightweight"]),
        # Units and numbers are still read.
        ("It has 5.3 inch drivers.", EARBUDS, "en", ["5.3 inch", "drivers"]),
        ("It has 6 presets and 3 speeds.", KETTLE, "en", ["6 presets", "3 speeds"]),
        # A fact's number said as another dimension.
        ("It stands 95 cm high.", DESK, "en", ["95 cm high"]),
        ("It is 30 cm deep.", SKILLET, "en", ["30 cm deep"]),
        ("It has a lever for a 95-cm height.", DESK, "en", ["lever", "95-cm height"]),
        ("It has 2400 watt power.", KETTLE_POWER, "en", ["2400 watt"]),
        # A size of two dimensions is no thickness where the facts give the thickness apart.
        ("It has a 35 x 25 cm thickness.", BOARD, "en", ["25 cm thickness"]),
        # Features the facts deny.
        ("It is leakproof, but not microwave safe.", LUNCH_BOX, "en", ["leakproof"]),
        ("It comes with an insert.", PILLOW, "en", ["insert"]),
        ("带锅盖。", PAN_ZH, "zh", ["锅盖"]),
        ("围巾带流苏。", SCARF_ZH, "zh", ["流苏"]),
        # Features the facts affirm, said with a negation.
        ("It is not dishwasher safe.", BOTTLE, "en", ["not dishwasher safe"]),
        ("It isn't leakproof.", BOTTLE, "en", ["isn't leakproof"]),
        ("这款杯子不能保温。", CUP_ZH, "zh", ["不能保温"]),
        ("这款杯子不防漏。", CUP_ZH, "zh", ["不防漏"]),
        ("It comes in size M.", BEANIE, "en", ["M"]),
        ("It is available in a variety of colours.", SHIRT_SIZES, "en", ["variety of colours"]),
        ("有多种颜色可选。", SCARF_ZH, "zh", ["多种颜色"]),
        # A size said in another state than the facts give it.
        ("折叠的尺寸为52x50x65cm。", CHAIR_ZH, "zh", ["折叠的尺寸"]),
        # A word of a fact's with a common ending still needs the fact: 木 is only the brand's.
        ("竹制砧板是用木材制成的。", BOARD_ZH, "zh", ["木材"]),
    ],
)
def test_claims_the_facts_do_not_make_are_still_flagged(
    text: str, facts: ProductFacts, language: str, expected: list[str]
) -> None:
    assert flagged(text, facts, language) == expected
