"""Error codes of the catalogue: shops, listings and their images."""
from core.errors import register_status

SHOP_EXISTS = "shop_exists"
SHOP_NAME_TAKEN = "shop_name_taken"
NO_SHOP = "no_shop"
INVALID_IMAGE = "invalid_image"
TOO_MANY_IMAGES = "too_many_images"
LISTING_REMOVED = "listing_removed"

register_status(
    shop_exists=409,
    shop_name_taken=400,
    no_shop=403,
    invalid_image=400,
    too_many_images=400,
    listing_removed=409,
)
