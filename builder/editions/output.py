"""Writing an edition set: every file or none, and one writer per folder at a time.

`write_all` writes each file to a hidden temporary file beside its target
(`.NAME.XXXXXXXX.ficpress-tmp`); only when every one is written are they renamed into place,
together, while the folder is locked. A failure while writing (a full disk, a read-only folder)
removes every temporary file and leaves the folder as it was. A file being replaced is first
linked to a backup, so that a rename failing half-way puts the old files back.

The lock (an `flock` on the folder itself where there is one, else an exclusive lock file)
makes two builds into one folder take turns: a reader's EPUB is never left beside another
reader's PDF. Holding it, a writer also removes the temporary files a crashed writer left for
the same targets (nothing else can be writing them then).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from builder.errors import OutputError

TEMPORARY = ".ficpress-tmp"
BACKUP = ".ficpress-old"
LOCK_FILE = ".ficpress.lock"
"""Only where `flock` is missing (Windows): an exclusive lock file, removed after."""
LOCK_PATIENCE = 120.0
"""Seconds to wait for another writer's lock (file fallback) before saying so."""
STALE_LOCK = 600.0
"""A fallback lock file older than this was left by a crash."""


def write_all(files: Sequence[tuple[Path, bytes]], mode: int = 0o644) -> None:
    """Write every (path, data) in one folder, all or nothing, or raise an OutputError; the
    files get permissions `mode` (the user's config: 0o600)."""
    if not files:
        return
    folder = files[0][0].parent
    if any(path.parent != folder for path, _ in files):
        raise ValueError("write_all writes into one folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write here: {error.strerror}", path=folder) from None
    with locked(folder):
        remove_stale(folder, [path.name for path, _ in files])
        temporaries: list[Path] = []
        try:
            for path, data in files:
                temporaries.append(_write_temporary(path, data, mode))
        except OSError as error:
            for temporary in temporaries:
                temporary.unlink(missing_ok=True)
            raise OutputError(f"cannot write: {error.strerror}", path=path) from None
        _rename_together(
            [(temporary, path) for temporary, (path, _) in zip(temporaries, files, strict=True)]
        )


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY, dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _rename_together(moves: Sequence[tuple[Path, Path]]) -> None:
    """Rename every temporary file over its target; if one rename fails, undo the others."""
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for _, target in moves:
            if target.exists():
                backup = target.with_name(f".{target.name}.{os.getpid()}{BACKUP}")
                backup.unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # no hard links here: no undo for this one
                    os.link(target, backup)
                    backups[target] = backup
        for temporary, target in moves:
            os.replace(temporary, target)
            done.append(target)
    except OSError as error:
        for target in done:
            if target in backups:
                with contextlib.suppress(OSError):
                    os.replace(backups.pop(target), target)
            else:
                target.unlink(missing_ok=True)
        for temporary, _ in moves:
            temporary.unlink(missing_ok=True)
        failed = moves[len(done)][1] if len(done) < len(moves) else moves[-1][1]
        raise OutputError(f"cannot write: {error.strerror}", path=failed) from None
    finally:
        for backup in backups.values():
            backup.unlink(missing_ok=True)


def remove_stale(folder: Path, names: Sequence[str]) -> list[Path]:
    """Remove the temporary and backup files a crashed writer left for files called `names`
    (ours, and the `.NAME.XXXXXXXX` of versions before 0.2); call only holding the lock."""
    patterns = [
        re.compile(
            rf"\.{re.escape(name)}\.(?:[a-z0-9_]{{8}}(?:{re.escape(TEMPORARY)})?"
            rf"|\d+{re.escape(BACKUP)})"
        )
        for name in names
    ]
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if any(pattern.fullmatch(entry.name) for pattern in patterns):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder's writer lock (waiting for another writer to finish)."""
    try:
        import fcntl
    except ImportError:  # Windows
        with _lock_file(folder):
            yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise OutputError(f"cannot write here: {error.strerror}", path=folder) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # a file system without flock on folders (some network shares)
            with _lock_file(folder):
                yield
            return
        yield
    finally:
        os.close(handle)  # closing releases the lock


@contextlib.contextmanager
def _lock_file(folder: Path) -> Iterator[None]:
    lock = folder / LOCK_FILE
    waited = time.monotonic()
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - lock.stat().st_mtime > STALE_LOCK:
                    lock.unlink()
                    continue
            if time.monotonic() - waited > LOCK_PATIENCE:
                raise OutputError(
                    f"another ficpress is writing here (or remove {LOCK_FILE})", path=folder
                ) from None
            time.sleep(0.05)
        except OSError as error:
            raise OutputError(f"cannot write here: {error.strerror}", path=folder) from None
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
