"""Staff permission groups for orders and money: "Customer service" and "Finance".

Reference data, so a bare ``migrate`` gives a working platform. Permissions are
normally created after migrations (post_migrate); they are created here first so
the groups can hold them on a fresh database.
"""
from django.db import migrations
from django.db.models import Q

GROUPS = {
    # Orders, complaints and their consequences (removing a listing, suspending a shop), cancelling for a buyer.
    "Customer service": [
        ("marketplace", "view_order"), ("marketplace", "change_order"), ("marketplace", "view_orderline"),
        ("marketplace", "view_orderstatuschange"), ("marketplace", "view_payment"), ("marketplace", "view_refund"),
        ("marketplace", "view_review"), ("marketplace", "view_complaint"), ("marketplace", "change_complaint"),
        ("marketplace", "view_shop"), ("marketplace", "change_shop"), ("marketplace", "view_listing"),
        ("marketplace", "change_listing"), ("marketplace", "view_user"), ("marketplace", "view_settlement"),
    ],
    # Money: what was paid, refunded, settled and withdrawn, and the books behind it.
    "Finance": [
        ("marketplace", "view_order"), ("marketplace", "view_orderline"), ("marketplace", "view_orderstatuschange"),
        ("marketplace", "view_payment"), ("marketplace", "view_refund"), ("marketplace", "view_settlement"),
        ("marketplace", "view_withdrawal"), ("marketplace", "view_shop"), ("marketplace", "view_complaint"),
        ("ledger", "view_account"), ("ledger", "view_transaction"), ("ledger", "view_entry"),
        ("django_celery_beat", "view_periodictask"),
    ],
}


def _create_permissions(apps):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    _create_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for app_label, codename in perms:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0003_listing_search_index"),
        ("ledger", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
