"""API routes of credit under /api/v1/."""
urlpatterns: list = []
