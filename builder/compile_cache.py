"""Compiled stories kept on disk, so that a second build of the same story skips the compiler.

A compiled story (an `EditionTemplate`, with the writers' compiled forms it has gathered) is
pickled into the user's cache folder under a key made of everything that decides it: the
manuscript's bytes, its edition date and cover, where it is, the reader's aliases, and the
content of ficpress's own code and data files (a new version, or an edited checkout, never
reads an old entry). Entries are written to a temporary file and renamed, so concurrent
builds never see half an entry; the folder is kept under `MAX_BYTES` by dropping the
entries least recently used. An entry that cannot be read is dropped and compiled afresh.

Pickles run code when loaded, so the folder is only used when it belongs to this user and
no one else can write to it. `FICPRESS_CACHE` names another folder; `FICPRESS_CACHE=off`
(or `build --no-cache`) turns the cache off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import io
import os
import pickle
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import builder
from builder.errors import FicpressError
from builder.files import read_limited, write_whole
from builder.model import EditionTemplate, Source
from builder.resources import styles

ENVIRONMENT = "FICPRESS_CACHE"
OFF = "off"
MAX_BYTES = 512 * 1024 * 1024
"""The folder's size bound: about fifty 100,000-word novels with their EPUB forms."""
_FORMAT = b"ficpress-compiled-1"
_SUFFIX = ".pickle"


def root(environ: Mapping[str, str] | None = None) -> Path | None:
    """ficpress's cache folder (compiled stories, the site's finished PDFs), or None when
    caching on disk is off."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(ENVIRONMENT, "")
    if chosen.strip().lower() == OFF:
        return None
    if chosen:
        return Path(chosen)
    import platformdirs  # only a build that uses the cache pays for it

    return Path(platformdirs.user_cache_dir("ficpress", appauthor=False))


def folder(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where compiled stories are kept, or None when the cache is off."""
    found = root(environ)
    return found / "compiled" if found else None


