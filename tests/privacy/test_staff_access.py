"""Staff: personal fields masked on every admin page; a reveal needs the permission and a reason and writes an
access record (never the value, not even in the logs) that the right buyer — and only they — can read."""
import logging
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, DataAccessRecord
from credit.models import CreditApplication
from tests.privacy import scenario as sc

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


@pytest.fixture
def built():
    return sc.build()


def admin_pages(user):
    """Every model's list and the change pages of its first objects (as the admin would list them)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for obj in model_admin.get_queryset(request).order_by("pk")[:5]:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def personal_data_in(html: str) -> list[str]:
    found = [f"phone {m.group(1)}" for m in PHONE.finditer(html)]
    found += [f"ID number {m.group(0)}" for m in ID_NUMBER.finditer(html)]
    found += [f"value {v}" for v in (*sc.NAMES, *sc.ADDRESSES, sc.BANK_ACCOUNT) if v in html]
    return found


def test_every_admin_page_shows_personal_data_masked_even_to_a_superuser(built):
    web = Client()
    web.force_login(built.staff)  # a superuser: every permission, including reveal
    seen, leaking = 0, {}
    for url in admin_pages(built.staff):
        response = web.get(url)
        assert response.status_code == 200, url
        seen += 1
        found = personal_data_in(response.content.decode())
        if found:
            leaking[url] = found
    assert leaking == {}
    assert seen > 40
    # ... and masked, not missing: the buyer's page shows the masked phone with a reveal link.
    page = web.get(reverse("admin:marketplace_user_change", args=[built.buyer.pk])).content.decode()
    assert "135****2468" in page and f"/admin/marketplace/user/{built.buyer.pk}/reveal/phone/" in page


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_revealing_needs_the_permission_and_a_reason_and_records_who_what_whose_why(built, make_user):
    application = CreditApplication.objects.get(user=built.buyer)
    url = reverse("admin:credit_creditapplication_reveal", args=[application.pk, "id_number"])
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_creditapplication"]))
    web = Client()
    web.force_login(clerk)
    assert web.get(url).status_code == 403
    assert web.post(url, {"reason": "curious about it"}).status_code == 403

    web.force_login(built.officer)
    no_reason = web.post(url, {"reason": " "})
    assert no_reason.status_code == 200 and sc.CREDIT["id_number"] not in no_reason.content.decode()
    before = DataAccessRecord.objects.count()
    assert before == 1  # the scenario's reveal of the buyer's phone

    captured, root = Captured(), logging.getLogger()
    old_level = root.level
    root.addHandler(captured)
    root.setLevel(logging.DEBUG)
    try:
        shown = web.post(url, {"reason": "Identity check requested by the buyer"})
    finally:
        root.removeHandler(captured)
        root.setLevel(old_level)
    assert shown.status_code == 200
    assert sc.CREDIT["id_number"] in shown.content.decode()
    record = DataAccessRecord.objects.latest("pk")
    assert (record.staff, record.subject, record.object_type, record.object_id, record.field, record.reason) == (
        built.officer, built.buyer, "credit.creditapplication", str(application.pk), "id_number",
        "Identity check requested by the buyer")
    # Never the value: not in the record, the audit trail, the admin log or any log line.
    assert sc.CREDIT["id_number"] not in str(list(DataAccessRecord.objects.values()))
    assert sc.CREDIT["id_number"] not in str(list(AuditEvent.objects.values()))
    from django.contrib.admin.models import LogEntry

    assert sc.CREDIT["id_number"] not in str(list(LogEntry.objects.values()))
    assert sc.CREDIT["id_number"] not in "\n".join(captured.lines)


def test_unknown_fields_cannot_be_revealed(built):
    web = Client()
    web.force_login(built.officer)
    url = reverse("admin:marketplace_user_reveal", args=[built.buyer.pk, "password"])
    assert web.post(url, {"reason": "just looking at it"}).status_code == 403
    assert DataAccessRecord.objects.count() == 1


def test_the_buyer_and_only_the_buyer_sees_the_access_records(built, make_user):
    buyer_api = built.api(built.buyer)
    mine = buyer_api.get("/api/v1/me/data-access-log/").json()
    assert mine["count"] == 1
    row = mine["results"][0]
    assert (row["staff"], row["field"], row["reason"]) == ("privofficer", "phone", "courier cannot reach them")
    assert row["object_type"] == "marketplace.user" and row["description"]
    assert sc.BUYER_PHONE not in str(mine)
    for someone_else in (built.other_buyer, built.merchant, built.officer):
        assert built.api(someone_else).get("/api/v1/me/data-access-log/").json()["count"] == 0

    web = Client()
    web.force_login(built.buyer)
    page = web.get("/privacy/access-log/").content.decode()
    assert "privofficer" in page and "courier cannot reach them" in page and sc.BUYER_PHONE not in page
    assert "privofficer" in web.get("/privacy/").content.decode()
    web.force_login(built.other_buyer)
    assert "privofficer" not in web.get("/privacy/access-log/").content.decode()


def test_anonymous_sees_no_access_log(api):
    assert api.get("/api/v1/me/data-access-log/").status_code == 401
    assert Client().get("/privacy/access-log/").status_code == 302


def test_the_staff_api_shows_personal_data_masked_too(built):
    from tests.privacy.test_merchant_view import problems, urls_to_try

    api = built.api(built.staff)  # a superuser
    leaking, scanned = {}, 0
    for url in urls_to_try():
        if not url.startswith("/api/") or url.startswith("/api/v1/me/export/"):
            continue  # the export is the caller's own data, decrypted on purpose
        response = api.get(url)
        if response.status_code == 200:
            scanned += 1
            found = [f for f in problems(response.content.decode(), own_phone="13500000001")
                     if not f.startswith("closed order's")]
            if found:
                leaking[url] = found
    assert leaking == {}
    assert scanned > 20
