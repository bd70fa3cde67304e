"""The download site: a catalog page, a page per story with a form made from its placeholders,
personalised downloads, "remember me", and the OPDS catalogs.

Downloads are plain GET forms (e-reader browsers save GET responses as files, and nothing
needs JavaScript). EPUBs are made in a thread (a substitution and a ZIP, a few ms); slower
editions go to the bounded worker pool. Reader values never reach a log line or a file name.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from builder import pipeline
from builder.editions import SCENE_LAYOUTS, Edition, EditionOptions
from builder.editions.pages import PAGE_PRESETS
from builder.errors import FicpressError, UsageError
from builder.profile import check_value
from builder.serve import bring, browse, choices, origin, pronoun_form, token, waiting
from builder.serve.catalog import Catalog, Story, profile_for
from builder.serve.choices import EDITION_LABELS, PAGE_LABELS, SCENE_LABELS, available_editions
from builder.serve.covers import Covers
from builder.serve.listing import Finder
from builder.serve.middleware import AccessLog
from builder.serve.pool import Busy, ByteCache, Job, RenderPool

log = logging.getLogger("ficpress.serve")

COOKIE = "ficpress_reader"
COOKIE_AGE = 365 * 24 * 3600
FAST_EDITIONS = ("epub", "kepub")
"""Editions made in a thread of the server (no layout): everything else goes to the pool."""
EPUB_THREADS = (os.cpu_count() or 1) + 1
"""Threads making EPUBs. Deflating (the larger half of the work) releases the GIL, so a
thread per core plus one keeps the cores busy; more threads only fight over the GIL and
raise latency (measured: 32 clients, p95 84 ms with 3 threads, 140 ms with 40)."""
MAX_FORM_BYTES = 64 * 1024
FAST_CACHE_BYTES = 32 * 1024 * 1024
DEFAULT_PAGE = choices.DEFAULT_PAGE


class Site:
    """The handlers, with what they share: the catalog, the pool, caches and templates."""

    def __init__(self, folder: Path, pool: RenderPool) -> None:
        self.catalog = Catalog(folder)
        self.pool = pool
        self.editions = available_editions()
        self.fast_cache = ByteCache(FAST_CACHE_BYTES)
        self.limiter = anyio.CapacityLimiter(EPUB_THREADS)
        self.covers = Covers()
        self.finder = Finder(self.catalog)
        self.pages = Environment(
            loader=PackageLoader("builder.serve", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
        )
        self.pages.filters["number"] = lambda n: f"{n:,}"

    # Looking things up ---------------------------------------------------------------------

    async def story(self, slug: str) -> Story:
        """The story called `slug` (looked up, never joined into a path), or a 404."""
        story = self.catalog.fresh(slug) or await anyio.to_thread.run_sync(self.catalog.get, slug)
        if story is None:
            raise HTTPException(404, "There is no story here. It may have been taken down.")
        return story

    def edition(self, name: str) -> Edition:
        for edition in self.editions:
            if edition.name == name:
                return edition
        offered = ", ".join(edition.name for edition in self.editions)
        raise HTTPException(400, f"Unknown format {name[:20]!r}; choose from {offered}.")

    @staticmethod
    def remembered(request: Request) -> tuple[dict[str, str], str | None]:
        """The details in the reader's cookie and its token; nothing for a bad cookie."""
        value = request.cookies.get(COOKIE)
        if not value:
            return {}, None
        try:
            return token.decode(value), value
        except token.TokenError:
            return {}, None

    @staticmethod
    def values(story: Story, source: Mapping[str, str]) -> dict[str, str]:
        """The reader's checked values for the story's placeholders; empty fields are left out
        (the story's default applies). A bad value is a 400 that says what is wrong."""
        values = {}
        for field in story.fields:
            value = pronoun_form.value(source, field.code)
            if value:
                try:
                    values[field.code] = check_value(field.code, value, UsageError)
                except UsageError as error:
                    message = error.message.replace(f"for {field.code}", f"for {field.label}")
                    raise HTTPException(400, message[:1].upper() + message[1:] + ".") from None
        return values

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("feed", None)
        html = self.pages.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status)

    # Pages ---------------------------------------------------------------------------------

    async def story_page(self, request: Request) -> Response:
        story = await self.story(request.path_params["slug"])
        values, _ = self.remembered(request)
        title, summary = story.texts(values)
        return self.render(
            request,
            "story.html",
            story=story,
            title=title,
            summary=summary,
            values=values,
            editions=[(e.name, EDITION_LABELS.get(e.name, e.name.upper())) for e in self.editions],
            pages=[(name, PAGE_LABELS.get(name, name)) for name in PAGE_PRESETS],
            default_page=DEFAULT_PAGE,
            scene_layouts=[(name, SCENE_LABELS[name]) for name in SCENE_LAYOUTS],
            feed=self.feed_url(request),
            saved="saved" in request.query_params,
        )

    def feed_url(self, request: Request) -> str | None:
        _, reader = self.remembered(request)
        return f"{origin.base_url(request)}/opds/p/{reader}" if reader else None

    # Downloads -----------------------------------------------------------------------------

    async def download(self, request: Request) -> Response:
        return await self.download_story(request, await self.story(request.path_params["slug"]))

    async def download_story(self, request: Request, story: Story, disk: bool = True) -> Response:
        """`story` made as the query asks: format, page size, scene layout, the values (`disk`:
        the file may be kept in the pool's disk cache)."""
        query = request.query_params
        edition = self.edition(query.get("format", "epub"))
        page = query.get("page", DEFAULT_PAGE)
        if page not in PAGE_PRESETS:
            raise HTTPException(400, f"Unknown page size; choose from {', '.join(PAGE_PRESETS)}.")
        # Only the PDF is laid out on a page: other editions ignore it (and share cache entries).
        page = page if edition.name == "pdf" else DEFAULT_PAGE
        scenes = query.get("scenes", "separate")
        if scenes not in SCENE_LAYOUTS:
            raise HTTPException(
                400, f"Unknown scene layout; choose from {', '.join(SCENE_LAYOUTS)}."
            )
        # The PDF runs scenes on whatever is asked: it shares one cache entry.
        scenes = "separate" if edition.name == "pdf" else scenes
        values = self.values(story, query)
        if request.method == "HEAD":  # what a GET would send, without making the book
            return Response(None, 200, self.headers(story, edition), edition.media_type)
        wait_page = waiting.page_for(request)
        return await self.deliver(story, edition, values, page, scenes, wait_page, disk)

    async def opds_book(self, request: Request) -> Response:
        values = self.token_values(request)
        name = request.path_params["name"]
        for edition in self.editions:
            slug = name.removesuffix(edition.suffix)
            if slug != name and "." not in slug:
                story = await self.story(slug)
                checked = self.values(story, values)
                if request.method == "HEAD":
                    return Response(None, 200, self.headers(story, edition), edition.media_type)
                return await self.deliver(story, edition, checked, DEFAULT_PAGE)
        raise HTTPException(404, "No such book.")

    async def deliver(
        self,
        story: Story,
        edition: Edition,
        values: dict[str, str],
        page: str,
        scenes: str = "separate",
        wait_page: waiting.Page | None = None,
        disk: bool = True,
    ) -> Response:
        """The reader's edition as a download named `<slug><suffix>`; with `wait_page`, a page
        that shows progress and asks again when a slow edition is not ready in a second."""
        template = story.template
        job = Job(template, tuple(sorted(values.items())), edition.name, page, scenes, disk=disk)
        try:
            if edition.name in FAST_EDITIONS:
                key = (template.manuscript.content_hash, job)
                data = self.fast_cache.get(key)
                if data is None:
                    profile = profile_for(template, values)
                    options = EditionOptions(page=page, scenes=scenes)
                    data = await anyio.to_thread.run_sync(
                        pipeline.personalise,
                        template,
                        profile,
                        edition,
                        options,
                        limiter=self.limiter,
                    )
                    self.fast_cache.put(key, data)
            else:
                patience = waiting.PATIENCE if wait_page else None
                made = await self.pool.render(template.manuscript.content_hash, job, patience)
                if made is None and wait_page:
                    progress = self.pool.progress(template.manuscript.content_hash, job)
                    return wait_page(self.render, story, progress)
                data = made or b""
        except Busy as busy:
            return self.busy(busy)
        except FicpressError as error:
            log.error("%s: %s edition failed: %s", story.path, edition.name, error.message)
            raise HTTPException(
                500, "This edition could not be made. Try another format."
            ) from None
        self.finder.downloaded(story)
        return Response(data, 200, self.headers(story, edition), media_type=edition.media_type)

    @staticmethod
    def headers(story: Story, edition: Edition) -> dict[str, str]:
        return {
            "Content-Disposition": f'attachment; filename="{story.slug}{edition.suffix}"',
            "Cache-Control": "private, max-age=3600",
        }

    async def cover(self, request: Request) -> Response:
        values = self.token_values(request)
        story = await self.story(request.path_params["slug"])
        thumbnail = request.url.path.endswith("/thumbnail")
        title, _ = story.texts(self.values(story, values))
        try:
            data, media_type = await self.covers.get(story.template, title, thumbnail)
        except Busy as busy:
            return self.busy(busy)
        return Response(data, 200, {"Cache-Control": "public, max-age=3600"}, media_type)

    @staticmethod
    def busy(busy: Busy) -> Response:
        return Response(
            "Many readers are downloading right now. Please try again in a moment.\n",
            503,
            {"Retry-After": str(busy.retry_after)},
            media_type="text/plain",
        )

    # Remember me ---------------------------------------------------------------------------

    async def form(self, request: Request) -> dict[str, str]:
        """A small urlencoded POST body (parsed here: no multipart dependency needed)."""
        if not origin.same_site(request):
            raise HTTPException(403, "Save your details from this site's own pages.")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise HTTPException(413, "That form is far too long.")
        try:
            return dict(parse_qsl(body.decode("utf-8"), max_num_fields=200))
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(400, "That form could not be read.") from None

    async def remember(self, request: Request) -> Response:
        story = await self.story(request.path_params["slug"])
        return await self.remember_story(request, story, f"/stories/{story.slug}")

    async def remember_story(self, request: Request, story: Story, back: str) -> Response:
        form = await self.form(request)
        values, _ = self.remembered(request)
        for field in story.fields:
            values.pop(field.code, None)
        values.update(self.values(story, form))
        try:
            reader = token.encode(values)
        except token.TokenError as error:
            raise HTTPException(400, error.message) from None
        response = RedirectResponse(f"{back}?saved#remember", 303)
        response.set_cookie(
            COOKIE, reader, max_age=COOKIE_AGE, httponly=True, samesite="lax", path="/"
        )
        return response

    async def forget(self, request: Request) -> Response:
        form = await self.form(request)
        slug = form.get("slug", "")
        story = await anyio.to_thread.run_sync(self.catalog.get, slug) if slug else None
        response = RedirectResponse(f"/stories/{story.slug}" if story else "/", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response

    # OPDS ----------------------------------------------------------------------------------

    def token_values(self, request: Request) -> dict[str, str]:
        reader = request.path_params.get("token")
        if reader is None:
            return {}
        try:
            return token.decode(reader)
        except token.TokenError as error:
            raise HTTPException(400, error.message) from None

    @staticmethod
    def prefix(request: Request) -> str:
        reader = request.path_params.get("token")
        return f"/opds/p/{reader}" if reader else "/opds"


async def _error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    site: Site = request.app.state.site
    if request.url.path.startswith("/opds"):
        return Response(error.detail + "\n", error.status_code, media_type="text/plain")
    return site.render(request, "message.html", error.status_code, message=error.detail)


def create_app(
    folder: Path, pool: RenderPool | None = None, brought: bring.Options | None = None
) -> Starlette:
    """The site over the manuscripts in `folder`; `pool` makes the slow editions (PDF);
    `brought`: how the "Make my ebook" page keeps and limits the stories readers bring."""
    site = Site(folder, pool or RenderPool())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(site.catalog.stories)  # compile everything up front
        site.pool.start()
        try:
            yield
        finally:
            site.pool.close()

    personal = "/opds/p/{token}"
    routes = [
        *browse.routes(site),
        Route("/stories/{slug}", site.story_page),
        Route("/stories/{slug}/download", site.download),
        Route("/stories/{slug}/remember", site.remember, methods=["POST"]),
        Route("/forget", site.forget, methods=["POST"]),
        *bring.routes(site, brought or bring.Options.from_environment()),
    ]
    for prefix in ("/opds", personal):
        routes += [
            Route(f"{prefix}/books/{{name}}", site.opds_book),
            Route(f"{prefix}/covers/{{slug}}", site.cover),
            Route(f"{prefix}/covers/{{slug}}/thumbnail", site.cover),
        ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog)],
        exception_handlers={HTTPException: _error},
        lifespan=lifespan,
    )
    app.state.site = site
    return app
