"""Slow editions (PDF layout, external converters) in a bounded pool of worker processes.

WeasyPrint is CPU-bound and holds the GIL, so layout runs in other processes, off the event
loop. The pool admits at most `workers + queue` jobs at once; past that the site answers
503 with Retry-After rather than letting requests pile up. A long book's PDF is laid out in
parts by processes of its own (builder.editions.pdf.processes): each worker may start at most
`cores // workers` of them (at least one, its own), so the site never runs more layout
processes than max(workers, cores) at once. Finished files are kept in a
cache bounded by bytes, keyed by (manuscript hash, profile, edition, page, scenes), and identical
requests in flight share one job.

A job carries the compiled story (the catalog's template), never its file name: a worker
never reads a manuscript, so one being saved in place, broken or deleted while the site runs
cannot fail a PDF that the page and the EPUB still offer.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from builder import pipeline
from builder.editions import EDITIONS, EditionOptions
from builder.editions.pdf.processes import cores
from builder.model import EditionTemplate
from builder.serve.catalog import profile_for

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
DEFAULT_QUEUE = 8
WORKER_TEMPLATES = 8
"""Stories a worker keeps (by content hash): the forms it derives from one (the PDF's cut
book) are made once, not per job."""
_kept: OrderedDict[str, EditionTemplate] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Job:
    """One edition to make in a worker (plain data: it is pickled to another process)."""

    template: EditionTemplate = field(compare=False, repr=False)
    """The compiled story, as the catalog holds it (the job's identity is its content hash,
    in the pool's key)."""
    values: tuple[tuple[str, str], ...]
    """The reader's checked values, sorted by code."""
    edition: str
    """The edition's name in the EDITIONS registry."""
    page: str
    """The PDF page preset."""
    scenes: str = "separate"
    """The EPUB family's scene layout (builder.editions.SCENE_LAYOUTS)."""
    part_workers: int = field(default=1, compare=False)
    """Processes the job may lay a long PDF's parts out in (the pool sets it; the bytes do
    not depend on it, so it is no part of the job's identity)."""


def make(job: Job) -> tuple[str, bytes]:
    """Run in a worker: (the manuscript hash it was made from, the edition's bytes)."""
    content_hash = job.template.manuscript.content_hash
    template = _kept.setdefault(content_hash, job.template)
    _kept.move_to_end(content_hash)
    while len(_kept) > WORKER_TEMPLATES:
        _kept.popitem(last=False)
    profile = profile_for(template, dict(job.values))
    options = EditionOptions(page=job.page, scenes=job.scenes, pdf_workers=job.part_workers)
    data = pipeline.personalise(template, profile, EDITIONS[job.edition], options)
    return content_hash, data


def warm() -> None:
    """Run in a new worker: import WeasyPrint and load the book's styles and fonts before the
    first reader asks."""
    from builder.editions.pdf import layout

    layout.warm_up()


class Busy(Exception):
    """The pool is full; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"busy, retry after {retry_after} s")
        self.retry_after = retry_after


class ByteCache:
    """A least-recently-used cache of files, bounded by their total size."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()

    def get(self, key: Hashable) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: Hashable, data: bytes) -> None:
        if len(data) > self.limit // 4:
            return  # one huge file must not flush everything else
        old = self._items.pop(key, None)
        self.size -= len(old) if old is not None else 0
        self._items[key] = data
        self.size += len(data)
        while self.size > self.limit:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class RenderPool:
    """A bounded pool of workers making slow editions, with a cache in front of it."""

    def __init__(
        self,
        workers: int = 1,
        queue: int = DEFAULT_QUEUE,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        executor: Executor | None = None,
        run: Callable[[Job], tuple[str, bytes]] = make,
    ) -> None:
        self.workers = workers
        self.limit = workers + queue
        self.part_workers = max(1, cores() // workers)
        """Layout processes one job may use for a long PDF's parts."""
        self.cache = ByteCache(cache_bytes)
        self._run = run
        self._executor = executor
        self._own_executor = executor is None
        self._pending: dict[tuple[str, Job], asyncio.Future[tuple[str, bytes]]] = {}
        self._seconds = 2.0  # a running estimate of one job's time, for Retry-After

    def start(self) -> None:
        """Start the worker processes (spawned: forking a threaded server is unsafe) and have
        each import WeasyPrint now rather than on the first reader's request."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
            for _ in range(self.workers):
                self._executor.submit(warm)

    def close(self) -> None:
        """Stop the workers, after the jobs they are running. (Waiting matters: uvicorn ends
        the process with the signal it caught, which skips the executor's exit hook and would
        leave the workers orphaned.)"""
        if self._executor is not None and self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def busy(self) -> int:
        """Jobs running or waiting."""
        return len(self._pending)

    async def render(self, content_hash: str, job: Job) -> bytes:
        """The edition's bytes: from the cache, from a job already running, or from a new job;
        Busy when the pool is full."""
        key = (content_hash, job)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        future = self._pending.get(key)
        if future is None:
            if len(self._pending) >= self.limit:
                waves = math.ceil((len(self._pending) + 1) / self.workers)
                raise Busy(max(1, math.ceil(self._seconds * waves)))
            started = time.monotonic()
            future = self._submit(job)
            self._pending[key] = future
            future.add_done_callback(lambda done: self._finished(key, done, started))
        # Shielded: a reader who gives up must not cancel the job others are waiting for.
        _, data = await asyncio.shield(future)
        return data

    def _submit(self, job: Job) -> asyncio.Future[tuple[str, bytes]]:
        loop = asyncio.get_running_loop()
        self.start()
        assert self._executor is not None
        job = replace(job, part_workers=self.part_workers)
        try:
            return loop.run_in_executor(self._executor, self._run, job)
        except BrokenExecutor:
            if not self._own_executor:
                raise
            # A worker died (killed, out of memory): start a fresh pool rather than fail forever.
            self._executor = None
            self.start()
            return loop.run_in_executor(self._executor, self._run, job)

    def _finished(
        self, key: tuple[str, Job], future: asyncio.Future[tuple[str, bytes]], started: float
    ) -> None:
        self._pending.pop(key, None)
        if future.cancelled() or future.exception() is not None:
            return
        made_from, data = future.result()
        self._seconds = 0.7 * self._seconds + 0.3 * (time.monotonic() - started)
        # Keyed by what the worker actually compiled (the file may have changed meanwhile).
        self.cache.put((made_from, key[1]), data)
