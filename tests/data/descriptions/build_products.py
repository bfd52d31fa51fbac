"""Writes products.json: the products of the description-quality set (run once; kept for the record).

Product kinds and attribute values were written by hand for this set; none is a few-shot example
(apps/catalog/data/description_examples.json) or a product of tests/data/grounding_products.json.
A seeded draw picks 5 to 7 attributes per product, so products of one kind differ.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

EN = [
    (
        "Linen shirt",
        "Apparel",
        ["Harbor Lane", "Westmoor"],
        {
            "material": ["100% linen", "linen-cotton blend"],
            "fit": ["relaxed", "regular"],
            "collar": ["button-down collar", "band collar"],
            "sizes": ["S-XXL", "XS-XL"],
            "care": ["machine wash cold", "hand wash"],
            "colour": ["sand", "sky blue", "white"],
            "sleeve": ["long sleeve", "short sleeve"],
        },
    ),
    (
        "Wireless earbuds",
        "Audio",
        ["Sonique", "Tunebay"],
        {
            "bluetooth": ["5.3", "5.2"],
            "battery life": ["6 hours, 24 hours with case", "8 hours, 30 hours with case"],
            "water resistance": ["IPX4", "IPX5"],
            "noise cancelling": ["active noise cancelling", "none"],
            "charging": ["USB-C", "USB-C and wireless"],
            "colour": ["black", "white"],
            "weight": ["4.5 g per earbud", "5 g per earbud"],
        },
    ),
    (
        "Pour-over coffee set",
        "Kitchen",
        ["Brewhaus", "Kettle & Leaf"],
        {
            "material": ["ceramic dripper, glass carafe", "porcelain dripper, borosilicate glass server"],
            "capacity": ["600 ml", "800 ml"],
            "includes": ["dripper, carafe, 40 paper filters", "dripper, server, scoop"],
            "filter size": ["size 02", "size 01"],
            "dishwasher safe": ["yes", "carafe only"],
            "colour": ["matte white", "charcoal"],
        },
    ),
    (
        "Trail running shoes",
        "Footwear",
        ["Ridgeline", "Stridewell"],
        {
            "upper": ["engineered mesh", "ripstop mesh"],
            "sole": ["rubber lugged outsole", "Vibram outsole"],
            "drop": ["6 mm", "8 mm"],
            "weight": ["280 g", "310 g"],
            "sizes": ["EU 38-46", "EU 36-44"],
            "lacing": ["quick-lace system", "standard laces"],
            "cushioning": ["EVA midsole", "foam midsole"],
        },
    ),
    (
        "Cast iron skillet",
        "Kitchen",
        ["Ironvale", "Hearthstone"],
        {
            "diameter": ["26 cm", "30 cm"],
            "weight": ["2.4 kg", "3.1 kg"],
            "seasoning": ["pre-seasoned with vegetable oil", "unseasoned"],
            "handle": ["helper handle", "long handle with hanging hole"],
            "hob types": ["gas, electric, induction", "gas, induction, oven"],
            "care": ["hand wash, dry and oil", "hand wash only"],
        },
    ),
    (
        "Merino wool beanie",
        "Accessories",
        ["Fellgate", "Northpine"],
        {
            "material": ["100% merino wool", "merino wool and nylon"],
            "knit": ["rib knit", "waffle knit"],
            "size": ["one size", "adult one size"],
            "colour": ["charcoal", "mustard", "forest green"],
            "care": ["hand wash cold", "machine wash wool cycle"],
            "lining": ["unlined", "fleece band"],
        },
    ),
    (
        "Standing desk converter",
        "Office",
        ["Deskwise", "Levelup"],
        {
            "width": ["80 cm", "95 cm"],
            "height range": ["12-50 cm", "15-42 cm"],
            "load capacity": ["15 kg", "20 kg"],
            "lift": ["gas spring", "manual crank"],
            "keyboard tray": ["removable keyboard tray", "fixed keyboard tray"],
            "finish": ["black laminate", "oak laminate"],
        },
    ),
    (
        "Electric kettle",
        "Kitchen",
        ["Boilright", "Kettleworks"],
        {
            "capacity": ["1.7 L", "1.2 L"],
            "power": ["2200 W", "1800 W"],
            "body": ["stainless steel", "borosilicate glass"],
            "temperature settings": ["5 presets 40-100 °C", "none"],
            "auto shut-off": ["yes", "yes, with boil-dry protection"],
            "base": ["360° swivel base", "cordless base"],
        },
    ),
    (
        "Camping hammock",
        "Outdoor",
        ["Canopy Co", "Trailnest"],
        {
            "material": ["210T parachute nylon", "ripstop nylon"],
            "load capacity": ["200 kg", "150 kg"],
            "size": ["270 x 140 cm", "260 x 130 cm"],
            "weight": ["480 g", "620 g"],
            "includes": ["2 tree straps, 2 carabiners", "tree straps and stuff sack"],
            "colour": ["olive", "orange"],
        },
    ),
    (
        "Bamboo cutting board",
        "Kitchen",
        ["Grainfold", "Slicewood"],
        {
            "material": ["bamboo", "carbonised bamboo"],
            "size": ["40 x 28 cm", "35 x 25 cm"],
            "thickness": ["2 cm", "1.5 cm"],
            "juice groove": ["yes", "no"],
            "handles": ["side handles", "hanging hole"],
            "care": ["hand wash, oil monthly", "hand wash only"],
        },
    ),
    (
        "Kids' rain jacket",
        "Kidswear",
        ["Puddlejump", "Little Ridge"],
        {
            "outer": ["polyester with PU coating", "nylon shell"],
            "water rating": ["5000 mm", "3000 mm"],
            "hood": ["detachable hood", "fixed hood"],
            "sizes": ["age 3-10", "age 4-12"],
            "reflective details": ["reflective strips on sleeves", "reflective piping"],
            "colour": ["yellow", "navy", "red"],
            "seams": ["taped seams", "sealed seams"],
        },
    ),
    (
        "LED strip lights",
        "Lighting",
        ["Glowline", "Lumastrip"],
        {
            "length": ["5 m", "10 m"],
            "colours": ["RGB, 16 million colours", "warm white"],
            "control": ["app and remote", "remote only"],
            "power": ["USB powered", "12 V adapter"],
            "adhesive": ["self-adhesive back", "mounting clips included"],
            "cuttable": ["every 10 cm", "every 3 LEDs"],
        },
    ),
    (
        "Yoga block set",
        "Fitness",
        ["Stillform", "Asana Lab"],
        {
            "material": ["EVA foam", "cork"],
            "size": ["23 x 15 x 7.5 cm", "22 x 14 x 7 cm"],
            "pieces": ["2 blocks and 1 strap", "2 blocks"],
            "weight": ["200 g each", "450 g each"],
            "edges": ["bevelled edges", "rounded edges"],
            "colour": ["purple", "natural"],
        },
    ),
    (
        "Leather wallet",
        "Accessories",
        ["Saddlecraft", "Ashby"],
        {
            "material": ["full-grain cowhide", "vegetable-tanned leather"],
            "card slots": ["6", "8"],
            "coin pocket": ["zip coin pocket", "none"],
            "size": ["11 x 9 cm", "12 x 9.5 cm"],
            "RFID blocking": ["yes", "no"],
            "colour": ["tan", "dark brown", "black"],
        },
    ),
    (
        "Portable power bank",
        "Electronics",
        ["Voltcarry", "Chargemate"],
        {
            "capacity": ["10000 mAh", "20000 mAh"],
            "output": ["22.5 W", "18 W"],
            "ports": ["USB-C in/out, 2 USB-A", "USB-C, USB-A"],
            "weight": ["210 g", "390 g"],
            "display": ["digital battery display", "4 LED indicators"],
            "colour": ["black", "white"],
        },
    ),
    (
        "Wool throw pillow cover",
        "Home",
        ["Loomhaven", "Fernhill"],
        {
            "material": ["wool blend", "60% wool, 40% cotton"],
            "size": ["45 x 45 cm", "50 x 50 cm"],
            "closure": ["hidden zip", "envelope back"],
            "pattern": ["herringbone", "cable knit"],
            "insert": ["cover only", "insert not included"],
            "colour": ["oatmeal", "rust"],
        },
    ),
    (
        "Stainless steel lunch box",
        "Kitchen",
        ["Tiffinly", "Packwell"],
        {
            "material": ["18/8 stainless steel", "304 stainless steel"],
            "capacity": ["1.2 L", "800 ml"],
            "compartments": ["3", "2"],
            "lid": ["silicone-sealed lid", "clip lid"],
            "leakproof": ["yes", "not leakproof"],
            "microwave safe": ["no", "no, metal"],
        },
    ),
    (
        "Digital kitchen scale",
        "Kitchen",
        ["Weighsmart", "Gramline"],
        {
            "max weight": ["5 kg", "10 kg"],
            "precision": ["1 g", "0.1 g"],
            "units": ["g, kg, oz, lb, ml", "g, oz"],
            "power": ["2 AAA batteries", "USB rechargeable"],
            "surface": ["tempered glass", "stainless steel"],
            "tare function": ["yes", "yes"],
        },
    ),
    (
        "Cycling helmet",
        "Sports",
        ["Velostone", "Spoke & Co"],
        {
            "shell": ["in-mould polycarbonate", "PC shell with EPS liner"],
            "vents": ["18", "22"],
            "sizes": ["M 54-58 cm, L 58-62 cm", "one size 55-61 cm"],
            "weight": ["260 g", "290 g"],
            "fit system": ["dial adjuster", "rear dial"],
            "light": ["rear LED light", "none"],
            "standard": ["EN 1078", "CPSC"],
        },
    ),
    (
        "Ceramic planter",
        "Garden",
        ["Terrabloom", "Greenhaus"],
        {
            "material": ["glazed ceramic", "stoneware"],
            "diameter": ["15 cm", "20 cm"],
            "drainage": ["drainage hole and saucer", "no drainage hole"],
            "finish": ["speckled glaze", "matte glaze"],
            "colour": ["sage green", "terracotta", "white"],
            "indoor/outdoor": ["indoor", "indoor and outdoor"],
        },
    ),
    (
        "Fleece hoodie",
        "Apparel",
        ["Summitwear", "Cobblestone"],
        {
            "material": ["recycled polyester fleece", "cotton-poly fleece"],
            "weight": ["300 gsm", "280 gsm"],
            "pockets": ["zip hand pockets", "kangaroo pocket"],
            "fit": ["regular", "oversized"],
            "sizes": ["XS-XXL", "S-XL"],
            "colour": ["heather grey", "black", "olive"],
            "hood": ["drawcord hood", "lined hood"],
        },
    ),
    (
        "Mechanical keyboard",
        "Computers",
        ["Keyforge", "Clackworks"],
        {
            "layout": ["75%", "full size"],
            "switches": ["hot-swappable brown switches", "red linear switches"],
            "connection": ["USB-C wired", "Bluetooth 5.1 and USB-C"],
            "backlight": ["white backlight", "RGB backlight"],
            "keycaps": ["PBT double-shot keycaps", "ABS keycaps"],
            "battery": ["4000 mAh", "none, wired only"],
        },
    ),
    (
        "Silk pillowcase",
        "Bedding",
        ["Lunasilk", "Softhour"],
        {
            "material": ["22 momme mulberry silk", "19 momme mulberry silk"],
            "size": ["51 x 76 cm", "50 x 75 cm"],
            "closure": ["hidden zip", "envelope"],
            "colour": ["champagne", "silver grey", "ivory"],
            "care": ["hand wash cold", "gentle machine wash in a bag"],
            "pieces": ["1", "2"],
        },
    ),
    (
        "Dog raincoat",
        "Pet supplies",
        ["Pawtrail", "Barkley"],
        {
            "material": ["waterproof polyester", "nylon with PU lining"],
            "sizes": ["XS-XL", "S-L"],
            "closure": ["hook-and-loop straps", "buckle straps"],
            "hood": ["detachable hood", "no hood"],
            "reflective": ["reflective trim", "none"],
            "colour": ["yellow", "red"],
            "leash hole": ["yes", "yes"],
        },
    ),
    (
        "Acrylic paint set",
        "Art supplies",
        ["Colorhaus", "Paintloft"],
        {
            "colours": ["24", "12"],
            "tube size": ["12 ml", "22 ml"],
            "finish": ["satin", "matte"],
            "includes": ["3 brushes", "palette and 2 brushes"],
            "surfaces": ["canvas, paper, wood", "canvas and wood"],
            "non-toxic": ["AP certified non-toxic", "conforms to ASTM D-4236"],
        },
    ),
    (
        "Insulated lunch bag",
        "Bags",
        ["Picnicly", "Carryco"],
        {
            "capacity": ["8 L", "12 L"],
            "insulation": ["foam with foil lining", "thermal foil lining"],
            "closure": ["zip", "roll-top with buckle"],
            "strap": ["adjustable shoulder strap", "carry handle"],
            "outer": ["600D polyester", "canvas"],
            "colour": ["navy", "grey"],
        },
    ),
]

ZH = [
    (
        "真空保温杯",
        "水杯",
        ["暖途", "知温"],
        {
            "材质": ["316不锈钢内胆", "304不锈钢"],
            "容量": ["500ml", "380ml"],
            "保温": ["保温12小时", "保温6小时"],
            "杯盖": ["弹跳盖", "旋盖带茶隔"],
            "颜色": ["奶白", "雾蓝", "墨绿"],
            "重量": ["260g", "320g"],
        },
    ),
    (
        "亚麻衬衫",
        "男装",
        ["素野", "麻间"],
        {
            "面料": ["100%亚麻", "亚麻混纺"],
            "版型": ["宽松", "常规"],
            "领型": ["立领", "翻领"],
            "尺码": ["M-3XL", "S-XL"],
            "袖长": ["长袖", "短袖"],
            "洗涤": ["手洗", "冷水机洗"],
            "颜色": ["白色", "燕麦色", "浅蓝"],
        },
    ),
    (
        "无线降噪耳机",
        "数码",
        ["声阔", "听澜"],
        {
            "蓝牙版本": ["5.3", "5.2"],
            "续航": ["单次6小时，配合充电盒24小时", "单次8小时，总续航30小时"],
            "防水等级": ["IPX4", "IPX5"],
            "降噪": ["主动降噪", "通话降噪"],
            "充电接口": ["Type-C", "Type-C，支持无线充电"],
            "颜色": ["黑色", "白色"],
        },
    ),
    (
        "跑步鞋",
        "运动鞋",
        ["迅驰", "跃步"],
        {
            "鞋面": ["飞织网面", "透气网布"],
            "中底": ["EVA中底", "超临界发泡中底"],
            "鞋底": ["耐磨橡胶大底", "碳板加橡胶大底"],
            "尺码": ["36-45", "39-46"],
            "重量": ["单只约230g", "单只约260g"],
            "颜色": ["黑白", "荧光绿"],
            "适用场景": ["路跑", "日常训练"],
        },
    ),
    (
        "手冲咖啡壶套装",
        "厨具",
        ["山野咖啡", "慢煮"],
        {
            "材质": ["陶瓷滤杯，玻璃分享壶", "耐热玻璃"],
            "容量": ["600ml", "400ml"],
            "套装内容": ["滤杯、分享壶、40张滤纸", "滤杯、分享壶、量勺"],
            "滤杯型号": ["V60 02", "01号"],
            "颜色": ["白色", "黑色"],
            "可洗碗机": ["分享壶可以", "否"],
        },
    ),
    (
        "铸铁锅",
        "锅具",
        ["铁匠铺", "炉边"],
        {
            "口径": ["26cm", "24cm"],
            "重量": ["2.8kg", "2.2kg"],
            "涂层": ["无涂层，出厂已开锅", "珐琅涂层"],
            "适用炉灶": ["燃气灶、电磁炉", "燃气灶、电磁炉、烤箱"],
            "锅盖": ["带锅盖", "不带锅盖"],
            "清洗": ["手洗后擦干上油", "手洗"],
        },
    ),
    (
        "羊毛围巾",
        "配饰",
        ["北境", "绒语"],
        {
            "材质": ["100%羊毛", "羊毛70%，腈纶30%"],
            "尺寸": ["180x30cm", "200x70cm"],
            "织法": ["罗纹针织", "格纹梭织"],
            "颜色": ["驼色", "酒红", "灰色"],
            "洗涤": ["手洗", "干洗"],
            "流苏": ["两端流苏", "无流苏"],
        },
    ),
    (
        "电热水壶",
        "小家电",
        ["沸点", "清泉"],
        {
            "容量": ["1.7L", "1.5L"],
            "功率": ["1800W", "1500W"],
            "内胆": ["304不锈钢", "高硼硅玻璃"],
            "温控": ["五档控温", "无"],
            "防干烧": ["是", "是，自动断电"],
            "底座": ["360度旋转底座", "分体式底座"],
        },
    ),
    (
        "露营折叠椅",
        "户外",
        ["野趣", "营地"],
        {
            "材质": ["铝合金支架，牛津布", "钢管支架，帆布"],
            "承重": ["120kg", "150kg"],
            "重量": ["1.6kg", "2.3kg"],
            "展开尺寸": ["52x50x65cm", "60x55x80cm"],
            "收纳": ["附收纳袋", "折叠后可手提"],
            "颜色": ["军绿", "卡其"],
        },
    ),
    (
        "竹制砧板",
        "厨具",
        ["竹里", "木作"],
        {
            "材质": ["楠竹", "碳化竹"],
            "尺寸": ["40x28cm", "36x26cm"],
            "厚度": ["2cm", "1.8cm"],
            "导流槽": ["有", "无"],
            "挂孔": ["有挂孔", "无"],
            "保养": ["手洗，定期上油", "手洗晾干"],
        },
    ),
    (
        "儿童雨衣",
        "童装",
        ["小雨点", "童趣"],
        {
            "面料": ["涤纶加PU涂层", "EVA"],
            "尺码": ["90-140cm", "100-150cm"],
            "帽子": ["可拆卸帽檐", "连帽"],
            "反光条": ["袖口反光条", "背部反光条"],
            "颜色": ["黄色", "粉色", "蓝色"],
            "书包位": ["有书包位", "无"],
        },
    ),
    (
        "LED灯带",
        "灯具",
        ["光屿", "萤火"],
        {
            "长度": ["5米", "10米"],
            "灯光颜色": ["RGB变色", "暖白"],
            "控制方式": ["APP加遥控器", "遥控器"],
            "供电": ["USB供电", "12V适配器"],
            "安装": ["背胶粘贴", "卡扣固定"],
            "可剪裁": ["每10cm可剪", "每3颗灯可剪"],
        },
    ),
    (
        "瑜伽砖",
        "健身",
        ["静练", "舒展"],
        {
            "材质": ["高密度EVA", "软木"],
            "尺寸": ["23x15x7.5cm", "22x14x7cm"],
            "数量": ["两块装", "单块"],
            "重量": ["每块200g", "每块450g"],
            "边角": ["圆角设计", "斜角"],
            "颜色": ["紫色", "原木色"],
        },
    ),
    (
        "真皮钱包",
        "箱包",
        ["皮匠", "简革"],
        {
            "材质": ["头层牛皮", "植鞣皮"],
            "卡位": ["6个", "8个"],
            "零钱袋": ["拉链零钱袋", "无"],
            "尺寸": ["11x9cm", "12x9.5cm"],
            "防盗刷": ["RFID屏蔽", "无"],
            "颜色": ["棕色", "黑色"],
        },
    ),
    (
        "充电宝",
        "数码",
        ["电速", "续航家"],
        {
            "容量": ["10000mAh", "20000mAh"],
            "输出功率": ["22.5W", "18W"],
            "接口": ["Type-C输入输出，两个USB-A", "Type-C，USB-A"],
            "重量": ["210g", "390g"],
            "显示": ["数显电量", "四格指示灯"],
            "颜色": ["黑色", "白色"],
        },
    ),
    (
        "抱枕套",
        "家纺",
        ["棉知", "织屋"],
        {
            "面料": ["羊毛混纺", "棉麻"],
            "尺寸": ["45x45cm", "50x50cm"],
            "开口": ["隐形拉链", "信封式"],
            "图案": ["人字纹", "麻花纹"],
            "枕芯": ["不含枕芯", "含枕芯"],
            "颜色": ["燕麦色", "铁锈红"],
        },
    ),
    (
        "不锈钢饭盒",
        "餐具",
        ["食盒记", "便当家"],
        {
            "材质": ["304不锈钢", "316不锈钢"],
            "容量": ["1.2L", "800ml"],
            "分格": ["三格", "两格"],
            "密封": ["硅胶密封圈", "卡扣盖"],
            "微波炉加热": ["不可以", "否"],
            "附件": ["附餐具", "附保温袋"],
        },
    ),
    (
        "厨房电子秤",
        "厨具",
        ["精称", "克度"],
        {
            "最大称重": ["5kg", "10kg"],
            "精度": ["1g", "0.1g"],
            "单位": ["克、千克、盎司、磅、毫升", "克、盎司"],
            "供电": ["两节7号电池", "USB充电"],
            "秤面": ["钢化玻璃", "不锈钢"],
            "去皮功能": ["有", "有"],
        },
    ),
    (
        "骑行头盔",
        "运动",
        ["风驰", "骑迹"],
        {
            "外壳": ["PC外壳一体成型", "PC外壳加EPS内衬"],
            "通风孔": ["18个", "22个"],
            "尺码": ["M 54-58cm，L 58-62cm", "均码55-61cm"],
            "重量": ["260g", "290g"],
            "调节": ["后脑旋钮调节", "旋钮"],
            "尾灯": ["带尾灯", "无"],
        },
    ),
    (
        "陶瓷花盆",
        "园艺",
        ["盆栽家", "绿植坊"],
        {
            "材质": ["釉面陶瓷", "粗陶"],
            "口径": ["15cm", "20cm"],
            "排水": ["底部排水孔，附托盘", "无排水孔"],
            "釉面": ["窑变釉", "哑光釉"],
            "颜色": ["青绿", "白色", "陶土色"],
            "适用": ["室内", "室内外"],
        },
    ),
    (
        "摇粒绒卫衣",
        "女装",
        ["山行", "暖阳"],
        {
            "面料": ["再生涤纶摇粒绒", "棉涤摇粒绒"],
            "克重": ["300g", "280g"],
            "口袋": ["拉链侧袋", "袋鼠兜"],
            "版型": ["常规", "宽松"],
            "尺码": ["S-XXL", "M-XL"],
            "颜色": ["燕麦灰", "黑色", "橄榄绿"],
        },
    ),
    (
        "机械键盘",
        "电脑外设",
        ["键匠", "敲击"],
        {
            "配列": ["75%配列", "全尺寸104键"],
            "轴体": ["热插拔茶轴", "红轴"],
            "连接": ["Type-C有线", "蓝牙5.1加有线双模"],
            "背光": ["白光", "RGB背光"],
            "键帽": ["PBT双色键帽", "ABS键帽"],
            "电池": ["4000mAh", "无，仅有线"],
        },
    ),
    (
        "真丝枕套",
        "床品",
        ["月丝", "软眠"],
        {
            "材质": ["22姆米桑蚕丝", "19姆米桑蚕丝"],
            "尺寸": ["51x76cm", "48x74cm"],
            "开口": ["隐形拉链", "信封式"],
            "颜色": ["香槟色", "银灰", "象牙白"],
            "洗涤": ["冷水手洗", "洗衣袋轻柔机洗"],
            "数量": ["单只", "一对"],
        },
    ),
    (
        "宠物雨衣",
        "宠物用品",
        ["爪迹", "汪星"],
        {
            "面料": ["防水涤纶", "尼龙加PU内衬"],
            "尺码": ["XS-XL", "S-L"],
            "固定方式": ["魔术贴", "卡扣"],
            "帽子": ["可拆卸帽子", "无帽"],
            "反光": ["反光边条", "无"],
            "颜色": ["黄色", "红色"],
        },
    ),
    (
        "丙烯颜料套装",
        "画材",
        ["彩绘坊", "色园"],
        {
            "颜色数量": ["24色", "12色"],
            "规格": ["每支12ml", "每支22ml"],
            "效果": ["哑光", "缎面"],
            "附件": ["附3支画笔", "附调色盘和2支画笔"],
            "适用": ["画布、纸张、木板", "画布、木板"],
            "安全": ["通过EN71认证", "无"],
        },
    ),
    (
        "保温午餐包",
        "箱包",
        ["野餐家", "携行"],
        {
            "容量": ["8L", "12L"],
            "保温层": ["珍珠棉加铝箔内衬", "铝箔内衬"],
            "开合": ["拉链", "卷口加卡扣"],
            "背带": ["可调节肩带", "手提"],
            "外层": ["600D牛津布", "帆布"],
            "颜色": ["藏青", "灰色"],
        },
    ),
]


HELD_OUT_FROM = 18

# Kinds added later (written by hand for this set like the ones above), all held aside; drawn with their
# own seed after the first set, so the first 208 products stay as they were.
EN_MORE = [
    (
        "Electric toothbrush",
        "Personal care",
        ["Brightly", "Oralis"],
        {
            "modes": ["3 cleaning modes", "5 cleaning modes"],
            "battery life": ["30 days per charge", "45 days per charge"],
            "charging": ["USB-C cradle", "inductive stand"],
            "timer": ["2-minute timer with 30-second pulses", "2-minute timer"],
            "water resistance": ["IPX7", "IPX8"],
            "included heads": ["2 brush heads", "4 brush heads"],
            "colour": ["matte black", "pearl white"],
        },
    ),
    (
        "Wooden jigsaw puzzle",
        "Toys",
        ["Timbertale", "Piecework"],
        {
            "pieces": ["500 pieces", "1000 pieces"],
            "finished size": ["50 x 38 cm", "68 x 48 cm"],
            "material": ["3 mm birch plywood", "basswood"],
            "theme": ["mountain lake", "city map"],
            "age": ["12+", "8+"],
            "box": ["cotton drawstring bag", "cardboard box"],
        },
    ),
    (
        "Expandable garden hose",
        "Garden",
        ["Greenreach", "Aquaflex"],
        {
            "length": ["15 m expanded", "30 m expanded"],
            "inner tube": ["latex", "TPE"],
            "fittings": ["brass fittings", "aluminium fittings"],
            "spray nozzle": ["10-pattern nozzle", "8-pattern nozzle"],
            "cover": ["polyester fabric", "nylon fabric"],
            "weight": ["0.9 kg", "1.4 kg"],
        },
    ),
    (
        "Scented soy candle",
        "Home fragrance",
        ["Emberleaf", "Quietwick"],
        {
            "wax": ["100% soy wax", "soy and coconut wax"],
            "scent": ["cedar and sage", "fig and vanilla"],
            "burn time": ["40 hours", "60 hours"],
            "wick": ["cotton wick", "wooden wick"],
            "vessel": ["amber glass jar", "concrete pot"],
            "weight": ["200 g", "300 g"],
        },
    ),
]
ZH_MORE = [
    (
        "电动牙刷",
        "个护",
        ["亮齿", "洁芯"],
        {
            "模式": ["三档清洁模式", "五档清洁模式"],
            "续航": ["充一次用30天", "充一次用45天"],
            "充电方式": ["Type-C充电", "感应充电座"],
            "定时": ["两分钟智能定时", "30秒换区提醒"],
            "防水等级": ["IPX7", "IPX8"],
            "刷头": ["附2个刷头", "附4个刷头"],
            "颜色": ["曜石黑", "珍珠白"],
        },
    ),
    (
        "木质拼图",
        "玩具",
        ["木趣", "拼时光"],
        {
            "片数": ["500片", "1000片"],
            "完成尺寸": ["50x38cm", "68x48cm"],
            "材质": ["3mm桦木板", "椴木"],
            "图案": ["山湖风景", "城市地图"],
            "适用年龄": ["12岁以上", "8岁以上"],
            "包装": ["棉布抽绳袋", "纸盒"],
        },
    ),
    (
        "伸缩水管",
        "园艺",
        ["绿源", "水韵"],
        {
            "长度": ["伸展后15米", "伸展后30米"],
            "内管": ["乳胶内管", "TPE内管"],
            "接头": ["黄铜接头", "铝合金接头"],
            "喷头": ["十种喷水模式", "八种喷水模式"],
            "外层": ["涤纶布", "尼龙布"],
            "重量": ["0.9kg", "1.4kg"],
        },
    ),
    (
        "香薰蜡烛",
        "家居香氛",
        ["栖木", "静燃"],
        {
            "蜡质": ["纯大豆蜡", "大豆椰子混合蜡"],
            "香调": ["雪松鼠尾草", "无花果香草"],
            "燃烧时间": ["约40小时", "约60小时"],
            "烛芯": ["棉芯", "木芯"],
            "容器": ["琥珀色玻璃杯", "水泥杯"],
            "净含量": ["200g", "300g"],
        },
    ),
]


def build(kinds: list, language: str, per_kind: int, rng: random.Random, first: int = 0) -> list[dict]:
    products = []
    for kind_index, (title, category, brands, pools) in enumerate(kinds, start=first):
        for variant in range(per_kind):
            keys = list(pools)
            count = min(len(keys), rng.randint(5, 7))
            chosen = sorted(rng.sample(range(len(keys)), count))
            attributes = {keys[i]: rng.choice(pools[keys[i]]) for i in chosen}
            attributes = {
                key: value for key, value in attributes.items() if value not in ("none", "无", "no", "否")
            }
            sku = f"{language.upper()}-Q{kind_index + 1:02d}{variant + 1}"
            products.append(
                {
                    "sku": sku,
                    "language": language,
                    "title": title,
                    "category": category,
                    "brand": brands[variant % len(brands)],
                    "attributes": attributes,
                    # The last 8 kinds of each language are held aside: labelled, reported on, never tuned on.
                    "split": "heldout" if kind_index >= HELD_OUT_FROM else "tune",
                }
            )
    return products


def main() -> None:
    rng = random.Random(20261130)
    products = build(EN, "en", 4, rng) + build(ZH, "zh", 4, rng)
    more = random.Random(20261201)
    products += build(EN_MORE, "en", 4, more, first=len(EN)) + build(ZH_MORE, "zh", 4, more, first=len(ZH))
    path = Path(__file__).with_name("products.json")
    path.write_text(json.dumps({"products": products}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(len(products), sum(p["split"] == "heldout" for p in products))


if __name__ == "__main__":
    main()
