"""Reliability fixtures: one world per module (built in an outer transaction, rolled back at the end)."""
import pytest
from django.db import transaction

from tests.reliability.world import build_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Users in every role and objects at every stage, shared by a module's tests.

    Built inside an atomic block that is rolled back after the module; each test's own
    ``db`` fixture nests a savepoint inside it, so what a test changes is undone too.
    """
    from django.conf import settings

    hashers = settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            settings.PASSWORD_HASHERS = hashers


@pytest.fixture
def no_throttling(monkeypatch):
    """API abuse limits are tested elsewhere; fuzzing sends far more than a person would."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
