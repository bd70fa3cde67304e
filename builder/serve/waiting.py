"""What a reader sees while a slow edition (a long PDF) is being made: a page that shows how
far the layout is and asks again by itself (a meta refresh: no JavaScript), so that no request
hangs. The job goes on in the pool whatever the reader does; asking again finds it running,
or finds the finished file in the cache and downloads it.

Only a browser that asked for a page gets one: an OPDS reader or a command-line client waits
for the file, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from builder.serve.catalog import Story

PATIENCE = 1.0
"""Seconds a request waits for the file before it is answered with the waiting page."""
REFRESH = 2
"""Seconds between the waiting page's checks."""

Render = Callable[..., Response]
"""The site's page renderer: (request, template name, status, **context)."""
Page = Callable[[Render, Story, "tuple[int, int] | None"], Response]


def page_for(request: Request) -> Page | None:
    """The waiting page for this request, or None when the client waits for the file (it did
    not ask for HTML: an OPDS reader, curl)."""
    if request.method != "GET" or "text/html" not in request.headers.get("accept", ""):
        return None

    def page(render: Render, story: Story, progress: tuple[int, int] | None) -> Response:
        response = render(
            request, "waiting.html", 200, story=story, progress=progress, refresh=REFRESH
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return page
