"""API routes: catalog_urls (filled in by its owner)."""

urlpatterns: list = []
