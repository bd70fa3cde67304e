"""Which font draws which characters: the bundled Charis SIL first, then the system's Noto
faces by script (Greek, Arabic, Hebrew, CJK), found through fontconfig.

Charis covers Latin and Cyrillic but not Greek, Arabic, Hebrew or CJK. Noto is not bundled:
its CJK faces alone are over 100 MB, so ficpress uses the copies Debian's `fonts-noto-core`
and `fonts-noto-cjk` install (SIL Open Font License 1.1, like Charis). When one is absent the
text it would draw falls back to whatever the system has, and `missing()` says which package
to install. The PDF's stylesheet names the same families (`styles/pdf.css`).
"""

from __future__ import annotations

import functools
import re
import shutil
import unicodedata
from dataclasses import dataclass
from importlib.resources import as_file
from typing import Literal

from builder.model import EditionTemplate, FormKey
from builder.resources import styles

Style = Literal["regular", "bold", "italic"]

CHARIS = {"regular": "CharisSIL-Regular.ttf", "bold": "CharisSIL-Bold.ttf",
          "italic": "CharisSIL-Italic.ttf"}  # fmt: skip
_FC_STYLE = {"regular": "Regular", "bold": "Bold", "italic": "Italic"}


@dataclass(frozen=True, slots=True)
class Fallback:
    """A system font family that draws what Charis cannot."""

    family: str
    """The fontconfig family name."""
    package: str
    """The Debian package that installs it."""
    italic: bool = True
    """Whether it has an italic (Arabic, Hebrew and CJK faces have none: upright is used)."""


NOTO_SERIF = Fallback("Noto Serif", "fonts-noto-core")
NOTO_ARABIC = Fallback("Noto Naskh Arabic", "fonts-noto-core", italic=False)
NOTO_HEBREW = Fallback("Noto Serif Hebrew", "fonts-noto-core", italic=False)
CJK = {
    region: Fallback(f"Noto Serif CJK {region}", "fonts-noto-cjk", italic=False)
    for region in ("JP", "SC", "TC", "KR")
}


def cjk_region(language: str) -> str:
    """The Noto CJK region whose glyph forms the language expects (`zh-Hant` -> TC)."""
    tag = language.lower()
    if tag.startswith("zh"):
        traditional = any(part in tag.split("-") for part in ("hant", "tw", "hk", "mo"))
        return "TC" if traditional else "SC"
    return "KR" if tag.startswith("ko") else "JP"


def fallbacks(language: str) -> tuple[Fallback, ...]:
    """The system families tried after Charis, in order, for a text in `language`."""
    return (NOTO_SERIF, NOTO_ARABIC, NOTO_HEBREW, CJK[cjk_region(language)])


