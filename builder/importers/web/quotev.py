"""Quotev (quotev.com): a story, by its address or any of its chapters'.

A story's address is `https://www.quotev.com/story/ID/slug`, a chapter's the same with
`/N`. Every page of a story carries the story's header (as FanFicFare's and WebToEpub's Quotev
adapters read it): the title (`#quizHeaderTitle h1`), the authors (`.quizAuthorList a`), the
tags (`#quizHeader .quizBoxTags a`), the description (`#qdesct`), the dates
(`<time ts="UNIX">`: published, then updated, `· Completed` beside them when it is), the
list of chapters (`#rselect a`, in order, each titled) and the chapter's own text
(`#rescontent`).

The page at the address gives the header; each chapter is then fetched (the page already
fetched is not fetched again), and the chapters are put together into one page
(`compose.py`) read like any page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from builder.errors import FetchError
from builder.importers import html
from builder.importers.web.client import Client, Page
from builder.importers.web.compose import Chapter, chapters_story
from builder.importers.web.sites import Listing, Site, Story

ROOT = "https://www.quotev.com"
STORY_PATH = re.compile(r"^/story/(?P<id>\d+)(?:/(?P<slug>[^/]+))?(?:/(?P<page>\d+))?/?$")
MAX_CHAPTERS = 500
"""The most chapters read from one story."""


def read(client: Client, address: str) -> Listing:
    """The story at `address` (the story's or a chapter's)."""
    found = STORY_PATH.match(urlsplit(address).path)
    if found is None:
        raise FetchError(
            "is not a Quotev story address (…/story/123/title or …/story/123/title/2)",
            path=address,
        )
    return Listing(iter([fetch_story(client, address)]))


def fetch_story(client: Client, address: str) -> Story:
    """The story a page of it is at `address`, every chapter."""
    page = client.get(address)
    root = _root(page)
    header = root.xpath("//*[@id='quizHeaderTitle']//h1 | //div[contains(@class,'result')]//h1")
    if not header:
        raise FetchError("Quotev sent a page with no story on it", path=address)
    found = STORY_PATH.match(urlsplit(page.url).path)
    source = f"{ROOT}/story/{found['id']}" if found else address
    if found and found["slug"]:
        source += f"/{found['slug']}"
    fields = _fields(root, html.text_of(header[0]), source)
    links = _chapters(root, page.url)
    if not links:  # a story of one page has no chapter list
        links = [(page.url, fields["title"])]
    chapters: list[Chapter] = []
    revalidated = page.revalidated
    for url, title in links[:MAX_CHAPTERS]:
        if urlsplit(url).path.rstrip("/") != urlsplit(page.url).path.rstrip("/"):
            chapter_page = client.get(url)
            revalidated = revalidated and chapter_page.revalidated
            chapter_root = _root(chapter_page)
        else:
            chapter_root = root
        content = chapter_root.xpath("//*[@id='rescontent']")
        if not content:
            raise FetchError("Quotev sent a chapter page without its text", path=url)
        chapters.append(Chapter(title, _inner(content[0])))
    return chapters_story(
        source,
        chapters,
        fetched=f"fetched {len(chapters)} chapter page(s)",
        listed=len(links),
        limit=MAX_CHAPTERS,
        unit="chapters",
        revalidated=revalidated,
        fields=fields,
        kind="Quotev story",
    )


def _fields(root: Any, title: str, source: str) -> dict[str, Any]:
    """Front matter from the story's header."""
    fields: dict[str, Any] = {"title": title, "source": source}
    authors = [
        html.text_of(link) for link in root.xpath("//*[contains(@class,'quizAuthorList')]//a")
    ]
    if any(authors):
        fields["author"] = ", ".join(dict.fromkeys(name for name in authors if name))
    tags = [
        html.text_of(link)
        for link in root.xpath("//*[@id='quizHeader']//*[contains(@class,'quizBoxTags')]//a")
    ]
    if any(tags):
        fields["tags"] = list(dict.fromkeys(tag for tag in tags if tag))
    description = root.xpath("//*[@id='qdesct']")
    for line_break in description[0].iter("br") if description else ():
        line_break.tail = " " + (line_break.tail or "")  # `<br>` separates words, too
    if description and html.text_of(description[0]):
        fields["summary"] = html.text_of(description[0])
    times = root.xpath("//time[@ts]")
    if times:
        stamp = str(times[0].get("ts"))
        if re.fullmatch(r"\d+(?:\.\d+)?", stamp):
            fields["date"] = datetime.fromtimestamp(float(stamp), UTC).strftime("%Y-%m-%d")
        around = times[0].getparent()
        around = around.getparent() if around.getparent() is not None else around
        completed = "· Completed" in html.text_of(around)
        fields["status"] = "complete" if completed else "in progress"
    return fields


def _chapters(root: Any, base: str) -> list[tuple[str, str]]:
    """(address, title) of each chapter the chapter list names, in order."""
    chapters: dict[str, str] = {}
    for link in root.xpath("//*[@id='rselect']//a[@href]"):
        href = str(link.get("href"))
        url = urljoin(base, href)
        if href.startswith("javascript") or urlsplit(url).hostname != urlsplit(base).hostname:
            continue
        if STORY_PATH.match(urlsplit(url).path):
            chapters.setdefault(url.split("#")[0], html.text_of(link))
    return list(chapters.items())


def _root(page: Page) -> Any:
    root = html.parse(page.decoded.text)
    if root is None:
        raise FetchError("Quotev sent an empty page", path=page.url)
    return root


def _inner(element: Any) -> str:
    """An element's content as HTML (its text, children and their tails)."""
    text = str(lxml.html.tostring(element, encoding="unicode", with_tail=False))
    return text[text.index(">") + 1 : text.rindex("<")]


SITE = Site(name="Quotev", domain="quotev.com", delay=1.0, read=read)
