"""Finding a story among 300 in a real browser: Debian's Chromium (Playwright) at a phone's
and an e-reader's width, searching, filtering and paging with plain links; greyscale
screenshots (as an e-ink screen shows them) are saved for a person to look at.

Set FICPRESS_SCREENSHOTS=DIR to keep the screenshots; skipped without /usr/bin/chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from benchmarks.stories import generate
from tests.serving import serving
from tests.test_browser import CHROMIUM, LAUNCH_ARGS

STORIES = 300
WIDTHS = {"phone": (390, 844), "ereader": (758, 1024)}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("catalog")
    generate(folder, STORIES, scale=0.02)
    with serving(folder, stop_timeout=30, ready_attempts=8000) as running:
        yield running.base


def shots(tmp_path: Path) -> Path:
    kept = os.environ.get("FICPRESS_SCREENSHOTS")
    folder = Path(kept) if kept else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def greyscale_screenshot(page: object, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    Image.open(path).convert("L").save(path)


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_a_reader_searches_filters_and_pages_through_300_stories(
    server: str, tmp_path: Path, device: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    width, height = WIDTHS[device]
    folder = shots(tmp_path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, java_script_enabled=False
            )
            page = context.new_page()
            page.goto(f"{server}/")
            assert "300 stories, page 1 of 12" in page.inner_text("p.count")
            # Nothing wider than the screen: no sideways scrolling on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            greyscale_screenshot(page, folder / f"catalog-{device}-{width}.png")

            page.fill("input[name='q']", "fluff")
            page.click("button:has-text('Search')")
            page.wait_for_url(re.compile(r"q=fluff"))
            total = int(re.match(r"(\d+) stor", page.inner_text("p.count")).group(1))  # type: ignore[union-attr]
            seen = page.locator("ul.stories h2 a").all_inner_texts()
            while page.locator("nav.pager a[rel='next']").count():
                page.click("nav.pager a[rel='next']")
                seen += page.locator("ul.stories h2 a").all_inner_texts()
            assert len(seen) == total and len(set(seen)) == total
            greyscale_screenshot(page, folder / f"search-last-page-{device}-{width}.png")

            page.goto(f"{server}/")
            page.click("summary:has-text('Filter and sort')")
            page.select_option("select[name='fandom']", "Star Wars")
            page.select_option("select[name='sort']", "length")
            page.click("button:has-text('Apply')")
            page.wait_for_url(re.compile(r"fandom=Star\+Wars"))
            metas = page.locator("ul.stories li p.meta:first-of-type").all_inner_texts()
            assert metas and all("Star Wars" in meta for meta in metas)
            greyscale_screenshot(page, folder / f"filtered-{device}-{width}.png")
        finally:
            browser.close()
