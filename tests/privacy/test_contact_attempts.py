"""Emergency contacts: a staff attempt only once the buyer is unreachable, with the fixed message, recorded and
shown to the buyer; never anything sent by the system."""
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.errors import DomainError
from core.models import DataAccessRecord, Notification
from credit.models import Relation
from credit.models.contact_attempts import EmergencyContactAttempt
from credit.services import contact_attempts as service
from credit.services.overdue import installments_mark_overdue
from tests.privacy import scenario as sc

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # purchase; the first instalment is due on 2 April


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def overdue_buyer(make_user, apply_for_credit, place_order, clock):
    """A buyer with two emergency contacts and an instalment order, who then goes silent."""
    buyer = make_user("silentbuyer")
    apply_for_credit(buyer)
    order = place_order(buyer, installments=6)
    assert order.status == "paid", order.status
    return buyer


def go_to(clock, day: str):
    moment = datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI)
    clock.move_to(moment, tick=False)
    installments_mark_overdue(today=moment.date())


def a_contact(buyer):
    return buyer.credit_applications.get().emergency_contacts.order_by("pk").first()


def attempt(officer, buyer, **extra):
    values = {"actor": officer, "contact": a_contact(buyer), "reason": "Buyer silent for five weeks",
              "channel": "call", "language": "zh-hans"}
    values.update(extra)
    return service.contact_attempt_start(**values)


def test_refused_until_the_buyer_has_been_unreachable_for_the_configured_time(overdue_buyer, officer, clock):
    go_to(clock, "2026-04-20")  # 18 days overdue
    with pytest.raises(DomainError) as early:
        attempt(officer, overdue_buyer)
    assert early.value.code == "contact_not_allowed"
    assert early.value.status == 409
    assert early.value.extra["reasons"] == ["not_overdue_long_enough"]
    assert EmergencyContactAttempt.objects.count() == 0
    assert DataAccessRecord.objects.count() == 0

    go_to(clock, "2026-05-03")  # 31 days overdue, no sign of life
    made, shown = attempt(officer, overdue_buyer)
    assert made.outcome == "pending"
    assert shown["name"] == sc.CONTACTS[0]["name"]
    assert shown["phone"] == "+86" + sc.CONTACTS[0]["phone"]


def test_the_time_is_configurable(overdue_buyer, officer, clock, settings):
    settings.FANGXIN_CREDIT = {"CONTACT_UNREACHABLE_DAYS": 10}
    go_to(clock, "2026-04-13")
    attempt(officer, overdue_buyer)
    assert EmergencyContactAttempt.objects.count() == 1


@pytest.mark.parametrize("sign_of_life", ["login", "read_message", "repayment"])
def test_any_sign_of_life_makes_the_buyer_reachable(overdue_buyer, officer, clock, sign_of_life):
    go_to(clock, "2026-04-25")
    if sign_of_life == "login":
        overdue_buyer.last_login = timezone.now()
        overdue_buyer.save(update_fields=["last_login"])
        expected = "logged_in_recently"
    elif sign_of_life == "read_message":
        Notification.objects.filter(user=overdue_buyer).update(read_at=timezone.now())
        expected = "read_messages_recently"
    else:
        from credit.services.repayments import repayment_make

        repayment_make(actor=overdue_buyer, plan=overdue_buyer.installment_plans.get(), mode="amount",
                       amount="1.00", idempotency_key="a-little")
        expected = "repaid_recently"
    go_to(clock, "2026-05-10")
    with pytest.raises(DomainError) as refused:
        attempt(officer, overdue_buyer)
    assert refused.value.extra["reasons"] == [expected]


def test_an_attempt_is_recorded_revealed_to_that_officer_only_and_told_to_the_buyer(
        overdue_buyer, officer, clock, make_user, client_for):
    go_to(clock, "2026-05-05")
    made, shown = attempt(officer, overdue_buyer, reason="No answer to reminders for a month")
    contact = a_contact(overdue_buyer)
    records = DataAccessRecord.objects.filter(subject=overdue_buyer).order_by("field")
    assert [(r.staff, r.object_type, r.object_id, r.field) for r in records] == [
        (officer, "credit.emergencycontact", str(contact.pk), "name"),
        (officer, "credit.emergencycontact", str(contact.pk), "phone")]
    assert all(sc.CONTACTS[0]["phone"] not in r.reason and sc.CONTACTS[0]["name"] not in r.reason for r in records)
    told = Notification.objects.filter(user=overdue_buyer, kind="account").get()
    assert sc.CONTACTS[0]["name"] not in told.body

    mine = client_for(overdue_buyer).get("/api/v1/me/contact-attempts/").json()
    assert mine["count"] == 1
    row = mine["results"][0]
    assert (row["staff"], row["relation"], row["channel"], row["outcome"]) == ("officer", "parent", "call", "pending")
    assert row["reason"] == "No answer to reminders for a month"
    assert row["message"] == shown["message"]
    assert sc.CONTACTS[0]["phone"] not in str(mine) and sc.CONTACTS[0]["name"] not in str(mine)
    other = make_user("someoneelse")
    assert client_for(other).get("/api/v1/me/contact-attempts/").json()["count"] == 0

    page = Client()
    page.force_login(overdue_buyer)
    html = page.get("/privacy/").content.decode()
    assert shown["message"] in html and "No answer to reminders for a month" in html


