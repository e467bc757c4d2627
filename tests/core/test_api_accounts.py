"""Registration, token auth and the profile endpoint."""
import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_register_creates_user_with_encrypted_phone(api):
    response = api.post("/api/v1/auth/register/",
                        {"username": "alice", "password": "s3cret-Pass!", "email": "a@example.com",
                         "phone": "139 1234 5678"}, format="json")
    assert response.status_code == 201
    assert set(response.json()) == {"id", "username"}
    user = get_user_model().objects.get(username="alice")
    assert user.phone == "+8613912345678"
    assert get_user_model().objects.get_by_phone("+8613912345678") == user


def test_register_duplicate_phone_is_refused(api, make_user):
    make_user("bob", phone="13912345678")
    response = api.post("/api/v1/auth/register/",
                        {"username": "carol", "password": "s3cret-Pass!", "phone": "+86 139-1234-5678"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "phone_taken"
    assert not get_user_model().objects.filter(username="carol").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "x", "password": "s3cret-Pass!"}, "phone"),
        ({"username": "x", "password": "s3cret-Pass!", "phone": "12345"}, "phone"),
        ({"username": "x", "password": "123", "phone": "13800001111"}, "password"),
        ({"username": "bad name!", "password": "s3cret-Pass!", "phone": "13800001111"}, "username"),
    ],
    ids=["missing-phone", "bad-phone", "weak-password", "bad-username"],
)
def test_register_bad_input_gives_field_errors(api, body, field):
    response = api.post("/api/v1/auth/register/", body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert field in payload["fields"]
    assert get_user_model().objects.count() == 0


def test_token_then_me(api, make_user):
    make_user("dave", password="s3cret-Pass!", phone="13700001111")
    response = api.post("/api/v1/auth/token/", {"username": "dave", "password": "s3cret-Pass!"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "dave"
    assert me["phone"] == "+8613700001111"


def test_token_wrong_password(api, make_user):
    make_user("erin", password="s3cret-Pass!")
    response = api.post("/api/v1/auth/token/", {"username": "erin", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_me_needs_login(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_patch_me_phone_updates_blind_index(client_for, make_user):
    user = make_user("frank")
    response = client_for(user).patch("/api/v1/me/", {"phone": "13600002222"}, format="json")
    assert response.status_code == 200
    assert get_user_model().objects.get_by_phone("+8613600002222") == user
