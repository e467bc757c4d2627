"""Error codes of the marketplace."""
from core.errors import register_status

USERNAME_TAKEN = "username_taken"
PHONE_TAKEN = "phone_taken"
INVALID_CREDENTIALS = "invalid_credentials"
SHOP_NOT_VERIFIED = "shop_not_verified"
OUT_OF_STOCK = "out_of_stock"
LISTING_UNAVAILABLE = "listing_unavailable"
MIXED_SHOPS = "mixed_shops"
PAYMENT_DECLINED = "payment_declined"
UNKNOWN_PAYMENT_METHOD = "unknown_payment_method"

register_status(
    username_taken=400,
    phone_taken=400,
    invalid_credentials=400,
    shop_not_verified=403,
    out_of_stock=409,
    listing_unavailable=400,
    mixed_shops=400,
    payment_declined=402,
    unknown_payment_method=400,
)
