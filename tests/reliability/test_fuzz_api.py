"""Schemathesis over every operation of /api/schema/, as a buyer, a merchant and staff.

No 5xx; status codes, content types and bodies conform to the schema. Path ids are
often swapped for ids of real objects of the world (an order at each stage, a case,
a plan, shops, listings), so actions reach their real code and not only the 404.
The number of examples per operation is FUZZ_EXAMPLES (CI: a bounded default; the
long run in scripts/reliability sets it higher).
"""
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# CI: random generation only. The long run (FUZZ_COVERAGE=1) adds schemathesis' explicit/coverage phase:
# boundary values and schema violations for every parameter, a few hundred cases per operation.
PHASES = [Phase.explicit, Phase.generate] if os.environ.get("FUZZ_COVERAGE") == "1" else [Phase.generate]
ROLES = ("buyer", "merchant", "superuser")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = [pytest.mark.django_db]


def _load_schema():
    """The schema the site serves at /api/schema/ (generated in-process), calling the WSGI app."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    application = get_wsgi_application()  # config.wsgi's startup checks need the database: not at import
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _wsgi_app(settings, no_throttling):
    """Schemathesis calls the WSGI app directly: keep the test's connection open, as Django's test client does."""
    from django.core import signals
    from django.db import close_old_connections

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)

_ID_KEYS = {
    "/orders/": ("order_pending", "order_paid", "order_shipped", "order_completed", "order_credit", "other_order"),
    "/after-sales/": ("case",),
    "/listings/": ("listing", "other_listing"),
    "/shops/": ("shop", "other_shop", "pending_shop"),
    "/credit/plans/": ("plan",),
    "/credit-lines/": ("line",),
    "/credit-applications/": ("application",),
}


def real_id(world, path: str, generated):
    """Half the time, the id of a real object for this kind of path."""
    if not isinstance(generated, int) or generated % 2:
        return generated
    for fragment, keys in _ID_KEYS.items():
        if fragment in path:
            ids = [world.ids[k] for k in keys if world.ids.get(k)]
            return ids[(generated // 2) % len(ids)] if ids else generated
    return generated


RESULTS = {"operations": set(), "calls": 0}


@schema.parametrize()
@hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
           phases=PHASES,
           suppress_health_check=list(HealthCheck))
def test_every_operation_as_every_role(case, world):
    """Each generated request is sent as each role; every answer is checked against the schema."""
    if "id" in (case.path_parameters or {}):
        case.path_parameters["id"] = real_id(world, case.path, case.path_parameters["id"])
    RESULTS["operations"].add(f"{case.method} {case.path}")
    for role in ROLES:
        RESULTS["calls"] += 1
        case.call_and_validate(headers={"Authorization": f"Token {world.token(role)}"}, checks=CHECKS)
