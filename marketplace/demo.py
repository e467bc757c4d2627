"""Demo data of the marketplace: staff, merchants and their shops, listings with pictures, buyers, orders.

Everything is made through the marketplace's services, the way people do it on the
site. ``protection.demo`` and ``credit.demo`` build on it with the helpers at the
bottom (``demo_user``, ``demo_listing``, ``buy``, ``advance``).
"""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.demo_images import listing_picture
from marketplace.models import Category, Listing, ListingStatus, Order, Shop
from marketplace.services.accounts import user_register
from marketplace.services.complaints import complaint_file, complaint_resolve
from marketplace.services.listings import listing_add_image, listing_create, listing_pause
from marketplace.services.orders import order_cancel, order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.reviews import review_create
from marketplace.services.shops import deposit_post, shop_open, shop_verify
from marketplace.services.withdrawals import withdrawal_request

D = Decimal
PASSWORD = "fangxin-demo"
SUPPORT = "support"
CUSTOMER_SERVICE_GROUP = "Customer service"
# The shop whose existence says the marketplace demo data is there.
MARKER_SHOP = "山城茶铺"


@dataclass(frozen=True)
class Person:
    username: str
    phone: str
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class ShopSpec:
    owner: str
    phone: str
    name: str
    role: str  # shown in the demo logins (kept ASCII: the login table is aligned by character count)
    description: str
    verified: bool = True
    deposit: Decimal | None = None


# Demo phones are easy to recognise: 138 0000 1xxx buyers, 2xxx merchants, 9xxx staff.
STAFF = Person(SUPPORT, "13800009001", "客服小周")
BUYERS = [
    Person("buyer1", "13800001001", "王小明", "北京市朝阳区建国路88号 SOHO现代城2号楼1201室"),
    Person("buyer2", "13800001002", "李娜", "上海市浦东新区张杨路500号 华润时代广场18楼"),
    Person("buyer3", "13800001003", "张伟", "广州市天河区天河路385号 太古汇一座2306"),
    Person("buyer4", "13800001004", "刘洋", "成都市武侯区人民南路四段12号 3单元502"),
    Person("buyer5", "13800001005", "陈静", "杭州市西湖区文三路478号 华星时代广场A座9楼"),
    Person("buyer6", "13800001006", "杨帆", "重庆市渝中区民权路28号 英利国际15-3"),
    Person("buyer7", "13800001007", "赵敏", "南京市鼓楼区中山北路30号 1栋801"),
    Person("buyer8", "13800001008", "黄磊", "深圳市南山区科苑路15号 科兴科学园B栋603"),
]
SHOPS = [
    ShopSpec("merchant1", "13800002001", "山城茶铺", "merchant: tea shop (deposit)",
             "重庆老字号茶铺，三代人做茶。西湖龙井、安溪铁观音、云南普洱，产地直采，支持开汤验货。",
             deposit=D("5000.00")),
    ShopSpec("merchant2", "13800002002", "数码小栈", "merchant: electronics (deposit)",
             "手机、耳机、电脑和数码配件。全部国行正品，支持分期，部分商品12期免息。",
             deposit=D("10000.00")),
    ShopSpec("merchant3", "13800002003", "锦绣衣坊", "merchant: clothing",
             "杭州原创女装与男士衬衫，真丝与羊绒为主，尺码不合适30天内包换。"),
    ShopSpec("merchant4", "13800002004", "安居家居馆", "merchant: home & appliances",
             "床品、家具与小家电，让家更舒服。大件商品送货上门。"),
    ShopSpec("merchant5", "13800002005", "书香童年", "merchant: books & toys",
             "绘本、小说、文具与益智玩具，陪孩子一起长大。"),
    ShopSpec("merchant6", "13800002006", "青山户外", "merchant: outdoor & sports",
             "登山、露营、骑行与健身装备，店主是十年户外领队，选品都亲自试过。"),
    ShopSpec("merchant7", "13800002007", "巧手手作", "merchant: shop pending review",
             "手工皮具与编织小物，每件都是手作。（店铺审核中）", verified=False),
]

