"""Bad-input catalogue: every write operation of /api/schema/ gets wrong input and must refuse it cleanly.

The operations and their fields come from the OpenAPI schema the site serves, so a new endpoint is
covered without touching this file. Each operation is sent by a role the access matrix allows, on the
object the matrix uses, first with a valid body built from its schema (it must get past validation:
no 400), then with every entry of the catalogue, one at a time:

- the whole body: malformed JSON, invalid UTF-8, JSON that is not an object, 100,000 levels of nesting,
  a body over the upload limit, a wrong content type, nothing at all (where fields are required) —
  each also with an Idempotency-Key;
- each field in turn: wrong types, null, huge and NUL-bearing strings, lone surrogates, out-of-range and
  over-precise integers, negative/over-precise/huge/NaN/infinite money, unknown choices, huge arrays;
- each file field: not an image, a truncated image, an empty file, a 225-megapixel image (a
  decompression bomb), an SVG, an executable's extension, a file over the upload limit.

Every answer must be 4xx with the error object's stable ``code`` (API.md), write nothing (no
INSERT/UPDATE/DELETE sent), and leave the row counts and money sums of every table as they were. The
bad requests are not rolled back, so anything a refused request changed would show in the snapshot.
"""
import functools
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db.models import DecimalField, IntegerField, Sum
from django.test import Client
from django.urls import resolve

from tests.credit.conftest import make_id_number
from tests.reliability import access_rules as matrix_rules
from tests.reliability.matrix import send

pytestmark = [pytest.mark.django_db]

CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# An Idempotency-Key is claimed (a row) before the view runs and the claim is deleted when the view refuses;
# the snapshot after each operation shows that nothing of it stays.
WRITE_ALLOWED = {"core_idempotencyrecord"}
# Who sends an operation: the first of these the access matrix lets through.
PREFERRED = ("anonymous", "buyer", "merchant", "superuser", "cs", "credit_officer", "risk_officer", "other_buyer")
MONEY_FIELD = re.compile(r"(amount|price|limit|deduction)$")
SHIPPING_ADDRESS = {"name": "张三", "phone": "13912345678", "address": "上海市浦东新区世纪大道100号"}

# Valid values the schema cannot tell: ids of the world's objects ("@x") and fields with rules of their own.
FIELD_VALUES = {
    "order": "@order_shipped", "line": "@orderline_shipped", "shop": "@shop", "plan": "@plan",
    "category": "@category", "listing": "@listing",
    "lines": [{"listing": "@listing", "quantity": 1}], "shipping_address": SHIPPING_ADDRESS,
    "payment": {"method": "full"}, "phone": "13800138000", "email": "someone@example.com",
    "username": "newperson", "password": "correct-horse-9", "real_name": "李四", "id_number": make_id_number(seq=777),
    "emergency_contacts": [], "amount": "1.00", "price": "10.00", "limit": "1000.00", "deduction": "1.00",
    "bank_name": "ICBC", "bank_account": "6222021234567890123",
}
# Operations whose valid body needs more than the schema and FIELD_VALUES give.
BODY_OVERRIDES = {
    "POST /api/v1/auth/token/": lambda world: {"username": world.users["buyer"].username,
                                               "password": "correct-horse-9"},
    "POST /api/v1/credit/applications/": lambda world: {**_consent(), "income_band": "8k_15k"},
    "POST /api/v1/staff/after-sales/{id}/rule/": lambda world: {"decision": "reject", "at_fault": "none"},
}


def _consent():
    from credit.services.quotes import current_terms

    terms = current_terms()
    return {"consent": {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}}


def load_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


class Schema:
    def __init__(self, raw):
        self.raw = raw

    def resolve(self, node: dict) -> dict:
        while "$ref" in node or ("allOf" in node and len(node["allOf"]) == 1):
            node = self.raw["components"]["schemas"][node["$ref"].split("/")[-1]] if "$ref" in node \
                else node["allOf"][0]
        return node

    def write_operations(self):
        """(method, path, content type, body schema) of every operation that takes a request body."""
        for path, item in self.raw["paths"].items():
            for method, op in item.items():
                content = op.get("requestBody", {}).get("content", {})
                if method in ("post", "put", "patch") and content:
                    kind = "application/json" if "application/json" in content else next(iter(content))
                    yield method, path, kind, self.resolve(content[kind]["schema"])


