"""The download site in a real browser: Debian's Chromium driven by Playwright, against
`python -m builder serve` on loopback. Never downloads a browser: without /usr/bin/chromium the
test is skipped (`.ci/run` installs it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_MANUSCRIPT, Epub, problems, run_epubcheck

CHROMIUM = Path("/usr/bin/chromium")
NAME = 'Zoë <b>&amp; "Bob"'
SHOWN = "Zoë <b>&amp; “Bob”"  # the book's typography: straight quotes become curly ones
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "manuscripts"
    folder.mkdir()
    shutil.copy(SEED_MANUSCRIPT, folder / "for-her-safety.md")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "builder", "serve", "--manuscripts", str(folder)]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                with urllib.request.urlopen(f"{base}/opds", timeout=5):
                    break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_reader_downloads_their_edition_in_chromium(
    server: str, tmp_path: Path, epubcheck_work: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{server}/")
            page.click("text=For Her Safety")
            page.wait_for_url(f"{server}/stories/for-her-safety")
            page.fill("input[name='Y/N']", NAME)
            page.screenshot(path=str(tmp_path / "story-page.png"), full_page=True)
            with page.expect_download() as info:
                page.click("button[name='format'][value='epub']")
            download = info.value
            assert download.suggested_filename == "for-her-safety.epub"
            book = tmp_path / "for-her-safety.epub"
            download.save_as(str(book))
        finally:
            browser.close()
    assert (tmp_path / "story-page.png").stat().st_size > 0
    assert problems(run_epubcheck([book], epubcheck_work)[book]) == []
    text = Epub(book).all_text()
    assert SHOWN in text
    assert "Y/N" not in text
