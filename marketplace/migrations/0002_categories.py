"""Reference data: the category tree a bare `migrate` starts with."""
from django.db import migrations

CATEGORIES = [
    # slug, Chinese, English, parent slug, virtual goods
    ("phones", "手机数码", "Phones & Digital", None, False),
    ("phones-handsets", "手机", "Mobile phones", "phones", False),
    ("phones-audio", "耳机音响", "Headphones & Audio", "phones", False),
    ("phones-accessories", "数码配件", "Digital accessories", "phones", False),
    ("computers", "电脑办公", "Computers & Office", None, False),
    ("appliances", "家用电器", "Home appliances", None, False),
    ("clothing", "服饰鞋包", "Clothing, Shoes & Bags", None, False),
    ("clothing-women", "女装", "Women's clothing", "clothing", False),
    ("clothing-men", "男装", "Men's clothing", "clothing", False),
    ("shoes-bags", "鞋靴箱包", "Shoes & Bags", "clothing", False),
    ("beauty", "美妆个护", "Beauty & Personal care", None, False),
    ("home", "家居家装", "Home & Living", None, False),
    ("food", "食品生鲜", "Food & Fresh", None, False),
    ("tea", "茶叶冲饮", "Tea & Drinks", "food", False),
    ("baby", "母婴玩具", "Baby & Toys", None, False),
    ("sports", "运动户外", "Sports & Outdoors", None, False),
    ("books", "图书文具", "Books & Stationery", None, False),
    ("health", "医药保健", "Health", None, False),
    ("crafts", "手工艺品", "Handicrafts", None, False),
    ("virtual", "虚拟商品", "Virtual goods", None, True),
    ("virtual-topup", "充值卡券", "Top-up cards & Vouchers", "virtual", True),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    by_slug = {}
    for position, (slug, zh, en, parent, virtual) in enumerate(CATEGORIES):
        by_slug[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={"name_zh": zh, "name_en": en, "parent": by_slug.get(parent), "position": position,
                      "is_virtual": virtual},
        )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
