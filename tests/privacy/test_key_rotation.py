"""Key rotation, end to end in separate processes (the crypter is built at import time, so each key list
needs its own process): rows written under key A, rotated with "B,A", then read with only B; A alone fails."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

# Distinctive personal data, written through the services under key A.
WRITE = r"""
import json
from decimal import Decimal
from django.contrib.auth import get_user_model
from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from marketplace.models import Category
from marketplace.services.accounts import user_register
from marketplace.services.listings import listing_create
from marketplace.services.orders import order_place
from marketplace.services.shops import shop_open, shop_verify

User = get_user_model()
staff = User.objects.create_superuser(username="root", password="x-Secret-12345", email="r@example.com")
buyer = user_register(username="rotbuyer", password="x-Secret-12345", phone="13711112222")
merchant = user_register(username="rotmerchant", password="x-Secret-12345", phone="13733334444")
shop = shop_verify(actor=staff, shop=shop_open(actor=merchant, name="Rotation Shop"))
listing = listing_create(actor=merchant, shop=shop, title="Kettle", description="Hot.", price=Decimal("50.00"),
                         stock=5, category=Category.objects.order_by("pk").first())
order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], payment={"method": "full"},
            shipping_address={"name": "轮换收件人", "phone": "13755556666", "address": "杭州市西湖区轮换路 9 号"})
