"""Many editions at once: several manuscripts, one edition per reader from a CSV file, run in
a local process pool or on a Dask cluster.

Each manuscript is compiled once, here, and its edition template travels to the workers,
which only personalise (pipeline.personalise, the same call as `ficpress build` and the site):
so a worker needs neither the manuscript's files nor a compile, and a batch's files are
byte-identical to single builds. Results come back as bytes and are written here, so a
remote cluster needs no shared disk. A failure is one item's outcome, never the batch's.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from builder import pipeline
from builder.editions import EditionOptions
from builder.editions.output import write_all
from builder.editions.pdf.processes import cores, fork_is_safe
from builder.errors import FicpressError, UsageError
from builder.model import EditionTemplate, Profile, SavedProfile
from builder.profile import parse_assignment, read_reader_file, resolve
from builder.readers import Reader, read_readers

__all__ = ["Outcome", "Reader", "Request", "read_readers", "run"]
AHEAD = 2
"""Tasks in flight per process: the finished ones' files are written and let go at once, so
a batch's memory does not grow with its number of readers."""
MAX_CHUNK = 8
"""Readers per task at most: enough to amortise shipping the template, few enough that the
progress bar moves and the pool stays balanced."""


@dataclass(frozen=True, slots=True)
class Request:
    """A batch: which manuscripts, for whom, in which formats, where."""

    manuscripts: tuple[Path, ...]
    formats: tuple[str, ...] = ("epub", "pdf")
    out_dir: Path = Path("dist")
    assignments: tuple[str, ...] = ()
    """`--set` values: beat every reader's own values."""
    reader_file: Path | None = None
    saved: SavedProfile | None = None
    """The reader's saved profile: a readers CSV row's empty cells fall back to it."""
    readers: tuple[Reader, ...] | None = None
    """One edition per reader; None: one edition per manuscript, into `out_dir`."""
    strict: bool = False
    options: EditionOptions = field(default_factory=EditionOptions)
    notes: str | None = None
    """Where every manuscript's author's notes go (`--notes`: place, end, omit); None: as each
    one's `notes:` says."""


@dataclass(slots=True)
class Outcome:
    """What happened to one item: a manuscript, or a manuscript for one reader."""

    name: str
    """The manuscript as given on the command line."""
    reader: str | None = None
    """The reader's id, in a readers batch."""
    outputs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    """The one-line message (`PATH:LINE: error: ...`) when it failed."""
    exit_code: int = 0


# --- the work a worker does ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """Some items of one manuscript: the compiled template and each item's profile."""

    template: EditionTemplate | None
    """None when it travels separately (scattered once to a Dask cluster)."""
    formats: tuple[str, ...]
    options: EditionOptions
    items: tuple[tuple[int, Profile], ...]
    """(item number, profile)."""


TaskResult = list[tuple[int, list[bytes] | None, str | None, int]]
"""Per item: (item number, one file's bytes per format, or None and the error and its exit
code)."""


def personalise_task(task: Task, template: EditionTemplate | None = None) -> TaskResult:
    """Every item's editions (runs in a worker; must stay importable as builder.batch)."""
    template = template or task.template
    assert template is not None
    chosen = pipeline.editions(task.formats)
    results: TaskResult = []
    for number, profile in task.items:
        try:
            files = [
                pipeline.personalise(template, profile, edition, task.options) for edition in chosen
            ]
        except FicpressError as error:
            results.append((number, None, str(error), error.exit_code))
        except Exception as error:  # a bug in one item must not lose the others
            results.append((number, None, f"error: {type(error).__name__}: {error}", 1))
        else:
            results.append((number, files, None, 0))
    return results


# --- executors -------------------------------------------------------------------------


def results(
    tasks: Sequence[Task], spec: str | None, jobs: int
) -> Iterator[tuple[Task, TaskResult | BaseException]]:
    """Each task with its result (or what its worker raised), as they finish: here one after
    the other when `jobs` is 1, else in a local pool of `jobs` processes, or on the Dask
    scheduler at `dask://HOST:PORT`."""
    if spec:
        yield from _on_dask(tasks, spec)
    elif jobs <= 1:
        for task in tasks:
            yield task, personalise_task(task)
    else:
        yield from _in_pool(tasks, jobs)


