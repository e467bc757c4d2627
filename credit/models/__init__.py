"""Credit models, one module per concern. Workflows live in services/, reads in selectors.py."""
from credit.models.applications import (
    ApplicationStatus,
    ApplicationStatusChange,
    CreditApplication,
    EmergencyContact,
    IncomeBand,
    Relation,
)
from credit.models.lines import CreditEvent, CreditLine, CreditLineEvent, LineStatus
from credit.models.plans import (
    Installment,
    InstallmentPlan,
    InstallmentStatus,
    PlanStatus,
    PlanStatusChange,
)
from credit.models.reference import CreditTerms, InstallmentProduct
from credit.models.reminders import Reminder, ReminderDelivery, ReminderPolicy  # noqa: F401
from credit.models.repayments import CreditJobLock, CreditRefund, Repayment, Statement
from credit.models.risk import *  # noqa: F401,F403 - cash-out risk models (risk.__all__)

__all__ = [
    "ApplicationStatus", "ApplicationStatusChange", "CreditApplication", "CreditEvent", "CreditJobLock",
    "CreditLine", "CreditLineEvent", "CreditRefund", "CreditTerms", "EmergencyContact", "IncomeBand", "Installment",
    "InstallmentPlan", "InstallmentProduct", "InstallmentStatus", "LineStatus", "PlanStatus", "PlanStatusChange",
    "Relation", "Repayment", "Statement",
]