def example(schema: Schema, name: str, node: dict, world):
    """A valid value for a field, from FIELD_VALUES or its schema."""
    node = schema.resolve(node)
    value = FIELD_VALUES.get(name)
    if not _fits(value, node):
        value = None
    if value is None:
        if "enum" in node:
            value = node["enum"][0]
        elif node.get("type") == "integer":
            value = max(1, node.get("minimum", 1))
        elif node.get("type") == "boolean":
            value = True
        elif node.get("type") == "array":
            value = []
        elif node.get("type") == "object":
            value = {k: example(schema, k, v, world) for k, v in node.get("properties", {}).items()
                     if k in node.get("required", [])}
        elif node.get("format") == "decimal":
            value = "10.00"
        else:
            value = "Fine."
    return _ids(value, world)


def _fits(value, node) -> bool:
    """Whether a FIELD_VALUES value suits this field's type (``email`` is an address or a yes/no)."""
    kind = node.get("type")
    if value is None or kind is None:
        return value is not None
    if isinstance(value, str) and value.startswith("@"):
        return kind == "integer"
    return {"string": str, "array": list, "object": dict}.get(kind, type(None)) is type(value)


def _ids(value, world):
    if isinstance(value, str) and value.startswith("@"):
        return world.ids[value[1:]]
    if isinstance(value, list):
        return [_ids(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _ids(v, world) for k, v in value.items()}
    return value


def valid_body(schema: Schema, method: str, path: str, body_schema: dict, world) -> dict:
    """The required fields (a PATCH needs none), plus BODY_OVERRIDES."""
    body = {name: example(schema, name, node, world) for name, node in body_schema.get("properties", {}).items()
            if name in body_schema.get("required", [])}
    body = {k: v for k, v in body.items() if not (schema.resolve(body_schema["properties"][k]).get("format")
                                                   == "binary")}
    override = BODY_OVERRIDES.get(f"{method.upper()} {path}")
    return {**body, **override(world)} if override else body


# --- the catalogue -----------------------------------------------------------------------------------------
HUGE = "x" * 100_000
NESTED = "[" * 100_000 + "]" * 100_000


def whole_body_cases(required: bool):
    """(name, raw bytes, content type) replacing the whole body."""
    cases = [
        ("malformed JSON", b'{"reason": "x",', "application/json"),
        ("invalid UTF-8", b'{"reason": "\xff\xfe\xfa"}', "application/json"),
        ("JSON array", b"[]", "application/json"),
        ("JSON string", b'"x"', "application/json"),
        ("JSON number", b"42", "application/json"),
        ("JSON null", b"null", "application/json"),
        ("JSON NaN", b'{"amount": NaN}', "application/json"),
        ("100,000 levels of nesting", NESTED.encode(), "application/json"),
        ("nested object bomb", ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(), "application/json"),
        ("body over the upload limit", b'{"reason": "' + b"x" * 3_000_000 + b'"}', "application/json"),
        ("wrong content type", b"reason=x", "text/plain"),
        ("XML", b"<reason>x</reason>", "application/xml"),
    ]
    if required:
        cases.append(("empty object", b"{}", "application/json"))
        cases.append(("empty body", b"", "application/json"))
    return cases


def field_cases(schema: Schema, name: str, node: dict, required: bool):
    """(name, bad value) for one field, by its type. An optional field may be null or blank ("not given")."""
    node = schema.resolve(node)
    kind = node.get("type")
    cases = [("object", {"$gt": 1}), ("nested list", [[1]])] + ([("null", None)] if required else [])
    if node.get("format") == "binary":
        return []
    if kind == "string" and "enum" not in node:
        limit = node.get("maxLength")
        cases += [("boolean", True), ("NUL byte", "a\x00b"), ("lone surrogate", "a\ud800b"),
                  ("100,000 characters", HUGE)]
        if limit:
            cases.append((f"{limit + 1} characters", "y" * (limit + 1)))
        if node.get("format") == "decimal" or MONEY_FIELD.search(name):
            cases += [("negative money", "-1.00"), ("over-precise money", "1.001"),
                      ("huge money", "9" * 20 + ".00"), ("exponent", "1e400"), ("NaN", "NaN"),
                      ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("money with letters", "12abc")]
            cases += [("empty money", ""), ("zero money", "0.00")] if required else []
        if node.get("format") in ("date", "date-time"):
            cases += [("date out of range", "10000-01-01"), ("no such day", "2026-02-30"), ("year 0", "0000-01-01")]
    elif "enum" in node:
        cases += [("unknown choice", "no-such-choice"), ("choice as number", 7)]
    elif kind == "integer":
        cases += [("text", "abc"), ("fraction", 1.5), ("huge integer", 10**30), ("negative", -1),
                  ("boolean", True), ("NaN text", "NaN")]
        if "maximum" in node:
            cases.append(("above maximum", node["maximum"] + 1))
    elif kind == "boolean":
        cases += [("text", "maybe"), ("number", 2)]
    elif kind == "array":
        cases += [("string", "x"), ("list of junk", [1, "x", None]), ("100,000 items", [1] * 100_000)]
    elif kind == "object":
        cases += [("string", "x"), ("list", [])]
    return cases


def _image(size=(8, 8), fmt="PNG", mode="RGB") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


@functools.cache
def file_cases() -> tuple:
    """(name, file name, bytes, content type) for a file field; made once (the bomb takes a while to encode)."""
    png = _image()
    return (
        ("not an image", "photo.jpg", b"this is not an image at all", "image/jpeg"),
        ("truncated PNG", "photo.png", png[:40], "image/png"),
        ("empty file", "photo.png", b"", "image/png"),
        ("225 megapixels", "bomb.png", _image((15_000, 15_000), mode="1"), "image/png"),
        ("SVG", "photo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "image/svg+xml"),
        ("executable extension", "photo.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"),
        ("over the upload limit", "big.png", png + b"\x00" * 12_000_000, "image/png"),
    )


# --- the database snapshot ---------------------------------------------------------------------------------
def snapshot() -> dict:
    """Row count and the sum of every money or quantity column, per table."""
    state = {}
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        sums = {f.name: Sum(f.name) for f in model._meta.concrete_fields
                if isinstance(f, DecimalField) or (isinstance(f, IntegerField) and f.name in ("stock", "quantity"))}
        qs = model._base_manager.all()
        state[model._meta.label] = (qs.count(), qs.aggregate(**sums) if sums else {})
    return state


def _diff(before: dict, after: dict) -> list[str]:
    return [f"{label}: {before[label]} -> {after.get(label)}" for label in before if before[label] != after.get(label)]


# --- the test ----------------------------------------------------------------------------------------------
SCHEMA = None
FIGURES = {"operations": 0, "bad inputs": 0}


def operations(world):
    """(method, path template, url, role, content type, body schema) for every write operation."""
    global SCHEMA
    SCHEMA = SCHEMA or Schema(load_schema())
    rules = matrix_rules.rules()
    out = []
    for method, template, kind, body_schema in SCHEMA.write_operations():
        probe = re.sub(r"\{(\w+)\}", lambda m: "email_messages" if m.group(1) == "key" else "1", template)
        name = resolve(probe).url_name
        obj, statuses = rules[name, method]
        role = next((r for r in PREFERRED if statuses[r] not in matrix_rules.REFUSED | {"405"}), None)
        assert role, f"{method} {template}: no role may call it in the access matrix"
        pk = world.ids[obj] if obj in world.ids else None
        url = re.sub(r"\{(\w+)\}", lambda m, pk=pk: "email_messages" if m.group(1) == "key" else str(pk), template)
        out.append((method, template, url, role, kind, body_schema))
    return out


def _caller(world, role):
    client = Client(raise_request_exception=False)
    headers = {} if role == "anonymous" else {"HTTP_AUTHORIZATION": f"Token {world.token(role)}"}
    return client, headers


def _check(sent, what: str, failures: list):
    if not 400 <= sent.status < 500:
        failures.append(f"{what}: answered {sent.status}")
        return
    try:
        body = sent.json()
    except ValueError:
        failures.append(f"{what}: {sent.status} without a JSON error object: {sent.body[:120]!r}")
        return
    if not isinstance(body, dict) or not CODE.match(str(body.get("code", ""))):
        failures.append(f"{what}: {sent.status} without a stable code: {str(body)[:160]}")
    if set(sent.writes) - WRITE_ALLOWED:
        failures.append(f"{what}: {sent.status} but wrote to {sorted(set(sent.writes))}")


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    data = {k: v for k, v in fields.items() if v is not None}
    data.update({k: SimpleUploadedFile(n, b, content_type=t) for k, (n, b, t) in files.items()})
    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT


def bad_cases(method, body_schema, kind, base) -> list:
    """(name, raw body, content type, extra headers) of the whole catalogue for one operation."""
    properties = body_schema.get("properties", {})
    required = body_schema.get("required", [])
    files = [n for n, node in properties.items() if SCHEMA.resolve(node).get("format") == "binary"]
    image = ("photo.png", _image(), "image/png")
    multipart = kind.startswith("multipart")
    cases = []
    for n, (name, raw, content_type) in enumerate(whole_body_cases(bool(required))):
        if multipart and content_type == "application/json" and raw in (b"{}", b""):
            continue
        cases.append((name, raw, content_type, {}))
        cases.append((f"{name} with an Idempotency-Key", raw, content_type, {"HTTP_IDEMPOTENCY_KEY": f"bad-{n}"}))
    for field, node in properties.items():
        for name, value in field_cases(SCHEMA, field, node, field in required):
            if multipart:
                data, content_type = _encode_multipart_field(base, field, value, files, image)
            else:
                data, content_type = json.dumps({**base, field: value}).encode(), "application/json"
            if data is not None:
                cases.append((f"{field}: {name}", data, content_type, {}))
        if field in files:
            for name, filename, raw, file_type in file_cases():
                data, content_type = _multipart(base, {**{f: image for f in files}, field: (filename, raw, file_type)})
                cases.append((f"{field}: {name}", data, content_type, {}))
    return cases


def valid_request(body_schema, kind, base) -> tuple[bytes, str]:
    if kind.startswith("multipart"):
        files = [n for n, node in body_schema.get("properties", {}).items()
                 if SCHEMA.resolve(node).get("format") == "binary"]
        return _multipart(base, {f: ("photo.png", _image(), "image/png") for f in files})
    return json.dumps(base).encode(), "application/json"


def test_every_write_operation_refuses_every_bad_input(world, no_throttling, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    failures, sent_count = [], 0
    ops = operations(world)
    assert len(ops) >= 30, "the schema lost its write operations?"
    for method, template, url, role, kind, body_schema in ops:
        client, headers = _caller(world, role)
        base = valid_body(SCHEMA, method, template, body_schema, world)
        label = f"{method.upper()} {template} as {role}"
        # The valid body gets past validation (rolled back): what the catalogue breaks is then what is refused.
        data, content_type = valid_request(body_schema, kind, base)
        ok = send(client, method, url, data=data, content_type=content_type, **headers)
        sent_count += 1
        if ok.status == 400 or ok.status >= 500:
            failures.append(f"{label}: the valid body {base} answered {ok.status}: {ok.body[:300]!r}")
        before = snapshot()
        for name, data, content_type, extra in bad_cases(method, body_schema, kind, base):
            sent = send(client, method, url, data=data, content_type=content_type, rollback=False, **headers, **extra)
            _check(sent, f"{label}, {name}", failures)
            sent_count += 1
            FIGURES["bad inputs"] += 1
        failures += [f"{label}: changed {line}" for line in _diff(before, snapshot())]
        FIGURES["operations"] += 1
    FIGURES["requests"] = sent_count
    print(f"\nbad-input catalogue: {FIGURES}")
    assert not failures, f"{len(failures)} failures in {sent_count} requests:\n" + "\n".join(failures)


def _encode_multipart_field(base, field, value, files, image):
    """A multipart body with one bad field; values a form cannot carry (objects, lists, null) are skipped."""
    if not isinstance(value, str) or "\ud800" in value:
        # Form data has no types (objects, lists, null, booleans), nor lone surrogates ("invalid UTF-8" covers it)
        return None, None
    return _multipart({**base, field: str(value)}, {f: image for f in files})


def test_the_snapshot_sees_a_change(world):
    """The check this file relies on: a money movement shows in the snapshot."""
    from marketplace.models import Order
    from marketplace.services.payments import order_pay

    before = snapshot()
    order_pay(actor=world.users["buyer"], order=Order.objects.get(pk=world.ids["order_pending"]),
              idempotency_key="snapshot-check")
    changed = _diff(before, snapshot())
    assert any(line.startswith("ledger.Entry") for line in changed), changed


# --- query parameters: every page, list and admin list -------------------------------------------------------
# Each value goes into every parameter at once (one request per value and route, to keep the run short).
BAD_QUERY_VALUES = [
    ("NUL byte", "a\x00b"), ("5,000 characters", "x" * 5_000), ("NaN", "NaN"), ("exponent", "1e400"),
    ("huge number", "9" * 30), ("no such day", "2026-02-30"), ("quotes and wildcards", "'\"%_\\"),
    ("invalid UTF-8", b"\xff\xfe"),
]
COMMON_PARAMETERS = ("q", "page", "page_size", "ordering", "o", "p", "e", "category", "shop", "min_price", "max_price",
                     "installments", "status", "amount", "listing", "kind", "type", "order", "period", "all",
                     "month", "year", "day", "next", "language")


def _admin_parameters(model_admin) -> set:
    """The query parameters the changelist's filters and date hierarchy read."""
    names = set()
    for spec in model_admin.list_filter:
        if isinstance(spec, str):
            names |= {f"{spec}__exact", f"{spec}__id__exact", f"{spec}__isnull", f"{spec}__gte", f"{spec}__lt"}
        elif isinstance(spec, tuple):
            names |= {f"{spec[0]}__isnull", f"{spec[0]}__exact"}
        elif getattr(spec, "parameter_name", None):
            names.add(spec.parameter_name)
    if model_admin.date_hierarchy:
        names |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day", "gte", "lt")}
    return names


def query_routes(world):
    """(path, role, parameter names) for every GET route some role may read, admin changelists included."""
    from urllib.parse import urlsplit

    from django.contrib import admin

    global SCHEMA
    SCHEMA = SCHEMA or Schema(load_schema())
    api_parameters = {}
    for path, item in SCHEMA.raw["paths"].items():
        for method, op in item.items():
            if method == "get":
                names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
                api_parameters[re.sub(r"\{\w+\}", "{}", path)] = names
    out = []
    for pattern, main, obj, expected, _extra in matrix_rules.routes(world):
        if main != "get" or expected is None:
            continue
        role = next((r for r in ("superuser", *PREFERRED) if expected[r] == "200"), None)
        if role is None:
            continue
        path = matrix_rules.path_for(pattern, obj, world)
        names = set(COMMON_PARAMETERS)
        model = matrix_rules.admin_model_kind(pattern)
        if model and model[2] == "changelist":
            names |= _admin_parameters(admin.site._registry[apps.get_model(model[0], model[1])])
        template = re.sub(r"/\d+/", "/{}/", urlsplit(path).path)
        names |= api_parameters.get(template, set())
        out.append((pattern, path, role, sorted(names)))
    return out


def test_every_readable_route_survives_bad_query_parameters(world, no_throttling, settings, tmp_path):
    """Pages, API lists and admin lists with every parameter they read set to junk: never a 5xx."""
    from urllib.parse import quote

    settings.MEDIA_ROOT = tmp_path
    failures, sent_count = [], 0
    routes = query_routes(world)
    callers = {role: matrix_rules.Caller(world, role) for role in {r for _, _, r, _ in routes}}
    for pattern, path, role, names in routes:
        for label, value in BAD_QUERY_VALUES:
            raw = quote(value, safe="") if isinstance(value, str) else "".join(f"%{b:02x}" for b in value)
            url = path + ("&" if "?" in path else "?") + "&".join(f"{quote(n)}={raw}" for n in names)
            sent = callers[role](pattern, "get", url, world)
            sent_count += 1
            if sent.status >= 500:
                failures.append(f"{pattern.name} as {role}, {label}: answered {sent.status}")
            elif pattern.kind == "api" and sent.status >= 400:
                _check(sent, f"{pattern.name} as {role}, {label}", failures)
    FIGURES["query requests"] = sent_count
    FIGURES["query routes"] = len(routes)
    print(f"\nbad query parameters: {len(routes)} routes, {sent_count} requests")
    assert not failures, f"{len(failures)} failures in {sent_count} requests:\n" + "\n".join(failures)


# --- the website's forms and the admin's actions -----------------------------------------------------------------
FORM_ROLES = ("buyer", "merchant", "superuser")
# A refused form may still touch the client's own session, and a failed login is counted (django-axes).
WEB_WRITE_ALLOWED = {"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog"}
# Where only "no 5xx" is asked: a body of undecodable bytes (Django reads it with replacement characters, so
# a form that needs no input still does its action), a redirect target (an unsafe one is ignored, the action
# goes ahead), and the admin's forms (a superuser may save; a bad value often sits in a field the admin ignores,
# such as a read-only inline's id, and "yes" to a deletion is any value of "post").
ONLY_NO_5XX_CASES = {"invalid UTF-8"}
ONLY_NO_5XX_FIELDS = {"next"}
TEXT_TYPES = {"text", "textarea", "password", "email", "tel", "search", "url", "hidden", None}


class Forms(HTMLParser):
    """The POST forms of a page: action, and each field's name, type, value and choices."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": [], "multipart": "multipart" in
                          (a.get("enctype") or "")}
            self.forms.append(self._form)
        elif self._form is None or "name" not in a and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "reset", "image"):
            self._form["fields"].append({"name": a["name"], "type": (a.get("type") or "text").lower(),
                                         "value": a.get("value") or "", "checked": "checked" in a})
        elif tag == "textarea":
            self._form["fields"].append({"name": a["name"], "type": "textarea", "value": ""})
        elif tag == "select":
            self._select = {"name": a["name"], "type": "select", "value": "", "choices": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["choices"].append(a.get("value", ""))
            if not self._select["value"] or "selected" in a:
                self._select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(world):
    """(role, page, action URL, fields, multipart) for every POST form on every page a form role can open."""
    from urllib.parse import urljoin

    seen, out = set(), []
    routes = [r for r in matrix_rules.routes(world) if r[1] == "get" and r[3] is not None]
    for role in FORM_ROLES:
        caller = matrix_rules.Caller(world, role)
        for pattern, _main, obj, expected, _extra in routes:
            if expected[role] != "200" or pattern.kind == "api" or "changelist" in pattern.name:
                continue
            page = matrix_rules.path_for(pattern, obj, world)
            sent = caller(pattern, "get", page, world)
            if sent.status != 200 or b"<form" not in sent.body:
                continue
            parser = Forms()
            parser.feed(sent.body.decode("utf-8", "replace"))
            for form in parser.forms:
                action = urljoin(page, form["action"]) if form["action"] else page
                fields = [f for f in form["fields"] if f["name"] != "csrfmiddlewaretoken"]
                key = (role, action.split("?")[0], tuple(sorted(f["name"] for f in fields)))
                if key in seen or "/logout/" in action:
                    continue
                seen.add(key)
                out.append((role, page, action, fields, form["multipart"]))
    return out


def form_base(fields) -> dict:
    """What a person would leave in the form: defaults, the first choice, something in every empty text box."""
    data = {}
    for f in fields:
        if f["type"] in ("checkbox", "radio"):
            if f.get("checked") or (f["type"] == "radio" and f["name"] not in data):
                data[f["name"]] = f["value"]
        elif f["type"] == "file":
            continue
        elif f["value"]:
            data[f["name"]] = f["value"]
        elif f["type"] == "number":
            data[f["name"]] = "1"
        elif f["type"] == "email":
            data[f["name"]] = "someone@example.com"
        elif f["type"] == "date":
            data[f["name"]] = "2026-06-01"
        else:
            data[f["name"]] = "Fine."
    return data


def form_field_cases(field) -> list:
    kind = field["type"]
    if kind in ("checkbox", "file"):
        return []
    if kind in ("select", "radio"):
        return [("unknown choice", "no-such-choice"), ("NUL byte", "\x00")]
    if kind == "number":
        return [("negative", "-1"), ("exponent", "1e400"), ("NaN", "NaN"), ("huge", "9" * 30)]
    if kind == "date":
        return [("no such day", "2026-02-30"), ("year 99999", "99999-01-01"), ("year 0", "0000-00-00")]
    return [("100,000 characters", "x" * 100_000), ("NUL byte", "a\x00b")]


def _form_body(data: dict, files: dict | None, multipart: bool) -> tuple[bytes, str]:
    from urllib.parse import urlencode

    if multipart or files:
        return _multipart(data, files or {})
    return urlencode(data).encode(), "application/x-www-form-urlencoded"


def test_every_web_form_refuses_bad_input(world, no_throttling, settings, tmp_path):
    """Every POST form of every page (buyer, merchant, staff): bad values never a 5xx, and nothing written."""
    settings.MEDIA_ROOT = tmp_path
    forms = page_forms(world)
    assert len(forms) >= 20, f"only {len(forms)} forms found"
    failures, sent_count = [], 0
    clients = {role: matrix_rules.Caller(world, role).page for role in FORM_ROLES}
    for role, page, action, fields, multipart in forms:
        base = form_base(fields)
        files = {f["name"]: ("photo.png", _image(), "image/png") for f in fields if f["type"] == "file"}
        cases = [("invalid UTF-8", b"\xff\xfe=\xff&" + b"&".join(k.encode() + b"=%ff%fe" for k in base),
                  "application/x-www-form-urlencoded", True),
                 ("body over the upload limit", b"x=" + b"y" * 3_000_000, "application/x-www-form-urlencoded", False)]
        for field in fields:
            for name, value in form_field_cases(field):
                data, content_type = _form_body({**base, field["name"]: value}, files, multipart)
                cases.append((f"{field['name']}: {name}", data, content_type, field["name"] in ONLY_NO_5XX_FIELDS))
            if field["type"] == "file":
                for name, filename, raw, file_type in file_cases():
                    data, content_type = _multipart(base, {**files, field["name"]: (filename, raw, file_type)})
                    cases.append((f"{field['name']}: {name}", data, content_type, False))
        for name, data, content_type, lenient in cases:
            sent = send(clients[role], "post", action, data=data, content_type=content_type)
            sent_count += 1
            what = f"{action} (form on {page}) as {role}, {name}"
            if sent.status >= 500:
                failures.append(f"{what}: answered {sent.status}")
            elif set(sent.writes) - WEB_WRITE_ALLOWED and not lenient and not action.startswith("/admin/"):
                failures.append(f"{what}: {sent.status} but wrote to {sorted(set(sent.writes))}")
    FIGURES["web forms"] = len(forms)
    FIGURES["web requests"] = sent_count
    print(f"\nweb forms: {len(forms)} forms, {sent_count} requests")
    assert not failures, f"{len(failures)} failures in {sent_count} requests:\n" + "\n".join(failures)