# Picture colour and Latin label per category (see core.demo_images).
COLOURS = {
    "tea": (46, 125, 50), "food": (198, 40, 40), "crafts": (121, 85, 72), "phones-audio": (38, 50, 56),
    "phones-handsets": (55, 71, 79), "phones-accessories": (69, 90, 100), "computers": (21, 101, 192),
    "virtual-topup": (94, 53, 177), "clothing-women": (173, 20, 87), "clothing-men": (40, 53, 147),
    "clothing": (136, 14, 79), "shoes-bags": (93, 64, 55), "home": (0, 121, 107), "appliances": (2, 119, 189),
    "books": (230, 81, 0), "baby": (249, 168, 37), "sports": (51, 105, 30), "health": (0, 131, 143),
    "beauty": (216, 27, 96),
}


@dataclass(frozen=True)
class ListingSpec:
    shop: str
    category: str
    title: str
    description: str
    price: str
    stock: int
    label: str  # Latin label on the picture
    windows: tuple[int, int, int] = (15, 15, 90)  # return, exchange, quality-claim days
    installments: bool = False
    interest_free: bool = False
    status: str = ListingStatus.ACTIVE


L = ListingSpec
LISTINGS = [
    # 山城茶铺
    L("山城茶铺", "tea", "明前西湖龙井 特级 250g 礼盒",
      "2026年明前头采，狮峰山核心产区。扁平光滑、色泽嫩绿，栗香持久。铁罐密封，礼盒包装，适合送长辈。",
      "268.00", 120, "Longjing"),
    L("山城茶铺", "tea", "重庆沱茶 紧压绿茶 500g",
      "重庆人从小喝到大的味道，浓酽耐泡，一沱可泡十余次。老茶客的口粮茶。", "88.00", 200, "Tuocha",
      windows=(7, 7, 30)),
    L("山城茶铺", "tea", "云南普洱熟茶饼 357g（2018年）",
      "勐海大叶种晒青毛茶，2018年压制，干仓存放八年。汤色红浓，陈香顺滑，可长期存放。", "398.00", 60, "Puer",
      installments=True),
    L("山城茶铺", "tea", "安溪铁观音 清香型 礼盒装 500g",
      "安溪感德秋茶，兰花香明显，回甘快。小袋真空独立包装，每袋7克。", "328.00", 80, "Tieguanyin"),
    L("山城茶铺", "crafts", "手工柴烧 功夫茶具套装（一壶四杯）",
      "景德镇柴窑烧制，每套釉色独一无二。含茶壶、公道杯、四只品茗杯和竹制茶盘。支持分期免息。",
      "1280.00", 15, "Tea set", windows=(15, 15, 180), installments=True, interest_free=True),
    L("山城茶铺", "food", "重庆老火锅底料 牛油 4袋装",
      "正宗重庆牛油老火锅底料，麻辣鲜香，每袋可煮3-4人份。", "59.90", 300, "Hotpot",
      windows=(7, 7, 30)),
    L("山城茶铺", "crafts", "宜兴紫砂壶 原矿朱泥 西施壶 220ml",
      "宜兴丁蜀镇手工制壶，原矿朱泥，出水顺畅，附证书。", "1680.00", 8, "Zisha",
      windows=(15, 15, 180), installments=True),
    # 数码小栈
    L("数码小栈", "phones-audio", "降噪蓝牙耳机 Pro 星空黑",
      "主动降噪深度48dB，单次续航8小时，配合充电盒36小时。支持双设备连接。6期免息。",
      "899.00", 150, "Earbuds", windows=(15, 30, 180), installments=True, interest_free=True),
    L("数码小栈", "phones-handsets", "国产旗舰手机 12GB+256GB 云白",
      "6.7英寸OLED屏，5000mAh电池，100W快充。国行正品，全国联保一年。12期免息。",
      "3999.00", 40, "Phone", windows=(7, 15, 180), installments=True, interest_free=True),
    L("数码小栈", "phones-accessories", "20000mAh 快充移动电源",
      "双向22.5W快充，可上飞机。支持同时给两台设备充电。", "129.00", 300, "Power bank"),
    L("数码小栈", "computers", "轻薄笔记本电脑 14英寸 i5/16G/512G",
      "1.3kg全金属机身，2.8K高刷屏，续航12小时。支持3/6/12期分期。", "4999.00", 25, "Laptop",
      windows=(15, 15, 180), installments=True),
    L("数码小栈", "computers", "机械键盘 87键 茶轴 有线款",
      "PBT键帽，热插拔轴座，白色背光。打字手感段落清晰。", "299.00", 90, "Keyboard"),
    L("数码小栈", "phones-audio", "便携蓝牙音箱 IPX7防水",
      "360°环绕音效，续航20小时，可串联两台组成立体声。", "239.00", 100, "Speaker"),
    L("数码小栈", "virtual-topup", "手机话费充值卡 100元 全国通用",
      "三网通用，卡密发送至订单消息，一般10分钟内到账。", "99.50", 999, "Top-up", windows=(7, 7, 30)),
    # 锦绣衣坊
    L("锦绣衣坊", "clothing-women", "真丝连衣裙 桑蚕丝 中长款",
      "22姆米重磅桑蚕丝，垂感好不易皱。S-XL四个尺码，支持30天换码。", "699.00", 40, "Silk dress",
      windows=(15, 30, 90), installments=True),
    L("锦绣衣坊", "clothing-men", "男士免烫长袖衬衫 纯棉",
      "新疆长绒棉，免烫工艺，上班通勤不用熨。白色、浅蓝两色。", "189.00", 120, "Shirt", windows=(15, 30, 90)),
    L("锦绣衣坊", "clothing", "羊绒围巾 秋冬保暖 180×30cm",
      "内蒙古山羊绒，柔软亲肤不扎。多色可选，礼盒包装。", "259.00", 80, "Scarf"),
    L("锦绣衣坊", "shoes-bags", "头层牛皮通勤托特包",
      "可放14寸笔记本，内置拉链隔层。头层牛皮，越用越有光泽。3期免息。", "899.00", 30, "Tote bag",
      installments=True, interest_free=True),
    L("锦绣衣坊", "shoes-bags", "休闲运动鞋 透气网面 男女同款",
      "轻量EVA中底，久走不累。尺码偏大半码，建议拍小半码。", "329.00", 100, "Sneakers", windows=(15, 30, 90)),
    L("锦绣衣坊", "clothing-women", "羊毛双面呢大衣（补货中）",
      "90%羊毛双面呢，手工缝制，秋冬经典款。补货中，暂停销售。", "1299.00", 5, "Wool coat",
      installments=True, status=ListingStatus.PAUSED),
    L("锦绣衣坊", "clothing-men", "男士修身弹力牛仔裤",
      "含2%氨纶，弹力舒适，经典深蓝色。", "229.00", 90, "Jeans"),
    # 安居家居馆
    L("安居家居馆", "home", "泰国天然乳胶枕 一对装",
      "天然乳胶含量93%，回弹好，透气不闷热。附可拆洗枕套。", "259.00", 150, "Latex pillow"),
    L("安居家居馆", "appliances", "空气炸锅 5.5L 大容量 可视窗口",
      "无油低脂，360°热风循环，可视窗口随时看火候。支持3期分期。", "399.00", 60, "Air fryer",
      installments=True),
    L("安居家居馆", "appliances", "电热水壶 1.7L 304不锈钢",
      "1800W快速烧水，304不锈钢内胆，防干烧自动断电。", "129.00", 200, "Kettle"),
    L("安居家居馆", "appliances", "扫地机器人 激光导航 扫拖一体",
      "激光导航精准建图，4000Pa大吸力，自动集尘。12期免息。", "2299.00", 20, "Robot vacuum",
      windows=(15, 15, 180), installments=True, interest_free=True),
    L("安居家居馆", "home", "纯棉四件套 1.8m床 简约条纹",
      "100%新疆棉，60支高密，越洗越软。30天无理由退货。", "359.00", 70, "Bedding", windows=(30, 30, 90)),
    L("安居家居馆", "home", "北欧实木餐椅 两把装",
      "白橡木实木框架，布艺坐垫可拆洗，免安装。", "580.00", 25, "Chairs", windows=(15, 15, 180)),
    # 书香童年
    L("书香童年", "books", "儿童绘本套装 全10册 3-6岁",
      "情绪管理与习惯养成主题绘本，精装硬壳，撕不烂。", "168.00", 100, "Picture books"),
    L("书香童年", "books", "《三体》全集 典藏版 三册",
      "刘慈欣科幻经典，典藏版精装，附赠书签与海报。", "128.00", 150, "Three-Body"),
    L("书香童年", "baby", "益智积木 300粒 城市系列",
      "ABS环保材质，兼容主流品牌。适合6岁以上。", "199.00", 80, "Blocks"),
    L("书香童年", "baby", "婴儿推车 轻便可折叠 可坐可躺",
      "一键收车，5.8kg轻量，可登机。四轮避震。6期免息。", "1599.00", 15, "Stroller",
      windows=(15, 15, 180), installments=True, interest_free=True),
    L("书香童年", "books", "钢笔礼盒 书法练字 EF尖",
      "德国进口EF笔尖，书写顺滑。礼盒含墨水与吸墨器。", "89.00", 120, "Fountain pen"),
    L("书香童年", "books", "2027年故宫日历（预售）",
      "故宫出品，每天一件馆藏文物。预售，12月发货。", "78.00", 200, "Calendar",
      status=ListingStatus.DRAFT),
    # 青山户外
    L("青山户外", "sports", "碳纤维登山杖 两支装 三节伸缩",
      "碳纤维杖身，单支仅195克，快锁调节。", "269.00", 60, "Trek poles"),
    L("青山户外", "sports", "双人防暴雨帐篷 双层铝杆",
      "防水指数PU3000，铝合金杆，3分钟速搭。支持分期。", "599.00", 35, "Tent", installments=True),
    L("青山户外", "sports", "加厚瑜伽垫 TPE 6mm 防滑",
      "双面防滑纹理，附绑带与收纳袋。", "99.00", 200, "Yoga mat"),
    L("青山户外", "health", "智能手环 心率血氧监测",
      "全天心率、血氧与睡眠监测，50米防水，续航14天。", "249.00", 90, "Band"),
    L("青山户外", "beauty", "户外防晒霜 SPF50+ PA++++ 50ml",
      "清爽不油腻，防水防汗，适合登山与海边。", "119.00", 150, "Sunscreen", windows=(7, 7, 30)),
    L("青山户外", "sports", "公路自行车 铝合金车架 22速",
      "禧玛诺22速套件，铝合金车架，整车9.8kg。支持6/12期分期。", "3299.00", 10, "Road bike",
      windows=(15, 15, 180), installments=True),
    L("青山户外", "sports", "钛保温杯 500ml",
      "纯钛内胆，无金属异味，保温12小时。", "189.00", 100, "Ti bottle"),
]

