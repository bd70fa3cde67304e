"""Tumblr: a post, by either of its addresses, and a masterlist of posts.

A post's address is `https://BLOG.tumblr.com/post/ID[/slug]` or
`https://www.tumblr.com/BLOG/ID[/slug]`; both are fetched as the blog's own page of the post
(the first form), whose theme renders the post as HTML. Tumblr redirects that page to
www.tumblr.com for a blog without a theme; the redirect is followed (same site). The page is
read by the same reader as a saved Tumblr page (`importers/sites.py`).

A "Keep reading" cut (`<a class="read_more">`, or a link to `...#read_more`) means the page
does not hold the whole post: a reblog shows the original cut, with the link pointing to the
original post. The link is followed (to a Tumblr post only, at most `MAX_CUTS` times) and the
story is read from the page that holds it whole.

A masterlist is a post that is mostly links to other posts of the same blog: at least two of
them, their link text at least `MASTERLIST_SHARE` of the post's text. Each linked post (at
most `MAX_LINKS`) is imported as its own manuscript; links to other blogs or sites are not
followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from builder.errors import FetchError, FicpressError
from builder.importers import html, sites
from builder.importers.draft import Draft
from builder.importers.web.client import Client
from builder.importers.web.sites import Listing, Site, Skipped, Story

POST_ON_BLOG = re.compile(r"^/post/(?P<id>\d+)(?:/(?P<slug>[^/?#]*))?")
POST_ON_WWW = re.compile(
    r"^/(?:blog/view/)?(?P<blog>[A-Za-z0-9-]+)/(?P<id>\d+)(?:/(?P<slug>[^/]*))?"
)
# Tumblr's own hosts, and the www.tumblr.com pages shaped like /BLOG/ID: not blogs.
TUMBLR_HOSTS = frozenset({"www", "assets", "static", "media", "api", "embed", "help"})
TUMBLR_PAGES = frozenset({"tagged", "search", "explore", "dashboard", "likes"})
NOT_BLOGS = TUMBLR_HOSTS | TUMBLR_PAGES
MAX_CUTS = 3
MAX_LINKS = 200
MASTERLIST_SHARE = 0.3
CUT_TEXTS = frozenset({"keep reading", "read more"})


@dataclass(frozen=True, slots=True)
class Post:
    """A Tumblr post, however it was addressed."""

    blog: str
    """The blog's name (`the-imagines-awaken`)."""
    id: str
    """The post's number."""
    slug: str
    """The title-like end of its address, possibly empty."""

    @property
    def url(self) -> str:
        """The post's address on its blog."""
        return f"https://{self.blog}.tumblr.com/post/{self.id}" + (
            f"/{self.slug}" if self.slug else ""
        )


def post_at(address: str) -> Post | None:
    """The post an address names; None for any other address."""
    parts = urlsplit(address)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host.endswith("tumblr.com"):
        return None
    if host in ("tumblr.com", "www.tumblr.com"):
        found = POST_ON_WWW.match(parts.path)
        blog = found["blog"].lower() if found else ""
    elif host.endswith(".tumblr.com") and host.count(".") == 2:
        found = POST_ON_BLOG.match(parts.path)
        blog = host.removesuffix(".tumblr.com")
    else:
        return None
    if found is None or blog in NOT_BLOGS:
        return None
    return Post(blog, found["id"], found["slug"] or "")


def read(client: Client, address: str) -> Listing:
    """The post at `address`, or the posts it lists when it is a masterlist."""
    post = post_at(address)
    if post is None:
        raise FetchError(
            "is not a Tumblr post address (BLOG.tumblr.com/post/123 or www.tumblr.com/BLOG/123)",
            path=address,
        )
    story, body = _fetch(client, post)
    linked = _masterlist(body, post, story.page.url)
    if not linked:
        return Listing(iter([story]))
    shown = linked[:MAX_LINKS]

    def items() -> Iterator[Story | Skipped]:
        for target in shown:
            try:
                found, found_body = _fetch(client, target)
                if _masterlist(found_body, target, found.page.url):
                    raise FetchError("is a masterlist too; import it on its own", path=target.url)
                yield found
            except FicpressError as error:
                yield Skipped(target.url, error)

    more = f" (the first {MAX_LINKS} of {len(linked)})" if len(linked) > MAX_LINKS else ""
    heading = f"Tumblr masterlist {post.url}: {len(shown)} posts{more}"
    collection = {"title": _page_title(story) or f"{post.blog} masterlist", "author": post.blog}
    return Listing(
        items(), single=False, heading=heading, collection={**collection, "source": post.url}
    )


def _page_title(story: Story) -> str | None:
    """The page's `<title>` (a theme writes `Blog name — Post title`): a masterlist's name."""
    root = html.parse(story.page.decoded.text)
    found = root.xpath("//head/title") if root is not None else []
    return html.text_of(found[0]) or None if found else None


def _fetch(client: Client, post: Post, cuts: int = 0) -> tuple[Story, Any]:
    """The story of `post` and its post element, following a "Keep reading" cut."""
    page = client.get(post.url)
    root = html.parse(page.decoded.text)
    if root is None:
        raise FetchError("Tumblr sent an empty page", path=post.url)
    body = sites.tumblr(root, Draft())  # the post's element, as the page reader finds it
    cut = _cut(body, page.url)
    if cut is not None:
        if (cut.blog, cut.id) == (post.blog, post.id) or cuts >= MAX_CUTS:
            raise FetchError(
                "the post is cut ('Keep reading') and no page holds all of it", path=post.url
            )
        story, body = _fetch(client, cut, cuts + 1)
        story.notes.insert(0, f"followed 'Keep reading' from {post.url} to {cut.url}")
        return story, body
    notes = (
        ["unchanged since the last import (the cached copy was used)"] if page.revalidated else []
    )
    story = Story(page, fallbacks={"source": post.url, "author": post.blog}, notes=notes)
    return story, body


def _cut(body: Any, base: str) -> Post | None:
    """The post a "Keep reading" link in `body` leads to."""
    for link in body.iter("a"):
        href = link.get("href") or ""
        marked = "read_more" in (link.get("class") or "") or href.endswith("#read_more")
        if marked or html.text_of(link).lower().rstrip(" .…→") in CUT_TEXTS:
            target = post_at(urljoin(base, href))
            if target is not None:
                return target
    return None


def _masterlist(body: Any, post: Post, base: str) -> list[Post]:
    """The same blog's posts `body` links to, when it is mostly those links."""
    linked: dict[str, Post] = {}
    linked_text = 0
    for link in body.iter("a"):
        target = post_at(urljoin(base, link.get("href") or ""))
        if target is None or target.blog != post.blog or target.id == post.id:
            continue
        linked_text += len(html.text_of(link))
        linked.setdefault(target.id, target)
    if len(linked) < 2 or linked_text < MASTERLIST_SHARE * len(html.text_of(body)):
        return []
    return list(linked.values())


SITE = Site(name="Tumblr", domain="tumblr.com", delay=1.0, read=read)
