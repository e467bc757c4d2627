"""Marketplace models, one module per concern. Workflows live in services/, reads in selectors.py."""
from marketplace.models.accounts import User, phone_index
from marketplace.models.catalog import Category, Listing, ListingImage, ListingStatus
from marketplace.models.orders import (
    CartItem,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    PaymentStatus,
    Refund,
)
from marketplace.models.shops import (
    Complaint,
    Review,
    Settlement,
    Shop,
    ShopStatus,
    ShopStatusChange,
    Withdrawal,
)

__all__ = [
    "CartItem", "Category", "Complaint", "Listing", "ListingImage", "ListingStatus", "Order", "OrderLine",
    "OrderStatus", "OrderStatusChange", "Payment", "PaymentStatus", "Refund", "Review", "Settlement", "Shop",
    "ShopStatus", "ShopStatusChange", "User", "Withdrawal", "phone_index",
]
