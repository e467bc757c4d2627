"""Tests of the catalogue: shops, listings, search, images, reputation."""