def _in_pool(tasks: Sequence[Task], jobs: int) -> Iterator[tuple[Task, TaskResult | BaseException]]:
    """Results as they finish, with at most AHEAD tasks per process submitted: a finished
    task's bytes are handed over and dropped, not kept by its future until the end."""
    method = "fork" if fork_is_safe() else "spawn"
    context = multiprocessing.get_context(method)
    waiting = iter(tasks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        running: dict[Future[TaskResult], Task] = {}
        while True:
            for task in itertools.islice(waiting, jobs * AHEAD - len(running)):
                running[pool.submit(personalise_task, task)] = task
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                error = future.exception()
                yield task, error if error is not None else future.result()


def _on_dask(tasks: Sequence[Task], spec: str) -> Iterator[tuple[Task, TaskResult | BaseException]]:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--executor dask://...: install the Dask extra: pip install 'ficpress[dask]'"
        ) from None
    address = "tcp://" + spec.split("://", 1)[1]
    # distributed is untyped: Any keeps mypy --strict quiet about its calls.
    dask: Any = distributed
    try:
        client = dask.Client(address, timeout="10s", set_as_default=False)
    except OSError as error:
        raise UsageError(f"--executor {spec}: no Dask scheduler there ({error})") from None
    try:
        scattered: dict[int, Any] = {}
        futures: dict[Any, Task] = {}
        for task in tasks:
            # Each template goes to the cluster once, not once per task.
            key = id(task.template)
            if key not in scattered:
                scattered[key] = client.scatter(task.template, broadcast=False)
            future = client.submit(
                personalise_task, replace(task, template=None), scattered[key], pure=False
            )
            futures[future] = task
        # as_completed finds the client through the "current client".
        with client.as_current():
            for future in dask.as_completed(futures):
                task = futures.pop(future)  # released on the cluster once handled
                try:
                    yield task, future.result()
                except Exception as error:
                    yield task, error
    finally:
        client.close()


# --- the batch -------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    outcome: Outcome
    target: Path
    """The folder its files go to."""
    slug: str = ""


