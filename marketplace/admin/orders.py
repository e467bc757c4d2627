"""Admin: orders, payments, refunds, settlements, complaints, reviews."""
