"""Login protection: django-axes locks a (username, IP) pair out on the website and the API; DRF throttles."""
import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


def _token(client, username, password, ip="203.0.113.7"):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json",
                       REMOTE_ADDR=ip)


def _web_login(client, username, password, ip="203.0.113.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_api_token_locks_out_after_five_failures_with_a_clear_code(make_user):
    make_user("alice", password=PASSWORD)
    api = APIClient()
    for _ in range(4):
        assert _token(api, "alice", "wrong-password").status_code == 400
    locked = _token(api, "alice", "wrong-password")  # the fifth failure locks
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == 30 * 60
    # Even the right password is refused now, and says so.
    again = _token(api, "alice", PASSWORD)
    assert again.status_code == 429
    assert again.json()["code"] == "locked_out"
    assert "token" not in again.json()


def test_lockout_is_per_username_and_ip(make_user):
    make_user("alice", password=PASSWORD)
    make_user("bob", password=PASSWORD)
    api = APIClient()
    for _ in range(5):
        _token(api, "alice", "wrong-password")
    assert _token(api, "alice", PASSWORD).status_code == 429
    # Another user from the same address, and the same user from another address, may still log in.
    assert _token(api, "bob", PASSWORD).status_code == 200
    assert _token(api, "alice", PASSWORD, ip="198.51.100.20").status_code == 200


def test_lockout_ends_after_the_cool_off(make_user, time_machine):
    make_user("alice", password=PASSWORD)
    api = APIClient()
    time_machine.move_to("2026-03-02 10:00:00+08:00", tick=False)
    for _ in range(5):
        _token(api, "alice", "wrong-password")
    assert _token(api, "alice", PASSWORD).status_code == 429
    time_machine.move_to("2026-03-02 10:31:00+08:00", tick=False)
    assert _token(api, "alice", PASSWORD).status_code == 200


def test_success_before_the_limit_resets_the_count(make_user):
    make_user("alice", password=PASSWORD)
    api = APIClient()
    for _ in range(4):
        _token(api, "alice", "wrong-password")
    assert _token(api, "alice", PASSWORD).status_code == 200
    for _ in range(4):
        assert _token(api, "alice", "wrong-password").status_code == 400
    assert _token(api, "alice", PASSWORD).status_code == 200


def test_website_login_locks_out_too(make_user):
    make_user("alice", password=PASSWORD)
    web = Client()
    for _ in range(4):
        assert _web_login(web, "alice", "wrong-password").status_code == 200  # the form again, with an error
    locked = _web_login(web, "alice", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode() or "登录" in locked.content.decode()
    assert _web_login(web, "alice", PASSWORD).status_code == 429
    assert "_auth_user_id" not in web.session


def test_website_and_api_share_the_count(make_user):
    make_user("alice", password=PASSWORD)
    web, api = Client(), APIClient()
    for _ in range(3):
        _web_login(web, "alice", "wrong-password")
    for _ in range(2):
        _token(api, "alice", "wrong-password")
    assert _token(api, "alice", PASSWORD).status_code == 429


def test_failed_attempts_never_store_the_password(make_user):
    make_user("alice", password=PASSWORD)
    _web_login(Client(), "alice", "my-secret-guess")
    _token(APIClient(), "alice", "my-secret-guess")
    attempts = list(AccessAttempt.objects.values())
    assert attempts
    assert "my-secret-guess" not in str(attempts)


def test_scoped_throttle_on_the_token_endpoint(make_user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "3/min")
    make_user("alice", password=PASSWORD)
    api = APIClient()
    statuses = [_token(api, "alice", PASSWORD, ip="192.0.2.9").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = _token(api, "alice", PASSWORD, ip="192.0.2.9")
    assert throttled.json()["code"] == "throttled"
    assert "Retry-After" in throttled


def test_api_throttles_are_configured():
    from django.conf import settings

    rest = settings.REST_FRAMEWORK
    assert {"rest_framework.throttling.AnonRateThrottle", "rest_framework.throttling.UserRateThrottle",
            "rest_framework.throttling.ScopedRateThrottle"} <= set(rest["DEFAULT_THROTTLE_CLASSES"])
    assert {"anon", "user", "register", "login"} <= set(rest["DEFAULT_THROTTLE_RATES"])


def test_the_admin_login_is_covered_too(make_user):
    make_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    web = Client()
    for _ in range(5):
        web.post("/admin/login/", {"username": "root", "password": "wrong-password"}, REMOTE_ADDR="203.0.113.9")
    locked = web.post("/admin/login/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429
    assert "_auth_user_id" not in web.session
