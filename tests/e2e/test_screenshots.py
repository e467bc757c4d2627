"""README screenshots of the main pages, desktop and phone: run with SCREENSHOTS=1 (scripts/screenshots.py)."""
import os
from pathlib import Path

import pytest

from tests.e2e import scenario

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}

pytestmark = [
    pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="README screenshots: set SCREENSHOTS=1"),
]


def _save(page, name, *, full=False):
    OUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def test_readme_screenshots(live_server, open_as, settings):
    settings.ROOT_URLCONF = "tests.e2e.urls_media"
    language = os.environ.get("SCREENSHOT_LANGUAGE", "en")
    data = scenario.build_world()
    w, order, case = data["world"], data["order"], data["case"]
    lang = "" if language == "en" else "-zh"  # English ones are the README's; Chinese ones sit beside them
    for suffix, viewport in ((lang, DESKTOP), (f"{lang}-phone", PHONE)):
        buyer = open_as(w.buyer, language=language, viewport=viewport)
        buyer.goto("/")
        _save(buyer, f"home{suffix}")
        buyer.goto("/listings/?q=tea")
        _save(buyer, f"search{suffix}")
        buyer.goto(f"/listings/{w.listing.pk}/")
        _save(buyer, f"listing{suffix}")
        buyer.goto(f"/checkout/{w.shop.pk}/")
        buyer.check("input[name=payment_method][value=installment]")
        buyer.check("input[name=payment_installments][value='6']")
        buyer.locator("#credit-quote-6").scroll_into_view_if_needed()
        _save(buyer, f"checkout-quote{suffix}")
        buyer.goto(f"/orders/{order.pk}/")
        _save(buyer, f"order-timeline{suffix}", full=True)
        buyer.goto(f"/after-sales/{case.pk}/")
        _save(buyer, f"after-sales-case{suffix}", full=True)
        buyer.goto("/credit/")
        _save(buyer, f"credit-centre{suffix}", full=True)
        buyer.goto("/notifications/")
        _save(buyer, f"notifications{suffix}")
        buyer.goto("/privacy/")
        _save(buyer, f"privacy-centre{suffix}", full=True)
        merchant = open_as(w.merchant, language=language, viewport=viewport)
        merchant.goto("/merchant/")
        _save(merchant, f"merchant-dashboard{suffix}", full=True)
        merchant.goto("/merchant/after-sales/")
        _save(merchant, f"merchant-case-inbox{suffix}")
        merchant.goto(f"/merchant/listings/{w.listing.pk}/edit/")
        _save(merchant, f"merchant-listing-editor{suffix}", full=True)
        staff = open_as(w.staff, language=language, viewport=viewport)
        staff.goto("/admin/dashboard/")
        _save(staff, f"admin-dashboard{suffix}", full=True)
