"""A generated cover: title, author and fandom set in the book face on a calm colour.

1600x2560 (Kindle's recommended size), JPEG under 1 MB, and legible as a library
thumbnail: the title is set as large as fits in at most five lines. A PDF asks for its page's
proportions, so that the cover fills the page without being cropped.
"""

from __future__ import annotations

import functools
import hashlib
import io
from importlib.resources import as_file

from PIL import Image, ImageDraw, ImageFont

from builder.model import Meta
from builder.resources import styles

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
MAX_TITLE_LINES = 5
# Dark, quiet backgrounds with a light ink: high contrast in colour and on greyscale e-ink.
PALETTE = ((0x23, 0x2F, 0x3E), (0x3B, 0x22, 0x2E), (0x1F, 0x3A, 0x33), (0x3A, 0x30, 0x1E),
           (0x2B, 0x25, 0x45), (0x40, 0x24, 0x1D))  # fmt: skip
INK = (0xF4, 0xEC, 0xDC)
ACCENT = (0xC9, 0xA9, 0x6E)


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    with as_file(styles() / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _fit_title(
    draw: ImageDraw.ImageDraw, title: str, width: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title fits in MAX_TITLE_LINES lines, no word overflowing."""
    for size in range(230, 70, -10):
        font = _font("CharisSIL-Bold.ttf", size)
        lines = _wrap(draw, title, font, width)
        widest = max(draw.textlength(line, font=font) for line in lines)
        if len(lines) <= MAX_TITLE_LINES and widest <= width:
            return font, lines
    return font, lines


def _centred(
    draw: ImageDraw.ImageDraw, y: float, lines: list[str], font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int], leading: float = 1.15,
) -> float:  # fmt: skip
    """Draw `lines` centred from `y` down; return the y below the last line."""
    size = font.size
    for line in lines:
        draw.text((WIDTH / 2, y), line, font=font, fill=fill, anchor="ma")
        y += size * leading
    return y


def image(meta: Meta, title: str, aspect: float | None = None) -> tuple[bytes, str]:
    """The cover for a story whose (filled) title is `title`: the author's own image when the
    front matter names one, else a generated one, `aspect` (height / width) times as high as
    wide when given. Returns (bytes, media type)."""
    if meta.cover_image is not None and meta.cover_type is not None:
        return meta.cover_image, meta.cover_type
    height = HEIGHT if aspect is None else round(WIDTH * aspect)
    return render(title, meta.author, meta.fandom, height), "image/jpeg"


@functools.lru_cache(maxsize=64)
def render(title: str, author: str | None, fandom: str | None, height: int = HEIGHT) -> bytes:
    """The cover as JPEG bytes, WIDTH x `height` (deterministic: the same text gives the same
    bytes). The layout is drawn for HEIGHT; a shorter cover moves the fandom and title up in
    proportion and keeps the author at the same distance from the foot."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    image = Image.new("RGB", (WIDTH, height), PALETTE[digest[0] % len(PALETTE)])
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    scale = height / HEIGHT
    draw.rectangle((60, 60, WIDTH - 60, height - 60), outline=ACCENT, width=6)

    if fandom:
        small = _font("CharisSIL-Regular.ttf", 64)
        _centred(draw, 330 * scale, _wrap(draw, fandom.upper(), small, inner)[:2], small, ACCENT)

    font, lines = _fit_title(draw, title, inner)
    block = len(lines) * font.size * 1.15
    y = _centred(draw, max(560.0 * scale, 1180 * scale - block / 2), lines, font, INK)
    draw.line((WIDTH / 2 - 160, y + 70, WIDTH / 2 + 160, y + 70), fill=ACCENT, width=5)

    if author:
        italic = _font("CharisSIL-Italic.ttf", 96)
        author_lines = _wrap(draw, author, italic, inner)[:2]
        _centred(draw, height - 330 - len(author_lines) * 110, author_lines, italic, INK)

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True, progressive=False)
    return buffer.getvalue()
