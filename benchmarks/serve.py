"""How fast the download site makes a reader's edition (run by hand; never in the tests).

    python benchmarks/serve.py [--seconds 10] [--requests 3000]

1. In process: personalised EPUBs per second (`pipeline.personalise` on a compiled story)
   against a full rebuild through the pipeline (`pipeline.build` with the template cache
   cleared) and against pandoc building the same text, for the seed story and a generated
   100k-word story (benchmarks/longstory.py).
2. Over HTTP on loopback (127.0.0.1 only): `ficpress serve` in its own process, 1, 8 and 32
   clients each asking for EPUBs with a different profile every time, for a bounded time and
   number of requests. Requests/s, latency percentiles and errors.

Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import longstory  # noqa: E402
from builder import pipeline  # noqa: E402
from builder.editions import EDITIONS  # noqa: E402
from builder.profile import resolve  # noqa: E402
from builder.serve.catalog import word_count  # noqa: E402
from tests.serving import serving  # noqa: E402

SEED = ROOT / "manuscripts" / "for-her-safety.md"
COLOURS = ("green", "brown", "grey", "hazel", "blue", "amber")
CONCURRENCY = (1, 8, 32)
P95_TARGET_MS = 60


def rate(run: Callable[[int], object], seconds: float, at_most: int) -> tuple[float, int]:
    """Calls per second of run(n) for n = 0, 1, ... (at least 3 calls, then until `seconds`)."""
    run(-1)  # warm-up: imports, caches that every later call would find warm
    count = 0
    started = time.perf_counter()
    while count < at_most and (count < 3 or time.perf_counter() - started < seconds):
        run(count)
        count += 1
    return count / (time.perf_counter() - started), count


def values(n: int) -> list[str]:
    return [f"Y/N=Reader {n}", f"E/C={COLOURS[n % len(COLOURS)]}", "H/C=auburn"]


def filled_text(path: Path, n: int) -> str:
    """The manuscript with the values pasted in: what pandoc is given (it cannot personalise)."""
    text = path.read_text(encoding="utf-8")
    for assignment in values(n):
        code, _, value = assignment.partition("=")
        text = text.replace(code, value)
    return text


def in_process(path: Path, seconds: float, work: Path) -> list[tuple[str, float, int]]:
    template = pipeline.compile(path)
    epub = EDITIONS["epub"]

    def personalise(n: int) -> None:
        pipeline.personalise(template, resolve(template.codes, values(n)), epub)

    def rebuild(n: int) -> None:
        pipeline._templates.clear()  # compile from scratch, as a first build would
        pipeline.build(path, formats=["epub"], out_dir=work, assignments=values(n))

    rows = [
        ("personalise (compiled once)", *rate(personalise, seconds, 100_000)),
        ("full rebuild through the pipeline", *rate(rebuild, seconds, 1000)),
    ]
    pandoc = shutil.which("pandoc")
    if pandoc:
        source = work / "pandoc.md"

        def run_pandoc(n: int) -> None:
            source.write_text(filled_text(path, n), encoding="utf-8")
            subprocess.run(
                [pandoc, str(source), "-f", "markdown", "-o", str(work / "pandoc.epub")],
                check=True,
                capture_output=True,
            )

        rows.append(("pandoc (text pre-filled)", *rate(run_pandoc, seconds, 200)))
    pipeline._templates.clear()
    return rows


class Client:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: cheap enough that the server,
    not the load generator, is what gets measured on a 2-core machine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """(status, body length)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        return status, len(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(
    port: int, slug: str, clients: int, seconds: float, at_most: int, offset: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(offset, offset + at_most))
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        nonlocal errors
        client = Client(port)
        try:
            for n in counter:
                if time.perf_counter() > deadline:
                    break
                query = "&".join(
                    f"{quote(code, safe='')}={quote(value)}"
                    for code, value in (a.partition("=")[::2] for a in values(n))
                )
                started = time.perf_counter()
                try:
                    status, size = await client.get(f"/stories/{slug}/download?format=epub&{query}")
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    await client.close()
                    client = Client(port)
                    continue
                latencies.append(time.perf_counter() - started)
                if status != 200 or size < 1000:
                    errors += 1
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "mean": statistics.fmean(ordered) * 1000 if ordered else 0.0,
        "errors": errors,
    }


