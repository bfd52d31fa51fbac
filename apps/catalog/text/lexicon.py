"""Words a description may use without a fact behind them: function words, the generic vocabulary of
describing any product, each kind of product's own generic words, and generic praise (puffery).

Everything else a draft says must come from the product's facts or the brand voice. Words are kept
lower-case; English entries are matched on a crude stem (see invention.stem).
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS_EN = frozenset(
    _words(
        """a an the and or but nor so yet of to in on at by for with from into onto over under up down
        out off about as than then that this these those it its it's they them their there here is
        are was were be been being am do does did done has have having had will would can could
        should may might must shall not no yes you your yours we our us i me my he she his her who
        whom whose which what when where why how all any both each every few more most other some
        such only own same too very just also even still again once while whether if because though
        although until unless between through during before after above below against among per via
        s t one two three four five six seven eight nine ten first second whole either neither many
        much lot lots well way ways thing things get gets got let lets like
        it's that's there's here's what's you're we're they're i'm you'll we'll they'll it'll
        you've we've they've don't doesn't didn't won't can't cannot isn't aren't wasn't weren't
        possible enough put take takes taking
        bit little ones etc approximately approx around roughly main mainly thanks really quite rather
        according accordingly"""
    )
)

# The vocabulary of describing a product at all: verbs of making and offering, parts of a description.
GENERIC_EN = frozenset(
    _words(
        """product item design designed designs feature features featuring featured made make makes
        making offer offers offering provide provides providing come comes coming include includes
        included including use uses used using user users choice option options ideal suitable suit
        suits fit fits available keep keeps keeping hold holds holding add adds adding give gives
        giving bring brings help helps allow allows let enjoy enjoys need needs want wants go goes
        find look looks looking detail details finish day days daily everyday every time times go-to
        easily simple simply pair pairs size sizes colour colours color colors
        style styles styled type types kind version model part parts range selection whatever
        whenever wherever always ready new own perfect work works working clean cleaning care wear
        wearing wears home life moment moments need needs own people person anyone everyone someone
        create creates created build built stay stays look feel feels touch addition additional
        extra practical functional function functions quality value pick picks rated rating means
        mean meaning last lasts lasting experience measure measures weigh weighs
        material materials construction manufactured equipped accessory accessories tool tools piece
        pieces grade operate operated operates access sit sits fabric surface casing task
        tasks serve serves lover lovers gear measuring read reads run runs lifestyle routine routines
        activity activities place places area areas purpose purposes solution solutions requirement
        requirements preference preferences enhance enhances elevate elevates complement complements
        upgrade upgrades ensure ensures ensuring deliver delivers meet meets choose chosen series domestic
        electricity dimension dimensions various fully prevent prevents preventing"""
    )
)

# Generic praise: not a fact and not provable; reported apart from invented facts.
PUFFERY_EN = frozenset(
    _words(
        """comfortable comfort comfy stylish style elegant elegance beautiful beautifully great
        excellent amazing awesome lovely nice cosy cozy premium luxurious luxury high-quality
        superior sleek modern classic timeless chic trendy fashionable gorgeous stunning fantastic
        wonderful ideal perfect perfectly best better finest ultimate unbeatable exceptional
        outstanding remarkable incredible impressive smooth soft softness versatile durable
        durability sturdy reliable convenient convenience effortless effortlessly refined
        sophisticated essential must-have favourite favorite love loves delightful pleasant fresh
        crisp charming cute fun vibrant rich bold subtle minimalist minimal easy fine
        good safe safely gift gifts worth worthwhile compact robust stable affordable long-lasting
        high-performance extremely useful secure strong handy peace penny investment superb top-notch
        well-made well-crafted crafted thoughtful thoughtfully attractive appealing eye-catching neat
        pretty hassle-free worry-free stress-free indispensable absolutely truly unique companion
        gentle special powerful super"""
    )
)

STOPWORDS_ZH = frozenset(
    _words(
        """的 了 和 与 及 或 是 在 有 也 都 就 还 又 很 更 最 让 使 被
        把 对 于 为 以 从 到 之 其 这 那 这款 此款 该 本 本款 它 您 你
        我们 我 他 她 它们
        一 一个 一款 一种 个 款 种 件 只 些 每 各 不 没 没有 无 而 且
        并 并且 但 但是 如果 因为 所以 可 可以 能 能够 会 要 需要 将 着
        过 地 得 等 等等 时
        中 上 下 里 内 外 后 前 来 去 给 用 为了 即 即使 同时 以及 还是
        只是 就是 则 却 吗 呢 吧 啊 哦 呀 啦 而且 不仅 更加 非常 十分
        特别 比较 较 多 少
        所有 一起 之一 不同 其中 一些 一下 一直 这样 那样 如此 带来 带 选择 起来 性 感 极具 再 台 均"""
    )
)

GENERIC_ZH = frozenset(
    _words(
        """设计 采用 搭配 配有 配备 适合 适用 使用 日常 生活 产品 商品 款式
        尺寸 尺码 颜色 色 风格 选择 满足 需求 体验 轻松 方便 便捷 简单 实用
        功能 细节 品质 质感 制作 制成 做成 做 材料 作为 时候 设有 经常 主要 优点 特性 用品
        物品 放置 位置 处 达 至 分为 能力 设备 工具 实物 图片 由 当 既 左右 质地 原理 长时间
        清洁 清理 清洗
        打造 专为 提供 具有 拥有 具备 带有 可选 多种 满足 随时 随地 每天
        每日 日常 场合 场景 人群 用户 家 家庭 居家 理想 之选 佳品 必备 好物
        系列 款 型 材质 面料
        做工 工艺 手感 外观 外形 色泽 布料 织物 主材 价格 内部 造型 结构 部分 整体 简约 效果 特点
        特色 优势 配 附 含 内置 自带 支持 携带 属于 类目 提升 增添 呈现 展现 彰显 营造 带给 感受
        兼顾 融合 结合 设计感 环境 方式 状态 过程 时间 使用者 消费者 操作 变得 一般 常见 人 取 放入
        出行 外出 出街"""
    )
)

PUFFERY_ZH = frozenset(
    _words(
        """舒适 舒服 时尚 优雅 美观 精美 精良 优美 美丽 新颖 颜值 高颜值 精巧 精细 考究 讲究 匠心 用心 精心
        上乘 一流 大气 典雅 愉悦 惬意 享受 品味 格调 满意 物美价廉 不错 良好 强 有效 贵重 性价比
        高档 人性化 高强度 亮丽 持久 均匀 安全 快捷 清爽 光滑 便宜 担心 易清洗 够用 牢固
        使用寿命 寿命长 自如 随心 自在 稳定
        不可或缺 贴合 轻便 流畅 功能性 易用 好 精致 高端 高品质 优质 好看 百搭 大方 漂亮
        经典 品位 质感 耐用 结实 坚固 耐磨 柔软 亲肤 顺滑 细腻 轻盈 轻巧
        小巧 高级 奢华 完美
        极致 出色 卓越 优秀 超值 惊艳 可爱 温馨 清新 简约 百搭 实惠 贴心
        安心 放心 舒心 靓丽 雅致 潮流 个性 时髦 优良 出众 非凡 独特 卓越
        理想 喜爱 心仪 贴身 好用
        耐看 低调 无伤大雅 干净 简洁 首选 方便携带"""
    )
)

# The generic words of a kind of product, found from its title and category.
KIND_VOCABULARY: dict[str, tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = {
    # kind: (cues in title or category, English words, Chinese words)
    "apparel": (
        ("apparel", "shirt", "hoodie", "jacket", "wear", "beanie", "scarf", "衫", "衣", "装", "围巾", "卫衣"),
        frozenset(
            _words(
                "wear wardrobe outfit garment clothing layer layering fabric body season seasons "
                "weather casual dressed look fit fits cut sewn clothes garments neck head"
            )
        ),
        frozenset(
            _words(
                "穿 穿着 穿搭 上身 衣橱 季节 日常 休闲 出门 身材 体型 衣物 搭配 面料 版型 衣服 服装 服饰 上衣"
            )
        ),
    ),
    "footwear": (
        ("shoe", "footwear", "sneaker", "鞋"),
        frozenset(
            _words(
                "foot feet step steps stride run running runner runs walk walking trail trails pair "
                "shoe shoes heel heels forefoot toe toes"
            )
        ),
        frozenset(
            _words("脚 脚感 双脚 跑步 跑者 步伐 行走 脚步 鞋 鞋子 路面 运动 此鞋 鞋款 鞋身 穿着 休闲 穿搭")
        ),
    ),
    "kitchen": (
        (
            "kitchen",
            "cook",
            "coffee",
            "kettle",
            "skillet",
            "board",
            "lunch",
            "scale",
            "锅",
            "厨",
            "壶",
            "砧板",
            "饭盒",
            "秤",
            "餐",
            "杯",
        ),
        frozenset(
            _words(
                "kitchen cook cooking cooks meal meals food foods recipe recipes dish dishes brew "
                "brewing coffee tea water drink drinks table counter countertop chef chefs prep "
                "preparing home-cooked ingredient ingredients weigh weighing bake baking lunch lunches pour "
                "vegetable vegetables herbs snack snacks kitchenware"
            )
        ),
        frozenset(
            _words(
                "厨房 烹饪 做饭 下厨 美食 食物 食材 饭菜 咖啡 茶 "
                "喝水 饮品 餐桌 料理 午餐 称量 冲泡 煮 水 内壁 外壁 底部 "
                "用具 厨具 电器 家用 家用电器 厨房电器"
            )
        ),
    ),
    "electronics": (
        (
            "audio",
            "electronic",
            "earbud",
            "power bank",
            "keyboard",
            "computer",
            "lighting",
            "light",
            "数码",
            "耳机",
            "充电",
            "键盘",
            "电脑",
            "灯",
        ),
        frozenset(
            _words(
                "music listen listening hear hearing sound audio calls call device devices phone phones "
                "tablet laptop charge "
                "charging charged battery power connect connection connected typing type desk setup "
                "room rooms "
                "light lighting lights mood headphone headphones earphone earphones ear ears "
                "podcast podcasts video videos movie movies tv watch watching game games gaming charger "
                "chargers cell external electricity"
            )
        ),
        frozenset(
            _words(
                "音乐 听歌 声音 音频 通话 设备 手机 平板 电脑 充电 "
                "电量 电池 连接 打字 桌面 房间 灯光 照明 氛围 播放 娱乐 音质 佩戴 耳塞 入耳 充电盒"
            )
        ),
    ),
    "outdoor": (
        (
            "outdoor",
            "camping",
            "hammock",
            "garden",
            "planter",
            "sport",
            "helmet",
            "cycling",
            "户外",
            "露营",
            "园艺",
            "花盆",
            "骑行",
            "运动",
        ),
        frozenset(
            _words(
                "outdoor outdoors camp camping trip trips adventure adventures travel garden plant "
                "plants flower flowers ride riding rider riders cycling bike head vacation holiday "
                "sleep night rest relax carry carrying pack packed"
            )
        ),
        frozenset(_words("户外 露营 出行 旅行 野外 花园 植物 绿植 花 骑行 骑车 头部 出游")),
    ),
    "home": (
        ("home", "bedding", "pillow", "抱枕", "家纺", "床品", "枕"),
        frozenset(_words("home room living sofa couch bed bedroom sleep sleeping night decor space")),
        frozenset(_words("家 家居 客厅 沙发 床 卧室 睡眠 睡觉 夜晚 装饰 空间")),
    ),
    "fitness": (
        ("fitness", "yoga", "瑜伽", "健身"),
        frozenset(
            _words(
                "practice practise pose poses stretch stretching workout workouts training balance support "
                "floor"
            )
        ),
        frozenset(_words("练习 体式 拉伸 训练 健身 平衡 支撑 运动 瑜伽室")),
    ),
    "pets": (
        ("pet", "dog", "cat", "宠物", "狗"),
        frozenset(_words("dog dogs pup puppy pet pets walk walks owner owners")),
        frozenset(_words("狗狗 宠物 毛孩子 遛狗 主人 出门")),
    ),
    "art": (
        ("art", "paint", "画", "颜料"),
        frozenset(
            _words(
                "paint painting painter painters artist artists art project projects create colour colours"
            )
        ),
        frozenset(_words("绘画 画画 创作 作品 艺术 画家 颜色")),
    ),
    "bags": (
        ("bag", "wallet", "箱包", "包", "钱包"),
        frozenset(_words("carry carrying pocket pockets bag cards card cash essentials hand")),
        frozenset(_words("携带 收纳 卡片 现金 随身 背面 皮质")),
    ),
    "seating": (
        ("chair", "stool", "椅", "凳"),
        frozenset(_words("seat seats sit sitting seated")),
        frozenset(_words("座椅 椅子 座 坐 坐着")),
    ),
    "headwear": (
        ("beanie", "bucket hat", "sun hat", "baseball cap", "帽子", "毛线帽", "针织帽", "渔夫帽", "棒球帽"),
        frozenset(_words("hat hats cap caps head ears warm warmth winter cold")),
        frozenset(_words("头部 耳朵 保暖 冬季 冬天 秋冬")),
    ),
    "neckwear": (
        ("scarf", "围巾"),
        frozenset(_words("neck warm warmth winter cold")),
        frozenset(_words("脖子 颈部 保暖 冬季 冬天 秋冬")),
    ),
    "rainwear": (
        ("rain jacket", "raincoat", "rain coat", "poncho", "雨衣", "雨披"),
        frozenset(_words("rain rainy waterproof wet dry protect protects protection elements")),
        frozenset(_words("防水 防雨 下雨 雨天 雨水")),
    ),
    "kettle": (
        ("kettle", "热水壶", "烧水壶"),
        frozenset(_words("boil boils boiling boiled hot heat heats heating")),
        frozenset(_words("烧水 热水 沸腾 加热 烧开")),
    ),
    "lighting": (
        ("led strip", "led light", "strip light", "lighting", "灯带", "灯具"),
        frozenset(
            _words(
                "install installs installed installation wall walls cupboard cupboards cabinet cabinets "
                "shelf shelves hallway hallways living bedroom kitchen office space spaces "
                "decorate decoration decorative"
            )
        ),
        frozenset(_words("安装 墙 墙面 柜子 橱柜 客厅 卧室 卫浴 书房 厨房")),
    ),
    "office": (
        ("office", "desk"),
        frozenset(
            _words(
                "work working desk office sit sitting stand standing posture screen monitor desktop furniture"
            )
        ),
        frozenset(_words("办公 工作 桌面 坐 站 电脑")),
    ),
}

_CUE_SPLIT = re.compile(r"\s+")


def kind_words(*, title: str, category: str) -> tuple[frozenset[str], frozenset[str]]:
    """The generic words (English, Chinese) of every kind the title or category names."""
    haystack = f"{title} {category}".lower()
    english: set[str] = set()
    chinese: set[str] = set()
    for cues, words_en, words_zh in KIND_VOCABULARY.values():
        if any(cue in haystack for cue in cues):
            english |= words_en
            chinese |= words_zh
    return frozenset(english), frozenset(chinese)
