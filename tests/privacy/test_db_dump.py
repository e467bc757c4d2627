"""A raw dump of every table after the scenario shows no plaintext phone, ID number, contact name, address or IP."""
import pytest
from django.db import connection

from tests.privacy import scenario as sc

pytestmark = pytest.mark.django_db


def dump_database() -> dict[str, str]:
    """Every table, every row, as text: what a stolen backup would show."""
    dumped = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            rows = cursor.fetchall()
            parts = []
            for row in rows:
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("utf-8", "replace")
                    parts.append(str(value))
            dumped[table] = "\n".join(parts)
    return dumped


def leaks(dumped: dict[str, str], values) -> list[tuple[str, str]]:
    return [(table, value) for value in values for table, text in dumped.items() if value and value in text]


def test_no_plaintext_personal_data_in_any_table():
    built = sc.build()
    if sc.has_demo():
        sc.seed_demo()
    dumped = dump_database()
    # The scenario really ran: orders, applications, contacts, a withdrawal and stored API responses exist.
    assert "marketplace_order" in dumped and dumped["marketplace_order"]
    assert dumped["credit_emergencycontact"] and dumped["core_idempotencyrecord"]
    assert built.orders["to_ship"]

    phones = set(sc.PHONES) | {"+86" + p for p in sc.PHONES}
    assert leaks(dumped, phones) == []
    assert leaks(dumped, sc.ID_NUMBERS) == []
    assert leaks(dumped, sc.CONTACT_NAMES) == []
    assert leaks(dumped, sc.NAMES) == []
    assert leaks(dumped, sc.ADDRESSES) == []
    assert leaks(dumped, [sc.BANK_ACCOUNT]) == []
    # IPs: the instalment checkout's (fingerprint, device sighting) and the credit consent's.
    from credit.models import CheckoutFingerprint, CreditApplication, DeviceSighting

    assert sc.CHECKOUT_IP in DeviceSighting.objects.filter(user=built.buyer).values_list("ip", flat=True)
    assert CheckoutFingerprint.objects.get(order_id=built.orders["instalments"]).ip == sc.CHECKOUT_IP
    assert CreditApplication.objects.get(user=built.buyer).consent_ip == sc.CONSENT_IP
    assert leaks(dumped, sc.IPS) == []

    # Whatever else is stored encrypted (demo data included) is not in the clear anywhere either.
    stored = sc.plaintext_values()
    assert set(sc.PHONES) <= stored["phones"] and set(sc.CONTACT_NAMES) <= stored["names"]
    for kind, values in stored.items():
        assert leaks(dumped, values) == [], kind


def test_the_scan_would_see_a_plaintext_value():
    """The scan is not blind: a value written in the clear is found."""
    from core.models import AuditEvent

    AuditEvent.objects.create(action="test", target_type="x", target_id="1", reason=f"call {sc.BUYER_PHONE}")
    assert leaks(dump_database(), [sc.BUYER_PHONE]) == [("core_auditevent", sc.BUYER_PHONE)]
