"""Page presets for where PDFs are read: e-ink screens of 6, 7 and 10 inches, and paper.

Kept apart from the PDF writer so that the command line can list them without importing
the writer's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.errors import UsageError


@dataclass(frozen=True, slots=True)
class PagePreset:
    """A page size for where PDFs are read, with margins and type to suit it."""

    width: float
    """Page width in millimetres."""
    height: float
    """Page height in millimetres."""
    margin: tuple[float, float, float, float]
    """Top, outer (right), bottom, inner (left) margins in millimetres."""
    font_size: float
    """Body type size in points."""


PAGE_PRESETS: dict[str, PagePreset] = {
    # E-ink screens: the page is the screen, so margins stay narrow (the device adds its own).
    "6in": PagePreset(90, 122, (7, 4, 7, 4), 10),
    "7in": PagePreset(107, 142, (8, 5, 8, 5), 11),
    "10in": PagePreset(157, 210, (12, 10, 13, 10), 11.5),
    "a5": PagePreset(148, 210, (16, 14, 18, 16), 10.5),
    # Paper: wide margins keep the measure near 70 characters, as in a printed book.
    "a4": PagePreset(210, 297, (25, 34, 28, 34), 12.5),
    "letter": PagePreset(215.9, 279.4, (25, 36, 28, 36), 12.5),
}


def page_css(preset: PagePreset, direction: str = "ltr", numbers: str = "decimal") -> str:
    """The page size, margins and type size; `direction` puts the binding margin on the
    left or the right, `numbers` is the CSS counter style of the page numbers."""
    top, outer, bottom, inner = preset.margin
    # A right-to-left book is bound on the right: its inner margin is the right one.
    right, left = (inner, outer) if direction == "rtl" else (outer, inner)
    digits = (
        f"@page {{ @bottom-center {{ content: counter(page, {numbers}); }} }}\n"
        if numbers != "decimal"
        else ""
    )
    return digits + (
        f"@page {{ size: {preset.width}mm {preset.height}mm; "
        f"margin: {top}mm {right}mm {bottom}mm {left}mm; }}\n"
        f"html {{ font-size: {preset.font_size}pt; }}\n"
        # A percentage height does not resolve inside the cover's auto-height block.
        f".cover img {{ width: {preset.width}mm; height: {preset.height}mm; }}\n"
    )


def preset(name: str) -> PagePreset:
    try:
        return PAGE_PRESETS[name]
    except KeyError:
        known = ", ".join(PAGE_PRESETS)
        raise UsageError(f"unknown page size {name!r}; choose from {known}") from None
