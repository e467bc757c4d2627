"""Cash-out (套现) risk control of credit checkouts (SPEC §3).

``score_checkout(order, context) -> Decision`` is called by the instalment payment
method inside order placement, after the plan is priced and the line drawn:
- ``accept``: the order is paid at once;
- ``hold``: the order goes to ``under_review`` (credit drawn and held) until staff decide
  (``credit.risk.review.risk_review_decide``);
- ``reject``: placement fails with ``risk_rejected`` (422) and the reasons.

Modules: ``rules`` (weights, thresholds, explanations), ``signals`` (what is measured),
``scoring`` (the decision and its record), ``review`` (staff decisions and penalties),
``hold`` (settlement of elevated-risk shops' credit orders after the return window).
"""
from credit.risk.scoring import ACCEPT, HOLD, REJECT, Decision, rejections_flush, score_checkout

__all__ = ["ACCEPT", "HOLD", "REJECT", "Decision", "rejections_flush", "score_checkout"]
