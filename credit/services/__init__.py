"""Credit services: every write of the credit app goes through one of these functions.

Lock order, everywhere: Order (taken by marketplace services) → CreditLine → InstallmentPlan
→ Installment rows by pk. Services that need several of these take them in this order,
so no two of them can deadlock.
"""
