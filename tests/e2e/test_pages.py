"""Every page of the site, as each role and in both languages, in real Chromium at a phone's width (375 px):
nothing wider than the screen, every form control labelled, every image with an alt text, every link and
button with a name, text contrast at WCAG AA, and no English UI string left on a Chinese page.

With PAGE_SHOTS=1 it also writes full-page screenshots, phone and desktop, to
test-artifacts/pages/<language>/<role>/<width>/ for a person to look at.
"""
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from tests.e2e import scenario
from tests.test_crawl import ROLES, site_urls
from tests.test_translations import CATALOGUES, messages, parse_po

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"

# () => {problems, texts}, its comment lines dropped so that Playwright sees a function
AUDIT = "\n".join(line for line in (Path(__file__).parent / "audit.js").read_text().splitlines()
                   if not line.startswith("//"))


def _ui_strings() -> set[str]:
    """English UI strings of our catalogues that are whole sentences or labels: seeing one verbatim on a Chinese
    page means it was never translated. Short words that also name things in the demo data are left out."""
    strings = set()
    for path in CATALOGUES.values():
        for entry in messages(parse_po(path)):
            text = entry.msgid
            if "%" in text or "{" in text or "<" in text or len(text) < 4 or not re.search(r"[a-z]", text):
                continue
            strings.add(text)
    return strings - {"English", "Fangxin"}


def _users(world):
    return {"anonymous": None, "buyer": world.buyer, "merchant": world.merchant, "staff": world.staff}


def _shoot(page, language, role, viewport, url):
    slug = re.sub(r"[^a-z0-9]+", "-", url.strip("/").lower()) or "home"
    folder = SHOTS / language / role / str(viewport["width"])
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{slug}.png"), full_page=True)


def _admin_urls(data) -> list[str]:
    order, case, plan = data["order"], data["case"], data["plan"]
    return [reverse("admin:index"), reverse("admin:dashboard"),
            reverse("admin:marketplace_order_changelist"),
            reverse("admin:marketplace_order_change", args=[order.pk]),
            reverse("admin:protection_aftersalescase_changelist"),
            reverse("admin:protection_aftersalescase_change", args=[case.pk]),
            reverse("admin:credit_installment_changelist"),
            reverse("admin:credit_installmentplan_change", args=[plan.pk])]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_fits_a_phone_and_is_accessible(live_server, open_as, settings, language):
    settings.ROOT_URLCONF = "tests.e2e.urls_media"
    data = scenario.build_world()
    urls = site_urls(data)
    people = {person.username for person in _users(data["world"]).values() if person is not None}
    english = _ui_strings() - people if language == "zh-hans" else set()  # a username is no UI string
    shots = bool(os.environ.get("PAGE_SHOTS"))
    failures, checked, seen = [], 0, {}
    for role in ROLES:
        user = _users(data["world"])[role]
        extra = _admin_urls(data) if role == "staff" else []
        for viewport in (PHONE, DESKTOP) if shots else (PHONE,):
            page = open_as(user, language=language, viewport=viewport)
            done = set()
            for url in urls + extra:
                # Asked first with the page's cookies: navigating to a POST-only route's 405 leaves Chromium
                # loading an error page, which can abort the next navigation.
                probe = page.request.get(url)
                if probe.status != 200 or "html" not in probe.headers.get("content-type", "") or probe.url in done:
                    continue  # a POST-only route, a page this role may not see, or one already checked
                done.add(probe.url)
                page.goto(url)
                checked += 1
                if shots:
                    _shoot(page, language, role, viewport, url)
                result = page.evaluate(AUDIT)
                admin = url.startswith("/admin/")
                for problem in result["problems"]:
                    if admin and not problem.startswith("page is"):
                        continue  # Django's admin markup is not ours; its width on a phone is
                    failures.append(f"{role} {viewport['width']}px {url}: {problem}")
                for text in result["texts"]:
                    if text in english:
                        failures.append(f"{role} {url}: untranslated {text!r}")
            assert not page.js_errors, page.js_errors
            seen.setdefault(role, set()).update(urlparse(u).path for u in done)
    assert checked > 40, checked
    order, case = data["order"].pk, data["case"].pk
    assert {"/", "/cart/", "/orders/", f"/orders/{order}/", f"/after-sales/{case}/", "/credit/", "/privacy/",
            "/notifications/"} <= seen["buyer"], seen["buyer"]
    assert {"/merchant/", "/merchant/orders/", "/merchant/after-sales/", "/merchant/balance/",
            "/merchant/listings/new/"} <= seen["merchant"], seen["merchant"]
    assert {"/admin/", "/admin/dashboard/"} <= seen["staff"], seen["staff"]
    assert not failures, "\n".join(sorted(set(failures)))