# Carriers and the prefix of their tracking numbers.
CARRIERS = [("顺丰速运", "SF"), ("中通快递", "ZTO"), ("圆通速递", "YT"), ("京东物流", "JD")]


# --- helpers other apps' demo data use ---------------------------------------------------------------------


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


def demo_listing(title: str) -> Listing:
    return Listing.objects.get(title=title, shop__owner__username__in=[spec.owner for spec in SHOPS])


def address_of(user) -> dict:
    person = next((p for p in BUYERS if p.username == user.username), None)
    if person is None:
        return {"name": user.username, "phone": str(user.phone), "address": "上海市黄浦区南京东路1号"}
    return {"name": person.name, "phone": person.phone, "address": person.address}


def buy(buyer, items, *, stage: str = "received", payment: dict | None = None, address: dict | None = None) -> Order:
    """Place an order of ``[(listing, quantity), ...]`` from one shop and take it to ``stage``.

    Stages: ``pending`` (placed, not paid), ``paid``, ``shipped``, ``received`` (the
    buyer confirmed receipt: completed, and settled unless a hold keeps the money).
    A credit ``payment`` is paid at checkout (or held for review by risk control).
    """
    lines = [{"listing": listing.pk, "quantity": quantity} for listing, quantity in items]
    order = order_place(buyer=buyer, lines=lines, shipping_address=address or address_of(buyer),
                        payment=payment or {"method": "full"})
    return advance(order, stage)


