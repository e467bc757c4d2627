"""The client's IP behind reverse proxies: one setting (TRUSTED_PROXY_COUNT) for lockouts, API throttles and risk
control. With no trusted proxy (the default) a client's own X-Forwarded-For is ignored everywhere."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from core.net import client_ip

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-9"
PROXY = "10.0.0.2"


@pytest.fixture
def proxies(settings):
    """What TRUSTED_PROXY_COUNT=n in the environment gives (config/settings.py sets both from it)."""

    def set_count(n):
        settings.TRUSTED_PROXY_COUNT = n
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}

    return set_count


@pytest.mark.parametrize("count, remote, forwarded, expected", [
    (0, "203.0.113.7", None, "203.0.113.7"),
    (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),
    (0, "203.0.113.7", "198.51.100.1, 198.51.100.2", "203.0.113.7"),
    (1, PROXY, None, PROXY),
    (1, PROXY, "198.51.100.1", "198.51.100.1"),
    (1, PROXY, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
    (2, PROXY, "6.6.6.6, 198.51.100.1, 10.0.0.1", "198.51.100.1"),
    (2, PROXY, "198.51.100.1", "198.51.100.1"),
    (1, PROXY, "2001:db8::1", "2001:db8::1"),
], ids=["no-proxy", "no-proxy-spoofed", "no-proxy-spoofed-chain", "proxy-no-header", "proxy", "proxy-spoofed",
        "two-proxies-spoofed", "fewer-hops-than-proxies", "ipv6"])
def test_lockouts_throttles_and_risk_control_read_the_same_client_ip(proxies, count, remote, forwarded, expected):
    proxies(count)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)

    assert client_ip(request) == expected  # risk control, consents
    assert get_client_ip_address(request) == expected  # django-axes
    assert BaseThrottle().get_ident(Request(request)) == expected  # DRF throttles


def test_a_forwarded_value_that_is_no_address_falls_back_to_the_peer(proxies):
    proxies(1)
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    assert client_ip(request) == PROXY


def _token(client, username, password, *, remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json",
                       REMOTE_ADDR=remote, **extra)


@pytest.mark.django_db
def test_without_a_proxy_rotating_a_spoofed_header_does_not_escape_the_lockout(make_user):
    make_user("alice", password=PASSWORD)
    api = APIClient()
    for n in range(5):
        _token(api, "alice", "wrong-password", remote="203.0.113.7", forwarded=f"198.51.100.{n}")

    locked = _token(api, "alice", PASSWORD, remote="203.0.113.7", forwarded="198.51.100.99")

    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_lockout(make_user, proxies):
    proxies(1)
    make_user("alice", password=PASSWORD)
    api = APIClient()
    for _ in range(5):
        _token(api, "alice", "wrong-password", remote=PROXY, forwarded="198.51.100.1")

    # The attacker cannot get out by writing another address in front of what the proxy appends...
    assert _token(api, "alice", PASSWORD, remote=PROXY, forwarded="6.6.6.6, 198.51.100.1").status_code == 429
    # ...and alice, at another address behind the same proxy, is not locked out by the attacker.
    assert _token(api, "alice", PASSWORD, remote=PROXY, forwarded="198.51.100.2").status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


@pytest.mark.django_db
def test_without_a_proxy_a_spoofed_header_does_not_escape_the_throttle(make_user, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "3/min")
    make_user("alice", password=PASSWORD)
    api = APIClient()
    statuses = [_token(api, "alice", PASSWORD, remote="192.0.2.9", forwarded=f"198.51.100.{n}").status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_throttle(make_user, monkeypatch, proxies):
    proxies(1)
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "login", "3/min")
    make_user("alice", password=PASSWORD)
    api = APIClient()
    first = [_token(api, "alice", PASSWORD, remote=PROXY, forwarded=f"6.6.6.{n}, 198.51.100.1").status_code
             for n in range(4)]
    assert first == [200, 200, 200, 429]
    assert _token(api, "alice", PASSWORD, remote=PROXY, forwarded="198.51.100.2").status_code == 200


def _settings_with(count: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRUSTED_PROXY_COUNT": count, "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_CLIENT_IP_CALLABLE)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_one_environment_variable_sets_every_reader():
    result = _settings_with("2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["2", "2", "core.net.client_ip_or_none"]


def test_a_negative_proxy_count_stops_start_up():
    result = _settings_with("-1")
    assert result.returncode != 0 and "TRUSTED_PROXY_COUNT" in result.stderr
