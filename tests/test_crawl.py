"""Crawl every page of the site as each role in both languages: no server error, and valid HTML.

The URL patterns come from walking config.urls, so a new page is crawled without touching this file;
a pattern whose arguments this file cannot fill in fails the test until ``_args`` is taught them.
The HTML check is small and strict where templates go wrong: unclosed or misnested tags, stray end
tags and duplicate ids.
"""
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.e2e import scenario

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# End tags HTML lets an author leave out; everything else must be closed explicitly.
OPTIONAL_END = {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
                "colgroup", "rt", "rp", "html", "head", "body"}


class HtmlChecker(HTMLParser):
    """Collects unclosed, misnested and stray tags and duplicate ids of one document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.ids: dict[str, int] = {}
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._id(attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        self._id(attrs)

    def _id(self, attrs):
        for name, value in attrs:
            if name == "id":
                line = self.getpos()[0]
                if value in self.ids:
                    self.problems.append(f"line {line}: duplicate id {value!r} (first on line {self.ids[value]})")
                else:
                    self.ids[value] = line

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            return
        names = [name for name, _ in self.stack]
        if tag not in names:
            self.problems.append(f"line {line}: stray </{tag}>")
            return
        while self.stack:
            name, opened = self.stack.pop()
            if name == tag:
                return
            if name not in OPTIONAL_END:
                self.problems.append(f"line {line}: </{tag}> closes <{name}> opened on line {opened} (misnested)")

    def close(self):
        super().close()
        for name, opened in self.stack:
            if name not in OPTIONAL_END:
                self.problems.append(f"<{name}> opened on line {opened} is never closed")


def html_problems(text: str) -> list[str]:
    checker = HtmlChecker()
    checker.feed(text)
    checker.close()
    return checker.problems


@pytest.mark.parametrize(("html", "expected"), [
    ('<div><p>ok</div>', []),
    ('<ul><li>a<li>b</ul><br><img src="x" alt="">', []),
    ('<div><span>x</div>', ["line 1: </div> closes <span> opened on line 1 (misnested)"]),
    ('<section><div>', ["<section> opened on line 1 is never closed", "<div> opened on line 1 is never closed"]),
    ('<p>x</p></div>', ["line 1: stray </div>"]),
    ('<i id="a"></i><b id="a"></b>', ["line 1: duplicate id 'a' (first on line 1)"]),
], ids=["implied-p", "optional-and-void", "misnested", "unclosed", "stray", "duplicate-id"])
def test_the_html_checker(html, expected):
    assert html_problems(html) == expected


# --- the crawl -----------------------------------------------------------------------------------------
SKIP_PREFIXES = ("api/", "admin/")  # the API has its own tests; the admin is crawled below by model
ROLES = ("anonymous", "buyer", "merchant", "staff")


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _args(name: str, data) -> dict:
    """Values for the arguments of each named route."""
    w = data["world"]
    pk = {
        "listing-detail": w.listing.pk, "shop-detail": w.shop.pk, "merchant-listing-edit": w.listing.pk,
        "merchant-listing-image": w.listing.pk, "merchant-listing-image-delete": w.listing.pk,
        "merchant-listing-transition": w.listing.pk,
        "cart-update": data["cart_item"].pk, "cart-remove": data["cart_item"].pk,
        "case-detail": data["case"].pk, "case-action": data["case"].pk,
        "plan": data["plan"].pk, "repay": data["plan"].pk, "statement": data["statement"].pk,
        "notification-read": data["notification"].pk,
    }.get(name, data["order"].pk)
    return {"pk": pk, "shop_id": w.shop.pk, "order_id": data["order"].pk, "image_pk": data["image"].pk,
            "action": {"case-action": "approve", "merchant-listing-transition": "pause"}.get(name, "x"),
            "key": "email_messages", "uidb64": "MQ", "token": "x"}


def _fill(route: str, args: dict) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in args, f"teach test_crawl._args the argument {name!r} of {route!r}"
        return str(args[name])

    return re.sub(r"<([^>]+)>", value, route)


def site_urls(data) -> list[str]:
    urls = []
    for route, pattern in _patterns():
        if route.startswith(SKIP_PREFIXES) or "<path:" in route or route.startswith("^"):
            continue
        urls.append("/" + _fill(route, _args(pattern.name or "", data)))
    return sorted(set(urls))


def _client(role, data, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    client.cookies["django_language"] = language
    w = data["world"]
    user = {"buyer": w.buyer, "merchant": w.merchant, "staff": w.staff}.get(role)
    if user is not None:
        client.force_login(user)
    return client


def _check(client, url, failures, *, validate=True):
    response = client.get(url)
    if response.status_code >= 500:
        failures.append(f"{url}: {response.status_code}")
        return response
    kind = response.get("Content-Type", "")
    if validate and response.status_code == 200 and kind.startswith("text/html"):
        text = response.content.decode()
        for problem in html_problems(text)[:5]:
            failures.append(f"{url}: {problem}")
    return response


@pytest.fixture(autouse=True)
def _crawl_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_for_every_role_with_valid_html(language):
    data = scenario.build_world()
    urls = site_urls(data)
    assert "/credit/" in urls and f"/after-sales/{data['case'].pk}/" in urls
    failures = []
    for role in ROLES:
        client = _client(role, data, language)
        for url in urls:
            response = _check(client, url, failures)
            if response.status_code == 200 and url == "/" and role != "anonymous":
                assert f'lang="{language}"' in response.content.decode()
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_admin_page_renders_for_staff(language):
    """The admin index, the staff dashboard, and every model's list, add and first change page."""
    from django.contrib import admin
    from django.urls import reverse

    data = scenario.build_world()
    client = _client("staff", data, language)
    failures = []
    _check(client, reverse("admin:index"), failures)
    dashboard = _check(client, reverse("admin:dashboard"), failures)
    assert dashboard.status_code == 200 and b"<svg" in dashboard.content
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        _check(client, reverse(f"{base}_changelist"), failures, validate=False)
        if model_admin.has_add_permission(_request(data["world"].staff)):
            _check(client, reverse(f"{base}_add"), failures, validate=False)
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            _check(client, reverse(f"{base}_change", args=[first.pk]), failures, validate=False)
    assert not failures, "\n".join(failures)


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