def advance(order: Order, stage: str) -> Order:
    stages = ("pending", "paid", "shipped", "received")
    if stage not in stages:
        raise ValueError(f"unknown stage {stage!r}")
    wanted = stages.index(stage)
    if wanted >= 1 and order.status == "pending_payment":
        order = order_pay(actor=order.buyer, order=order, idempotency_key=f"demo-pay-{order.pk}")
    if wanted >= 2 and order.shipped_at is None:
        carrier, prefix = CARRIERS[order.pk % len(CARRIERS)]
        order = order_ship(actor=order.shop.owner, order=order, carrier=carrier,
                           tracking_number=f"{prefix}{7731000000 + order.pk * 7919}")
    if wanted >= 3 and order.completed_at is None:
        order = order_confirm_receipt(actor=order.buyer, order=order)
    order.refresh_from_db()
    return order


def register(person: Person):
    """A demo user, registered like anyone signing up (no e-mail: nothing queued for the mail worker)."""
    return user_register(username=person.username, password=PASSWORD, phone=person.phone)


def make_staff(person: Person, group_name: str):
    """A staff login in one of the permission groups the migrations create."""
    user = register(person)
    user.is_staff = True
    if person.name:
        user.first_name = person.name
    user.save(update_fields=["is_staff", "first_name"])
    user.groups.add(Group.objects.get(name=group_name))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


