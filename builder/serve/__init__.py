"""The download site and OPDS catalog: readers fill in their details and get their own edition.

`create_app(folder)` (in `app.py`) is the Starlette application; `run()` serves it with uvicorn.
Every edition goes through `pipeline.personalise`, so a download is byte-identical to
`ficpress build` with the same values.
"""

from __future__ import annotations

from pathlib import Path


def run(
    folder: Path,
    host: str,
    port: int,
    pdf_workers: int,
    workers: int = 1,
    *,
    allow_uploads: bool = False,
) -> None:
    """Serve the manuscripts in `folder` until interrupted, in `workers` processes
    (`allow_uploads`: brought stories may be added to the catalog with the admin token)."""
    import logging

    import uvicorn

    from builder.serve import token
    from builder.serve import workers as processes

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # Uvicorn's access log prints whole URLs, and a download URL carries the reader's values
    # in its query string (an OPDS URL in its token): the app logs redacted paths instead.
    if workers > 1:
        processes.share(folder, pdf_workers, allow_uploads)
        token.key()  # a bad FICPRESS_SECRET stops here, not at a reader's first request
        uvicorn.run(
            "builder.serve.workers:app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="info",
        )
        return
    token.key()
    app = processes.build_app(folder, pdf_workers, allow_uploads)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
