"""Perf pins reuse the credit fixtures (applications through the service)."""
from tests.credit.conftest import application_data, apply, consent  # noqa: F401
