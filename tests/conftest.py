"""Shared fixtures: API clients per role and helpers for the database in use."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from marketplace.services.accounts import user_register

_phone_counter = iter(range(10_000_000, 99_999_999))


def next_phone() -> str:
    return f"139{next(_phone_counter)}"


@pytest.fixture
def make_user(db):
    def make(username=None, *, password="correct-horse-9", **extra):
        username = username or f"user{next(_phone_counter)}"
        user = user_register(username=username, password=password, email=f"{username}@example.com",
                             phone=extra.pop("phone", next_phone()))
        for key, value in extra.items():
            setattr(user, key, value)
        if extra:
            user.save()
        return user

    return make


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client logged in (token auth) as the given user."""

    def make(user):
        from rest_framework.authtoken.models import Token

        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    # Every transactional test restores the reference data of the data migrations
    # (categories, staff groups, credit products) after its flush. Mixing tests with
    # and without serialized_rollback makes the restore collide with the content types
    # that a plain flush recreates, so it is all of them or none.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
                            append=False)

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """A cache of the test's own: throttle counters and cached pages never leak between tests or workers."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "fangxin-tests"}}
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
