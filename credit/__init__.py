"""Instalment credit: applications, credit lines, plans, repayments, overdue, statements, reminders, risk."""
