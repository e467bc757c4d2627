"""Website routes of the credit centre."""
urlpatterns: list = []
