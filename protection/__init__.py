"""Buyer and merchant protection: after-sales cases, windows, deadlines, arbitration, refunds."""
