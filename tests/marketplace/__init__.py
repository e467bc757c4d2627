"""Tests of the marketplace app."""