terms = current_terms()
application_submit(actor=buyer, real_name="轮换测试", id_number="ID_NUMBER",
                   phone="13711112222", income_band="8k_15k",
                   emergency_contacts=[{"name": "联系人轮换", "phone": "13777778888", "relation": "friend"}],
                   consent={"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version})
print("WROTE")
"""

READ = r"""
import json
from django.contrib.auth import get_user_model
from core.models import EncryptionCanary
from credit.models import CreditApplication, EmergencyContact
from marketplace.models import Order

User = get_user_model()
buyer = User.objects.get_by_phone("+8613711112222")
order = Order.objects.get()
application = CreditApplication.objects.get()
contact = EmergencyContact.objects.get()
print(json.dumps({"buyer": buyer.username, "phone": buyer.phone, "shipping": [order.shipping_name,
    order.shipping_phone, order.shipping_address], "application": [application.real_name, application.phone],
    "contact": [contact.name, contact.phone], "canary": EncryptionCanary.objects.get().value}, ensure_ascii=False))
"""

EXPECTED = {"buyer": "rotbuyer", "phone": "+8613711112222",
            "shipping": ["轮换收件人", "+8613755556666", "杭州市西湖区轮换路 9 号"],
            "application": ["轮换测试", "+8613711112222"], "contact": ["联系人轮换", "+8613777778888"],
            "canary": "fangxin-canary"}


def _valid_id() -> str:
    body = "11010119900101001"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _manage(args, keys, tmp_path, stdin=None):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "FANGXIN_VAR_DIR": str(tmp_path),
                "FIELD_ENCRYPTION_KEYS": keys, "PYTHONIOENCODING": "utf-8"})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, input=stdin)


def _read(keys, tmp_path) -> dict:
    result = _manage(["shell", "-c", READ], keys, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rotation_re_encrypts_every_row_under_the_newest_key(tmp_path):
    assert _manage(["migrate", "--no-input"], KEY_A, tmp_path).returncode == 0
    wrote = _manage(["shell", "-c", WRITE.replace("ID_NUMBER", _valid_id())],
                    KEY_A, tmp_path)
    assert wrote.returncode == 0, wrote.stderr[-3000:]
    assert _read(KEY_A, tmp_path) == EXPECTED  # readable before

    # A key list that cannot read the data: the command refuses to start (system check fangxin.E001).
    refused = _manage(["rotate_encryption_keys"], KEY_B, tmp_path)
    assert refused.returncode != 0
    assert "fangxin.E001" in refused.stderr

    # New key first, old key still listed: everything reads; --check sees rows under the old key.
    assert _read(f"{KEY_B},{KEY_A}", tmp_path) == EXPECTED
    before = _manage(["rotate_encryption_keys", "--check"], f"{KEY_B},{KEY_A}", tmp_path)
    assert before.returncode != 0
    assert "still hold values under an older key" in before.stderr

    rotated = _manage(["rotate_encryption_keys", "--batch-size", "2"], f"{KEY_B},{KEY_A}", tmp_path)
    assert rotated.returncode == 0, rotated.stderr[-3000:]
    assert "core.EncryptionCanary" in rotated.stdout
    assert "marketplace.User" in rotated.stdout and "credit.EmergencyContact" in rotated.stdout
    # Not a terminal: no bar, one line of figures per model.
    assert re.search(r"marketplace\.User +\d+/\d+  \d+ re-encrypted", rotated.stdout), rotated.stdout
    assert "[#" not in rotated.stdout
    assert _manage(["rotate_encryption_keys", "--check"], f"{KEY_B},{KEY_A}", tmp_path).returncode == 0
    again = _manage(["rotate_encryption_keys"], f"{KEY_B},{KEY_A}", tmp_path)
    assert "Re-encrypted 0 of" in again.stdout  # nothing left to do: safe to run twice

    # The old key dropped: the system check passes and every row still reads (phone lookup included).
    assert _manage(["check"], KEY_B, tmp_path).returncode == 0
    assert _read(KEY_B, tmp_path) == EXPECTED

    # Only the old key: start-up refuses.
    refused = _manage(["check"], KEY_A, tmp_path)
    assert refused.returncode != 0
    assert "fangxin.E001" in refused.stderr


def test_every_model_with_an_encrypted_field_is_rotated():
    from core.management.commands.rotate_encryption_keys import encrypted_models

    labels = {model._meta.label: {f.name for f in fields} for model, fields in encrypted_models()}
    assert labels["core.EncryptionCanary"] == {"value"}
    assert labels["marketplace.User"] == {"phone", "real_name"}
    assert labels["marketplace.Order"] == {"shipping_name", "shipping_phone", "shipping_address"}
    assert labels["credit.CreditApplication"] == {"real_name", "id_number", "phone", "consent_ip"}
    assert labels["credit.DeviceSighting"] == labels["credit.CheckoutFingerprint"] == {"ip"}
    assert labels["credit.EmergencyContact"] == {"name", "phone"}
    assert labels["marketplace.Withdrawal"] == {"bank_account"}
    assert "core.IdempotencyRecord" in labels


def _raw(table, column, pk):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)} "  # noqa: S608
                       "WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_in_process_on_this_database(db, settings, make_user):
    """The same on the test database (PostgreSQL in CI): the crypter is rebuilt with a new key first, then
    restored (the test's transaction is rolled back, so nothing stays under the new key)."""
    import io

    import encrypted_model_fields.fields as emf
    from django.core.management import call_command
    from django.core.management.base import CommandError

    user = make_user("rotated", phone="13766554433")
    old_keys = list(settings.FIELD_ENCRYPTION_KEY)
    new_key = Fernet.generate_key().decode()
    saved = emf.CRYPTER
    try:
        settings.FIELD_ENCRYPTION_KEY = [new_key, *old_keys]
        emf.CRYPTER = emf.get_crypter()
        with pytest.raises(CommandError, match="older key"):
            call_command("rotate_encryption_keys", "--check", stdout=io.StringIO())
        out = io.StringIO()
        call_command("rotate_encryption_keys", "--no-progress", "--batch-size", "3", stdout=out)
        assert "Re-encrypted" in out.getvalue() and "marketplace.User" in out.getvalue()
        token = _raw("marketplace_user", "phone", user.pk)
        assert Fernet(new_key).decrypt(token.encode()) == b"+8613766554433"
        user.refresh_from_db()
        assert user.phone == "+8613766554433"
        from django.contrib.auth import get_user_model

        assert get_user_model().objects.get_by_phone("+8613766554433") == user  # blind index unchanged
        call_command("rotate_encryption_keys", "--check", stdout=io.StringIO())
    finally:
        emf.CRYPTER = saved
        settings.FIELD_ENCRYPTION_KEY = old_keys


def test_a_value_no_key_can_read_stops_the_rotation(db, make_user):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connection

    user = make_user("broken")
    foreign = Fernet(Fernet.generate_key()).encrypt(b"+8613700000000").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE marketplace_user SET phone = %s WHERE id = %s", [foreign, user.pk])
    with pytest.raises(CommandError, match=f"marketplace.User: row pk={user.pk} cannot be decrypted"):
        call_command("rotate_encryption_keys", "--no-progress", stdout=io.StringIO())
    assert _raw("marketplace_user", "phone", user.pk) == foreign  # left as it was
