"""Line breaking in the PDF, measured from the word positions in the written file (poppler's
pdftotext): no word hyphenated across a page turn, no hyphenation fragment of two letters,
and word gaps in justified lines over 2.5x the book's median flagged and kept rare."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.longstory import generate
from builder import pipeline
from builder.editions import EditionOptions
from builder.editions.pages import PAGE_PRESETS
from tests.conftest import FULL_PROFILE, SEED_MANUSCRIPT
from tests.pdf_lines import PDFTOTEXT, faults

pytestmark = pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils is not installed")


@pytest.mark.parametrize("page", list(PAGE_PRESETS))
def test_the_seed_breaks_cleanly_on_every_page_size(page: str, tmp_path: Path) -> None:
    result = pipeline.build(
        SEED_MANUSCRIPT,
        formats=["pdf"],
        out_dir=tmp_path,
        assignments=FULL_PROFILE,
        options=EditionOptions(page=page),
    )
    found = faults(result.outputs[0], PAGE_PRESETS[page])
    assert found.lines > 100 and found.page_turns >= 4
    assert found.hyphenated_turns == []
    assert found.short_fragments == []
    assert found.wide_gaps == []


def test_a_novel_breaks_cleanly(tmp_path: Path) -> None:
    # A generated novel of 30,000 words (random words: harder to justify than prose), long
    # enough to be laid out in parts, each reflowing its own page turns as it makes them.
    story = generate(tmp_path, words=30_000, chapters=10, scenes=30)
    result = pipeline.build(story, formats=["pdf"], out_dir=tmp_path, options=EditionOptions())
    found = faults(result.outputs[0], PAGE_PRESETS["6in"])
    assert found.page_turns > 150
    # Even a paragraph that needs a line more without hyphenation loses it: the pages after
    # it are not laid out yet when its page is made again.
    assert found.hyphenated_turns == []
    assert found.short_fragments == []
    assert len(found.wide_gaps) <= found.lines // 200, found.wide_gaps


def test_page_turns_are_fixed_within_one_layout(tmp_path: Path) -> None:
    # A short novel laid out as one document: WeasyPrint lays it out once, and only the pages
    # that would end in a hyphenated word are made a second time.
    import weasyprint.document
    import weasyprint.layout.page

    from builder.editions.pdf import layout

    layout.load()
    layout._install_page_turn_hook()
    layouts, made = [], []
    lay_out_document = weasyprint.document.layout_document
    make_page = weasyprint.layout.page.make_page

    def counted_layout(*args: object, **kwargs: object) -> object:
        layouts.append(1)
        return lay_out_document(*args, **kwargs)

    def counted_page(*args: object, **kwargs: object) -> object:
        made.append(args[4])  # the page number
        return make_page(*args, **kwargs)

    story = generate(tmp_path, words=12_000, chapters=3, scenes=6)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint.document, "layout_document", counted_layout)
        patch.setattr(weasyprint.layout.page, "make_page", counted_page)
        result = pipeline.build(story, formats=["pdf"], out_dir=tmp_path, options=EditionOptions())
    found = faults(result.outputs[0], PAGE_PRESETS["6in"])
    assert found.page_turns > 50
    assert found.hyphenated_turns == []
    assert layouts == [1]
    remade = len(made) - len(set(made))
    assert 0 < remade < len(set(made)) // 5
