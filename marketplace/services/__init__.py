"""Marketplace services: every write goes through one of these functions."""
