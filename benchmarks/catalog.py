"""How fast the site answers the pages for finding a story among many (run by hand; never in
the tests).

    python -m benchmarks.catalog [--stories 300] [--scale 0.05] [--requests 200]

Generates the stories (benchmarks/stories.py; `--scale` shortens their bodies, which the
catalog pages do not depend on, so that 300 compile in under a minute), starts `ficpress serve`
in its own process on loopback, and asks each page type `--requests` times over one kept-alive
connection, one request at a time, cycling through variants (pages, searches, facets; feed
pages repeat, so most come from the feed cache: a last row asks each page with a new reader's
token, none cached). Prints a
Markdown table of p50/p95/max latency in ms and the largest response per page type, with the
load average before and after (the machine is shared: read the figures against it).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.stories import generate
from builder.serve import token
from tests.serving import serving

TARGET_MS = 50.0
PAGE_TYPES: dict[str, tuple[str, ...]] = {
    "catalog page": ("/", "/?page=2", "/?page=7&sort=new", "/?page=12&sort=length"),
    "catalog search": ("/?q=winter", "/?q=star+wars+fluff", "/?q=zhongli&sort=new", "/?q=angst"),
    "catalog filters": (
        "/?fandom=Star+Wars",
        "/?rating=Mature&status=complete",
        "/?length=1k-5k&pairing=Loki%2FReader",
        "/?status=in-progress&page=3",
    ),
    "story page": ("/stories/story-001", "/stories/story-150", "/stories/story-299"),
    "OPDS root": ("/opds",),
    "OPDS feed page": ("/opds/stories", "/opds/stories?page=6", "/opds/new?page=12"),
    "OPDS popular": ("/opds/popular", "/opds/popular?page=3"),
    "OPDS facet": ("/opds/stories?fandom=Harry+Potter", "/opds/new?rating=Explicit"),
    "OPDS search": ("/opds/search?q=slow+burn", "/opds/search?q=witcher&page=2"),
    "OpenSearch description": ("/opds/opensearch.xml",),
}
UNCACHED_READERS = 400
"""Distinct reader tokens for "OPDS feed page, each reader new": no feed is served from the
cache (each is a first visit), the cost a reader's first look at a page has."""


def measure(port: int, paths: tuple[str, ...], requests: int) -> tuple[list[float], int]:
    """Latencies (ms) of `requests` GETs cycling through `paths`, and the largest body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    largest = 0
    try:
        for n in range(requests):
            start = time.perf_counter()
            connection.request("GET", paths[n % len(paths)])
            response = connection.getresponse()
            body = response.read()
            times.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                raise SystemExit(f"{paths[n % len(paths)]}: HTTP {response.status}")
            largest = max(largest, len(body))
    finally:
        connection.close()
    return times, largest


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--stories", type=int, default=300)
    options.add_argument("--scale", type=float, default=0.05)
    options.add_argument("--requests", type=int, default=200)
    arguments = options.parse_args()
    # The server process signs and checks tokens with the secret this process signs with.
    os.environ.setdefault(token.SECRET_VARIABLE, "benchmark secret, not for a real site")
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        generate(folder, arguments.stories, scale=arguments.scale)
        started = time.perf_counter()
        with serving(folder, stop_timeout=30, ready_attempts=6000) as server:
            print(
                f"{arguments.stories} stories compiled and served in "
                f"{time.perf_counter() - started:.0f} s (cores: {os.cpu_count()})\n"
            )
            print(
                "| page type | requests | p50 ms | p95 ms | max ms | largest body | p95 < 50 ms |"
            )
            print("|---|---|---|---|---|---|---|")
            for name, paths in PAGE_TYPES.items():
                measure(server.port, paths, len(paths))  # warm: first answers build caches
                times, largest = measure(server.port, paths, arguments.requests)
                p95 = percentile(times, 0.95)
                print(
                    f"| {name} | {len(times)} | {statistics.median(times):.1f} | {p95:.1f} | "
                    f"{max(times):.1f} | {largest / 1000:.1f} KB | "
                    f"{'yes' if p95 < TARGET_MS else 'NO'} |"
                )
            readers = tuple(
                f"/opds/p/{token.encode({'Y/N': f'Reader {n}'})}/stories?page={n % 12 + 1}"
                for n in range(UNCACHED_READERS)
            )
            times, largest = measure(server.port, readers, min(arguments.requests, len(readers)))
            p95 = percentile(times, 0.95)
            print(
                f"| OPDS feed page, each reader new (uncached) | {len(times)} | "
                f"{statistics.median(times):.1f} | {p95:.1f} | {max(times):.1f} | "
                f"{largest / 1000:.1f} KB | {'yes' if p95 < TARGET_MS else 'NO'} |"
            )
    print("\nload average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
