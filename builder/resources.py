"""The files ficpress ships beside its code: stylesheets and the book face.

They live in the repository's top-level `styles/` (for designers) and install as the package
`builder.styles`; run from a checkout without installing, the folder itself is used.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def styles() -> Traversable:
    """The folder of stylesheets (`epub.css`, `pdf.css`) and `fonts/`."""
    try:
        return files("builder.styles")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "styles"
