"""The "Make my ebook" page: a reader brings a story (a link to a supported site, pasted text,
or a saved page or EPUB), sees what it asks for, and downloads their own edition.

The story is imported by `ficpress import`'s own code (`builder.importers`) into a scratch
folder, then kept in the expiring store (`store.py`) under the hash of its manuscript, so the
result page and its download links are plain GET addresses that work without JavaScript and
from any process. Fetching goes through `guard.GuardedRegistry` (public addresses of the
supported sites only); bodies and uploads are bounded and imports rate-limited per client
(`limits.py`). With `--allow-uploads` and FICPRESS_ADMIN_TOKEN, whoever knows the token may
save a brought story to the catalog.
"""

from __future__ import annotations

import hmac
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from builder import pronouns
from builder.errors import FicpressError, OutputError
from builder.importers import import_story
from builder.importers.writing import ImportResult, slug
from builder.serve import guard, limits, origin
from builder.serve.catalog import Story
from builder.serve.choices import DEFAULT_PAGE, EDITION_LABELS, PAGE_LABELS, SCENE_LABELS
from builder.serve.store import FETCHED, Store

if TYPE_CHECKING:
    from builder.serve.app import Site

log = logging.getLogger("ficpress.serve")
T = TypeVar("T")

STORE_VARIABLE = "FICPRESS_BRING_STORE"
ADMIN_TOKEN_VARIABLE = "FICPRESS_ADMIN_TOKEN"
UPLOAD_SUFFIXES = (".html", ".htm", ".xhtml", ".epub", ".txt", ".md", ".markdown")
PRONOUN_FORM = "pronouns.html"
"""The story page's pronoun question, reused here when the site has it."""
UNSUPPORTED = (
    "This site fetches stories from AO3, Tumblr, Wattpad and Quotev only. From anywhere else, "
    "save the story's page and bring the file, or paste its text."
)
CONCURRENT_IMPORTS = 2
"""Imports running at once (each may wait for a site's politeness delay)."""


@dataclass(frozen=True, slots=True)
class Options:
    """How the page keeps and limits what readers bring."""

    store: Path
    """The folder brought stories are kept in (and pages fetched for them cached in)."""
    keep: float = 3600.0
    """Seconds a brought story is kept after its last use."""
    most: int = 200
    """Brought stories kept at most (the least recently used go first)."""
    max_upload: int = 8 * 2**20
    """The largest request body: a pasted text, a saved page or an EPUB."""
    imports: int = 10
    """Imports one client may start per `window`."""
    window: float = 600.0
    """Seconds over which `imports` are counted."""
    allow_uploads: bool = False
    """Offer "Add to the catalog" (for whoever knows the admin token)."""
    admin_token: str | None = None
    """The secret that saving to the catalog asks for."""
    resolver: guard.Resolver = field(default=guard.resolve)
    """Host name -> addresses, for the address check."""

    @classmethod
    def from_environment(cls, allow_uploads: bool = False) -> Options:
        """FICPRESS_BRING_STORE (default: a folder in the system's temporary folder) and
        FICPRESS_ADMIN_TOKEN."""
        store = os.environ.get(STORE_VARIABLE, "").strip()
        root = Path(store) if store else Path(tempfile.gettempdir()) / "ficpress-brought"
        token = os.environ.get(ADMIN_TOKEN_VARIABLE, "").strip() or None
        return cls(root, allow_uploads=allow_uploads, admin_token=token)


