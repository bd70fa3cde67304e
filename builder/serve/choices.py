"""What a reader of the site chooses between, with the words the pages show for each: the
editions this machine can make, the PDF's page sizes and the e-books' scene layouts."""

from __future__ import annotations

import logging

from builder import pipeline
from builder.editions import EDITIONS, Edition, EditionOptions
from builder.errors import FicpressError

log = logging.getLogger("ficpress.serve")

EDITION_LABELS = {"epub": "EPUB", "pdf": "PDF", "kepub": "Kobo KEPUB", "azw3": "Kindle AZW3"}
PAGE_LABELS = {
    "6in": "6-inch e-reader",
    "7in": "7-inch e-reader",
    "10in": "10-inch e-reader",
    "a5": "A5",
    "a4": "A4",
    "letter": "US Letter",
}
SCENE_LABELS = {"separate": "Each scene on a new page", "inline": "Scenes run on"}
DEFAULT_PAGE = "6in"
"""The page size a download has when none is asked for (and every edition but the PDF's)."""


def available_editions() -> list[Edition]:
    """The registry's editions whose tools are installed here (AZW3 needs a converter)."""
    offered = []
    for edition in EDITIONS.values():
        try:
            pipeline.check_tools([edition], EditionOptions())
        except FicpressError as error:
            log.warning("not offering %s: %s", edition.name, error.message)
            continue
        offered.append(edition)
    return offered
