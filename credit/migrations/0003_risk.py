"""Cash-out risk control: rules, thresholds, assessments, fingerprints, device sightings; default rules and
the Risk officers group (reference data, so a bare ``migrate`` gives a working platform).

The defaults are copied here on purpose (a migration is history); credit.risk.rules has the same values
and is what scoring falls back to when a row is missing.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

RULES = [
    ("shared_device", 35, {"lookback_days": 180}, "The buyer checks out on a device the merchant's account has used, "
     "or other buyers of this shop checked out on it."),
    ("shared_ip", 20, {"lookback_days": 30}, "The buyer checks out from a public IP the merchant's account used "
     "recently (loopback and private addresses never count)."),
    ("shared_phone", 35, {}, "The delivery phone or the buyer's phone is the merchant's phone, or a phone the "
     "merchant ships their own orders to."),
    ("shared_address", 35, {"lookback_days": 180, "owner_orders": 10}, "The delivery address is one the merchant "
     "ships their own orders to, or other buyers of this shop use it."),
    ("limit_after_approval", 30, {"within_hours": 72, "min_utilisation": "0.80"}, "Most of the limit is used "
     "within hours of the line being approved or raised."),
    ("merchant_credit_share", 20, {"window_days": 30, "min_orders": 10, "peer_multiple": "2.5", "min_share": "0.50"},
     "The shop's share of orders paid with credit is far above its peers'."),
    ("round_amount", 10, {"min_amount": "500.00", "multiple_of": "100"}, "A large, round order total."),
    ("late_night_burst", 15, {"start_hour": 0, "end_hour": 6, "window_minutes": 60, "min_orders": 3},
     "Several credit orders by the buyer within an hour, late at night."),
    ("repeated_pair", 20, {"window_days": 30, "min_orders": 3}, "The buyer keeps buying with credit from the same "
     "shop."),
    ("virtual_goods", 15, {}, "Virtual goods (top-up cards, vouchers): nothing to ship."),
    ("completed_without_tracking", 20, {"window_days": 180, "max_hours_to_receipt": 2}, "Earlier orders between "
     "this buyer and shop completed without tracking, or were confirmed received within hours of shipping."),
]
SETTINGS = {"hold_score": 50, "reject_score": 100, "min_signals_to_hold": 2, "min_signals_to_reject": 3,
            "repeat_cash_out_threshold": 2}
GROUP = "Risk officers"
# Rejecting a hold cancels the order and penalties suspend shops: the marketplace services ask for
# change_order and change_shop, so risk officers hold them too.
GROUP_PERMISSIONS = [
    ("credit", "view_riskassessment"), ("credit", "decide_riskassessment"),
    ("credit", "view_riskrule"), ("credit", "change_riskrule"),
    ("credit", "view_risksettings"), ("credit", "change_risksettings"),
    ("credit", "view_checkoutfingerprint"), ("credit", "view_devicesighting"),
    ("credit", "view_shopcashoutrisk"), ("credit", "penalise_shopcashoutrisk"),
    ("marketplace", "view_order"), ("marketplace", "change_order"), ("marketplace", "view_orderline"),
    ("marketplace", "view_orderstatuschange"), ("marketplace", "view_shop"), ("marketplace", "change_shop"),
]


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.db.models import Q

    RiskSettings = apps.get_model("credit", "RiskSettings")
    RiskRule = apps.get_model("credit", "RiskRule")
    RiskSettings.objects.get_or_create(pk=1, defaults=SETTINGS)
    for code, weight, params, description in RULES:
        RiskRule.objects.get_or_create(code=code, defaults={"weight": weight, "params": params,
                                                            "description": description})

    for label in ("credit", "marketplace"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = Q()
    for app_label, codename in GROUP_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0002_reference_data'),
        ('marketplace', '0004_staff_groups'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ShopCashOutRisk',
            fields=[
            ],
            options={
                'verbose_name': 'shop cash-out risk',
                'verbose_name_plural': "shops' cash-out risk",
                'permissions': [('penalise_shopcashoutrisk', 'Can penalise shops for confirmed cash-out')],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('marketplace.shop',),
        ),
        migrations.CreateModel(
            name='RiskRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40, unique=True, verbose_name='signal')),
                ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                ('weight', models.PositiveSmallIntegerField(verbose_name='weight (points)')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='what it looks for')),
                ('modified', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'risk rule',
                'verbose_name_plural': 'risk rules',
                'ordering': ['code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('weight__lte', 100)), name='credit_risk_rule_weight_range')],
            },
        ),
        migrations.CreateModel(
            name='RiskSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hold_score', models.PositiveSmallIntegerField(default=50, verbose_name='hold from score')),
                ('reject_score', models.PositiveSmallIntegerField(default=100, verbose_name='reject from score')),
                ('min_signals_to_hold', models.PositiveSmallIntegerField(default=2, help_text='No single signal holds an order: at least 2, whatever the weights.', verbose_name='signals needed to hold')),
                ('min_signals_to_reject', models.PositiveSmallIntegerField(default=3, verbose_name='signals needed to reject')),
                ('repeat_cash_out_threshold', models.PositiveSmallIntegerField(default=2, verbose_name='confirmed cash-outs that make a shop a repeat offender')),
                ('modified', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'risk thresholds',
                'verbose_name_plural': 'risk thresholds',
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='credit_risk_settings_single_row'), models.CheckConstraint(condition=models.Q(('hold_score__gte', 1), ('reject_score__gt', models.F('hold_score'))), name='credit_risk_reject_above_hold'), models.CheckConstraint(condition=models.Q(('min_signals_to_hold__gte', 2), ('min_signals_to_reject__gte', models.F('min_signals_to_hold'))), name='credit_risk_no_single_signal_holds'), models.CheckConstraint(condition=models.Q(('repeat_cash_out_threshold__gte', 1)), name='credit_risk_repeat_threshold_positive')],
            },
        ),
        migrations.CreateModel(
            name='CheckoutFingerprint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('device_hash', models.CharField(blank=True, max_length=64, verbose_name='device (hashed)')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP')),
                ('ip_public', models.BooleanField(default=False, help_text='Loopback and private addresses are stored but are no signal.', verbose_name='public IP')),
                ('phone_index', models.CharField(blank=True, max_length=64)),
                ('address_index', models.CharField(blank=True, max_length=64)),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('buyer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='checkout_fingerprint', to='marketplace.order')),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketplace.shop')),
            ],
            options={
                'verbose_name': 'checkout fingerprint',
                'verbose_name_plural': 'checkout fingerprints',
                'ordering': ['-created', '-pk'],
                'indexes': [models.Index(fields=['shop', 'device_hash'], name='credit_fp_shop_device_idx'), models.Index(fields=['shop', 'address_index'], name='credit_fp_shop_address_idx')],
            },
        ),
        migrations.CreateModel(
            name='DeviceSighting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('device_hash', models.CharField(blank=True, max_length=64)),
                ('ip', models.CharField(blank=True, max_length=45)),
                ('ip_public', models.BooleanField(default=False)),
                ('first_seen', models.DateTimeField(auto_now_add=True)),
                ('last_seen', models.DateTimeField(db_index=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'device sighting',
                'verbose_name_plural': 'device sightings',
                'constraints': [models.UniqueConstraint(fields=('user', 'device_hash', 'ip'), name='credit_sighting_unique')],
            },
        ),
        migrations.CreateModel(
            name='RiskAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount')),
                ('score', models.PositiveSmallIntegerField(verbose_name='score')),
                ('outcome', models.CharField(choices=[('accept', 'Accepted'), ('hold', 'Held for review'), ('reject', 'Rejected')], max_length=8, verbose_name='outcome')),
                ('reasons', models.JSONField(blank=True, default=list, verbose_name='reasons')),
                ('signals', models.JSONField(blank=True, default=list, verbose_name='signals')),
                ('hold_score', models.PositiveSmallIntegerField(verbose_name='hold threshold then')),
                ('reject_score', models.PositiveSmallIntegerField(verbose_name='reject threshold then')),
                ('decision', models.CharField(blank=True, choices=[('', 'Pending'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='', max_length=8, verbose_name='review decision')),
                ('cash_out_confirmed', models.BooleanField(default=False, verbose_name='cash-out confirmed')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                ('note', models.TextField(blank=True, max_length=2000, verbose_name='review note')),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='scored at')),
                ('buyer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='buyer')),
                ('order', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='risk_assessment', to='marketplace.order', verbose_name='order')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='risk_assessments', to='marketplace.shop', verbose_name='shop')),
            ],
            options={
                'verbose_name': 'risk assessment',
                'verbose_name_plural': 'risk assessments',
                'ordering': ['-created', '-pk'],
                'permissions': [('decide_riskassessment', 'Can decide credit orders held by risk control')],
                'indexes': [models.Index(fields=['outcome', 'decision', 'created'], name='credit_risk_queue_idx'), models.Index(fields=['shop', 'cash_out_confirmed'], name='credit_risk_shop_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('decision', ''), ('outcome', 'hold'), _connector='OR'), name='credit_risk_only_holds_reviewed'), models.CheckConstraint(condition=models.Q(models.Q(('cash_out_confirmed', True), _negated=True), ('decision', 'rejected'), _connector='OR'), name='credit_risk_cash_out_needs_rejection'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='credit_risk_amount_positive')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
