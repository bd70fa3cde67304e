"""The warm PDF worker the command line forks before a build's imports: the build takes it and
lays the PDF out there (the same bytes as laid out in the process itself), and a build that
fails before taking it neither leaves it behind nor waits for it at exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder.editions.pdf.processes import PdfWorker
from builder.errors import UsageError
from tests.conftest import FULL_PROFILE, ROOT, SEED_MANUSCRIPT, problems, run_epubcheck

pytestmark = pytest.mark.skipif(not PdfWorker.available(), reason="needs fork, one thread")

VALUES = [f"--set={value}" for value in FULL_PROFILE]


def run(program: str, *arguments: str) -> list[str]:
    """`program` in a fresh interpreter (one thread, nothing imported yet, as a cold build
    starts); what it prints after `result:` (the command line prints too). The timeout
    stands for an exit that waits for a worker."""
    result = subprocess.run(
        [sys.executable, "-c", program, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    return [word for line in lines if line.startswith("result:") for word in line.split()[1:]]


def test_the_build_lays_the_pdf_out_in_the_early_worker(tmp_path: Path) -> None:
    program = (
        "import sys\n"
        "from builder.cli import main\n"
        "from builder.editions.pdf import processes\n"
        "taken = []\n"
        "original = processes.take_early\n"
        "def take_early():\n"
        "    worker = original()\n"
        "    taken.append(worker is not None)\n"
        "    return worker\n"
        "processes.take_early = take_early\n"
        "code = main(['build', sys.argv[1], '-f', 'pdf', '-o', sys.argv[2], *sys.argv[3:]])\n"
        "print('result:', code, taken, len(processes._early), 'weasyprint' in sys.modules)\n"
        "import weasyprint  # from here on, this process lays out itself\n"
        "code = main(['build', sys.argv[1], '-f', 'pdf', '-o', sys.argv[2] + '-here',\n"
        "             *sys.argv[3:]])\n"
        "print('result:', code, len(processes._early))\n"
    )
    early, here = tmp_path / "early", tmp_path / "early-here"
    printed = run(program, str(SEED_MANUSCRIPT), str(early), *VALUES)
    # The worker was started before the build, taken by it, and the layout happened there.
    assert printed == ["0", "[True]", "0", "False", "0", "0"]
    made = (early / "for-her-safety.pdf").read_bytes()
    assert made == (here / "for-her-safety.pdf").read_bytes()
    reader = PdfReader(early / "for-her-safety.pdf")
    assert len(reader.pages) > 3
    assert "Alex" in "".join(page.extract_text() for page in reader.pages)


def test_a_build_that_fails_before_taking_it_exits_without_waiting(tmp_path: Path) -> None:
    """`-f pdf,nonsense`: the worker starts (a PDF is asked for), the build refuses the
    unknown format; the worker is still there when main returns and gone at exit."""
    program = (
        "import sys\n"
        "from builder.cli import main\n"
        "from builder.editions.pdf import processes\n"
        "code = main(['build', sys.argv[1], '-f', 'pdf,nonsense', '-o', sys.argv[2]])\n"
        "print('result:', code, len(processes._early))\n"
        "print('result:', processes._early[0]._process.is_alive())\n"
    )
    printed = run(program, str(SEED_MANUSCRIPT), str(tmp_path / "out"))
    assert printed == [str(UsageError.exit_code), "1", "True"]
    assert not (tmp_path / "out").exists()


def test_an_epub_only_build_starts_no_worker(tmp_path: Path) -> None:
    program = (
        "import sys\n"
        "from builder.cli import main\n"
        "from builder.editions.pdf import processes\n"
        "started = []\n"
        "original = processes.PdfWorker.__init__\n"
        "def init(self):\n"
        "    started.append(True)\n"
        "    original(self)\n"
        "processes.PdfWorker.__init__ = init\n"
        "code = main(['build', sys.argv[1], '-f', 'epub', '-o', sys.argv[2], *sys.argv[3:]])\n"
        "print('result:', code, len(started))\n"
    )
    assert run(program, str(SEED_MANUSCRIPT), str(tmp_path), *VALUES) == ["0", "0"]
    book = tmp_path / "for-her-safety.epub"
    assert problems(run_epubcheck([book], tmp_path)[book]) == []
