"""The "Make my ebook" page in a real browser at a phone's size: Debian's Chromium driven by
Playwright, against `python -m builder serve` on loopback, bringing a work from the local replay
of AO3 (tests/replay.py). Never downloads a browser: without /usr/bin/chromium the test is skipped.

Screenshots of the page and its result at 390 and 758 px wide, in greyscale (what an e-ink
screen shows), are left in the test's folder to be looked at."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageOps

from tests.conftest import Epub, problems, run_epubcheck
from tests.replay import Replay
from tests.serving import serving
from tests.test_browser import CHROMIUM, LAUNCH_ARGS

WORK = "https://archiveofourown.org/works/5001"
NAME = "Marisol Quintero-Vale"
PHONE = {"width": 390, "height": 844}
WIDTHS = (390, 758)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


def greyscale_screenshot(page: object, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    with Image.open(path) as shot:
        ImageOps.grayscale(shot).save(path)


def test_a_reader_on_a_phone_brings_an_ao3_link_and_downloads_epub_and_pdf(
    replay: Replay, tmp_path: Path, epubcheck_work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("FICPRESS_BRING_STORE", str(tmp_path / "brought"))
    folder = tmp_path / "manuscripts"
    folder.mkdir()
    books = tmp_path / "books"
    books.mkdir()
    with serving(folder, stop_timeout=20) as running, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                accept_downloads=True, viewport=PHONE, is_mobile=True, has_touch=True
            )
            page = context.new_page()
            page.goto(f"{running.base}/")
            page.click("text=Make my ebook")
            page.wait_for_url(f"{running.base}/make")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 844})
                greyscale_screenshot(page, tmp_path / f"make-{width}.png")
            page.set_viewport_size(PHONE)
            page.fill("input[name='address']", WORK)
            page.click("text=Fetch the story")
            page.wait_for_url(f"{running.base}/make/*")
            assert page.inner_text("h1") == "Lanterns Over the Harbor"
            page.fill("input[name='Y/N']", NAME)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 844})
                greyscale_screenshot(page, tmp_path / f"made-{width}.png")
            page.set_viewport_size(PHONE)
            saved = {}
            for edition in ("epub", "pdf"):
                with page.expect_download(timeout=60_000) as info:
                    page.click(f"button[name='format'][value='{edition}']")
                download = info.value
                assert download.suggested_filename == f"lanterns-over-the-harbor.{edition}"
                saved[edition] = books / download.suggested_filename
                download.save_as(str(saved[edition]))
        finally:
            browser.close()
    assert [r.path for r in replay.requests()] == ["/works/5001"]
    epub = saved["epub"]
    assert problems(run_epubcheck([epub], epubcheck_work)[epub]) == []
    assert NAME in Epub(epub).all_text()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(saved["pdf"]).pages)
    assert NAME in text.replace("\n", " ")
    assert "Y/N" not in text
    for name in ("make", "made"):
        for width in WIDTHS:
            with Image.open(tmp_path / f"{name}-{width}.png") as shot:
                assert shot.mode == "L" and shot.width == width
