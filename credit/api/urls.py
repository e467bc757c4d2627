"""API routes of credit, included by config.urls under /api/v1/."""
from django.urls import path

from credit.api import risk, views

urlpatterns = [
    path("credit/terms/", views.TermsView.as_view(), name="api-credit-terms"),
    path("credit/applications/", views.ApplicationCreateView.as_view(), name="api-credit-applications"),
    path("credit/line/", views.LineView.as_view(), name="api-credit-line"),
    path("credit/quote/", views.QuoteView.as_view(), name="api-credit-quote"),
    path("credit/plans/", views.PlanListView.as_view(), name="api-credit-plans"),
    path("credit/plans/<int:pk>/", views.PlanDetailView.as_view(), name="api-credit-plan"),
    path("credit/repayments/", views.RepaymentCreateView.as_view(), name="api-credit-repayments"),
    path("credit/statements/", views.StatementListView.as_view(), name="api-credit-statements"),
    path("credit/statements/<int:pk>/", views.StatementDetailView.as_view(), name="api-credit-statement"),
    path("credit/statements/<int:pk>/csv/", views.StatementCsvView.as_view(), name="api-credit-statement-csv"),
    path("credit/history/", views.HistoryView.as_view(), name="api-credit-history"),
    path("staff/credit-applications/<int:pk>/decide/", views.StaffDecideView.as_view(),
         name="api-staff-credit-decide"),
    path("staff/credit-lines/<int:pk>/freeze/", views.StaffLineActionView.as_view(action="freeze"),
         name="api-staff-credit-freeze"),
    path("staff/credit-lines/<int:pk>/unfreeze/", views.StaffLineActionView.as_view(action="unfreeze"),
         name="api-staff-credit-unfreeze"),
    path("staff/risk-reviews/", risk.RiskReviewListView.as_view(), name="api-staff-risk-reviews"),
    path("staff/risk-reviews/<int:pk>/", risk.RiskReviewDetailView.as_view(), name="api-staff-risk-review"),
    path("staff/risk-reviews/<int:pk>/decide/", risk.RiskReviewDecideView.as_view(), name="api-staff-risk-decide"),
]
