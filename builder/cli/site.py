"""`ficpress serve`'s start: the addresses other devices can open (and a QR code of one on a
terminal), then the server, in one process or `--workers N`."""

from __future__ import annotations

import argparse
import sys

from builder.cli.console import Console
from builder.errors import UsageError


def run_site(arguments: argparse.Namespace, console: Console) -> None:
    """Announce the site's addresses and serve until interrupted (after `commands.serve`
    checked the folder and the uploads secret)."""
    if arguments.workers < 1:
        raise UsageError("--workers must be at least 1")
    from builder import serve  # Starlette and uvicorn load only for this command
    from builder.serve.addresses import qr_code, site_addresses

    found = site_addresses(arguments.host, arguments.port)
    for address in found:
        console.out(f"Readers open: {address}")
    if not found:
        console.warn("no network address found: other devices cannot reach this computer")
    elif sys.stdout.isatty():
        console.out(qr_code(found[0]))  # a phone's camera opens it
    serve.run(
        arguments.manuscripts,
        arguments.host,
        arguments.port,
        arguments.pdf_workers,
        arguments.workers,
        allow_uploads=arguments.allow_uploads,
    )
