"""Image uploads: what validate_image accepts and refuses, clean copies, thumbnails, per-listing rules."""
import io

import pytest
from PIL import Image

from core.errors import DomainError
from marketplace.models import ListingImage
from marketplace.services import images
from marketplace.services.listings import MAX_IMAGES, listing_add_image, listing_remove

from .conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats(upload, fmt):
    info = images.validate_image(upload(fmt, (800, 600)))

    assert (info.format, info.width, info.height) == (fmt, 800, 600)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(upload, fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, fmt)

    with pytest.raises(DomainError) as exc:
        images.validate_image(upload(fmt, content=buffer.getvalue()))

    assert exc.value.code == "invalid_image"
    assert exc.value.status == 400


@pytest.mark.parametrize("content", [b"", b"hello, not an image", b"%PDF-1.4 ...", b"\x89PNG\r\n\x1a\n" + b"0" * 64],
                         ids=["empty", "text", "pdf", "png-magic-only"])
def test_non_images_are_refused(upload, content):
    with pytest.raises(DomainError) as exc:
        images.validate_image(upload("JPEG", content=content))

    assert exc.value.code == "invalid_image"


def test_truncated_image_is_refused(upload):
    data = image_bytes("PNG", (300, 300))

    with pytest.raises(DomainError) as exc:
        images.validate_image(upload("PNG", content=data[: len(data) // 2]))

    assert exc.value.code == "invalid_image"


def test_files_over_5_mb_are_refused_before_decoding(upload):
    with pytest.raises(DomainError) as exc:
        images.validate_image(upload("JPEG", content=b"\xff\xd8" + b"0" * (5 * 1024 * 1024)))

    assert exc.value.code == "invalid_image"
    assert "5 MB" in exc.value.message


def test_more_than_6000_pixels_on_a_side_is_refused(upload):
    # A 6001 × 1 PNG is tiny in bytes; the header's dimensions are what counts.
    with pytest.raises(DomainError) as exc:
        images.validate_image(upload("PNG", (6001, 1)))

    assert exc.value.code == "invalid_image"
    assert images.validate_image(upload("PNG", (6000, 1))).width == 6000


def test_thumbnail_fits_400_pixels_and_is_jpeg(upload):
    thumb = images.make_thumbnail(upload("PNG", (1600, 800)))

    with Image.open(thumb) as image:
        assert image.format == "JPEG"
        assert image.size == (400, 200)


def test_webp_thumbnail(upload):
    thumb = images.make_thumbnail(upload("JPEG", (500, 1000)), fmt="WEBP")

    with Image.open(thumb) as image:
        assert (image.format, image.size) == ("WEBP", (200, 400))


def test_clean_copy_drops_exif(upload):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (50, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    file = upload("JPEG", content=buffer.getvalue())

    copy = images.sanitized_copy(file, images.validate_image(file))

    with Image.open(copy) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
    assert b"SecretCam" not in copy.read()


def test_listing_image_is_stored_with_thumbnail(listing, merchant, upload):
    image = listing_add_image(actor=merchant, listing=listing, file=upload("PNG", (1200, 900)), alt_text="Front")

    image.refresh_from_db()
    assert (image.width, image.height, image.alt_text, image.position) == (1200, 900, "Front", 0)
    assert image.image.name.startswith(f"listings/{listing.pk}/") and image.image.name.endswith(".png")
    assert image.thumbnail.name.endswith("-thumb.jpg")
    with Image.open(image.thumbnail.path) as thumb:
        assert max(thumb.size) == 400
    # The client's file name is never used for storage.
    assert "photo" not in image.image.name


def test_only_the_owner_adds_images(listing, other_merchant, staff_user, upload):
    for actor in (other_merchant, staff_user):
        with pytest.raises(DomainError) as exc:
            listing_add_image(actor=actor, listing=listing, file=upload())
        assert exc.value.code == "permission_denied"
    assert ListingImage.objects.count() == 0


def test_at_most_ten_images(listing, merchant, upload):
    for _ in range(MAX_IMAGES):
        listing_add_image(actor=merchant, listing=listing, file=upload(size=(20, 20)))

    with pytest.raises(DomainError) as exc:
        listing_add_image(actor=merchant, listing=listing, file=upload(size=(20, 20)))

    assert exc.value.code == "too_many_images"
    assert ListingImage.objects.filter(listing=listing).count() == MAX_IMAGES


def test_invalid_upload_stores_nothing(listing, merchant, upload, settings):
    with pytest.raises(DomainError):
        listing_add_image(actor=merchant, listing=listing, file=upload(content=b"not an image"))

    assert ListingImage.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(media.rglob("*.*"))


def test_removed_listing_takes_no_images(listing, merchant, staff_user, upload):
    listing_remove(actor=staff_user, listing=listing, reason="r")

    with pytest.raises(DomainError) as exc:
        listing_add_image(actor=merchant, listing=listing, file=upload())

    assert exc.value.code == "listing_removed"
