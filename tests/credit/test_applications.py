"""Applications: validation, consent, explainable underwriting, emergency contacts never count, staff decisions."""
from decimal import Decimal

import pytest

from core.errors import DomainError
from credit.models import CreditApplication, CreditLine, EmergencyContact
from credit.services.applications import application_decide
from credit.services.underwriting import Facts, underwrite
from tests.credit.conftest import make_id_number

CONTACTS = [{"name": "王五", "phone": "13800000001", "relation": "parent"},
            {"name": "赵六", "phone": "13800000002", "relation": "friend"}]


def test_emergency_contacts_never_change_the_outcome(make_user, apply):
    with_contacts = apply(make_user("a1"), emergency_contacts=CONTACTS)
    without = apply(make_user("a2"))

    assert (with_contacts.status, with_contacts.limit_amount, with_contacts.reasons) == (
        without.status, without.limit_amount, without.reasons)
    assert EmergencyContact.objects.filter(application=with_contacts).count() == 2


def test_contacts_are_encrypted_at_rest(make_user, apply):
    from django.db import connection

    application = apply(make_user("a3"), emergency_contacts=CONTACTS[:1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM credit_emergencycontact WHERE application_id = %s", [application.pk])
        name, phone = cursor.fetchone()
        cursor.execute("SELECT real_name, id_number, phone FROM credit_creditapplication WHERE id = %s",
                       [application.pk])
        stored = cursor.fetchone()
    assert name.startswith("gAAAA") and phone.startswith("gAAAA")
    assert all(value.startswith("gAAAA") for value in stored)


def test_underwriting_is_explainable():
    facts = Facts(account_age_days=400, completed_orders=25, lost_disputes=0, late_events=0, recent_late_events=0,
                  on_time_events=6, currently_overdue=False, income_band="3k_8k", age_years=30)
    outcome = underwrite(facts)
    assert outcome.status == "approved"
    assert outcome.limit == Decimal("5100.00")  # 3000 × 1.2 × 1.2 × 1.2 = 5184 → whole hundreds
    assert outcome.reasons == ["income_band", "established_account", "order_history", "good_repayment_history"]

    declined = underwrite(Facts(account_age_days=400, completed_orders=0, lost_disputes=3, late_events=3,
                                recent_late_events=1, on_time_events=0, currently_overdue=True,
                                income_band="above_30k", age_years=17))
    assert declined.status == "declined" and declined.limit == 0
    assert declined.reasons == ["underage", "currently_overdue", "too_many_lost_disputes",
                                "repeated_late_repayments"]


def test_underage_applicant_is_declined_with_the_reason(make_user, apply):
    application = apply(make_user("young"), id_number=make_id_number(born="20150101"))

    assert application.status == "declined"
    assert application.reasons == ["underage"]
    assert not CreditLine.objects.filter(user=application.user).exists()


@pytest.mark.parametrize(("overrides", "code"), [
    ({"id_number": "110101199001011234"}, "invalid_id_number"),
    ({"phone": "12345"}, "validation_error"),
    ({"income_band": "lots"}, "validation_error"),
    ({"consent": None}, "consent_required"),
    ({"consent": {"terms_version": "2025-01", "privacy_version": "2026-01"}}, "stale_consent"),
    ({"emergency_contacts": [{"name": "x", "phone": "13800000001", "relation": "neighbour"}]}, "validation_error"),
], ids=["id-checksum", "phone", "income-band", "no-consent", "stale-consent", "relation"])
def test_bad_applications_change_nothing(make_user, apply, overrides, code):
    user = make_user("bad")
    with pytest.raises(DomainError) as refused:
        apply(user, **overrides)
    assert refused.value.code == code
    assert not CreditApplication.objects.filter(user=user).exists()


def test_same_identity_on_another_account_goes_to_review(make_user, apply):
    number = make_id_number()
    apply(make_user("first"), id_number=number)
    second = apply(make_user("second"), id_number=number)

    assert second.status == "under_review"
    assert "identity_in_use" in second.reasons
    assert not CreditLine.objects.filter(user=second.user).exists()


def test_staff_override_sets_a_different_limit(buyer_with_line, credit_officer):
    application = CreditApplication.objects.get(user=buyer_with_line)

    application_decide(actor=credit_officer, application=application, decision="approve", limit="5000.00",
                       note="verified payslip")

    line = CreditLine.objects.get(user=buyer_with_line)
    assert line.limit_amount == Decimal("5000.00")
    assert line.events.filter(kind="limit_changed", actor=credit_officer).exists()
    application.refresh_from_db()
    assert (application.decided_by, application.note) == (credit_officer, "verified payslip")


def test_staff_without_permission_cannot_decide(buyer_with_line, staff_no_perms):
    application = CreditApplication.objects.get(user=buyer_with_line)
    with pytest.raises(DomainError) as refused:
        application_decide(actor=staff_no_perms, application=application, decision="decline")
    assert refused.value.code == "permission_denied"
    application.refresh_from_db()
    assert application.status == "approved"