def run(
    request: Request,
    *,
    jobs: int = 1,
    executor_spec: str | None = None,
    progress: Callable[[Outcome], None] | None = None,
    step: Callable[[str], None] | None = None,
) -> list[Outcome]:
    """Build every item of the batch; call `progress` as each one finishes (failed or not).
    `jobs` 0 means one process per core. Raises only for what stops the whole batch (an
    unknown format, a missing tool, no scheduler); one manuscript's or one reader's failure
    is its Outcome. `step` hears what is being done, as it starts."""
    chosen = pipeline.editions(request.formats)
    pipeline.check_tools(chosen, request.options)
    if jobs == 0:
        jobs = cores()
    if jobs < 1:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if executor_spec and not executor_spec.startswith(("dask://", "tcp://")):
        raise UsageError(f"--executor {executor_spec!r}: give dask://HOST:PORT")
    # Mistakes shared by every item stop the batch before anything is built.
    for assignment in request.assignments:
        parse_assignment(assignment)
    if request.reader_file is not None:
        read_reader_file(request.reader_file)
    options = request.options
    items: list[_Item] = []
    tasks: list[Task] = []
    slugs: dict[Path, Path] = {}
    for path in request.manuscripts:
        readers = request.readers if request.readers is not None else (None,)
        try:
            if step is not None:
                step(f"compiling {path.name}")
            aliases = request.saved.aliases if request.saved else ()
            template = pipeline.compile(path, aliases, request.notes)
        except Exception as error:  # a bug in one manuscript's compile must not stop the rest
            failed, status = _failure(path, error)
            for reader in readers:
                item = _Item(_outcome(path, reader), request.out_dir)
                item.outcome.error, item.outcome.exit_code = failed, status
                items.append(item)
                _report(item.outcome, progress)
            continue
        folder_key = request.out_dir / template.slug
        if folder_key in slugs:
            raise UsageError(
                f"{path} and {slugs[folder_key]} would write the same files "
                f"({template.slug}.*); rename one"
            )
        slugs[folder_key] = path
        work: list[tuple[int, Profile]] = []
        for reader in readers:
            target = request.out_dir / reader.id if reader else request.out_dir
            item = _Item(_outcome(path, reader), target, template.slug)
            items.append(item)
            try:
                profile = _profile(template, request, reader)
                saved = request.saved is not None or request.readers is not None
                item.outcome.warnings = pipeline.check_profile(
                    template, profile, path, request.strict, saved
                )
            except Exception as error:
                item.outcome.error, item.outcome.exit_code = _failure(path, error)
                _report(item.outcome, progress)
                continue
            work.append((len(items) - 1, profile))
        size = max(1, min(MAX_CHUNK, math.ceil(len(work) / max(jobs, 1))))
        for start in range(0, len(work), size):
            tasks.append(
                Task(template, request.formats, options, tuple(work[start : start + size]))
            )
    if executor_spec or (jobs > 1 and sum(len(task.items) for task in tasks) > 1):
        # The batch's own processes keep every core busy: one process per PDF (the bytes are
        # the same either way). A single item keeps the PDF's parallel parts.
        tasks = [replace(task, options=replace(task.options, pdf_workers=1)) for task in tasks]
    suffixes = [edition.suffix for edition in chosen]
    if step is not None and tasks:
        step(f"making {', '.join(edition.name for edition in chosen)}")
    for task, result in results(tasks, executor_spec, jobs):
        if isinstance(result, BaseException):  # a worker died: its items failed, the rest go on
            failed, status = _failure(None, result, "worker failed: ")
            result = [(n, None, failed, status) for n, _ in task.items]
        for number, files, message, code in result:
            item = items[number]
            if message is not None and message.startswith("error: "):
                message = f"{item.outcome.name}: {message}"
            if files is not None:
                targets = [item.target / f"{item.slug}{suffix}" for suffix in suffixes]
                try:  # the item's files all or none, written now and let go
                    write_all(list(zip(targets, files, strict=True)))
                    item.outcome.outputs.extend(targets)
                except FicpressError as error:
                    message, code = str(error), error.exit_code
            if message is not None:
                item.outcome.error, item.outcome.exit_code = message, code
            _report(item.outcome, progress)
    return [item.outcome for item in items]


def _failure(path: Path | None, error: BaseException, what: str = "") -> tuple[str, int]:
    """(one-line message, exit code) for an item that raised `error`: a FicpressError's own
    line, anything else named as the bug it is (one `error:`, whatever it says itself)."""
    if isinstance(error, FicpressError):
        if error.path is None and path is not None:
            error = type(error)(error.message, path=path, line=error.line)
        return str(error), error.exit_code
    detail = str(error).removeprefix("error: ")
    where = f"{path}: " if path is not None else ""
    return f"{where}error: {what}{type(error).__name__}: {detail}", 1


def _outcome(path: Path, reader: Reader | None) -> Outcome:
    return Outcome(str(path), reader.id if reader else None)


def _report(outcome: Outcome, progress: Callable[[Outcome], None] | None) -> None:
    if progress is not None:
        progress(outcome)


def _profile(template: EditionTemplate, request: Request, reader: Reader | None) -> Profile:
    """The item's profile: its CSV row over the saved profile and the `--reader` file, under
    `--set` flags."""
    return resolve(
        template.codes,
        request.assignments,
        request.reader_file,
        saved=request.saved.all() if request.saved else None,
        row=reader.values if reader is not None else (),
    )


def total_items(request: Request) -> int:
    """How many outcomes run() reports (for a progress bar's length)."""
    readers = len(request.readers) if request.readers is not None else 1
    return len(request.manuscripts) * readers


def failed(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if outcome.error is not None]
