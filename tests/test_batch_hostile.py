"""A batch survives any one item and its memory stays flat in the number of readers
(issue 11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from builder import pipeline
from builder.cli import main
from builder.model import Manuscript
from tests.conftest import ROOT, SEED_MANUSCRIPT

GOOD = "---\ntitle: Fine\n---\nY/N waved.\n"


def test_a_crash_while_compiling_one_manuscript_is_that_items_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage that fails on one story (a bug, not bad input: a real RecursionError) must not
    stop the batch, nor print a traceback."""

    def recurse(book: Manuscript) -> Manuscript:
        if book.meta.title.inlines and "Crash" in str(book.meta.title.inlines[0]):
            return recurse(book)
        return book

    monkeypatch.setattr(pipeline, "TEXT_STAGES", (*pipeline.TEXT_STAGES, ("recurse", recurse)))
    pipeline._templates.clear()
    crashing = tmp_path / "crash.md"
    crashing.write_text("---\ntitle: Crash\n---\nY/N waved.\n", encoding="utf-8")
    fine = tmp_path / "fine.md"
    fine.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "d"
    code = main(["build", str(crashing), str(fine), "--out", str(out), "-f", "epub"])
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"{crashing}: error: RecursionError: maximum recursion depth")
    assert "Traceback" not in captured.err and "error: error:" not in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["fine.epub"]
    pipeline._templates.clear()


PEAK = """
import resource, sys
from pathlib import Path
from builder import batch
readers = batch.read_readers(Path(sys.argv[2]))
request = batch.Request(manuscripts=(Path(sys.argv[1]),), formats=("epub",),
                        out_dir=Path(sys.argv[3]), readers=readers)
outcomes = batch.run(request, jobs=2)
assert not batch.failed(outcomes), batch.failed(outcomes)[:1]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kib(tmp_path: Path, readers: int) -> int:
    csv = tmp_path / f"readers-{readers}.csv"
    rows = "".join(f"r{n},Name{n},green,auburn\n" for n in range(readers))
    csv.write_text("id,Y/N,E/C,H/C\n" + rows, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(SEED_MANUSCRIPT), str(csv), str(tmp_path / f"o{readers}")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=True,
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_memory_stays_flat_in_the_number_of_readers(tmp_path: Path) -> None:
    """300 readers' EPUBs are 38 MB of files: the parent holding them all would show it."""
    few, many = peak_kib(tmp_path, 30), peak_kib(tmp_path, 300)
    assert len(list((tmp_path / "o300").iterdir())) == 300
    assert many - few < 12 * 1024, (few, many)
