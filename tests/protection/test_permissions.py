"""Permission matrix of every after-sales endpoint: who may see, who may act; refused calls change nothing."""
import pytest

from protection.services.cases import case_approve
from protection.services.returns import return_confirm, return_ship
from protection.services.rulings import case_escalate

from .conftest import case_snapshot

ROLES = ["anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "staff", "staff_no_perms"]
# What callers who may not see the case get, unless an endpoint says otherwise.
UNSEEN = {"anonymous": 401, "other_buyer": 404, "other_merchant": 404, "staff_no_perms": 404}


@pytest.fixture
def client_as(api, client_for, buyer, other_buyer, merchant, other_merchant, other_shop, staff_user,
              staff_no_perms):
    people = {"buyer": buyer, "other_buyer": other_buyer, "merchant": merchant, "other_merchant": other_merchant,
              "staff": staff_user, "staff_no_perms": staff_no_perms}
    return lambda role: api if role == "anonymous" else client_for(people[role])


def _state(name, *, order, open_case, buyer, merchant):
    if name == "requested":
        return open_case(order)
    if name == "awaiting_return":
        return case_approve(actor=merchant, case=open_case(order))
    if name == "return_shipped":
        case = case_approve(actor=merchant, case=open_case(order))
        return return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF1")
    if name == "awaiting_replacement":
        case = case_approve(actor=merchant, case=open_case(order, type="exchange"))
        return return_confirm(actor=merchant, case=return_ship(actor=buyer, case=case, carrier="SF",
                                                               tracking_number="SF1"))
    if name == "escalated":
        return case_escalate(actor=merchant, case=open_case(order, type="refund_only", reason="quality"),
                             reason="Disagree")
    raise ValueError(name)


SHIP = {"carrier": "SF", "tracking_number": "SF-2"}
# endpoint: (state, path suffix, body, format, {role: status} for those who can see the case)
ENDPOINTS = {
    "detail": ("requested", "", None, "json", {"buyer": 200, "merchant": 200, "staff": 200}),
    "approve": ("requested", "approve/", {}, "json", {"buyer": 403, "merchant": 200, "staff": 403}),
    "reject": ("requested", "reject/", {"reason": "No"}, "json", {"buyer": 403, "merchant": 200, "staff": 403}),
    "withdraw": ("requested", "withdraw/", {}, "json", {"buyer": 200, "merchant": 403, "staff": 403}),
    "ship-return": ("awaiting_return", "ship-return/", SHIP, "json", {"buyer": 200, "merchant": 403, "staff": 403}),
    "confirm-return": ("return_shipped", "confirm-return/", {}, "json",
                       {"buyer": 403, "merchant": 200, "staff": 403}),
    "ship-replacement": ("awaiting_replacement", "ship-replacement/", SHIP, "json",
                         {"buyer": 403, "merchant": 200, "staff": 403}),
    "refund-instead": ("awaiting_replacement", "refund-instead/", {}, "json",
                       {"buyer": 403, "merchant": 200, "staff": 403}),
    "escalate": ("requested", "escalate/", {"reason": "Help"}, "json", {"buyer": 200, "merchant": 200, "staff": 403}),
    "evidence": ("requested", "evidence/", "PHOTO", "multipart", {"buyer": 201, "merchant": 201, "staff": 201}),
}
CASES = [(endpoint, role) for endpoint in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_case_endpoint_permissions(endpoint, role, client_as, received_order, open_case, buyer, merchant, png_file):
    state, suffix, data, fmt, seen = ENDPOINTS[endpoint]
    case = _state(state, order=received_order, open_case=open_case, buyer=buyer, merchant=merchant)
    expected = seen.get(role) or UNSEEN[role]
    before = case_snapshot(case)
    client = client_as(role)
    url = f"/api/v1/after-sales/{case.pk}/{suffix}"
    if data is None:
        response = client.get(url)
    else:
        payload = {"file": png_file(), "text": "photo"} if data == "PHOTO" else data
        response = client.post(url, payload, format=fmt)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] in {401: "not_authenticated", 403: "permission_denied",
                                           404: "not_found"}[expected]
        assert case_snapshot(case) == before
    elif data is not None:
        assert case_snapshot(case) != before


RULE_EXPECTED = {"anonymous": 401, "buyer": 403, "other_buyer": 403, "merchant": 403, "other_merchant": 403,
                 "staff": 200, "staff_no_perms": 403}


@pytest.mark.parametrize("role", ROLES)
def test_staff_rule_permissions(role, client_as, received_order, open_case, buyer, merchant):
    case = _state("escalated", order=received_order, open_case=open_case, buyer=buyer, merchant=merchant)
    before = case_snapshot(case)
    response = client_as(role).post(f"/api/v1/staff/after-sales/{case.pk}/rule/",
                                    {"decision": "reject", "at_fault": "buyer", "note": "Misuse"}, format="json")
    assert response.status_code == RULE_EXPECTED[role], response.content
    if RULE_EXPECTED[role] >= 400:
        assert case_snapshot(case) == before
    else:
        assert response.json()["status"] == "closed"


def test_ruling_on_a_missing_case_is_404_for_staff(client_as, db):
    response = client_as("staff").post("/api/v1/staff/after-sales/999999/rule/",
                                       {"decision": "reject", "at_fault": "none"}, format="json")
    assert response.status_code == 404


LIST_EXPECTED = {"anonymous": None, "buyer": 1, "other_buyer": 0, "merchant": 1, "other_merchant": 0, "staff": 1,
                 "staff_no_perms": 0}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_what_the_caller_may_see(role, client_as, received_order, open_case):
    open_case(received_order)
    response = client_as(role).get("/api/v1/after-sales/")
    if LIST_EXPECTED[role] is None:
        assert response.status_code == 401
    else:
        assert response.json()["count"] == LIST_EXPECTED[role]


CREATE_EXPECTED = {"anonymous": 401, "buyer": 201, "other_buyer": 404, "merchant": 404, "other_merchant": 404,
                   "staff": 404, "staff_no_perms": 404}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_opens_a_case_on_the_order(role, client_as, received_order):
    from protection.models import AfterSalesCase

    response = client_as(role).post("/api/v1/after-sales/", {
        "order": received_order.pk, "line": received_order.lines.first().pk, "type": "return_refund",
        "reason": "no_reason"}, format="json")
    assert response.status_code == CREATE_EXPECTED[role]
    assert AfterSalesCase.objects.count() == (1 if role == "buyer" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_standing_is_for_any_logged_in_user_and_only_their_own(role, client_as, received_order, open_case):
    open_case(received_order)
    response = client_as(role).get("/api/v1/after-sales/standing/")
    if role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.json()["cases"] == (1 if role == "buyer" else 0)
