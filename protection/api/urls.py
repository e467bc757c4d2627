"""After-sales API routes; the project includes this module under /api/v1/."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from protection.api import views

router = SimpleRouter()
router.register("after-sales", views.CaseViewSet, basename="api-after-sales")

urlpatterns = [
    path("staff/after-sales/<int:pk>/rule/", views.StaffRuleView.as_view(), name="api-staff-after-sales-rule"),
    path("staff/after-sales/<int:pk>/return-order/", views.StaffReturnOrderView.as_view(),
         name="api-staff-after-sales-return-order"),
    *router.urls,
]
