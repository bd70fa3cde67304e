"""Several server processes (`ficpress serve --workers N`): uvicorn starts N processes that
share the listening socket, each building the app from the environment.

Every process reads the same folder and compiles the same stories; their caches are keyed by
content (manuscript hash, values, edition), so any process gives a reader the same bytes. Reader
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
log = logging.getLogger("ficpress.serve")


def share(folder: Path, pdf_workers: int) -> None:
    """Put what each worker process needs into the environment it inherits."""
    os.environ[FOLDER_VARIABLE] = str(folder.resolve())
    os.environ[PDF_WORKERS_VARIABLE] = str(pdf_workers)
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
    from builder.serve.app import create_app
    from builder.serve.pool import RenderPool

    folder = Path(os.environ[FOLDER_VARIABLE])
    return create_app(folder, pool=RenderPool(workers=int(os.environ[PDF_WORKERS_VARIABLE])))
