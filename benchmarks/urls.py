"""The benchmark URLconf: the project's URLs plus two baselines measured in the same run.

- /bench/ok/: a trivial view answering "ok" — the framework's ceiling on this machine;
- /bench/plain-listings/: a plain DRF ModelViewSet over the listings table with select_related and
  page size 20 — what someone would write with no particular care.
"""
from django.http import HttpResponse
from django.urls import include, path
from rest_framework import pagination, permissions, routers, serializers, viewsets

from marketplace.models import Listing


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


class PlainListingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Listing
        fields = "__all__"


class PlainPagination(pagination.PageNumberPagination):
    page_size = 20


class PlainListingViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Listing.objects.select_related("shop", "category").order_by("-created", "-pk")
    serializer_class = PlainListingSerializer
    pagination_class = PlainPagination
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []


router = routers.SimpleRouter()
router.register("bench/plain-listings", PlainListingViewSet, basename="bench-plain-listing")

urlpatterns = [path("bench/ok/", ok), *router.urls, path("", include("config.urls"))]