# --- the seed ---------------------------------------------------------------------------------------------


def logins() -> list[tuple[str, str, str]]:
    rows = [("staff: customer service", SUPPORT, PASSWORD)]
    rows += [(spec.role, spec.owner, PASSWORD) for spec in SHOPS]
    rows += [("buyer", person.username, PASSWORD) for person in BUYERS]
    return rows


def seed(*, stdout) -> list[tuple[str, str, str]]:
    if Shop.objects.filter(name=MARKER_SHOP, owner__username=SHOPS[0].owner).exists():
        stdout.write("    marketplace demo data already there: nothing to do")
        return logins()

    support = make_staff(STAFF, CUSTOMER_SERVICE_GROUP)
    stdout.write(f"    staff: {SUPPORT} (group {CUSTOMER_SERVICE_GROUP})")

    shops = _shops(support)
    verified = [spec for spec in SHOPS if spec.verified]
    stdout.write(f"    shops: {len(verified)} verified ({sum(1 for s in SHOPS if s.deposit)} with a guarantee "
                 f"deposit), {len(SHOPS) - len(verified)} pending review")

    listings = _listings(shops)
    stdout.write(f"    listings: {len(listings)} with pictures (1 draft, 1 paused; "
                 f"{sum(1 for s in LISTINGS if s.installments)} offer instalments, "
                 f"{sum(1 for s in LISTINGS if s.interest_free)} interest-free)")

    buyers = {person.username: register(person) for person in BUYERS}
    stdout.write(f"    buyers: {', '.join(buyers)}")

    counts = _orders(buyers, support)
    stdout.write("    orders: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return logins()


def _shops(support) -> dict[str, Shop]:
    shops = {}
    for spec in SHOPS:
        owner = register(Person(spec.owner, spec.phone))
        shop = shop_open(actor=owner, name=spec.name, description=spec.description)
        if spec.verified:
            shop = shop_verify(actor=support, shop=shop)
        if spec.deposit:
            deposit_post(actor=owner, shop=shop, amount=spec.deposit, idempotency_key="demo-deposit")
        shops[spec.name] = Shop.objects.get(pk=shop.pk)
    return shops


def _listings(shops) -> dict[str, Listing]:
    categories = {category.slug: category for category in Category.objects.all()}
    listings = {}
    for number, spec in enumerate(LISTINGS, start=1):
        shop = shops[spec.shop]
        return_days, exchange_days, quality_days = spec.windows
        listing = listing_create(
            actor=shop.owner, shop=shop, title=spec.title, description=spec.description, price=D(spec.price),
            stock=spec.stock, category=categories[spec.category], installments_available=spec.installments,
            merchant_pays_fee=spec.interest_free, return_days=return_days, exchange_days=exchange_days,
            quality_days=quality_days,
            status=ListingStatus.DRAFT if spec.status == ListingStatus.DRAFT else ListingStatus.ACTIVE)
        picture = listing_picture(colour=COLOURS[spec.category], label=spec.label, glyph=spec.title[0],
                                  name=f"demo-{number}.png")
        listing_add_image(actor=shop.owner, listing=listing, file=picture, alt_text=spec.title)
        if spec.status == ListingStatus.PAUSED:
            listing_pause(actor=shop.owner, listing=listing)
        listings[spec.title] = listing
    return listings


REVIEWS = {
    # title of the first line → (rating, text)
    "明前西湖龙井 特级 250g 礼盒": (5, "茶叶条索很漂亮，冲泡后豆香明显，送给爸爸他很喜欢。包装也很高档。"),
    "降噪蓝牙耳机 Pro 星空黑": (4, "降噪效果不错，地铁上基本听不到报站了。就是佩戴久了耳朵有点胀。"),
    "真丝连衣裙 桑蚕丝 中长款": (5, "面料很舒服，垂感好，颜色和图片一致。尺码标准。"),
    "泰国天然乳胶枕 一对装": (5, "回弹很好，睡了一周颈椎舒服多了，味道也不大。"),
    "儿童绘本套装 全10册 3-6岁": (4, "孩子每天睡前都要读，纸张厚实。希望多出几册。"),
    "碳纤维登山杖 两支装 三节伸缩": (3, "重量确实轻，但锁扣有点松，爬坡时缩了一次。"),
    "重庆沱茶 紧压绿茶 500g": (5, "还是小时候的味道，发货很快，还送了茶刀。"),
}


def _orders(buyers, support) -> dict[str, int]:
    b = buyers
    t = demo_listing
    # Completed (and settled at once: nothing holds the money), most of them reviewed.
    completed = [
        buy(b["buyer1"], [(t("明前西湖龙井 特级 250g 礼盒"), 2)]),
        buy(b["buyer2"], [(t("降噪蓝牙耳机 Pro 星空黑"), 1)]),
        buy(b["buyer3"], [(t("真丝连衣裙 桑蚕丝 中长款"), 1)]),
        buy(b["buyer4"], [(t("泰国天然乳胶枕 一对装"), 2)]),
        buy(b["buyer5"], [(t("儿童绘本套装 全10册 3-6岁"), 1)]),
        buy(b["buyer6"], [(t("碳纤维登山杖 两支装 三节伸缩"), 1)]),
        buy(b["buyer7"], [(t("重庆沱茶 紧压绿茶 500g"), 3), (t("手工柴烧 功夫茶具套装（一壶四杯）"), 1)]),
        buy(b["buyer7"], [(t("20000mAh 快充移动电源"), 1)]),
        buy(b["buyer8"], [(t("男士免烫长袖衬衫 纯棉"), 2)]),
    ]
    for order in completed:
        review = REVIEWS.get(order.lines.order_by("pk").first().title)
        if review:
            review_create(actor=order.buyer, order=order, rating=review[0], text=review[1])

    shipped = [buy(b["buyer2"], [(t("云南普洱熟茶饼 357g（2018年）"), 1)], stage="shipped"),
               buy(b["buyer3"], [(t("双人防暴雨帐篷 双层铝杆"), 1)], stage="shipped")]
    paid = [buy(b["buyer4"], [(t("机械键盘 87键 茶轴 有线款"), 1)], stage="paid"),
            buy(b["buyer5"], [(t("电热水壶 1.7L 304不锈钢"), 1)], stage="paid")]
    pending = [buy(b["buyer6"], [(t("羊绒围巾 秋冬保暖 180×30cm"), 1)], stage="pending"),
               buy(b["buyer8"], [(t("益智积木 300粒 城市系列"), 1)], stage="pending")]

    # Cancelled: one by the buyer before paying, one paid and cancelled by the merchant (refunded in full).
    changed_mind = buy(b["buyer7"], [(t("加厚瑜伽垫 TPE 6mm 防滑"), 2)], stage="pending")
    order_cancel(actor=changed_mind.buyer, order=changed_mind, reason="拍错颜色了，重新下单")
    out_of_stock = buy(b["buyer1"], [(t("空气炸锅 5.5L 大容量 可视窗口"), 1)], stage="paid")
    order_cancel(actor=out_of_stock.shop.owner, order=out_of_stock, reason="仓库盘点发现实际缺货，非常抱歉，已全额退款")

    _complaints(b, support, completed)
    _withdrawal()
    statuses = [order.status for order in [*completed, *shipped, *paid, *pending]] + ["cancelled", "cancelled"]
    return {status: statuses.count(status) for status in dict.fromkeys(statuses)}


def _complaints(b, support, completed) -> None:
    shirts = completed[8]
    complaint_file(actor=b["buyer8"], shop=shirts.shop, kind="false_advertising", order=shirts,
                   listing=shirts.lines.first().listing,
                   description="商品页写“免烫”，洗一次就皱得很厉害，和描述不符。希望平台核实。")
    power_bank = completed[7]
    complaint = complaint_file(
        actor=b["buyer7"], shop=power_bank.shop, kind="false_advertising", order=power_bank,
        listing=power_bank.lines.first().listing,
        description="标称20000mAh，实测只能给手机充满两次，容量明显虚标。")
    complaint_resolve(actor=support, complaint=complaint, outcome="deposit_deducted", deduction_amount=D("200.00"),
                      note="抽检同批次样品，实际容量约13000mAh，虚标属实。扣除保证金200元，并要求商家修改商品描述。")


def _withdrawal() -> None:
    shop = Shop.objects.get(name=MARKER_SHOP)
    withdrawal_request(actor=shop.owner, shop=shop, amount=D("1000.00"), bank_name="中国工商银行 重庆解放碑支行",
                       bank_account="6222021001123456789", idempotency_key="demo-withdrawal-1")
