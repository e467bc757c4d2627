"""Website routes of after-sales protection; the project includes this module at the site root."""
from django.urls import path

from protection import views

app_name = "protection"

urlpatterns = [
    path("after-sales/", views.case_list, name="case-list"),
    path("after-sales/new/<int:order_id>/", views.case_new, name="case-new"),
    path("after-sales/standing/", views.standing, name="standing"),
    path("after-sales/<int:pk>/", views.case_detail, name="case-detail"),
    path("after-sales/<int:pk>/<slug:action>/", views.case_action, name="case-action"),
    path("merchant/after-sales/", views.merchant_inbox, name="merchant-inbox"),
]
