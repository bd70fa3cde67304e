"""`ficpress build URL`: a story's address imported into a manuscript, to be built at once.

The manuscript is written where `ficpress import URL` writes it (`manuscripts/` by default),
so that it can be edited, built again and kept up to date with `ficpress update` like any
imported story. Running the same command again does not fetch a second copy: when the
manuscript the import would write exists and came from the same story (its `source:`), it is
built as it is, with the reader's edits.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from builder.errors import OutputError
from builder.importers import import_story


def manuscripts_for(
    address: str, folder: Path, cookies: Path | None = None
) -> tuple[list[Path], list[str]]:
    """The manuscripts to build for the story (or stories) at `address`, and the import's
    report. An error of the import (an unknown site, a 404, a locked work) is raised before
    anything is written."""
    try:
        result = import_story(address, folder, cookies=cookies)
    except OutputError as error:
        existing = Path(error.path) if error.path is not None else None
        if existing is None or not existing.is_file():
            raise
        from builder.importers.web import FetchOptions, fetch_draft  # cached: no new fetch

        fetched = fetch_draft(address, FetchOptions(cookies=cookies)).meta.get("source")
        if not fetched or _source(existing) != fetched:
            raise
        return [existing], [
            f"{existing} was imported from this story before: built as it is "
            f"(`ficpress update {existing}` adds new chapters)"
        ]
    paths = [result.path, *(more.path for more in result.more)]
    return paths, list(result.report)


def _source(manuscript: Path) -> str | None:
    """The `source:` of a manuscript's front matter (None when it has none or none can be
    read: then it is not taken for the same story)."""
    text = manuscript.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return None
    try:
        fields = yaml.safe_load(text.split("---", 2)[1])
    except yaml.YAMLError:
        return None
    source = fields.get("source") if isinstance(fields, dict) else None
    return str(source) if source else None
