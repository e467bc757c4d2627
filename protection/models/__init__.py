"""Protection models, one module per concern. Workflows live in services/, reads in selectors.py."""
from protection.models.cases import (
    OPEN_STATUSES,
    QUALITY_REASONS,
    AfterSalesCase,
    AtFault,
    CaseReason,
    CaseStatus,
    CaseType,
    Decision,
    Party,
)
from protection.models.records import CaseEvent, Evidence
from protection.models.standing import BuyerStanding, NoReasonSuspension

__all__ = [
    "OPEN_STATUSES", "QUALITY_REASONS", "AfterSalesCase", "AtFault", "BuyerStanding", "CaseEvent", "CaseReason",
    "CaseStatus", "CaseType", "Decision", "Evidence", "NoReasonSuspension", "Party",
]
