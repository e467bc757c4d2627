"""API routes: order_urls (filled in by its owner)."""

urlpatterns: list = []
