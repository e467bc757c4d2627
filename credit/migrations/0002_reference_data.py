"""Reference data: the default instalment products, the first terms and privacy versions, the Credit officers group."""
from decimal import Decimal

from django.db import migrations
from datetime import datetime, timedelta, timezone

PRODUCTS = [(3, Decimal("0.0250")), (6, Decimal("0.0450")), (12, Decimal("0.0750"))]

TERMS_ZH = """放心花信用服务协议（2026-01）
1. 额度：我们根据您的账户信息、订单与售后记录、还款记录和收入区间，按公开的规则核定额度，并告诉您理由。紧急联系人不影响审批。
2. 分期：可选 3、6、12 期，每月同一天还款（月末自动调整）。下单前您会看到每期金额、总费用和年化利率（按实际现金流的内部收益率计算）。
3. 提前还款：只需支付剩余本金及已到期未还的费用和罚息，无提前还款违约金，未到期各期的费用全部免除。
4. 逾期：到期后 3 天宽限期内不收罚息；之后按逾期本金每日 0.05% 计收罚息，罚息总额年化不超过 24%。逾期期间额度冻结，还清后自动恢复。
5. 退款：整单退款会取消剩余各期，并退还您已支付的全部金额（含费用）；部分退款从最后一期起减少本金，按比例免除对应费用（已付的一并退还），多付的部分退回给您。
6. 售后处理期间，该订单的分期暂停：不计罚息，不上报。"""

TERMS_EN = """Fangxin credit terms (2026-01)
1. Limit: we set your limit with published rules from your account, orders and after-sales record, repayment history and income band, and tell you why. Emergency contacts never affect the decision.
2. Instalments: 3, 6 or 12 monthly instalments, due on the same day each month (moved to the month end where a month is shorter). Before you confirm you see every instalment, the total cost and the annualised rate (the IRR of the actual cash flows).
3. Early payoff: you pay the outstanding principal and the fees and penalties of instalments already due — no prepayment penalty, no fee for a period not yet due.
4. Overdue: no penalty during 3 days of grace; then 0.05 % a day on the overdue principal, never more than 24 % a year in total. The line is frozen while anything is overdue and restored when you catch up.
5. Refunds: a full refund cancels the remaining instalments and returns everything you paid, fees included; a partial refund reduces the principal from the last instalment backwards, cancels the fees on the refunded principal pro rata (paid ones come back too) and returns any overpayment.
6. While an after-sales case is open on the order, its instalments are paused: no penalty accrues and nothing is reported."""

PRIVACY_ZH = """放心花个人信息处理说明（2026-01）
我们收集：真实姓名与身份证号（核实身份、履行反洗钱义务）、手机号（账户安全与还款提醒，只发给您本人）、收入区间（核定额度）、可选的紧急联系人（仅在长期联系不到您时请其转告您联系我们；系统从不向其发送消息，不透露金额、到期日或任何借款信息，且不影响审批）。
所有信息加密存储；工作人员只能看到打码信息，查看明文须有权限并说明理由，每次查看都会记录并在隐私中心向您展示。"""

PRIVACY_EN = """How Fangxin credit uses your personal data (2026-01)
We collect: your real name and ID number (to verify who you are, as anti-money-laundering rules require), your mobile phone (account security and repayment reminders, sent to you only), your income band (to set the limit), and optionally emergency contacts (only asked to pass on a message when we cannot reach you for a long time; the system never messages them, they are never told an amount, a due date or anything about the credit, and they never affect the decision).
Everything is encrypted. Staff see masked values; revealing one needs a permission and a reason, and every reveal is recorded and shown to you in the privacy centre."""

OFFICER_PERMISSIONS = [
    ("creditapplication", ["view", "change", "decide"]),
    ("creditline", ["view", "freeze", "change_limit"]),
    ("creditlineevent", ["view"]),
    ("creditevent", ["view"]),
    ("installmentplan", ["view"]),
    ("installment", ["view"]),
    ("repayment", ["view"]),
    ("statement", ["view"]),
    ("installmentproduct", ["view", "change"]),
    ("creditterms", ["view", "add"]),
]
GROUP = "Credit officers"


def codename(action: str, model: str) -> str:
    return f"{action}_{model}"


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    Product = apps.get_model("credit", "InstallmentProduct")
    for count, rate in PRODUCTS:
        Product.objects.get_or_create(count=count, defaults={"fee_rate": rate, "active": True})

    Terms = apps.get_model("credit", "CreditTerms")
    # Fixed, so the first versions are in force for any date the platform (or a test) runs at.
    now = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    Terms.objects.get_or_create(kind="terms", version="2026-01", defaults={
        "title_zh": "放心花信用服务协议", "title_en": "Fangxin credit terms", "text_zh": TERMS_ZH, "text_en": TERMS_EN,
        "published": now})
    Terms.objects.get_or_create(kind="privacy", version="2026-01", defaults={
        "title_zh": "个人信息处理说明", "title_en": "How we use your personal data", "text_zh": PRIVACY_ZH,
        "text_en": PRIVACY_EN, "published": now})

    # Permissions are normally created after migrate; the group needs them now.
    config = apps.get_app_config("credit")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, actions in OFFICER_PERMISSIONS:
        for action in actions:
            permission = Permission.objects.get(content_type__app_label="credit", codename=codename(action, model))
            group.permissions.add(permission)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()
    apps.get_model("credit", "InstallmentProduct").objects.all().delete()
    apps.get_model("credit", "CreditTerms").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