def key(source: Source, slug: str, aliases: Iterable[str], notes: str | None = None) -> str:
    """The entry name of a manuscript compiled with these aliases (and the author's notes
    placed as `notes` says: `--notes`) by this ficpress."""
    digest = hashlib.sha256(_FORMAT)
    cover = source.meta.cover_image or b""
    for part in (
        code_fingerprint(),
        source.content_hash,
        str(source.modified),
        hashlib.sha256(cover).hexdigest(),
        str(source.path.resolve()),
        slug,
        f"notes={notes}",
        *sorted(aliases),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


QUICK_SUFFIX = ".quick"
QUICK_MAX_BYTES = 4 * 1024 * 1024
"""The bound of the quick keys' files (each holds an entry's name: about 60,000 of them)."""
QUICK_LARGEST = 20 * 1024 * 1024
"""Larger manuscripts are not looked up by their bytes (reading one is the parse's to refuse)."""


def quick_key(
    path: Path, aliases: Iterable[str], notes: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """A name for the manuscript at `path` made without reading it as a manuscript: its bytes,
    where it is, its modification time, SOURCE_DATE_EPOCH and ficpress's code decide all that
    the manuscript stage makes of a story without a cover (`quick_store` keeps no other).
    None when the file cannot be read as a plain file."""
    environ = os.environ if environ is None else environ
    try:
        data = read_limited(path, QUICK_LARGEST, FicpressError, "manuscript")
        status = path.stat()
        where = str(path.resolve())
    except (FicpressError, OSError):
        return None
    digest = hashlib.sha256(_FORMAT + b" quick")
    for part in (
        code_fingerprint(),
        hashlib.sha256(data).hexdigest(),
        where,
        path.stem,
        f"notes={notes}",
        f"epoch={environ.get('SOURCE_DATE_EPOCH', '')}",
        f"mtime={int(status.st_mtime)}",
        *sorted(aliases),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def quick_lookup(
    where: Path | None, path: Path, aliases: Iterable[str], notes: str | None, wanted: bool
) -> tuple[str | None, tuple[tuple[Path, str], EditionTemplate] | None]:
    """The quick key of the story at `path` (when `wanted` and the cache is on at `where`), and
    the entry (folder, name) and template it finds, if any. The pipeline wants it in a process
    that has compiled nothing yet (a command-line build): a server keeps its stories in memory."""
    if where is None or not wanted:
        return None, None
    quick = quick_key(path, aliases, notes)
    found = quick_load(where, quick) if quick else None
    return quick, ((where, found[0]), found[1]) if found else None


def quick_load(where: Path, quick: str) -> tuple[str, EditionTemplate] | None:
    """The entry's name and template that `quick_store` kept under the quick key, if any."""
    data = read_entry(where, quick + QUICK_SUFFIX)
    name = data.decode("ascii", "replace") if data else ""
    if len(name) != 64 or not all(char in "0123456789abcdef" for char in name):
        return None
    template = load(where, name)
    return (name, template) if template is not None else None


def quick_store(where: Path, name: str, quick: str, template: EditionTemplate) -> None:
    """Remember that the entry `name` holds the story under the quick key `quick`, unless the
    story has a cover: its image is a file of its own, which only the manuscript names."""
    if template.manuscript.meta.cover_image is None:
        write_entry(where, quick + QUICK_SUFFIX, name.encode("ascii"), QUICK_MAX_BYTES)


def load(where: Path, name: str) -> EditionTemplate | None:
    """The entry `name`, or None when there is none (or it cannot be trusted or read)."""
    data = read_entry(where, name + _SUFFIX)
    if data is None:
        return None
    try:
        template = pickle.loads(data)
    except Exception:  # a torn or foreign entry is only a miss
        template = None
    if not isinstance(template, EditionTemplate):
        with contextlib.suppress(OSError):
            (where / (name + _SUFFIX)).unlink()
        return None
    return template


def read_entry(where: Path, name: str) -> bytes | None:
    """The file `name` in the private folder `where`, marked as recently used; None when
    there is none or the folder cannot be trusted."""
    if not _private(where):
        return None
    entry = where / name
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # recently used: the last to be dropped
    return data


_held: dict[tuple[Path, str], tuple[int, int]] = {}
"""Per folder and suffix: the bytes its entries held at this process's last look, plus what
this process wrote since, and how many writes ago that look was."""
RESCAN_WRITES = 64
"""Writes after which a process looks at the folder again (others write into it too)."""
TRIMMED_SHARE = 0.9
"""A trim leaves this share of the limit, so the next writes do not each trim again."""


def write_entry(where: Path, name: str, data: bytes, limit: int) -> None:
    """Keep `data` as the file `name` in the private folder `where`, then keep the folder's
    files of the same suffix within `limit` bytes (a failure to write is no error: a cache).
    The folder is listed on a process's first write, every RESCAN_WRITES writes and when what
    it holds may pass the limit, not on every write: a folder of thousands of entries
    listed per write made filling it quadratic."""
    suffix = Path(name).suffix
    with contextlib.suppress(OSError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _private(where):
            write_whole(where / name, data)
            held, writes = _held.get((where, suffix), (-1, 0))
            held += len(data)
            if held < len(data) or held > limit or writes >= RESCAN_WRITES:
                _held[(where, suffix)] = (trim(where, limit, suffix), 0)
            else:
                _held[(where, suffix)] = (held, writes + 1)


def store(where: Path, name: str, template: EditionTemplate) -> None:
    """Keep `template` as the entry `name` (a failure to write is no error: it is a cache)."""
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(template)
    except pickle.PicklingError:
        return
    write_entry(where, name + _SUFFIX, buffer.getvalue(), MAX_BYTES)


class _Pickler(pickle.Pickler):
    """Pickles a dataclass made by its generated `__init__` as a call of its class with its
    fields: a novel's template has thousands of frozen dataclasses, which pickle by default
    restores each through `__setstate__` (a Python loop over its fields), twice as slow."""

    def reducer_override(self, obj: object) -> Any:  # what pickle takes: a reduction or not
        cls = type(obj)
        if cls not in _INIT_FIELDS:
            _INIT_FIELDS[cls] = _init_fields(cls)
        names = _INIT_FIELDS[cls]
        if names is None:
            return NotImplemented
        return cls, tuple(getattr(obj, name) for name in names)


_INIT_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass's generated `__init__` takes, in order; None for any other class
    (or a dataclass that checks its fields after init, or has fields `__init__` does not take)."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    generated = getattr(cls, "__dataclass_params__").init  # noqa: B009 (not in typeshed)
    if not generated or not all(field.init for field in fields):
        return None
    return tuple(field.name for field in fields)


def trim(where: Path, limit: int, suffix: str = _SUFFIX) -> int:
    """When the entries (files ending in `suffix`) hold more than `limit` bytes together, drop
    the least recently used until they hold TRIMMED_SHARE of it; the bytes left."""
    entries = []
    with os.scandir(where) as listing:
        for entry in listing:
            if entry.name.endswith(suffix):
                with contextlib.suppress(OSError):  # another process may have dropped it
                    status = entry.stat()
                    entries.append((status.st_mtime_ns, status.st_size, Path(entry.path)))
    total = sum(size for _time, size, _entry in entries)
    if total <= limit:
        return total
    for _time, size, path in sorted(entries, key=lambda found: found[:2]):
        if total <= limit * TRIMMED_SHARE:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size
    return total


def _private(where: Path) -> bool:
    """Whether `where` is a folder of this user's that no one else can write to."""
    try:
        status = where.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(status.st_mode):
        return False
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return False
    return not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


_fingerprint: str | None = None


def code_fingerprint() -> str:
    """A hash of the content of ficpress's own code, templates, stylesheets and fonts, and of
    the libraries that write part of a compiled story.

    Hashing a few megabytes on every start would cost more than it saves, so the content hash
    is remembered beside the cache under a hash of the files' names, sizes and modification
    times: reading it back is one small file, and any edit to any file gives a new one."""
    global _fingerprint
    if _fingerprint is None:
        files = _package_files()
        listing = hashlib.sha256()
        for path in files:
            status = os.stat(path)
            listing.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
        where = folder()
        remembered = where / "fingerprints" / listing.hexdigest() if where else None
        if remembered is not None and _private(remembered.parent):
            with contextlib.suppress(OSError):
                _fingerprint = remembered.read_text("ascii").strip() or None
        if _fingerprint is None:
            content = hashlib.sha256()
            for path in files:
                name = os.path.basename(path).encode()
                content.update(name + b"\0" + Path(path).read_bytes())
            _fingerprint = content.hexdigest()
            if remembered is not None:
                with contextlib.suppress(OSError):
                    remembered.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    write_whole(remembered, _fingerprint.encode("ascii"))
    return _fingerprint


COMPILE_DEPENDENCIES = ("jinja2", "markupsafe", "yaml", "lemminflect")
"""Libraries whose output goes into a compiled story: an upgrade rewrites their files, and
their modules' names, sizes and times are in the fingerprint's listing."""


def _package_files() -> list[str]:
    # Names as strings: every build lists these, and making, hashing and ordering Paths cost
    # ten times what os.walk does.
    roots = {Path(builder.__file__).resolve().parent, Path(str(styles())).resolve()}
    found: set[str] = set()
    for root in roots:
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            found.update(os.path.join(folder, name) for name in names)
    for name in COMPILE_DEPENDENCIES:
        spec = importlib.util.find_spec(name)  # finds the files without importing them
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            found.add(str(Path(spec.origin).resolve()))
    return sorted(found)
