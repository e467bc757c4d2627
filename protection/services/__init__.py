"""Protection services: every write to a case goes through one of these functions.

Each is keyword-only with ``actor`` first, runs in one transaction, locks the case
row, and moves the status only through ``case_transition``.
"""
