"""REST API of after-sales protection (API.md "After-sales" and the staff ruling)."""
