"""A build's files are written all or nothing, under a lock on their folder; a crash leaves
nothing that lasts, and PDF layout processes end with the build (issue 11)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks import longstory
from builder import pipeline
from builder.editions import output
from builder.errors import OutputError
from tests.conftest import ROOT, SEED_MANUSCRIPT

PYTHON = [sys.executable, "-m", "builder"]


def story(folder: Path) -> Path:
    path = folder / "story.md"
    shutil.copy(SEED_MANUSCRIPT, path)
    return path


def test_a_full_disk_leaves_nothing_and_keeps_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OSError(ENOSPC) injected where the bytes reach the disk, once the first file is written:
    the second file fails, the first is removed, and the previous build's files are untouched."""
    out = tmp_path / "dist"
    path = story(tmp_path)
    pipeline.build(path, formats=["epub", "kepub"], out_dir=out, assignments=["Y/N=Old"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    budget = [len(before["story.epub"]) + 4096]
    real_fdopen = os.fdopen

    class Disk:
        """A file whose writes fail with ENOSPC when the disk's space runs out."""

        def __init__(self, file: Any) -> None:
            self.file = file

        def write(self, data: bytes) -> int:
            budget[0] -= len(data)
            if budget[0] < 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return int(self.file.write(data))

        def __enter__(self) -> Disk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Disk(real_fdopen(*a, **k)))
    with pytest.raises(OutputError, match="No space left on device"):
        pipeline.build(path, formats=["epub", "kepub"], out_dir=out, assignments=["Y/N=New"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def in_tmpfs(mount: Path, options: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    """`command` run in a mount namespace of its own, with a tmpfs (`options`) on `mount`
    holding the folder `d`; prints `status=N` and then the folder's files."""
    script = (
        'mount -t tmpfs -o "${2#ro,}" tmpfs "$1" || exit 77; mkdir "$1/d"; '
        'case "$2" in ro*) mount -o remount,ro "$1" || exit 77;; esac; shift 2; "$@"; '
        'echo "status=$?"; ls -A "$OUT"'
    )
    mount.mkdir()
    environment = {**os.environ, "OUT": str(mount / "d"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script, "sh", str(mount), options, *command],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    if done.returncode == 77 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    return done


def after_status(done: subprocess.CompletedProcess[str], status: int) -> list[str]:
    lines = done.stdout.splitlines()
    assert f"status={status}" in lines, done
    return lines[lines.index(f"status={status}") + 1 :]


NEEDS_UNSHARE = pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")


@NEEDS_UNSHARE
def test_a_small_tmpfs_gets_all_or_nothing(tmp_path: Path) -> None:
    """A real full disk: a 200 KiB tmpfs holds the EPUB (128 KiB) but not the PDF as well."""
    out = tmp_path / "small" / "d"
    command = [*PYTHON, "build", str(story(tmp_path)), "--out", str(out), "--set", "Y/N=Alex"]
    done = in_tmpfs(tmp_path / "small", "size=200k", command)
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and "No space left on device" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert after_status(done, 2) == []  # the folder is empty


@NEEDS_UNSHARE
def test_a_read_only_folder_is_one_line_and_no_broken_pipe(tmp_path: Path) -> None:
    """The PDF worker has laid out a book nobody will write: it ends quietly."""
    out = tmp_path / "ro" / "d"
    command = [*PYTHON, "build", str(story(tmp_path)), "--out", str(out), "--set", "Y/N=Alex"]
    done = in_tmpfs(tmp_path / "ro", "ro,size=1m", command)
    assert [line for line in done.stderr.splitlines() if ": warning: " not in line] == [
        f"{out / 'story.epub'}: error: cannot write: Read-only file system"
    ]
    assert after_status(done, 2) == []


def test_stale_temporary_files_are_removed_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    stale = [out / ".story.epub.abcd1234", out / ".story.epub.k2x9_q1z.ficpress-tmp"]
    kept = [out / ".story.epub.notes", out / ".other.epub.abcd1234", out / "mine.txt"]
    for file in stale + kept:
        file.write_bytes(b"half a book")
    pipeline.build(story(tmp_path), formats=["epub"], out_dir=out)
    assert not any(file.exists() for file in stale)
    assert all(file.exists() for file in kept)
    assert (out / "story.epub").exists()


def names(book: Path) -> set[str]:
    with zipfile.ZipFile(book) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xhtml"))
    return {name for name in ("Alexandra", "Samantha") if name.encode() in text}


def test_two_builds_into_one_folder_never_mix_their_files(tmp_path: Path) -> None:
    """Two processes build the same story for two readers into one folder, again and again;
    whenever the folder is looked at (under its lock), both files are one reader's."""
    path = story(tmp_path)
    out = tmp_path / "dist"
    loop = (
        "import sys; from pathlib import Path; from builder import pipeline\n"
        "for _ in range(12):\n"
        "    pipeline.build(Path(sys.argv[1]), formats=['epub', 'kepub'],\n"
        "                   out_dir=Path(sys.argv[2]), assignments=[sys.argv[3]])\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", loop, str(path), str(out), f"Y/N={name}"])
        for name in ("Alexandra", "Samantha")
    ]
    seen: list[set[str]] = []
    deadline = time.monotonic() + 120
    while any(writer.poll() is None for writer in writers) and time.monotonic() < deadline:
        if (out / "story.kepub.epub").exists():
            with output.locked(out):
                epub, kepub = names(out / "story.epub"), names(out / "story.kepub.epub")
            assert epub == kepub and len(epub) == 1, (epub, kepub)
            seen.append(epub)
        time.sleep(0.01)
    assert [writer.wait(10) for writer in writers] == [0, 0]
    assert len(seen) > 5


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_layout_processes_die_with_a_killed_build(tmp_path: Path) -> None:
    path = longstory.generate(tmp_path, words=45_000, chapters=12, scenes=24)
    build = subprocess.Popen(
        [*PYTHON, "build", str(path), "-f", "pdf", "--out", str(tmp_path / "d")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    family: set[int] = set()
    while len(family) < 3 and time.monotonic() < deadline:  # the worker and its parts
        family = descendants(build.pid)
        time.sleep(0.05)
    assert len(family) >= 3, "the build never started its part processes"
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 2
    while any(alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in family)


def test_without_pango_the_epub_is_written_and_the_pdf_named_as_missing(tmp_path: Path) -> None:
    """WeasyPrint's Pango made unloadable for real: the dynamic loader finds an empty file
    called libpango first. One line says what to install; the EPUB asked for is written."""
    broken = tmp_path / "lib"
    broken.mkdir()
    (broken / "libpango-1.0.so.0").write_bytes(b"")
    environment = {**os.environ, "LD_LIBRARY_PATH": str(broken)}
    out = tmp_path / "d"
    done = subprocess.run(
        [*PYTHON, "build", str(story(tmp_path)), "--out", str(out), "--set", "Y/N=Alex"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if ": warning: " not in line]
    assert len(errors) == 1 and errors[0].startswith("ficpress: error: the PDF needs Pango")
    assert "apt install libpango-1.0-0" in errors[0]
    assert done.stdout.startswith(f"wrote {out / 'story.epub'}")
    assert sorted(p.name for p in out.iterdir()) == ["story.epub"]
