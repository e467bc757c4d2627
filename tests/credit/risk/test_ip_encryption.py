"""IP addresses are personal data: stored encrypted, compared by a blind index, masked for staff.

Device sightings, checkout fingerprints and credit applications' consent records keep the
client IP as a Fernet token; the shared-IP rule and the sighting's uniqueness use
``ip_index`` (HMAC under BLIND_INDEX_KEY). Migration 0008 moved existing rows across.
"""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from core.fields import FERNET_PREFIX
from core.models import DataAccessRecord
from core.pii import mask_ip
from credit.models import CheckoutFingerprint, CreditApplication, DeviceSighting
from credit.risk import identity
from tests.credit.risk.conftest import OTHER_PUBLIC_IP, PUBLIC_IP

CONSENT_IP = "203.0.113.77"


def raw(table: str, columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table)} ORDER BY id")  # noqa: S608 - ours
        return cursor.fetchall()


@pytest.fixture
def footprint(make_shop, make_credit_buyer, checkout, seen, apply, make_user):
    """The merchant seen from a public IP, a buyer checking out from it, an application consented from another."""
    listing = make_shop(price=Decimal("488.80"))
    seen(listing.shop.owner, device="merchant-phone", ip=PUBLIC_IP)
    order = checkout(make_credit_buyer(), listing, ip=PUBLIC_IP)
    applicant = make_user("consenting")
    application = apply(applicant, ip=CONSENT_IP)
    return order, application


def test_ips_are_stored_encrypted_with_a_blind_index(footprint):
    order, application = footprint
    index = identity.ip_index(PUBLIC_IP)

    for table in (DeviceSighting._meta.db_table, CheckoutFingerprint._meta.db_table):
        (stored, stored_index), = raw(table, "ip, ip_index")
        assert stored.startswith(FERNET_PREFIX) and PUBLIC_IP not in stored, table
        assert stored_index == index and len(index) == 64
    assert all(CONSENT_IP not in str(row) for row in raw(CreditApplication._meta.db_table, "*"))
    # Through the ORM the values read back in clear.
    assert DeviceSighting.objects.get().ip == PUBLIC_IP
    assert order.checkout_fingerprint.ip == PUBLIC_IP and order.checkout_fingerprint.ip_public
    assert CreditApplication.objects.get(pk=application.pk).consent_ip == CONSENT_IP
    # The index is keyed and bound to its purpose: not the bare hash of the address, not another column's.
    assert index != identity.device_hash(PUBLIC_IP) and index != identity.ip_index(OTHER_PUBLIC_IP)


def test_the_shared_ip_rule_still_matches_by_index(footprint):
    order, _application = footprint
    assert "shared_ip" in order.risk_assessment.reasons


def test_a_sighting_seen_again_is_one_row(footprint, seen):
    order, _application = footprint
    owner = order.shop.owner
    seen(owner, device="merchant-phone", ip=PUBLIC_IP)
    seen(owner, device="merchant-phone", ip=OTHER_PUBLIC_IP)

    assert DeviceSighting.objects.filter(user=owner).count() == 2
    assert sorted(DeviceSighting.objects.filter(user=owner).values_list("ip", flat=True)) == sorted(
        [PUBLIC_IP, OTHER_PUBLIC_IP])


def test_the_admin_masks_the_ip_finds_it_by_index_and_reveals_it_with_a_record(footprint, risk_officer):
    from django.contrib.auth.models import Permission

    order, application = footprint
    client = Client()
    client.force_login(risk_officer)
    sighting = DeviceSighting.objects.get()
    masked = mask_ip(PUBLIC_IP)
    assert masked == "114.114.*.*"

    for url in ("/admin/credit/devicesighting/", f"/admin/credit/devicesighting/{sighting.pk}/change/",
                "/admin/credit/checkoutfingerprint/",
                f"/admin/credit/checkoutfingerprint/{order.checkout_fingerprint.pk}/change/"):
        page = client.get(url).content.decode()
        assert masked in page and PUBLIC_IP not in page, url

    found = client.get("/admin/credit/devicesighting/", {"q": PUBLIC_IP})
    assert found.context["cl"].result_count == 1
    assert client.get("/admin/credit/devicesighting/", {"q": "1.1.1.1"}).context["cl"].result_count == 0
    assert client.get("/admin/credit/checkoutfingerprint/", {"q": PUBLIC_IP}).context["cl"].result_count == 1

    reveal = f"/admin/credit/devicesighting/{sighting.pk}/reveal/ip/"
    assert client.get(reveal).status_code == 403  # a risk officer without the reveal permission
    risk_officer.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    risk_officer = type(risk_officer).objects.get(pk=risk_officer.pk)  # permissions are cached on the instance
    client.force_login(risk_officer)
    shown = client.post(reveal, {"reason": "checking a shared connection"})
    assert PUBLIC_IP in shown.content.decode()
    record = DataAccessRecord.objects.get()
    assert (record.staff, record.subject, record.field) == (risk_officer, order.shop.owner, "ip")


def test_the_consent_ip_is_masked_and_revealed_only_with_a_reason_and_a_record(footprint, make_user):
    _order, application = footprint
    officer = make_user("revealer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/admin/credit/creditapplication/{application.pk}/change/").content.decode()
    assert mask_ip(CONSENT_IP) in page and CONSENT_IP not in page

    shown = client.post(f"/admin/credit/creditapplication/{application.pk}/reveal/consent_ip/",
                        {"reason": "a dispute about the consent"})
    assert CONSENT_IP in shown.content.decode()
    record = DataAccessRecord.objects.get()
    assert (record.staff, record.subject, record.field) == (officer, application.user, "consent_ip")


def test_mask_ip():
    assert mask_ip("61.135.169.121") == "61.135.*.*"
    assert mask_ip("2001:db8:85a3::8a2e:370:7334") == "2001:db8:****"
    assert mask_ip("") == "" and mask_ip(None) == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_clear_ips_into_encrypted_columns_and_back(footprint):
    """Back to 0007 (clear columns refilled from the encrypted ones), then forward again (encrypted, indexed)."""
    from django.db.migrations.executor import MigrationExecutor

    order, application = footprint
    before, after = [("credit", "0007_overdue_sweep_indexes")], [("credit", "0008_encrypt_ips")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        assert raw(DeviceSighting._meta.db_table, "ip") == [(PUBLIC_IP,)]
        assert [str(ip) for ip, in raw(CheckoutFingerprint._meta.db_table, "ip")] == [PUBLIC_IP]  # inet
        assert [str(ip) for ip, in raw(CreditApplication._meta.db_table, "consent_ip")
                if ip is not None] == [CONSENT_IP]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)

    (stored, index), = raw(DeviceSighting._meta.db_table, "ip, ip_index")
    assert stored.startswith(FERNET_PREFIX) and index == identity.ip_index(PUBLIC_IP)
    (stored, index), = raw(CheckoutFingerprint._meta.db_table, "ip, ip_index")
    assert stored.startswith(FERNET_PREFIX) and index == identity.ip_index(PUBLIC_IP)
    assert CheckoutFingerprint.objects.get().ip == PUBLIC_IP
    assert CreditApplication.objects.get(pk=application.pk).consent_ip == CONSENT_IP
    assert all(CONSENT_IP not in str(row) for row in raw(CreditApplication._meta.db_table, "*"))
