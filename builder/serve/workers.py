"""Several server processes (`ficpress serve --workers N`): uvicorn starts N processes that
share the listening socket, each building the app from the environment.

Every process reads the same folder and compiles the same stories; their caches are keyed by
content (manuscript hash, values, edition; finished PDFs also on disk, shared), so any process
gives a reader the same bytes. Reader
tokens are signed with one secret for all of them (`FICPRESS_SECRET`, or one drawn here for this
run). Download counts for "Most downloaded" stay per process (see docs/deploy.md).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from starlette.applications import Starlette

from builder.serve import token

FOLDER_VARIABLE = "FICPRESS_SERVE_MANUSCRIPTS"
PDF_WORKERS_VARIABLE = "FICPRESS_SERVE_PDF_WORKERS"
UPLOADS_VARIABLE = "FICPRESS_SERVE_ALLOW_UPLOADS"
log = logging.getLogger("ficpress.serve")


def share(folder: Path, pdf_workers: int, allow_uploads: bool = False) -> None:
    """Put what each worker process needs into the environment it inherits."""
    os.environ[FOLDER_VARIABLE] = str(folder.resolve())
    os.environ[PDF_WORKERS_VARIABLE] = str(pdf_workers)
    os.environ[UPLOADS_VARIABLE] = "1" if allow_uploads else ""
    if not os.environ.get(token.SECRET_VARIABLE):
        # One secret for every worker, or a token made by one would be refused by the others.
        os.environ[token.SECRET_VARIABLE] = secrets.token_urlsafe(32)
        log.warning(
            "%s is not set: reader links are signed with a secret drawn for this run and "
            "stop working when the server restarts",
            token.SECRET_VARIABLE,
        )


def app() -> Starlette:
    """The app of one worker process (uvicorn's factory)."""
    folder = Path(os.environ[FOLDER_VARIABLE])
    pdf_workers = int(os.environ.get(PDF_WORKERS_VARIABLE, "1"))
    return build_app(folder, pdf_workers, bool(os.environ.get(UPLOADS_VARIABLE)))


def build_app(folder: Path, pdf_workers: int, allow_uploads: bool) -> Starlette:
    """The app as `run` serves it (one process, or each of several workers)."""
    from builder import compile_cache
    from builder.serve.app import create_app
    from builder.serve.bring import Options
    from builder.serve.pool import RenderPool

    # Finished PDFs are kept on disk too: a restart (or another server process) serves a
    # repeat at once. FICPRESS_CACHE=off keeps them in memory only.
    cache = compile_cache.root()
    pool = RenderPool(workers=pdf_workers, disk=cache / "editions" if cache else None)
    brought = Options.from_environment(allow_uploads=allow_uploads)
    return create_app(folder, pool=pool, brought=brought)
