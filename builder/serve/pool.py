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
import contextlib
import functools
import hashlib
import math
import multiprocessing
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from builder import compile_cache, pipeline
from builder.editions import EDITIONS, EditionOptions
from builder.editions.pdf.processes import cores
from builder.files import write_whole
from builder.model import EditionTemplate
from builder.serve.catalog import profile_for

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
DEFAULT_DISK_BYTES = 2 * 1024 * 1024 * 1024
"""The on-disk cache of finished files: about a thousand novels' PDFs."""
FILE_SUFFIX = ".edition"
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
    progress: str | None = field(default=None, compare=False)
    """A file the worker writes `parts-done parts` to as a PDF's layout goes on (the pool
    sets it, for the page a waiting reader sees)."""
    disk: bool = field(default=True, compare=False)
    """Whether the finished file may be kept in the pool's disk cache (not for a story a
    reader brought to the site: that is kept only while its download needs it)."""

    def digest(self, content_hash: str) -> str:
        """A name for the finished file that other processes and later runs agree on: the
        story, the reader's values, the options and ficpress's own code."""
        fields = (self.values, self.edition, self.page, self.scenes)
        text = f"{compile_cache.code_fingerprint()}\0{content_hash}\0{fields!r}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def make(job: Job) -> tuple[str, bytes]:
    """Run in a worker: (the manuscript hash it was made from, the edition's bytes)."""
    content_hash = job.template.manuscript.content_hash
    template = _kept.setdefault(content_hash, job.template)
    _kept.move_to_end(content_hash)
    while len(_kept) > WORKER_TEMPLATES:
        _kept.popitem(last=False)
    profile = profile_for(template, dict(job.values))
    options = EditionOptions(page=job.page, scenes=job.scenes, pdf_workers=job.part_workers)
    if job.edition == "pdf" and job.progress is not None:
        from builder.editions import pdf

        report = functools.partial(_report, Path(job.progress))
        report(0, 1)
        identifier = pipeline.identifier(template, profile)
        return content_hash, pdf.write(template, profile, identifier, options, report)
    data = pipeline.personalise(template, profile, EDITIONS[job.edition], options)
    return content_hash, data


def _report(path: Path, done: int, total: int) -> None:
    with contextlib.suppress(OSError):  # progress is a courtesy: never fail a PDF over it
        write_whole(path, f"{done} {total}".encode("ascii"))


def progress_of(path: Path) -> tuple[int, int] | None:
    """(parts done, parts in all) as the worker last wrote them, if it has."""
    try:
        done, total = path.read_text("ascii").split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


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
    """A bounded pool of workers making slow editions, with caches in front of it: finished
    files in memory, and on disk (`disk`: a folder, bounded by `disk_bytes`) so that a restart
    or another server process serves a repeat at once."""

    def __init__(
        self,
        workers: int = 1,
        queue: int = DEFAULT_QUEUE,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        executor: Executor | None = None,
        run: Callable[[Job], tuple[str, bytes]] = make,
        disk: Path | None = None,
        disk_bytes: int = DEFAULT_DISK_BYTES,
    ) -> None:
        self.workers = workers
        self.limit = workers + queue
        self.part_workers = max(1, cores() // workers)
        """Layout processes one job may use for a long PDF's parts."""
        self.cache = ByteCache(cache_bytes)
        self.disk = disk
        self.disk_bytes = disk_bytes
        self._progress = Path(tempfile.mkdtemp(prefix="ficpress-progress-"))
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
        shutil.rmtree(self._progress, ignore_errors=True)

    @property
    def busy(self) -> int:
        """Jobs running or waiting."""
        return len(self._pending)

    async def render(
        self, content_hash: str, job: Job, patience: float | None = None
    ) -> bytes | None:
        """The edition's bytes: from a cache, from a job already running, or from a new job;
        Busy when the pool is full. With `patience`, None when the file is not ready within
        that many seconds (the job goes on: ask again)."""
        key = (content_hash, job)
        cached = self.cache.get(key) or self._from_disk(content_hash, job)
        if cached is not None:
            return cached
        future = self._pending.get(key)
        if future is None:
            if len(self._pending) >= self.limit:
                waves = math.ceil((len(self._pending) + 1) / self.workers)
                raise Busy(max(1, math.ceil(self._seconds * waves)))
            started = time.monotonic()
            progress = self._progress / f"{job.digest(content_hash)}.progress"
            future = self._submit(replace(job, progress=str(progress)))
            self._pending[key] = future
            future.add_done_callback(lambda done: self._finished(key, done, started))
        # Shielded: a reader who gives up must not cancel the job others are waiting for.
        try:
            _, data = await asyncio.wait_for(asyncio.shield(future), patience)
        except TimeoutError:
            return None
        return data

    def progress(self, content_hash: str, job: Job) -> tuple[int, int] | None:
        """(parts done, parts in all) of the job making this file, while it runs."""
        if (content_hash, job) not in self._pending:
            return None
        return progress_of(self._progress / f"{job.digest(content_hash)}.progress")

    def _from_disk(self, content_hash: str, job: Job) -> bytes | None:
        if self.disk is None or not job.disk:
            return None
        data = compile_cache.read_entry(self.disk, job.digest(content_hash) + FILE_SUFFIX)
        if data is not None:
            self.cache.put((content_hash, job), data)
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
        with contextlib.suppress(OSError):
            (self._progress / f"{key[1].digest(key[0])}.progress").unlink()
        if self.disk is not None and key[1].disk:
            name = key[1].digest(made_from) + FILE_SUFFIX
            compile_cache.write_entry(self.disk, name, data, self.disk_bytes)
