"""AO3 (archiveofourown.org): a work, any of its chapters, or a series.

A work is always fetched whole, as one page: `/works/N?view_full_work=true&view_adult=true`
(every chapter, and past the "Adult Content Warning" page). That page is read by the same
reader as a saved work page (`importers/sites.py`); what only the live page gives is added
here: the work's address, the language's tag (`<dd class="language" lang="en">`), every
co-creator, and the work's place in a series (`Part 2 of <a href="/series/M">`).

A series page (`/series/N`, 20 works a page) lists its works as blurbs (`li.work`, id
`work_N`); each is imported as its own manuscript with `series` and `series_index`.

A work only registered users may read redirects to `/users/login?restricted=true`; that is a
clear error, unless `--cookies` gives a logged-in session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from builder.errors import FetchError, FicpressError
from builder.importers import html
from builder.importers.web.client import Client, Page
from builder.importers.web.sites import Listing, Site, Skipped, Story

ROOT = "https://archiveofourown.org"
WORK_PATH = re.compile(r"^/(?:collections/[^/]+/)?works/(?P<id>\d+)(?:/chapters/\d+)?/?$")
SERIES_PATH = re.compile(r"^/series/(?P<id>\d+)/?$")
PART_OF = re.compile(r"Part\s+(?P<index>\d+)\s+of\b")
MAX_SERIES_PAGES = 10
"""A series page lists 20 works: at most 200 works are imported from one series."""
RESTRICTED = "only available to registered users"


def read(client: Client, address: str) -> Listing:
    """The work or series at `address`."""
    path = urlsplit(address).path
    work = WORK_PATH.match(path)
    if work:
        return Listing(iter([fetch_work(client, work["id"])]))
    series = SERIES_PATH.match(path)
    if series:
        return _series(client, series["id"], address)
    raise FetchError(
        "is not an AO3 work or series address (…/works/123, …/works/123/chapters/456 "
        "or …/series/78)",
        path=address,
    )


def fetch_work(client: Client, work_id: str, series: tuple[str, str, int] | None = None) -> Story:
    """Work `work_id`, whole; `series`: (series id, title, position) when listed by one."""
    address = f"{ROOT}/works/{work_id}"
    try:
        page = client.get(f"{address}?view_full_work=true&view_adult=true")
    except FetchError as error:
        error.path = address  # the work's address, as the user knows it
        raise
    root = _page_root(page, address)
    if not root.xpath("//*[@id='workskin']"):
        if root.xpath("//ul[contains(@class,'actions')]//a[contains(@href,'view_adult=true')]"):
            raise FetchError("AO3 still shows its adult-content warning", path=address)
        raise FetchError("AO3 sent a page with no work on it", path=address)
    fields: dict[str, Any] = {"source": address}
    notes = []
    language = root.xpath("//dd[contains(@class,'language')]/@lang")
    if language and str(language[0]).strip():
        fields["language"] = str(language[0]).strip()
    creators = [
        html.text_of(link)
        for link in root.xpath("//*[contains(@class,'byline')][1]//a[@rel='author']")
    ]
    if len(creators) > 1:
        fields["author"] = ", ".join(dict.fromkeys(creators))
    if series is not None:
        series_id, title, position = series
        fields["series"] = title
        fields["series_index"] = _position(root, series_id) or position
    else:
        fields.update(_first_series(root))
    chapters = len(root.xpath("//*[@id='chapters']/*[contains(@class,'chapter')]"))
    if chapters > 1:
        notes.append(f"fetched all {chapters} chapters in one page")
    if page.revalidated:
        notes.append("unchanged since the last import (the cached copy was used)")
    return Story(page, fields=fields, notes=notes)


def _series(client: Client, series_id: str, address: str) -> Listing:
    """The works a series lists, each fetched when its turn comes."""
    address = f"{ROOT}/series/{series_id}"
    page = client.get(address)
    root = _page_root(page, address)
    heading = root.xpath("//*[@id='main']/h2[contains(@class,'heading')] | //h2[1]")
    title = html.text_of(heading[0]) if heading else f"Series {series_id}"
    collection = {"title": title, **_series_details(root), "source": address, "series": title}
    works: list[str] = []
    for _ in range(MAX_SERIES_PAGES):
        for blurb in root.xpath("//ul[contains(@class,'series')]/li[starts-with(@id,'work_')]"):
            work_id = str(blurb.get("id")).removeprefix("work_")
            if work_id.isdigit() and work_id not in works:
                works.append(work_id)
        following = root.xpath("//ol[contains(@class,'pagination')]//a[@rel='next']/@href")
        if not following:
            break
        next_page = urljoin(page.url, str(following[0]))
        page = client.get(next_page)
        root = _page_root(page, next_page)
    if not works:
        raise FetchError("lists no works ficpress can see", path=address)

    def items() -> Iterator[Story | Skipped]:
        for position, work_id in enumerate(works, 1):
            try:
                yield fetch_work(client, work_id, (series_id, title, position))
            except FicpressError as error:
                yield Skipped(f"{ROOT}/works/{work_id}", error)

    heading = f"AO3 series '{title}': {len(works)} works"
    return Listing(items(), single=False, heading=heading, collection=collection)


def _series_details(root: Any) -> dict[str, str]:
    """The series page's creators and description (`dl.series.meta`), for its collection."""
    found: dict[str, str] = {}
    creators = root.xpath("//dl[contains(@class,'series')]//a[@rel='author']")
    names = list(dict.fromkeys(html.text_of(creator) for creator in creators))
    if names:
        found["author"] = ", ".join(names)
    description = root.xpath(
        "//dl[contains(@class,'series')]//blockquote[contains(@class,'userstuff')]"
    )
    if description and html.text_of(description[0]):
        found["summary"] = html.text_of(description[0])
    return found


def _page_root(page: Page, address: str) -> Any:
    """The page's tree; a login page (AO3's answer for a restricted work) is an error."""
    root = html.parse(page.decoded.text)
    if root is None:
        raise FetchError("AO3 sent an empty page", path=address)
    on_login = urlsplit(page.url).path.rstrip("/") == "/users/login"
    main = root.xpath("//*[@id='main']")
    # The sign-in page, or its message; never a work's own text that happens to say so.
    restricted = not root.xpath("//*[@id='workskin']") and (
        bool(root.xpath("//*[@id='loginform']"))
        or any(RESTRICTED in html.text_of(element) for element in main)
    )
    if on_login or restricted:
        raise FetchError(
            "this work is only available to registered users of the Archive; log in with a "
            "browser, export its cookies and pass them with --cookies FILE",
            path=address,
        )
    return root


def _position(root: Any, series_id: str) -> int | None:
    """The work's part number in series `series_id`, from the work's own `Series:` line."""
    for position in root.xpath("//dd[contains(@class,'series')]//span[@class='position']"):
        links = position.xpath(".//a/@href")
        if any(re.search(rf"/series/{series_id}/?$", str(link)) for link in links):
            found = PART_OF.search(html.text_of(position))
            return int(found["index"]) if found else None
    return None


def _first_series(root: Any) -> dict[str, Any]:
    """`series` and `series_index` for the first series a work belongs to, if any."""
    for position in root.xpath("//dd[contains(@class,'series')]//span[@class='position']"):
        found = PART_OF.search(html.text_of(position))
        links = position.xpath(".//a")
        if found and links:
            return {"series": html.text_of(links[0]), "series_index": int(found["index"])}
    return {}


SITE = Site(name="AO3", domain="archiveofourown.org", delay=2.0, read=read)
