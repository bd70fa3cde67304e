"""The pronoun stage over the story's other text too: its title, summary, chapter titles and
scene captions (`Y/N and Her Dragon`, a summary's `Y/N finds her way home`).

The stage (builder.stages.pronouns) reads scenes; here each of these texts is read as a scene
of its own, after the story's (so the names the story calls by the reader's pronouns are
known), and put back where it came from. What the stage decides is its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from builder.model import Chapter, Manuscript, Paragraph, Scene
from builder.stages import pronouns


def find(manuscript: Manuscript) -> Manuscript:
    """The pronoun stage, with the title, summary, chapter titles and captions read too."""
    return analyse(manuscript)[0]


def analyse(manuscript: Manuscript) -> tuple[Manuscript, tuple[pronouns.Decision, ...]]:
    """`pronouns.analyse` over the story and its other texts: the manuscript and decisions."""
    others = list(_others(manuscript))
    scenes = tuple(Scene(None, (paragraph,), paragraph.line) for paragraph in others)
    extra = Chapter(None, scenes, manuscript.chapters[-1].line if manuscript.chapters else 1)
    book, decisions = pronouns.analyse(replace(manuscript, chapters=(*manuscript.chapters, extra)))
    if book.chapters[-1] is extra:  # nothing was read (no `reader:`): as it was
        return manuscript, decisions
    read = iter(scene.paragraphs[0] for scene in book.chapters[-1].scenes)
    meta = manuscript.meta
    meta = replace(meta, title=next(read), summary=meta.summary and next(read))
    chapters = tuple(
        Chapter(
            chapter.title and next(read),
            tuple(
                Scene(scene.caption and next(read), scene.paragraphs, scene.line)
                for scene in chapter.scenes
            ),
            chapter.line,
        )
        for chapter in book.chapters[:-1]
    )
    return replace(book, meta=meta, chapters=chapters), decisions


def _others(manuscript: Manuscript) -> Iterator[Paragraph]:
    """The title, summary, chapter titles and captions, in the order `analyse` puts them back."""
    yield manuscript.meta.title
    if manuscript.meta.summary:
        yield manuscript.meta.summary
    for chapter in manuscript.chapters:
        if chapter.title:
            yield chapter.title
        for scene in chapter.scenes:
            if scene.caption:
                yield scene.caption