@dataclass(frozen=True, slots=True)
class Face:
    """One font file (and face within a collection) at one style."""

    path: str
    """The font file."""
    index: int
    """The face's index in a `.ttc` collection (0 for a single font)."""
    name: str
    """The family, for messages."""


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive characters drawn with one face."""

    text: str
    """The characters, in logical order."""
    face: Face
    """The face that draws them."""


def charis(style: Style) -> Face:
    """The bundled Charis SIL face."""
    with as_file(styles() / "fonts" / CHARIS[style]) as path:
        return Face(str(path), 0, "Charis SIL")


@functools.lru_cache(maxsize=64)
def system_face(family: str, style: Style) -> Face | None:
    """The installed face of `family` at `style` (upright when it has no italic), or None
    when fontconfig is absent or does not have the family."""
    import subprocess  # only a story with text Charis cannot draw asks fontconfig

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    for wanted in dict.fromkeys((_FC_STYLE[style], "Bold" if style == "bold" else "Regular")):
        listed = subprocess.run(
            [fc_list, "-f", "%{file}\t%{index}\t%{family}\n", f"{family}:style={wanted}"],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        for line in sorted(listed.stdout.splitlines()):
            path, index, families = line.split("\t")
            if family in families.split(","):
                return Face(path, int(index), family)
    return None


CHARIS_BASICS = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x250)) - {0x149}
"""Code points every bundled Charis face draws (printable ASCII, Latin-1, Latin Extended-A
and -B but the deprecated `ŉ`: tests/test_fonts.py checks its cmaps): a text of these alone
is set in Charis without reading a cmap, or loading fontTools to read it."""


@functools.lru_cache(maxsize=64)
def coverage(face: Face) -> frozenset[int]:
    """The code points `face` has a glyph for (its cmap)."""
    from fontTools.ttLib import TTFont  # the PDF and non-Latin covers only: see CHARIS_BASICS

    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def chain(style: Style, language: str) -> list[Face]:
    """Charis, then each installed fallback, at `style`."""
    faces = [charis(style)]
    for fallback in fallbacks(language):
        wanted: Style = style if fallback.italic or style != "italic" else "regular"
        face = system_face(fallback.family, wanted)
        if face is not None:
            faces.append(face)
    return faces


def _drawable(char: str) -> bool:
    """Whether a character needs a glyph (spaces and format characters do not)."""
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc")


def runs(text: str, style: Style, language: str) -> list[Run]:
    """`text` cut into runs, each drawn by the first face that has every glyph of it: the
    whole text in one face when one face covers it all (so that Arabic shapes as one string),
    else per character, spaces and marks staying with the face before them. A character no
    face covers stays with Charis (and is reported by `missing`)."""
    needed = {ord(char) for char in text if _drawable(char)}
    # Most titles: no need to ask fontconfig (nor, for Latin ones, to read Charis's cmap).
    if needed <= CHARIS_BASICS or needed <= coverage(charis(style)):
        return [Run(text, charis(style))] if text else []
    faces = chain(style, language)
    for face in faces:
        if needed <= coverage(face):
            return [Run(text, face)] if text else []
    found: list[Run] = []
    for char in text:
        current = found[-1].face if found else None
        if current is not None and (not _drawable(char) or ord(char) in coverage(current)):
            found[-1] = Run(found[-1].text + char, current)
            continue
        face = next((f for f in faces if ord(char) in coverage(f)), faces[0])
        if found and face == current:
            found[-1] = Run(found[-1].text + char, face)
        else:
            found.append(Run(char, face))
    return found


_ARABIC = r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
_HEBREW = r"[\u0590-\u05ff]"
_SCRIPT_PACKAGES = (
    (re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"), "Greek", NOTO_SERIF),
    (re.compile(_ARABIC), "Arabic", NOTO_ARABIC),
    (re.compile(_HEBREW), "Hebrew", NOTO_HEBREW),
    (re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"), "CJK", None),
)
_ANY_SCRIPT = re.compile("|".join(pattern.pattern for pattern, _, _ in _SCRIPT_PACKAGES))
"""A letter of any of those scripts (right-to-left ones included): one search settles that a
text (most books: their whole HTML) needs none of the five below."""
RIGHT_TO_LEFT = re.compile(f"{_ARABIC}|{_HEBREW}")
"""Letters that need libraqm on the cover: joined (Arabic) and set right to left."""
RAQM_HINT = (
    "Pillow has no libraqm here, so the cover draws right-to-left text unjoined and left to "
    "right: install libfribidi0 (Pillow's wheels bundle raqm and load FriBiDi from the system)"
)


CHARACTERS: FormKey[str] = FormKey("characters")


def characters(template: EditionTemplate) -> str:
    """Each character of the story's printed text (cover and PDF) once, in order of first use,
    found once per story (kept with it in the compile cache): `missing` says the same of it
    as of the whole text, for its patterns match one character each."""
    return template.forms.get(CHARACTERS, None, lambda: "".join(dict.fromkeys(_text(template))))


def _text(template: EditionTemplate) -> str:
    book, meta = template.book, template.manuscript.meta
    return " ".join((template.title, meta.author or "", meta.fandom or "", book.front,
                     *book.chapters))  # fmt: skip


def missing(text: str, language: str) -> list[str]:
    """One warning per script in `text` whose Noto family is not installed: the cover and
    the PDF would draw it with whatever else the system has, or as empty boxes."""
    if not _ANY_SCRIPT.search(text):
        return []
    warnings = []
    for pattern, script, fallback in _SCRIPT_PACKAGES:
        found = pattern.search(text)
        if found is None:
            continue
        family = fallback or CJK[cjk_region(language)]
        if system_face(family.family, "regular") is None:
            warnings.append(
                f"no font for {script} text (first: {found.group()!r}): install "
                f"{family.package} (fontconfig family {family.family!r}); until then the "
                "cover and the PDF may show it as empty boxes"
            )
    if RIGHT_TO_LEFT.search(text) and not _has_raqm():
        warnings.append(RAQM_HINT)
    return warnings


def _has_raqm() -> bool:
    """Whether Pillow can lay out right-to-left text (imported only for such text: a build's
    font check runs on every build, Pillow's import costs more than the check)."""
    from PIL import features

    return bool(features.check("raqm"))
