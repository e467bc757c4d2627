"""Staff admin of the marketplace."""
from marketplace.admin import catalog, orders  # noqa: F401
