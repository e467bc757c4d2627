"""Website routes of the credit centre, included by config.urls at the site root."""
from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("credit/", views.centre, name="centre"),
    path("credit/apply/", views.apply, name="apply"),
    path("credit/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("credit/plans/<int:pk>/repay/", views.plan_repay, name="repay"),
    path("credit/statements/", views.statement_list, name="statements"),
    path("credit/statements/<int:pk>/", views.statement_detail, name="statement"),
    path("credit/history/", views.history, name="history"),
    path("credit/quote/", views.quote_partial, name="quote"),
]
