"""Store the encryption canary under the keys in use at migration time."""
from django.db import migrations

CANARY_PLAINTEXT = "fangxin-canary"


def create_canary(apps, schema_editor):
    Canary = apps.get_model("core", "EncryptionCanary")
    if not Canary.objects.exists():
        Canary.objects.create(value=CANARY_PLAINTEXT)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(create_canary, migrations.RunPython.noop)]
