"""Finding a story on the site: the catalog page (search, filters, sort, pages: plain GET
forms and links) and the OPDS feeds over the same index (`listing`).

Mounted by `app.create_app` ahead of its own routes; the handlers share the app's `Site`
(catalog, templates, token checks) and keep the index in `site.finder`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from builder.serve import opds, origin
from builder.serve.listing import FACETS, LENGTHS, SORTS, STATUSES, Query, Results, reading_time
from builder.serve.pool import ByteCache

if TYPE_CHECKING:
    from builder.serve.app import Site

FEED_SORTS = {"stories": "title", "new": "new", "popular": "popular", "search": "title"}
"""Each acquisition feed's order (OPDS clients page a feed; they do not choose its sort)."""
FEED_TITLES = {
    "stories": "All stories",
    "new": "Newest stories",
    "popular": "Most downloaded",
    "search": "Search results",
}
OPENSEARCH_MEDIA = "application/opensearchdescription+xml"
FEED_CACHE_BYTES = 16 * 1024 * 1024
"""Recent feed pages (about 50 KB each at 25 entries): a few hundred pages and tokens."""


def routes(site: Site) -> list[Route]:
    """The catalog page and the OPDS feeds, public and personal."""
    handlers = Handlers(site)
    found = [Route("/", handlers.catalog_page)]
    for prefix in ("/opds", "/opds/p/{token}"):
        found.append(Route(prefix, handlers.opds_root))
        found.append(Route(f"{prefix}/opensearch.xml", handlers.opds_opensearch))
        found += [Route(f"{prefix}/{path}", handlers.opds_feed) for path in FEED_SORTS]
    return found


class Handlers:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.feeds = ByteCache(FEED_CACHE_BYTES)

    async def results(self, query: Query) -> Results:
        finder = self.site.finder
        return await anyio.to_thread.run_sync(finder.search, query)

    async def catalog_page(self, request: Request) -> Response:
        site = self.site
        query = Query.parse(request.query_params)
        results = await self.results(query)
        values, _ = site.remembered(request)
        index = site.finder.current()  # as the search above left it: no second scan
        query = results.query
        entries = [
            (story, *story.texts(values), reading_time(story.words)) for story in results.stories
        ]

        def link(**changes: str | int) -> str:
            params = query.params(**changes)
            return "/?" + urlencode(params) if params else "/"

        pager = {
            "first": link(page=1) if query.page > 1 else None,
            "previous": link(page=query.page - 1) if query.page > 1 else None,
            "next": link(page=query.page + 1) if query.page < results.pages else None,
            "last": link(page=results.pages) if query.page < results.pages else None,
        }
        return site.render(
            request,
            "index.html",
            results=results,
            query=query,
            stories=entries,
            facets={
                name: [(value, f"{value} ({count})") for value, count in index.facets.get(name, ())]
                for name in FACETS
            },
            statuses=STATUSES,
            lengths={key: label for key, (label, _, _) in LENGTHS.items()},
            sorts=SORTS,
            pager=pager,
            filtered=query.narrowed,
            chosen=[
                *(value for value in (query.fandom, query.pairing, query.rating) if value),
                *([STATUSES[query.status]] if query.status else []),
                *([LENGTHS[query.length][0]] if query.length else []),
                *([SORTS[query.sort]] if query.sort != "title" else []),
            ],
            unavailable=site.catalog.unavailable(),
            feed=site.feed_url(request),
        )

    async def opds_root(self, request: Request) -> Response:
        self.site.token_values(request)
        index = await anyio.to_thread.run_sync(self.site.finder.index)
        updated = max((e.story.updated for e in index.orders.get("new", ())[:1]), default=None)
        title = "Stories for you" if "token" in request.path_params else "ficpress stories"
        body = opds.navigation(self.site.prefix(request), title, updated or opds.EPOCH)
        return Response(body, media_type=opds.NAVIGATION)

    async def opds_opensearch(self, request: Request) -> Response:
        self.site.token_values(request)
        body = opds.opensearch(origin.base_url(request), self.site.prefix(request), "ficpress")
        return Response(body, media_type=OPENSEARCH_MEDIA)

    async def opds_feed(self, request: Request) -> Response:
        site = self.site
        values = site.token_values(request)
        path = request.url.path.rsplit("/", 1)[-1]
        query = Query.parse(request.query_params, sort=FEED_SORTS[path])
        query = dataclasses.replace(query, sort=FEED_SORTS[path])
        base = origin.base_url(request)
        # A feed is the same bytes until the catalog (or, for "popular", a download count)
        # changes: the key holds both, so a cached feed is never stale.
        index = await anyio.to_thread.run_sync(site.finder.index)  # rechecks the folder
        counted = site.finder.counted if path == "popular" else 0
        key = (index.generation, counted, base, request.url.path, str(request.query_params))
        cached = self.feeds.get(key)
        if cached is not None:
            return Response(cached, media_type=opds.ACQUISITION)
        results = await self.results(query)
        page = opds.FeedPage(
            base=base,
            prefix=site.prefix(request),
            path=path,
            title=FEED_TITLES[path] + (f": {query.text}" if path == "search" else ""),
            results=results,
            facets=site.finder.current().facets,
        )
        body = opds.acquisition(page, site.editions, values)
        if site.finder.current() is index:  # not rebuilt meanwhile: the key still holds
            self.feeds.put(key, body)
        return Response(body, media_type=opds.ACQUISITION)
