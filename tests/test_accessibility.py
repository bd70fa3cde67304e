"""DAISY Ace on our EPUB: 0 violations. Runs where Ace and Chromium are installed (see
../shared/reference/ereader-facts.md for the install); skipped elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder import pipeline
from builder.editions import EditionOptions
from tests.conftest import FULL_PROFILE, SEED_MANUSCRIPT


def ace_script() -> Path | None:
    npm = shutil.which("npm")
    chromium = shutil.which("chromium")
    if npm is None or chromium is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
    script = Path(root.stdout.strip()) / "@daisy" / "ace" / "bin" / "ace-puppeteer.js"
    return script if script.exists() else None


ACE = ace_script()


CHAPTERS = Path(__file__).parent / "cases" / "chapters" / "input" / "story.md"


@pytest.mark.skipif(ACE is None, reason="DAISY Ace (npm @daisy/ace) and Chromium are not installed")
@pytest.mark.parametrize(
    ("story", "edition", "scenes"),
    [
        (SEED_MANUSCRIPT, "epub", "separate"),
        (SEED_MANUSCRIPT, "kepub", "separate"),
        (CHAPTERS, "epub", "separate"),
        (CHAPTERS, "epub", "inline"),
        (CHAPTERS, "kepub", "inline"),
    ],
)
def test_ace_finds_no_violations(tmp_path: Path, story: Path, edition: str, scenes: str) -> None:
    assert ACE is not None
    book = pipeline.build(
        story,
        formats=[edition],
        out_dir=tmp_path,
        assignments=FULL_PROFILE,
        options=EditionOptions(scenes=scenes),
    ).outputs[0]
    assert ace_violations(book, tmp_path / "ace") == []


def ace_violations(book: Path, out: Path) -> list[str]:
    """What DAISY Ace reports on `book` (its report written to `out`): the titles of the
    failed checks, plus `outcome: fail` when the book fails without a listed check."""
    assert ACE is not None
    environment = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(shutil.which("chromium"))}
    subprocess.run(
        ["node", str(ACE), "-o", str(out), "-f", str(book)],
        env=environment,
        capture_output=True,
        check=True,
        timeout=300,
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    violations = [
        test["earl:test"]["dct:title"]
        for assertion in report["assertions"]
        for test in assertion.get("assertions", [])
        if test["earl:result"]["earl:outcome"] != "pass"
    ]
    if report["earl:result"]["earl:outcome"] != "pass" and not violations:
        violations.append("outcome: fail")
    return violations
