"""The API's error object: code, detail, fields; never a 500 for bad input."""
import json

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from core.errors import DomainError

pytestmark = pytest.mark.django_db


class _Boom(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise DomainError("window_closed", "The return window closed.", closed_on="2026-01-31")


class _DatabaseGone(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise OperationalError("terminating connection due to administrator command")


def _page_database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [path("api/v1/test-boom/", _Boom.as_view()), path("api/v1/test-db-gone/", _DatabaseGone.as_view()),
               path("api/v1/test-db-gone-plain/", _page_database_gone), path("test-db-gone/", _page_database_gone)]
handler500 = "core.views.server_error"


def test_domain_error_becomes_the_error_object(api, settings):
    settings.ROOT_URLCONF = __name__
    response = api.post("/api/v1/test-boom/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "window_closed", "detail": "The return window closed.",
                               "closed_on": "2026-01-31"}


def test_a_lost_database_connection_is_a_503_with_a_stable_code(api, settings):
    settings.ROOT_URLCONF = __name__
    response = api.post("/api/v1/test-db-gone/", {}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("url", ["/api/v1/test-db-gone-plain/", "/test-db-gone/"])
def test_a_lost_database_connection_outside_the_api_handler_is_a_503_too(url, settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if url.startswith("/api/"):
        assert response.json()["code"] == "service_unavailable"
    else:
        assert "Briefly unavailable" in response.content.decode()


def test_malformed_json_is_400(api):
    response = api.generic("POST", "/api/v1/auth/register/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_huge_json_body_is_refused_before_parsing(api):
    body = json.dumps({"username": "x" * (10 * 1024 * 1024)})
    response = api.generic("POST", "/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405_with_code(api):
    response = api.get("/api/v1/auth/register/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_validation_error_lists_fields_in_the_request_language(api):
    response = api.post("/api/v1/auth/register/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert body["fields"]["username"] == ["This field is required."]
    zh = api.post("/api/v1/auth/register/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["fields"]["username"] == ["该字段是必填项。"]


def test_pages_and_health(client):
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/register/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["checks"] == {"database": "ok", "broker": "ok"}
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_healthz_reports_an_unreachable_broker(client, monkeypatch):
    from config.celery import app

    # Port 9 (discard) has no Redis: the real connection attempt fails.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
