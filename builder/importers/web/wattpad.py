"""Wattpad (wattpad.com): a story, by its own address or by any of its parts'.

Wattpad's pages are drawn by JavaScript; what they show comes from its JSON API, which is
what ficpress reads (as FanFicFare's and WebToEpub's Wattpad adapters do):

- `/api/v3/stories/ID`: the story: `title`, `user.name`, `description`, `tags`,
  `completed`, `mature`, `createDate`, `url`, `deleted`, and `parts` (each `id`, `title`,
  `url`), in reading order.
- `/apiv2/storytext?id=PART`: one part's text, an HTML fragment of `<p data-p-id>`s.
- `/v4/parts/PART?fields=group(id)`: which story a part belongs to (`group.id`), for a part's
  address (`https://www.wattpad.com/PART-slug`).

The parts' texts are put together into one page (`compose.py`) and read like any page.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from builder.errors import FetchError
from builder.importers.web.client import Client
from builder.importers.web.compose import Chapter, chapters_story
from builder.importers.web.sites import Listing, Site, Story

ROOT = "https://www.wattpad.com"
STORY_PATH = re.compile(r"^/story/(?P<id>\d+)(?:-[^/]*)?/?$")
PART_PATH = re.compile(r"^/(?P<id>\d+)(?:-[^/]*)?(?:/page/\d+)?/?$")
MAX_PARTS = 500
"""The most parts read from one story."""


def read(client: Client, address: str) -> Listing:
    """The story at `address` (a story's or a part's)."""
    path = urlsplit(address).path
    story = STORY_PATH.match(path)
    if story:
        return Listing(iter([fetch_story(client, story["id"])]))
    part = PART_PATH.match(path)
    if part:
        return Listing(iter([fetch_story(client, story_of(client, part["id"], address))]))
    raise FetchError(
        "is not a Wattpad story or part address (…/story/123-title or …/456-part-title)",
        path=address,
    )


def story_of(client: Client, part_id: str, address: str) -> str:
    """The id of the story part `part_id` belongs to."""
    info, _ = _json(client, f"{ROOT}/v4/parts/{part_id}?fields=group(id)", address)
    group = info.get("group") if isinstance(info, dict) else None
    story_id = group.get("id") if isinstance(group, dict) else None
    if story_id is None or not str(story_id).isdigit():
        raise FetchError("Wattpad does not say which story this part belongs to", path=address)
    return str(story_id)


def fetch_story(client: Client, story_id: str) -> Story:
    """Story `story_id` with the text of every part."""
    address = f"{ROOT}/story/{story_id}"
    info, revalidated = _json(client, f"{ROOT}/api/v3/stories/{story_id}", address)
    if not isinstance(info, dict) or not info.get("title"):
        raise FetchError("Wattpad sent no story", path=address)
    if info.get("deleted"):
        raise FetchError("the story was deleted from Wattpad", path=address)
    source = _text(info.get("url")) or address
    parts = [part for part in info.get("parts") or [] if isinstance(part, dict)]
    if not parts:
        raise FetchError("the story has no published parts", path=source)
    chapters: list[Chapter] = []
    for part in parts[:MAX_PARTS]:
        part_id = str(part.get("id", ""))
        if not part_id.isdigit():
            raise FetchError(f"Wattpad lists a part without an id ({part!r:.60})", path=source)
        page = client.get(f"{ROOT}/apiv2/storytext?id={part_id}")
        revalidated = revalidated and page.revalidated
        title = _text(part.get("title")) or f"Part {len(chapters) + 1}"
        chapters.append(Chapter(title, page.decoded.text))
    return chapters_story(
        source,
        chapters,
        fetched=f"fetched {len(chapters)} part(s) through Wattpad's API",
        listed=len(parts),
        limit=MAX_PARTS,
        unit="parts",
        revalidated=revalidated,
        fields=_fields(info, source),
        kind="Wattpad story",
    )


def _fields(info: dict[str, Any], source: str) -> dict[str, Any]:
    """Front matter from the story's JSON."""
    fields: dict[str, Any] = {"title": _text(info.get("title")), "source": source}
    user = info.get("user")
    author = _text(user.get("name")) if isinstance(user, dict) else ""
    if author:
        fields["author"] = author
    tags = [_text(tag) for tag in info.get("tags") or []]
    if any(tags):
        fields["tags"] = [tag for tag in tags if tag]
    summary = _text(info.get("description"))
    if summary:
        fields["summary"] = re.sub(r"\s*\n\s*", " ", summary)
    if info.get("mature"):
        fields["rating"] = "Mature"
    if isinstance(info.get("completed"), bool):
        fields["status"] = "complete" if info["completed"] else "in progress"
    created = re.match(r"\d{4}-\d{2}-\d{2}", _text(info.get("createDate")))
    if created:
        fields["date"] = created.group()
    return fields


def _json(client: Client, url: str, address: str) -> tuple[Any, bool]:
    """The JSON at `url`, and whether the cached copy was used; a 400 or 404 (Wattpad's answer
    for a story that is gone) names `address`, the user's."""
    try:
        page = client.get(url)
    except FetchError as error:
        error.path = address
        raise
    try:
        return json.loads(page.decoded.text), page.revalidated
    except json.JSONDecodeError:
        raise FetchError(
            f"Wattpad sent something that is not JSON from {url}", path=address
        ) from None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


SITE = Site(name="Wattpad", domain="wattpad.com", delay=1.0, read=read)