class Problem(Exception):
    """A brought story that cannot be made: shown as a page with the CLI's one line."""

    def __init__(self, status: int, message: str, line: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.line = line


def cli_line(error: FicpressError, shown_path: str | None) -> str:
    """The line `ficpress import` prints for `error`, naming what the reader brought rather
    than the server's scratch file."""
    if shown_path is not None and error.path is not None:
        error.path = shown_path
    return f"{'' if error.path is not None else 'ficpress: '}{error}"


class Bring:
    """The page's handlers, over the site's own (rendering, values, downloads)."""

    def __init__(self, site: Site, options: Options) -> None:
        self.site = site
        self.options = options
        self.store = Store(options.store, options.keep, options.most)
        self.rate = limits.RateLimit(options.imports, options.window)
        self.importing = anyio.CapacityLimiter(CONCURRENT_IMPORTS)

    # Pages ---------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return self.render(request, "make.html")

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("limit", limits.megabytes(self.options.max_upload))
        context.setdefault("keep_minutes", round(self.options.keep / 60))
        return self.site.render(request, name, status, **context)

    def problem(self, request: Request, problem: Problem, **headers: str) -> Response:
        response = self.render(
            request, "make-problem.html", problem.status, message=problem.message, line=problem.line
        )
        response.headers.update(headers)
        return response

    async def brought(self, request: Request) -> Story:
        story = await anyio.to_thread.run_sync(self.store.story, request.path_params["key"])
        if story is None:
            raise HTTPException(
                404,
                f"This story is no longer kept here: stories brought to the site are kept "
                f"{round(self.options.keep / 60)} minutes after their last use. Bring it again "
                "from “Make my ebook”.",
            )
        return story

    async def result(self, request: Request) -> Response:
        story = await self.brought(request)
        values, _ = self.site.remembered(request)
        title, summary = story.texts(values)
        return self.render(
            request,
            "made.html",
            key=request.path_params["key"],
            story=story,
            title=title,
            summary=summary,
            values=values,
            pronoun_key=pronouns.KEY,
            pronoun_form=PRONOUN_FORM in self.site.pages.list_templates(),
            undeclared=[f for f in story.fields if not f.declared and f.code != pronouns.KEY],
            editions=[
                (e.name, EDITION_LABELS.get(e.name, e.name.upper())) for e in self.site.editions
            ],
            pages=list(PAGE_LABELS.items()),
            default_page=DEFAULT_PAGE,
            scene_layouts=list(SCENE_LABELS.items()),
            publish=self.options.allow_uploads,
            saved="saved" in request.query_params,
        )

    async def download(self, request: Request) -> Response:
        # Never in the pool's disk cache: a brought story leaves no copy behind.
        return await self.site.download_story(request, await self.brought(request), disk=False)

    async def remember(self, request: Request) -> Response:
        story = await self.brought(request)
        return await self.site.remember_story(request, story, f"/make/{request.path_params['key']}")

    # Bringing ------------------------------------------------------------------------------

    async def make(self, request: Request) -> Response:
        if not origin.same_site(request):
            raise HTTPException(403, "Bring stories from this site's own page.")
        client = request.client.host if request.client else "unknown"
        wait = self.rate.take(client)
        if wait is not None:
            minutes = round(self.options.window / 60)
            message = (
                f"You have brought {self.options.imports} stories in {minutes} minutes, the "
                f"most this site makes at once. Please try again in {wait} seconds."
            )
            return self.problem(request, Problem(429, message), **{"Retry-After": str(wait)})
        try:
            body = await limits.read_body(request, self.options.max_upload)
            form = limits.parse_form(body, request.headers.get("content-type", ""))
            keys = await anyio.to_thread.run_sync(self.keep, form, limiter=self.importing)
        except HTTPException as error:
            return self.problem(request, Problem(error.status_code, error.detail))
        except Problem as problem:
            return self.problem(request, problem)
        if len(keys) == 1:
            return RedirectResponse(f"/make/{keys[0]}", 303)
        stories = [await anyio.to_thread.run_sync(self.store.story, key) for key in keys]
        found = [(key, story) for key, story in zip(keys, stories, strict=True) if story]
        return self.render(request, "made-list.html", stories=found)

    def keep(self, form: dict[str, str | limits.Upload]) -> list[str]:
        """Import what the form brings in a scratch folder and keep each manuscript in the
        store; their ids. (In a worker thread: fetching, reading and writing block.)"""
        incoming = self.options.store / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=incoming) as scratch:
            results = self.import_form(form, Path(scratch))
            return [self.store.put(result.path.stem, result.manuscript) for result in results]

    def import_form(
        self, form: dict[str, str | limits.Upload], scratch: Path
    ) -> list[ImportResult]:
        """The manuscripts the form's link, text or file gives (a series gives several)."""
        address, text, upload = form.get("address"), form.get("text"), form.get("file")
        if isinstance(address, str) and address.strip():
            return self.fetch(address.strip(), scratch)
        if isinstance(upload, limits.Upload) and upload.data:
            suffix = Path(upload.filename).suffix.lower()
            if suffix not in UPLOAD_SUFFIXES:
                raise Problem(
                    415,
                    "This site reads saved web pages (.html), EPUBs, text (.txt) and Markdown "
                    f"(.md), not {suffix or 'files without a suffix'}.",
                )
            name = slug(Path(upload.filename).stem) or "000"
            return [self.read_file(scratch / f"{name}{suffix}", upload.data, upload.filename)]
        if isinstance(text, str) and text.strip():
            # A machine-made name, so the title comes from the story (its front matter or
            # first words); Markdown, since the page says chapters start with `#`.
            suffix = ".html" if text.lstrip().startswith("<") else ".md"
            data = text.replace("\r\n", "\n").encode("utf-8")
            return [self.read_file(scratch / f"0000000{suffix}", data, "the pasted text")]
        raise Problem(400, "Paste a link or a story, or choose a file, then press the button.")

    def read_file(self, path: Path, data: bytes, shown: str) -> ImportResult:
        path.write_bytes(data)
        out = path.parent / "out"
        out.mkdir()
        return self.run(lambda: import_story(path, out), shown)

    def fetch(self, address: str, scratch: Path) -> list[ImportResult]:
        from builder.importers import web  # the HTTP client loads only for an address

        registry = guard.guarded(web.SITES, self.options.resolver)
        cache = self.options.store / FETCHED
        options = web.FetchOptions(timeout=20, retries=1, backoff=1, max_wait=10, cache=cache)
        unsupported = self.run(lambda: registry.site_for(address) is None, None)
        result = self.run(
            lambda: web.import_address(address, scratch, options=options, registry=registry),
            None,
            400 if unsupported else 502,
            UNSUPPORTED if unsupported else "The story could not be fetched.",
        )
        return [result, *result.more]

    @staticmethod
    def run(
        work: Callable[[], T],
        shown: str | None,
        status: int = 422,
        message: str = "This does not look like a story ficpress can read.",
    ) -> T:
        """`work()`, with a FicpressError as a Problem: `status`, `message` for the reader,
        and the CLI's line."""
        try:
            return work()
        except guard.AddressRefused as error:
            raise Problem(403, "This site does not fetch that address.", str(error)) from None
        except FicpressError as error:
            raise Problem(status, message, cli_line(error, shown)) from None

    # Saving to the catalog -----------------------------------------------------------------

    async def publish(self, request: Request) -> Response:
        form = await self.site.form(request)
        expected = self.options.admin_token
        given = form.get("admin_token", "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(403, "That is not the site's admin token.")
        story = await self.brought(request)
        folder = self.site.catalog.folder
        try:
            await anyio.to_thread.run_sync(save_new, story.path, folder / story.path.name)
        except OutputError:
            raise HTTPException(
                409, f"The catalog already has a story called {story.path.stem}."
            ) from None
        log.info("%s: saved to the catalog from a brought story", story.path.name)
        await anyio.to_thread.run_sync(self.site.catalog.stories)  # listed from now on
        return RedirectResponse(f"/stories/{story.slug}", 303)


def save_new(source: Path, target: Path) -> None:
    """Copy `source` to `target` all at once, never replacing a file already there."""
    scratch = target.with_name(f".{target.name}.new")
    scratch.write_bytes(source.read_bytes())
    try:
        os.link(scratch, target)
    except FileExistsError:
        raise OutputError("already exists", path=target) from None
    finally:
        scratch.unlink(missing_ok=True)


KEY = "{key:str}"


def routes(site: Site, options: Options) -> list[Route]:
    """The page's routes, mounted by `app.create_app`."""
    bring = Bring(site, options)
    found = [
        Route("/make", bring.page),
        Route("/make", bring.make, methods=["POST"]),
        Route(f"/make/{KEY}", bring.result),
        Route(f"/make/{KEY}/download", bring.download),
        Route(f"/make/{KEY}/remember", bring.remember, methods=["POST"]),
    ]
    if options.allow_uploads:
        found.append(Route(f"/make/{KEY}/publish", bring.publish, methods=["POST"]))
    return found
