"""Query counts of the privacy lists and pages stay flat however many records there are."""
import pytest
from django.test import Client

from core.privacy import personal_data_reveal

pytestmark = pytest.mark.django_db


@pytest.fixture
def revealed(make_user, officer):
    buyer = make_user("buyer")

    def reveal(times):
        for n in range(times):
            personal_data_reveal(actor=officer, obj=buyer, field="phone", subject=buyer, reason=f"courier call {n}")
        return buyer

    return reveal


@pytest.mark.parametrize("records", [1, 15])
def test_access_log_queries_are_pinned(revealed, client_for, django_assert_num_queries, records):
    buyer = revealed(records)
    client = client_for(buyer)
    with django_assert_num_queries(3):  # token with its user, count, page with the staff joined
        assert client.get("/api/v1/me/data-access-log/").json()["count"] == records
    web = Client()
    web.force_login(buyer)
    with django_assert_num_queries(4):  # session, user, page, count
        assert web.get("/privacy/access-log/").status_code == 200


@pytest.mark.parametrize("records", [1, 15])
def test_privacy_centre_queries_do_not_grow_with_the_records(revealed, django_assert_max_num_queries, records):
    buyer = revealed(records)
    web = Client()
    web.force_login(buyer)
    with django_assert_max_num_queries(25):
        assert web.get("/privacy/").status_code == 200
