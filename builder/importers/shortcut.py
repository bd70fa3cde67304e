"""`ficpress build URL`: a story's address imported into a manuscript, to be built at once.

The manuscript is written where `ficpress import URL` writes it (`manuscripts/` by default),
so that it can be edited, built again and kept up to date with `ficpress update` like any
imported story. An AO3 series or a Tumblr masterlist goes into a folder of its own there
(`manuscripts/<title>/`: its manuscripts and its `collection.yaml`), and what is built is
that collection: one book. Running the same command again does not fetch a second copy: when
the manuscript (or collection file) the import would write exists and came from the same
story or list (its `source:`), it is built as it is, with the reader's edits.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from builder.errors import OutputError
from builder.importers.web import (
    COLLECTION_FILE,
    FetchOptions,
    collection_source,
    fetch_draft,
    import_address,
)


def manuscripts_for(
    address: str, folder: Path, cookies: Path | None = None
) -> tuple[list[Path], list[str]]:
    """What to build for the story at `address` (its manuscript; for a series or a masterlist,
    the one collection file), and the import's report. An error of the import (an unknown
    site, a 404, a locked work) is raised before anything is written."""
    options = FetchOptions(cookies=cookies)
    try:
        result = import_address(address, folder, options=options, collection_folder=True)
    except OutputError as error:
        existing = Path(error.path) if error.path is not None else None
        if existing is None or not existing.is_file():
            raise
        if existing.name == COLLECTION_FILE:
            fetched, what = collection_source(address, options), "series or masterlist"
            hint = "`ficpress update` on its manuscripts adds new chapters"
        else:
            fetched, what = fetch_draft(address, options).meta.get("source"), "story"
            hint = f"`ficpress update {existing}` adds new chapters"
        if not fetched or _fields(existing).get("source") != fetched:
            raise
        return [existing], [
            f"{existing} was imported from this {what} before: built as it is ({hint})"
        ]
    if result.collection is not None:
        return [result.collection], list(result.report)
    return [result.path, *(more.path for more in result.more)], list(result.report)


def _fields(path: Path) -> dict[str, object]:
    """The fields of a manuscript's front matter or of a collection file (empty when there
    are none or they cannot be read: then it is not taken for the same story)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.name != COLLECTION_FILE:
        if not text.startswith("---"):
            return {}
        text = text.split("---", 2)[1]
    try:
        fields = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return {str(name): value for name, value in fields.items()} if isinstance(fields, dict) else {}
