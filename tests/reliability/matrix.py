"""Walking config.urls and sending requests as a role: shared by the access matrix and the bad-input catalogue.

Every request runs inside a savepoint that is rolled back, so an allowed action (a buyer cancelling
her order) leaves the module's world as it was for the next request; the SQL each request sends is
recorded, so a test can tell that a refused request wrote nothing at all.
"""
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

UNSAFE = ("post", "put", "patch", "delete")
# Tables a refused request may still write to: the session of the client itself.
WRITE_ALLOWED = {"django_session"}
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route, e.g. "api/v1/orders/<int:pk>/pay/"
    name: str  # the namespaced name, e.g. "orders:order-pay"; unnamed admin routes get "admin:<kind>"
    callback: object

    @property
    def kind(self) -> str:
        if self.route.startswith("api/"):
            return "api"
        if self.route.startswith("admin/"):
            return "admin"
        return "page"

    def methods(self) -> tuple[str, ...]:
        """The HTTP methods the view answers, read from the view class where there is one."""
        view = self.callback
        actions = getattr(view, "actions", None)  # a DRF viewset route
        if actions:
            return tuple(sorted(actions))
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if cls is not None:
            return tuple(m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m))
        return ("get", "post")  # a function view: methods are not declared, try both


def _walk(resolver, prefix="", namespaces=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = entry.name or _unnamed(route)
            yield Pattern(route, ":".join((*namespaces, name)), entry.callback)


def _unnamed(route: str) -> str:
    match = ADMIN_MODEL.match(route)
    if match and route.endswith("<path:object_id>/"):
        return f"{match['app']}_{match['model']}_object"  # the admin's redirect from /<id>/ to /<id>/change/
    if route.endswith("(?P<url>.*)$"):
        return "catch_all"
    return route


def url_patterns() -> list[Pattern]:
    """Every URL pattern of config.urls, in resolution order."""
    return list(_walk(get_resolver()))


ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


def admin_model_kind(pattern: Pattern) -> tuple[str, str, str] | None:
    """("marketplace", "order", "change") for the admin's model routes, None for the others."""
    from django.contrib import admin

    match = ADMIN_MODEL.match(pattern.route)
    if not match or "(?P" in pattern.route:
        return None
    name = pattern.name.split(":")[-1]
    app, model = match["app"], match["model"]
    if not any(m._meta.app_label == app and m._meta.model_name == model for m in admin.site._registry):
        return None
    prefix = f"{app}_{model}_"
    if name.startswith(prefix):
        return app, model, name[len(prefix):]
    return app, model, name  # custom admin views (reveal, rule, delinquency, password)


def fill(route: str, values: dict) -> str:
    """The route with its arguments filled in; a missing value fails loudly so a new argument gets one."""

    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in values and values[name] is not None, f"no value for argument {name!r} of {route!r}"
        return str(values[name])

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m.group(1)}>", route)  # regex routes
    path = re.sub(r"<([^>]+)>", value, path)
    return "/" + path.replace("^", "").replace("$", "")


@dataclass
class Recorder:
    """The tables that INSERT/UPDATE/DELETE statements touched during one request."""

    writes: list[str] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match:
            table = match.group(2).split(".")[-1]
            if table not in WRITE_ALLOWED:
                self.writes.append(table)
        return execute(sql, params, many, context)


@dataclass
class Sent:
    status: int
    location: str
    writes: list[str]
    body: bytes

    def json(self):
        import json

        return json.loads(self.body)


def send(client: Client, method: str, path: str, *, data=b"", content_type="application/json", rollback=True,
         **headers) -> Sent:
    """One request inside a savepoint (rolled back unless told not to), with the tables it wrote to."""
    recorder = Recorder()
    cookies = {key: morsel.value for key, morsel in client.cookies.items()}  # a logout must not log the client out
    with transaction.atomic(), connection.execute_wrapper(recorder):
        response = client.generic(method.upper(), path, data, content_type=content_type, **headers)
        if rollback:
            transaction.set_rollback(True)
    client.cookies = SimpleCookie(cookies)
    body = b"" if getattr(response, "streaming", False) else response.content
    return Sent(response.status_code, response.get("Location", ""), recorder.writes, body)
