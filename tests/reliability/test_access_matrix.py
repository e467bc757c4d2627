"""Access control matrix: every URL pattern of config.urls × every role, with the status each must get.

The routes come from walking config.urls, so a new endpoint without a row in RULES (or, for an
admin model, in ADMIN_MODELS) fails ``test_every_url_pattern_has_a_rule``. Each route is sent once
per role with its main method, against real objects of the module's world: an order, a case, a plan,
a statement of ``buyer``, the shop and listing of ``merchant`` — so ``other_buyer`` and
``other_merchant`` ask for somebody else's objects. Every unsafe method the view answers is also sent
by each role the main row refuses; a refused request must answer the same refusal and write nothing
(no INSERT/UPDATE/DELETE at all, checked on the SQL it sent). Each request runs in a savepoint that is
rolled back, so an allowed action does not change the world for the next one.

Statuses: a number, ``L`` (302 to the login page), ``AL`` (302 to the admin's login), ``R`` (302 elsewhere),
``RX`` (302 elsewhere with an error message: a refusal of the website, which must write nothing).

The tables and the helpers that send each request live in access_rules.py, shared with the bad-input catalogue.
"""
import pytest

from tests.reliability.access_rules import (
    REFUSED,
    ROLES,
    Caller,
    admin_model_kind,
    admin_rules,
    path_for,
    routes,
    rules,
    status_of,
    url_patterns,
)
from tests.reliability.matrix import UNSAFE

pytestmark = [pytest.mark.django_db]


def test_every_url_pattern_has_a_rule():
    """A new endpoint without an expected status per role fails here, and so does a row for a removed one."""
    found = routes()
    missing = [p.name + "  " + p.route for p, main, *_ in found if main is None]
    assert not missing, "add a row to RULES_TABLE (or ADMIN_TABLE) for:\n" + "\n".join(missing)
    names = {p.name for p, *_ in found}
    stale = sorted({route for route, _ in rules()} - names)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    models = {f"{m[0]}.{m[1]}" for p, *_ in found if (m := admin_model_kind(p))}
    assert not set(admin_rules()) - models, set(admin_rules()) - models


COUNTS = {}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, world, no_throttling, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caller = Caller(world, role)
    failures, sent_count = [], 0
    for pattern, main, obj, expected, extra in routes(world):
        if main is None:
            continue
        path = path_for(pattern, obj, world)
        checks = [(main, expected[role])] + [(m, e[role]) for m, e in extra.items()]
        if expected[role] in REFUSED:  # every other unsafe method the view answers is refused the same way
            checks += [(m, expected[role]) for m in pattern.methods() if m in UNSAFE and m != main and m not in extra]
        for method, want in checks:
            sent = caller(pattern, method, path, world)
            sent_count += 1
            got = status_of(sent)
            if got == "R" and want == "RX":
                got = "RX"
            if got != want:
                failures.append(f"{pattern.name} {method.upper()} {path}: expected {want}, got {got} {sent.location}")
            if sent.status >= 500:
                failures.append(f"{pattern.name} {method.upper()} {path}: server error")
            if want in REFUSED and sent.writes:
                tables = sorted(set(sent.writes))
                failures.append(f"{pattern.name} {method.upper()} {path}: refused but wrote to {tables}")
    COUNTS[role] = sent_count
    print(f"\naccess matrix as {role}: {sent_count} requests")
    assert not failures, f"{len(failures)} of {sent_count} requests as {role}:\n" + "\n".join(failures)


@pytest.mark.skipif(not __import__("os").environ.get("MATRIX_DUMP"), reason="writes the observed table")
def test_dump_table(world, no_throttling, settings, tmp_path):
    import os

    settings.MEDIA_ROOT = tmp_path
    callers = {role: Caller(world, role) for role in ROLES}
    known = rules()
    lines = []
    for pattern in url_patterns():
        if "<path:path>" in pattern.route or (admin_model_kind(pattern) and admin_model_kind(pattern)[2] in
                                              ("changelist", "add", "change", "history", "delete", "object")):
            continue
        methods = pattern.methods()
        wanted = [m for (r, m) in known if r == pattern.name] or (
            ["get"] + [m for m in methods if m in UNSAFE] if "get" in methods else [methods[0]])
        if pattern.kind != "api":
            wanted = [m for m in wanted if m in ("get", "post")]
        for method in wanted:
            obj = known.get((pattern.name, method), ("-",))[0]
            path = path_for(pattern, obj, world)
            got = [status_of(callers[r](pattern, method, path, world)) for r in ROLES]
            lines.append(f"{pattern.name:<44} {method:<6} {obj:<15} " + " ".join(f"{g:<3}" for g in got).rstrip())
    with open(os.environ["MATRIX_DUMP"], "w") as f:
        f.write("\n".join(lines) + "\n")

