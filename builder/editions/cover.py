"""A generated cover: title, author and fandom set in the book face on a calm colour.

1600x2560 (Kindle's recommended size), JPEG under 1 MB, and legible as a library
thumbnail: the title is set as large as fits in at most five lines. A PDF asks for its page's
proportions, so that the cover fills the page without being cropped.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from builder.editions import fonts
from builder.model import Meta

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
MAX_TITLE_LINES = 5
# Dark, quiet backgrounds with a light ink: high contrast in colour and on greyscale e-ink.
PALETTE = ((0x23, 0x2F, 0x3E), (0x3B, 0x22, 0x2E), (0x1F, 0x3A, 0x33), (0x3A, 0x30, 0x1E),
           (0x2B, 0x25, 0x45), (0x40, 0x24, 0x1D))  # fmt: skip
INK = (0xF4, 0xEC, 0xDC)
ACCENT = (0xC9, 0xA9, 0x6E)


@functools.lru_cache(maxsize=256)
def _font(face: fonts.Face, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face.path, size, index=face.index)


# A CJK character (with the closing punctuation after it) is a word of its own: CJK titles
# have no spaces and break between any two characters.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CLOSING = "\u3001\u3002\u300d\u300f\u3011\uff01\uff09\uff0c\uff1f"  # 、。」』】！），？
_WORD = re.compile(f"[{_CJK}][{_CLOSING}]*|[^\\s{_CJK}]+")


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of cover text and how to set it."""

    text: str
    """The characters."""
    style: fonts.Style
    """Regular, bold or italic."""
    language: str
    """The book's language, which picks the CJK faces' region."""

    def runs(self, text: str | None = None) -> list[fonts.Run]:
        """`text` (by default all of it) cut into runs of one face each."""
        return fonts.runs(self.text if text is None else text, self.style, self.language)


def _width(draw: ImageDraw.ImageDraw, runs: list[fonts.Run], size: int) -> float:
    return sum(draw.textlength(run.text, font=_font(run.face, size)) for run in runs)


def _wrap(draw: ImageDraw.ImageDraw, text: Text, size: int, width: int) -> list[str]:
    lines: list[str] = []
    end = 0
    for word in _WORD.finditer(text.text):
        joiner = " " if word.start() > end and lines else ""
        end = word.end()
        candidate = f"{lines[-1]}{joiner}{word.group()}" if lines else word.group()
        if lines and _width(draw, text.runs(candidate), size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word.group())
    return lines


def _fit_title(draw: ImageDraw.ImageDraw, title: Text, width: int) -> tuple[int, list[str]]:
    """The largest size at which the title fits in MAX_TITLE_LINES lines, no word overflowing."""
    for size in range(230, 70, -10):
        lines = _wrap(draw, title, size, width)
        widest = max((_width(draw, title.runs(line), size) for line in lines), default=0)
        if len(lines) <= MAX_TITLE_LINES and widest <= width:
            return size, lines
    return size, lines


def _right_to_left(text: str) -> bool:
    """Whether the first strong character of `text` is right-to-left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind != "L"
    return False


@dataclass(frozen=True, slots=True)
class Drawn:
    """One run of text as the cover drew it (for the tests: which face drew what)."""

    text: Text
    """The piece of cover text (title, author or fandom) the run belongs to."""
    run: fonts.Run
    """The characters and the face that drew them."""
    size: int
    """The font size in pixels."""
    box: tuple[float, float, float, float]
    """The ink's bounding box (left, top, right, bottom) in pixels."""


def _centred(
    draw: ImageDraw.ImageDraw, y: float, lines: list[str], text: Text, size: int,
    fill: tuple[int, int, int], drawn: list[Drawn], leading: float = 1.15,
) -> float:  # fmt: skip
    """Draw `lines` centred from `y` down; return the y below the last line (and below its
    ink: descenders of tall faces reach past the leading). A line of one face is drawn as one
    string (libraqm shapes and orders it); a line of several faces is drawn run after run on
    one baseline, right to left when the line starts so."""
    ink = y
    for line in lines:
        runs = text.runs(line)
        if len(runs) == 1:
            font = _font(runs[0].face, size)
            draw.text((WIDTH / 2, y), line, font=font, fill=fill, anchor="ma")
            box = draw.textbbox((WIDTH / 2, y), line, font=font, anchor="ma")
            drawn.append(Drawn(text, runs[0], size, box))
            ink = box[3]
        else:
            baseline = y + _font(runs[0].face, size).getmetrics()[0]
            x = (WIDTH - _width(draw, runs, size)) / 2
            for run in reversed(runs) if _right_to_left(line) else runs:
                font = _font(run.face, size)
                draw.text((x, baseline), run.text, font=font, fill=fill, anchor="ls")
                box = draw.textbbox((x, baseline), run.text, font=font, anchor="ls")
                drawn.append(Drawn(text, run, size, box))
                ink = max(ink, box[3])
                x += draw.textlength(run.text, font=font)
        y += size * leading
    return max(y, ink)


def image(meta: Meta, title: str, aspect: float | None = None) -> tuple[bytes, str]:
    """The cover for a story whose (filled) title is `title`: the author's own image when the
    front matter names one, else a generated one, `aspect` (height / width) times as high as
    wide when given. Returns (bytes, media type)."""
    if meta.cover_image is not None and meta.cover_type is not None:
        return meta.cover_image, meta.cover_type
    height = HEIGHT if aspect is None else round(WIDTH * aspect)
    return render(title, meta.author, meta.fandom, height, meta.language), "image/jpeg"


@functools.lru_cache(maxsize=64)
def render(
    title: str, author: str | None, fandom: str | None, height: int = HEIGHT, language: str = "en"
) -> bytes:
    """The cover as JPEG bytes, WIDTH x `height` (deterministic: the same text gives the same
    bytes)."""
    image, _ = compose(title, author, fandom, height, language)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, optimize=True, progressive=False)
    return buffer.getvalue()


def compose(
    title: str, author: str | None, fandom: str | None, height: int = HEIGHT, language: str = "en"
) -> tuple[Image.Image, list[Drawn]]:
    """The cover drawn, and every run of text on it with the face that drew it. The layout
    is drawn for HEIGHT; a shorter cover moves the fandom and title up in proportion and keeps
    the author at the same distance from the foot."""
    drawn: list[Drawn] = []
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    image = Image.new("RGB", (WIDTH, height), PALETTE[digest[0] % len(PALETTE)])
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    scale = height / HEIGHT
    draw.rectangle((60, 60, WIDTH - 60, height - 60), outline=ACCENT, width=6)

    if fandom:
        small = Text(fandom.upper(), "regular", language)
        _centred(draw, 330 * scale, _wrap(draw, small, 64, inner)[:2], small, 64, ACCENT, drawn)

    heading = Text(title, "bold", language)
    size, lines = _fit_title(draw, heading, inner)
    block = len(lines) * size * 1.15
    top = max(560.0 * scale, 1180 * scale - block / 2)
    y = _centred(draw, top, lines, heading, size, INK, drawn)
    draw.line((WIDTH / 2 - 160, y + 70, WIDTH / 2 + 160, y + 70), fill=ACCENT, width=5)

    if author:
        byline = Text(author, "italic", language)
        author_lines = _wrap(draw, byline, 96, inner)[:2]
        top = height - 330 - len(author_lines) * 110
        _centred(draw, top, author_lines, byline, 96, INK, drawn)
    return image, drawn
