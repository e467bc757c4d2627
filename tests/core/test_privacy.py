"""Audited reveal of masked personal data, and the buyer's view of it."""
import pytest
from django.contrib.auth.models import Permission

from core.errors import DomainError
from core.models import DataAccessRecord
from core.privacy import personal_data_reveal

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    user = make_user("officer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return user


def test_reveal_needs_permission_and_reason(make_user, officer):
    buyer = make_user("buyer", phone="13912345678")
    clerk = make_user("clerk", is_staff=True)
    with pytest.raises(DomainError) as denied:
        personal_data_reveal(actor=clerk, obj=buyer, field="phone", subject=buyer, reason="checking delivery")
    assert denied.value.code == "permission_denied"
    with pytest.raises(DomainError) as no_reason:
        personal_data_reveal(actor=officer, obj=buyer, field="phone", subject=buyer, reason=" ")
    assert no_reason.value.code == "validation_error"
    assert DataAccessRecord.objects.count() == 0

    value = personal_data_reveal(actor=officer, obj=buyer, field="phone", subject=buyer,
                                 reason="courier cannot reach the buyer")
    assert value == "+8613912345678"
    record = DataAccessRecord.objects.get()
    assert (record.staff, record.subject, record.field) == (officer, buyer, "phone")


def test_buyer_sees_only_their_own_access_log(make_user, officer, client_for):
    buyer, other = make_user("buyer"), make_user("other")
    personal_data_reveal(actor=officer, obj=buyer, field="phone", subject=buyer, reason="courier asked")
    mine = client_for(buyer).get("/api/v1/me/data-access-log/").json()
    assert mine["count"] == 1
    assert mine["results"][0]["staff"] == "officer"
    assert mine["results"][0]["reason"] == "courier asked"
    assert "+86" not in str(mine)
    assert client_for(other).get("/api/v1/me/data-access-log/").json()["count"] == 0
