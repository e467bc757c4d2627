"""IP addresses are personal data: store them encrypted, compared by a blind index.

The device sightings, the checkout fingerprints and the consent records of credit
applications kept the client IP in clear. Each gets an encrypted column (Fernet, the
project's FIELD_ENCRYPTION_KEYS); sightings and fingerprints also get ``ip_index``, an
HMAC-SHA256 under BLIND_INDEX_KEY (purpose ``risk.ip``, as ``credit.risk.identity.ip_index``),
which is all the shared-IP rule and the sighting's uniqueness need. Existing rows are
copied into the new columns (the old ``inet``/text columns are read through the ORM, so
PostgreSQL's inet is not cast to text with a netmask), then the clear columns are dropped.
Reversible: the reverse copies the decrypted values back.
"""
import hashlib
import hmac

import core.fields
from django.conf import settings
from django.db import migrations, models

IP_PURPOSE = "risk.ip"  # credit.risk.identity.IP_PURPOSE


def _index(ip: str) -> str:
    # core.crypto.blind_index, inlined so this migration keeps working if that module moves
    message = f"{IP_PURPOSE}\x00{ip}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def _copy(model, source: str, target: str, *, index: bool) -> None:
    # Blank values are skipped in Python: on an inet column ``= ''`` is ``= NULL``, which matches nothing.
    for row in model.objects.exclude(**{f"{source}__isnull": True}).iterator():
        ip = str(getattr(row, source) or "")
        if not ip:
            continue
        setattr(row, target, ip)
        fields = [target]
        if index:
            row.ip_index = _index(ip)
            fields.append("ip_index")
        row.save(update_fields=fields)


def encrypt_ips(apps, schema_editor):
    _copy(apps.get_model("credit", "DeviceSighting"), "ip_clear", "ip", index=True)
    _copy(apps.get_model("credit", "CheckoutFingerprint"), "ip_clear", "ip", index=True)
    _copy(apps.get_model("credit", "CreditApplication"), "consent_ip_clear", "consent_ip", index=False)


def decrypt_ips(apps, schema_editor):
    _copy(apps.get_model("credit", "DeviceSighting"), "ip", "ip_clear", index=False)
    _copy(apps.get_model("credit", "CheckoutFingerprint"), "ip", "ip_clear", index=False)
    _copy(apps.get_model("credit", "CreditApplication"), "consent_ip", "consent_ip_clear", index=False)


class Migration(migrations.Migration):

    dependencies = [("credit", "0007_overdue_sweep_indexes")]

    operations = [
        migrations.RemoveConstraint(model_name="devicesighting", name="credit_sighting_unique"),
        # The clear columns step aside under another name ...
        migrations.RenameField(model_name="devicesighting", old_name="ip", new_name="ip_clear"),
        migrations.RenameField(model_name="checkoutfingerprint", old_name="ip", new_name="ip_clear"),
        migrations.RenameField(model_name="creditapplication", old_name="consent_ip", new_name="consent_ip_clear"),
        # ... the encrypted ones and the blind indexes take their place ...
        migrations.AddField(
            model_name="devicesighting", name="ip",
            field=core.fields.EncryptedCharField(blank=True, default="", max_length=45, verbose_name="IP")),
        migrations.AddField(
            model_name="devicesighting", name="ip_index",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="IP index")),
        migrations.AddField(
            model_name="checkoutfingerprint", name="ip",
            field=core.fields.EncryptedCharField(blank=True, default="", max_length=45, verbose_name="IP")),
        migrations.AddField(
            model_name="checkoutfingerprint", name="ip_index",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="IP index")),
        migrations.AddField(
            model_name="creditapplication", name="consent_ip",
            field=core.fields.EncryptedCharField(blank=True, default="", max_length=45,
                                                 verbose_name="consent given from")),
        # ... every existing address is copied across, encrypted (and indexed) ...
        migrations.RunPython(encrypt_ips, decrypt_ips),
        # ... and the clear columns go.
        migrations.RemoveField(model_name="devicesighting", name="ip_clear"),
        migrations.RemoveField(model_name="checkoutfingerprint", name="ip_clear"),
        migrations.RemoveField(model_name="creditapplication", name="consent_ip_clear"),
        migrations.AddConstraint(
            model_name="devicesighting",
            constraint=models.UniqueConstraint(fields=("user", "device_hash", "ip_index"),
                                               name="credit_sighting_unique")),
    ]
