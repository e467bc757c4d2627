"""The listing serializer's written-out output is exactly DRF's generic output of its declared fields."""
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers

from marketplace.api.catalog import ListingSerializer
from marketplace.selectors_catalog import listing_for_render
from marketplace.services.listings import listing_add_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(make_listing, merchant, upload):
    plain = make_listing(title="Plain", price=Decimal("0.01"))
    credit = make_listing(title="On credit 分期", price=Decimal("1234.56"), installments_available=True)
    free = make_listing(title="Interest-free", price=Decimal("99999.99"), installments_available=True,
                        merchant_pays_fee=True, description="")
    listing_add_image(actor=merchant, listing=credit, file=upload("PNG", (800, 600)), alt_text="Front 正面")
    listing_add_image(actor=merchant, listing=credit, file=upload(), alt_text="")
    return [listing_for_render(x.pk) for x in (plain, credit, free)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("with_request", [True, False])
def test_written_out_output_equals_the_generic_one(listings, language, with_request):
    context = {"request": RequestFactory().get("/api/v1/listings/")} if with_request else {}
    with translation.override(language):
        for listing in listings:
            serializer = ListingSerializer(listing, context=context)
            generic = serializers.Serializer.to_representation(serializer, listing)
            assert serializer.data == generic
            assert list(serializer.data) == list(generic)  # same keys, same order
    assert any(listing.images.all() for listing in listings)
    assert any(ListingSerializer(x).data["monthly_from"] for x in listings)
