"""Shared foundations: money, errors, encrypted fields, idempotency, health."""
