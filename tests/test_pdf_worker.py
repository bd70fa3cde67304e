"""The cold-build PDF worker (WeasyPrint imported while the story compiles) makes the same
bytes as pipeline.personalise, and a build that fails first does not wait for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder import pipeline
from builder.editions import EDITIONS, EditionOptions, pdf
from builder.editions.pdf.processes import PdfWorker
from builder.profile import resolve
from tests.conftest import FULL_PROFILE, ROOT, SEED_MANUSCRIPT

pytestmark = pytest.mark.skipif(not PdfWorker.available(), reason="needs fork, one thread")


def test_the_worker_makes_what_personalise_makes() -> None:
    template = pipeline.compile(SEED_MANUSCRIPT)
    profile = resolve(template.codes, FULL_PROFILE)
    options = EditionOptions(page="7in")
    worker = PdfWorker()
    try:
        prepared = pdf.prepare(template, profile, pipeline.identifier(template, profile), options)
        made = worker.start(prepared, "en")()
    finally:
        worker.close()
    assert made == pipeline.personalise(template, profile, EDITIONS["pdf"], options)


def test_an_unused_worker_is_not_waited_for() -> None:
    worker = PdfWorker()
    start = time.perf_counter()
    worker.close()
    assert time.perf_counter() - start < 2
    assert not worker._process.is_alive()


def test_a_cold_command_line_build_is_byte_identical(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    values = [f"--set={value}" for value in FULL_PROFILE]
    command = [sys.executable, "-m", "builder", "build", str(SEED_MANUSCRIPT)]
    subprocess.run(
        [*command, "-o", str(tmp_path / "a"), *values],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    pipeline.build(SEED_MANUSCRIPT, out_dir=tmp_path / "b", assignments=FULL_PROFILE)
    for name in ("for-her-safety.epub", "for-her-safety.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_format_named_in_capitals_still_gets_the_warm_worker(tmp_path: Path) -> None:
    """The build decides on the worker from the editions it chose, whatever their case."""
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from builder import pipeline\n"
        "from builder.editions.pdf import processes\n"
        "started = []\n"
        "original = processes.PdfWorker.start\n"
        "def start(self, *args, **kwargs):\n"
        "    started.append(True)\n"
        "    return original(self, *args, **kwargs)\n"
        "processes.PdfWorker.start = start\n"
        "pipeline.build(Path(sys.argv[1]), formats=['PDF'], out_dir=Path(sys.argv[2]))\n"
        "print(len(started))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(SEED_MANUSCRIPT), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "1"
    assert (tmp_path / "for-her-safety.pdf").read_bytes().startswith(b"%PDF-")
