"""The download site in a real browser: Debian's Chromium driven by Playwright, against
`python -m builder serve` on loopback. Never downloads a browser: without /usr/bin/chromium the
test is skipped (`.ci/run` installs it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED_MANUSCRIPT, Epub, problems, run_epubcheck
from tests.serving import serving

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
    with serving(folder, stop_timeout=20) as running:
        yield running.base


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
