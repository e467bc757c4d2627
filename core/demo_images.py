"""Pictures for demo listings, drawn with Pillow: a solid colour, a disc and a label. No network, no files shipped.

A Chinese glyph is drawn when the machine has a CJK font; otherwise a Latin label
(fonts without CJK glyphs would draw empty boxes).
"""
import io
from functools import lru_cache
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

SIZE = 480
# Common places of a CJK font on Linux, macOS and Windows; the first that exists is used.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@lru_cache(maxsize=1)
def _cjk_font_path() -> str | None:
    return next((path for path in CJK_FONTS if Path(path).is_file()), None)


@lru_cache(maxsize=16)
def _font(size: int, cjk: bool):
    if cjk and _cjk_font_path():
        return ImageFont.truetype(_cjk_font_path(), size)
    try:
        return ImageFont.load_default(size=size)  # Pillow's bundled scalable font (needs FreeType)
    except (TypeError, OSError):
        return ImageFont.load_default()


def _lighter(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    return tuple(int(c + (255 - c) * amount) for c in colour)


def _centred(draw: ImageDraw.ImageDraw, text: str, font, *, y: int, fill) -> None:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE - (right - left)) / 2 - left, y - (bottom - top) / 2 - top), text, font=font, fill=fill)


def listing_picture_bytes(*, colour: tuple[int, int, int], label: str, glyph: str = "") -> bytes:
    """A square PNG: ``colour`` background, a lighter disc with ``glyph`` (or the label's initial), ``label`` below."""
    image = Image.new("RGB", (SIZE, SIZE), colour)
    draw = ImageDraw.Draw(image)
    disc = _lighter(colour, 0.35)
    draw.ellipse((SIZE * 0.22, SIZE * 0.12, SIZE * 0.78, SIZE * 0.68), fill=disc)
    use_cjk = bool(glyph) and _cjk_font_path() is not None
    mark = glyph if use_cjk else (label[:1] or "?").upper()
    _centred(draw, mark, _font(150, use_cjk), y=int(SIZE * 0.40), fill=(255, 255, 255))
    _centred(draw, label.upper()[:18], _font(40, False), y=int(SIZE * 0.83), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def listing_picture(*, colour: tuple[int, int, int], label: str, glyph: str = "",
                    name: str = "demo.png") -> SimpleUploadedFile:
    """The picture as an upload, ready for ``listing_add_image``."""
    return SimpleUploadedFile(name, listing_picture_bytes(colour=colour, label=label, glyph=glyph),
                              content_type="image/png")
