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


_DATA_MIGRATIONS = [
    "core.migrations.0003_encryption_canary",
    "marketplace.migrations.0002_categories",
    "marketplace.migrations.0004_staff_groups",
    "protection.migrations.0002_customer_service_group",
    "credit.migrations.0002_reference_data",
    "credit.migrations.0003_risk",
    "credit.migrations.0004_reminders",
    "credit.migrations.0005_contact_attempts",
]


def reseed_reference_data():
    """Run the data migrations again (they are idempotent) after a flush emptied the tables."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.db import migrations as django_migrations

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    with connection.schema_editor(atomic=False) as editor:
        for module_name in _DATA_MIGRATIONS:
            migration = importlib.import_module(module_name).Migration
            for operation in migration.operations:
                if isinstance(operation, django_migrations.RunPython):
                    operation.code(apps, editor)


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests flush the database after themselves; put the reference data back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames \
        or "transactional_db" in request.fixturenames
    if transactional:
        request.getfixturevalue("transactional_db")
        from marketplace.models import Category

        if not Category.objects.exists():
            reseed_reference_data()
    yield


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
