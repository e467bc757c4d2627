"""Cash-out (套现) risk scoring of credit checkouts — the seam the risk engineer fills in.

``score_checkout`` is called by the instalment payment method inside order placement,
after the plan is priced and before the line is drawn. Its decision:
- ``accept``: the order is paid at once;
- ``hold``: the order goes to ``under_review`` (credit is drawn and held) until staff decide;
- ``reject``: placement fails with ``risk_rejected`` (422) and the reasons.
"""
from dataclasses import dataclass, field

ACCEPT, HOLD, REJECT = "accept", "hold", "reject"


@dataclass(frozen=True)
class Decision:
    outcome: str = ACCEPT
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def score_checkout(order, context: dict | None) -> Decision:
    """Score one credit checkout. For now every order is accepted; signals come later (SPEC §3)."""
    return Decision(ACCEPT)
