"""Website routes of orders."""

urlpatterns: list = []