def http_runs(folder: Path, slug: str, seconds: float, at_most: int) -> list[dict[str, float]]:
    with serving(folder) as server:
        results = []
        offset = 1_000_000
        for clients in CONCURRENCY:
            asyncio.run(load(server.port, slug, clients, 1.0, 200, offset))  # warm-up, not counted
            offset += 1000
            result = asyncio.run(load(server.port, slug, clients, seconds, at_most, offset))
            offset += at_most
            results.append({"clients": clients, **result})
        return results


def fetch(base: str, path: str, accept: str = "*/*") -> tuple[float, str, int]:
    """(seconds, content type, bytes) of one GET."""
    request = urllib.request.Request(base + path, headers={"Accept": accept})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as reply:
        body = reply.read()
        return time.perf_counter() - started, reply.headers["Content-Type"], len(body)


def pdf_repeats(folder: Path, slug: str) -> list[tuple[str, float, str]]:
    """A novel's PDF over HTTP: made, asked again, asked after a restart (the disk cache), and
    what a browser asking for a new reader's PDF gets first (the waiting page)."""
    path = f"/stories/{slug}/download?format=pdf&Y%2FN=Alex"
    rows = []
    with serving(folder) as server:
        for label in ("first request (laid out)", "the same request again"):
            seconds, kind, _size = fetch(server.base, path)
            rows.append((label, seconds, kind))
        seconds, kind, _size = fetch(server.base, path.replace("Alex", "Sam"), "text/html")
        rows.append(("a browser asking for another reader's PDF: first answer", seconds, kind))
    with serving(folder) as server:
        seconds, kind, _size = fetch(server.base, path)
        rows.append(("the first request again after a restart", seconds, kind))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--requests", type=int, default=3000, help="most requests per HTTP run")
    arguments = parser.parse_args()

    print(f"date: {dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores, ", end="")
    print(f"Python {platform.python_version()}, {platform.platform()}")
    # Other work on the machine skews every figure: say how busy it was.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    # A rebuild compiles: the on-disk compile cache would make it a cache read.
    os.environ["FICPRESS_CACHE"] = "off"
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        long_path = longstory.generate(work / "long")
        stories = [("seed (for-her-safety)", SEED), ("generated long story", long_path)]
        print("\n| story | words | method | per second | ms each | vs rebuild |")
        print("|---|---|---|---|---|---|")
        for name, path in stories:
            words = word_count(pipeline.compile(path))
            rows = in_process(path, arguments.seconds, work)
            rebuild = rows[1][1]
            for method, per_second, _count in rows:
                print(
                    f"| {name} | {words:,} | {method} | {per_second:,.1f} | "
                    f"{1000 / per_second:,.1f} | {per_second / rebuild:,.1f}x |"
                )
        if not shutil.which("pandoc"):
            print("\npandoc is not installed (apt-get install -y pandoc): its rows are missing.")

        site = work / "site"
        site.mkdir()
        shutil.copy(SEED, site / SEED.name)
        print("\nHTTP, `ficpress serve` on 127.0.0.1, seed EPUB, a new profile every request:\n")
        print("| clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        for result in http_runs(site, "for-her-safety", arguments.seconds, arguments.requests):
            print(
                f"| {result['clients']} | {result['requests']:.0f} | {result['rps']:.0f} | "
                f"{result['p50']:.1f} | {result['p95']:.1f} | {result['p99']:.1f} | "
                f"{result['errors']:.0f} |"
            )
        long_site = work / "long-site"
        long_site.mkdir()
        shutil.copy(long_path, long_site / "long-story.md")
        # The servers' caches (compiled stories, finished PDFs) in a folder of this run's.
        os.environ["FICPRESS_CACHE"] = str(work / "cache")
        print("\nHTTP, the generated long story's PDF (6-inch preset):\n")
        print("| request | seconds | answered with |")
        print("|---|---:|---|")
        for label, seconds, kind in pdf_repeats(long_site, long_path.stem):
            print(f"| {label} | {seconds:.3f} | {kind} |")
    print(f"\nTarget (issue 16): p95 under {P95_TARGET_MS} ms for EPUBs at 32 clients.")
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
