"""The download site and OPDS catalog: readers fill in their details and get their own edition.

`create_app(folder)` (in `app.py`) is the Starlette application; `run()` serves it with uvicorn.
Every edition goes through `pipeline.personalise`, so a download is byte-identical to
`ficpress build` with the same values.
"""

from __future__ import annotations

from pathlib import Path


def run(
    folder: Path, host: str, port: int, pdf_workers: int, *, allow_uploads: bool = False
) -> None:
    """Serve the manuscripts in `folder` until interrupted (`allow_uploads`: brought stories
    may be added to the catalog with the admin token)."""
    import logging

    import uvicorn

    from builder import compile_cache
    from builder.serve.app import create_app
    from builder.serve.bring import Options
    from builder.serve.pool import RenderPool

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # Finished PDFs are kept on disk too: a restart (or another server process) serves a
    # repeat at once. FICPRESS_CACHE=off keeps them in memory only.
    cache = compile_cache.root()
    pool = RenderPool(workers=pdf_workers, disk=cache / "editions" if cache else None)
    brought = Options.from_environment(allow_uploads=allow_uploads)
    app = create_app(folder, pool=pool, brought=brought)
    # Uvicorn's access log prints whole URLs, and a download URL carries the reader's values
    # in its query string (an OPDS URL in its token): the app logs redacted paths instead.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
