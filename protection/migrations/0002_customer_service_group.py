"""Give the "Customer service" staff group what it needs to handle after-sales cases and rule on them."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Customer service"
PERMISSIONS = [
    "view_aftersalescase", "change_aftersalescase", "rule_case",
    "view_caseevent", "view_evidence", "add_evidence",
    "view_buyerstanding", "view_noreasonsuspension", "add_noreasonsuspension", "change_noreasonsuspension",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate finishes; create ours now so the group can hold them.
    app_config = apps.get_app_config("protection")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="protection", codename__in=PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="protection",
                                                            codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("protection", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