def test_one_attempt_per_interval(overdue_buyer, officer, clock):
    go_to(clock, "2026-05-05")
    attempt(officer, overdue_buyer)
    go_to(clock, "2026-05-10")
    with pytest.raises(DomainError) as again:
        attempt(officer, overdue_buyer)
    assert again.value.extra["reasons"] == ["attempted_recently"]
    go_to(clock, "2026-05-13")
    attempt(officer, overdue_buyer)
    assert EmergencyContactAttempt.objects.count() == 2


def test_staff_without_the_permission_cannot_try(overdue_buyer, make_user, clock):
    from django.contrib.auth.models import Permission

    go_to(clock, "2026-05-05")
    clerk = make_user("clerk", is_staff=True)
    revealer = make_user("revealer", is_staff=True)
    revealer.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    for who in (clerk, revealer, overdue_buyer):
        with pytest.raises(DomainError) as denied:
            attempt(who, overdue_buyer)
        assert denied.value.code == "permission_denied"
    assert EmergencyContactAttempt.objects.count() == DataAccessRecord.objects.count() == 0


def test_a_reason_is_required(overdue_buyer, officer, clock):
    go_to(clock, "2026-05-05")
    with pytest.raises(DomainError) as no_reason:
        attempt(officer, overdue_buyer, reason="  ")
    assert no_reason.value.code == "validation_error"
    assert EmergencyContactAttempt.objects.count() == 0


FORBIDDEN = re.compile(r"(¥|元|欠|逾期|还款|贷|分期|额度|账单|利|金额|到期|credit|loan|debt|owe|overdue|instal|repay|"
                       r"amount|due|bill|payment|money|limit|interest)", re.IGNORECASE)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("relation", Relation.values)
def test_the_fixed_message_discloses_nothing_about_the_debt(language, relation):
    text = service.contact_message(relation=relation, real_name="张三丰", language=language)
    assert FORBIDDEN.findall(text) == []
    assert re.sub(r"\D", "", text) == re.sub(r"\D", "", service.conf("SERVICE_PHONE"))  # no other number
    assert "三丰" not in text  # the initial only
    assert ("Fangxin" in text) if language == "en" else ("放心" in text)


def test_the_admin_work_list_and_the_action(overdue_buyer, officer, clock, make_user):
    go_to(clock, "2026-05-05")
    web = Client()
    web.force_login(officer)
    listing = web.get("/admin/credit/unreachablebuyer/")
    assert listing.status_code == 200
    assert "silentbuyer" in listing.content.decode()
    application = overdue_buyer.credit_applications.get()
    form = web.post("/admin/credit/unreachablebuyer/", {"action": "contact_emergency_contact",
                                                        "_selected_action": [application.pk]})
    assert form.status_code == 200
    assert sc.CONTACTS[0]["phone"] not in form.content.decode()  # masked until the attempt is recorded
    done = web.post("/admin/credit/unreachablebuyer/", {
        "action": "contact_emergency_contact", "_selected_action": [application.pk], "confirm": "1",
        "contact": a_contact(overdue_buyer).pk, "channel": "sms", "language": "en", "reason": "Silent for a month"})
    body = done.content.decode()
    assert done.status_code == 200, body[:500]
    made = EmergencyContactAttempt.objects.get()
    assert "+86" + sc.CONTACTS[0]["phone"] in body
    assert "Fangxin customer service" in body
    assert (made.staff, made.channel, made.language) == (officer, "sms", "en")

    outcome = web.post(f"/admin/credit/emergencycontactattempt/{made.pk}/change/", {"outcome": "passed_on"})
    assert outcome.status_code == 302
    made.refresh_from_db()
    assert made.outcome == "passed_on" and made.outcome_recorded_at is not None

    clerk = make_user("clerk", is_staff=True)
    web.force_login(clerk)
    assert web.get("/admin/credit/unreachablebuyer/").status_code == 403


def test_the_work_list_shows_only_unreachable_buyers(overdue_buyer, officer, clock):
    go_to(clock, "2026-04-20")
    assert list(service.applications_of_unreachable_buyers()) == []
    go_to(clock, "2026-05-05")
    assert list(service.applications_of_unreachable_buyers()) == [overdue_buyer.credit_applications.get()]


def test_reminders_never_reach_an_emergency_contact(overdue_buyer, clock, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from core.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    for day in ("2026-03-30", "2026-04-01", "2026-04-02", "2026-04-03", "2026-04-05", "2026-04-09", "2026-05-05"):
        go_to(clock, day)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_due_reminders", as_of=f"{day}T10:00:00+08:00", stdout=io.StringIO())
    sent = [(m["to"], m["body"]) for m in MemorySmsBackend.outbox] + [
        (",".join(m.to), m.body) for m in mail.outbox]
    assert sent, "the reminders went out to the buyer"
    for value in [*(c["phone"] for c in sc.CONTACTS), *(c["name"] for c in sc.CONTACTS)]:
        assert [s for s in sent if value in s[0] or value in s[1]] == []
    assert EmergencyContactAttempt.objects.count() == 0


def test_removing_the_contacts_keeps_the_record_of_the_attempt(overdue_buyer, officer, clock):
    go_to(clock, "2026-05-05")
    made, _ = attempt(officer, overdue_buyer)
    assert service.emergency_contacts_remove(user=overdue_buyer) == 2
    made.refresh_from_db()
    assert made.contact is None and made.relation == "parent"
    assert service.attempt_message(made)
