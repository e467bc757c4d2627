"""Admin: shops, listings, categories, users."""
