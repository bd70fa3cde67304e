"""Anthologies: several stories as ONE book (`ficpress build a.md b.md --anthology TITLE`, or a
collection file, `ficpress build collection.yaml`).

What chooses the stories (`Collection`) is read here; each story then goes through the same
stages as a book of its own (`pipeline.typeset`: its own legend, pronouns and typography),
`stages.parts.join` puts them together and the render stage gives each a part with its own
title page. The result is an ordinary EditionTemplate: every writer, the profile check, the
identifier and the reproducible packaging work on it unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from builder import i18n, pipeline
from builder.characters import FORBIDDEN, describe, visible
from builder.editions import EditionOptions
from builder.errors import ManuscriptError, UnfilledPlaceholderError, UsageError
from builder.files import read_limited
from builder.fill import RESERVED
from builder.model import EditionTemplate, Manuscript, Meta, PlaceholderInfo, SavedProfile, Slot
from builder.profile import resolve
from builder.stages import front_matter, manuscript, render
from builder.stages.inline import parse_text
from builder.stages.notes import PLACEMENTS
from builder.stages.parts import join
from builder.stages.placeholders import all_paragraphs, slots

MAX_COLLECTION_BYTES = 1024 * 1024
COLLECTION_SUFFIXES = frozenset({".yaml", ".yml"})
"""A file `ficpress build` takes as a collection rather than a manuscript."""
TEXT_FIELDS = ("title", "author", "summary", "language", "cover", "series", "source", "notes")
FIELDS = frozenset({*TEXT_FIELDS, "series_index", "stories"})


@dataclass(frozen=True, slots=True)
class Collection:
    """What makes an anthology: its stories in order and the book's own front matter."""

    path: Path
    """The collection file, or (from the command line) the first story: names the book in
    messages."""
    title: str
    """The book's title."""
    stories: tuple[Path, ...]
    """The stories' manuscripts, in the book's order."""
    author: str | None = None
    """The book's author line; None: the stories' authors, each named once."""
    summary: str | None = None
    """The book's blurb."""
    language: str | None = None
    """The book's language tag; None: the first story's."""
    series: tuple[str, str] | None = None
    """The series the book belongs to and its place in it, as in a manuscript's front matter."""
    source: str | None = None
    """Where the collection lives (an AO3 series page)."""
    notes: str | None = None
    """Where every story's author's notes go (`place`, `end`, `omit`; `--notes` wins); None:
    in place."""
    cover: tuple[bytes, str] | None = field(default=None, repr=False)
    """The cover image (bytes, media type); None: one is generated."""
    key: str = ""
    """What chose the stories (the collection file's bytes, or the title given): part of the
    book's identifier."""


def from_paths(paths: Sequence[Path], title: str) -> Collection:
    """The anthology the command line asks for: these stories, in this order, under `title`."""
    if not visible(title):
        raise UsageError("--anthology needs a title")
    if refused := _refused(title):
        raise UsageError(f"--anthology: the title contains {refused}")
    return Collection(paths[0], title.strip(), tuple(paths), key=f"anthology\n{title.strip()}")


def is_collection(path: Path) -> bool:
    """Whether `ficpress build` should read `path` as a collection file."""
    return path.suffix.lower() in COLLECTION_SUFFIXES


def read(path: Path) -> Collection:
    """The collection file at `path`: YAML with `title` and `stories` (paths relative to the
    file, in the book's order), and optionally `author`, `summary`, `language`, `cover`,
    `series`, `series_index` and `source`. A mistake is one error naming its line."""
    data = read_limited(path, MAX_COLLECTION_BYTES, ManuscriptError, "collection file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManuscriptError("is not UTF-8 text; save it as UTF-8", path=path) from None
    lines = text.splitlines() or [""]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        fields = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ManuscriptError(
            f"is not valid YAML: {error.problem or error.context}",
            path=path,
            line=line,
            source_line=lines[min(line, len(lines)) - 1],
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise ManuscriptError(f"cannot be read: {error}", path=path, line=1) from None
    if not isinstance(fields, dict) or not isinstance(node, yaml.MappingNode):
        raise ManuscriptError(
            "must be a mapping of fields ('title: ...', 'stories: [...]')", path=path, line=1
        )
    where = {str(key.value): (key, value) for key, value in node.value}

    def fail(name: str, message: str, item: yaml.Node | None = None) -> ManuscriptError:
        found = item or (where[name][0] if name in where else None)
        line = found.start_mark.line + 1 if found is not None else 1
        return ManuscriptError(message, path=path, line=line, source_line=lines[line - 1])

    for name in fields:
        if str(name) not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise fail(str(name), f"unknown field {str(name)!r} (a collection has: {known})")
    values: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if isinstance(value, bool | list | dict):
            raise fail(name, f"'{name}' must be text")
        if value is not None and (refused := _refused(str(value))):
            raise fail(name, f"'{name}' contains {refused}; remove it")
        values[name] = str(value).strip() if value is not None and visible(str(value)) else None
    title = values["title"]
    if title is None:
        raise fail("title", "a collection needs a 'title'")
    notes = values["notes"]
    if notes is not None and notes not in PLACEMENTS:
        raise fail("notes", f"'notes' must be one of {', '.join(PLACEMENTS)}, not {notes!r}")
    language = values["language"]
    if language is not None and not manuscript.LANGUAGE_TAG.match(language):
        raise fail("language", f"'language' must be a language tag like 'en', not {language!r}")
    series = front_matter.series(
        values["series"], fields.get("series_index"), lambda name, message: fail(name, message)
    )
    cover = None
    if values["cover"] is not None:
        line = where["cover"][0].start_mark.line + 1
        cover = manuscript.cover(values["cover"], path, line, lines[line - 1])
    return Collection(
        path=path,
        title=title,
        stories=_stories(fields.get("stories"), where.get("stories"), path, fail),
        author=values["author"],
        summary=values["summary"],
        language=language,
        series=series,
        source=values["source"],
        notes=notes,
        cover=cover,
        key=hashlib.sha256(data).hexdigest(),
    )


def _refused(text: str) -> str | None:
    """What in `text` no book can hold (a control character, a marker's reserved one)."""
    found = FORBIDDEN.search(text) or RESERVED.search(text)
    return describe(found.group()) if found else None


def _stories(
    value: Any, found: tuple[yaml.Node, yaml.Node] | None, path: Path, fail: Any
) -> tuple[Path, ...]:
    """The `stories:` list: each an existing manuscript, relative to the collection file."""
    if found is None or not isinstance(value, list) or not value:
        raise fail("stories", "a collection needs 'stories': a list of manuscript files")
    items = found[1].value
    stories: list[Path] = []
    for item, node in zip(value, items, strict=True):
        if not isinstance(item, str) or not item.strip():
            raise fail("stories", "each story must be a manuscript's file name", node)
        story = path.parent / item.strip()
        if not story.is_file():
            raise fail("stories", f"story {item.strip()!r} is not a file next to it", node)
        if story.resolve() in {known.resolve() for known in stories}:
            raise fail("stories", f"story {item.strip()!r} is listed twice", node)
        stories.append(story)
    return tuple(stories)


@dataclass(slots=True)
class Compiled:
    """An anthology compiled: the book, and what its stories want the user to know."""

    template: EditionTemplate
    """The book: an edition template like a single story's."""
    slot_stories: dict[Slot, Path]
    """The story each slot is in (their lines are the story's)."""
    warnings: list[str] = field(default_factory=list)
    """One-line warnings, each naming the story it is about."""


def compile(
    collection: Collection, aliases: Iterable[str] = (), notes: str | None = None
) -> Compiled:
    """The anthology as one edition template: each story typeset on its own, then joined.
    `notes`: where every story's author's notes go (`--notes`: place, end, omit); None: as the
    collection file says, else in place."""
    aliases = tuple(sorted(set(aliases)))
    stories: list[Manuscript] = []
    places: dict[Slot, Path] = {}
    codes: dict[str, PlaceholderInfo] = {}
    warnings: list[str] = []
    for path in collection.stories:
        source = manuscript.read(path)
        book, own_codes = pipeline.typeset(source, aliases)
        warnings.extend(
            f"{path}: line {line}: unknown front-matter field {name!r}"
            + (f" (did you mean {nearest!r}?)" if nearest else "")
            + "; it is ignored"
            for name, line, nearest in source.meta.unknown_fields
        )
        for code, info in own_codes.items():
            known = codes.setdefault(code, info)
            if known.default is None and info.default is not None:
                codes[code] = info  # a story's default serves the stories that give none
            elif info.default is not None and known.default != info.default:
                warnings.append(
                    f"{path}: {code} defaults to {info.default!r} here and to {known.default!r} "
                    "in an earlier story; the first is used (give one with --set)"
                )
        stories.append(book)
        places.update((slot, path) for slot in slots(all_paragraphs(book)) if slot not in places)
    meta = _meta(collection, [story.meta for story in stories])
    if any(story.meta.language != meta.language for story in stories):
        warnings.append(f"the stories are not all in {meta.language!r}; the book is marked so")
    own = _typeset_own(meta, collection.path)
    book, parts = join(stories, own, collection.key, collection.path)
    slug = manuscript.slugify(collection.title)
    placed = notes or collection.notes
    return Compiled(render.render(book, slug, codes, parts, placed), places, warnings)


def _meta(collection: Collection, stories: Sequence[Meta]) -> Meta:
    """The book's front matter: the collection's, with what every story shares."""
    authors = list(dict.fromkeys(meta.author for meta in stories if meta.author))
    fandoms = {meta.fandom for meta in stories}
    image, media_type = collection.cover or (None, None)
    language = collection.language or stories[0].language
    return Meta(
        title=parse_text(collection.title, 1),
        author=collection.author or (i18n.names(authors, language) if authors else None),
        language=language,
        fandom=fandoms.pop() if len(fandoms) == 1 else None,
        summary=parse_text(collection.summary, 1) if collection.summary else None,
        source=collection.source,
        # Every story's own source and credits, once each, on the book's credits page.
        credits=tuple(
            dict.fromkeys(
                item for meta in stories for item in (*filter(None, [meta.source]), *meta.credits)
            )
        ),
        cover_image=image,
        cover_type=media_type,
        series=collection.series,
    )


def _typeset_own(meta: Meta, path: Path) -> Meta:
    """The book's own title and summary through the text stages (quotes curled, codes found)."""
    book = Manuscript(replace(meta, legend=()), (), path, "", 0)
    for _, stage in pipeline.TEXT_STAGES:
        book = stage(book)
    return book.meta


def build(
    collection: Collection,
    *,
    formats: Sequence[str] = ("epub", "pdf"),
    out_dir: Path = Path("dist"),
    assignments: Sequence[str] = (),
    reader_file: Path | None = None,
    saved: SavedProfile | None = None,
    strict: bool = False,
    options: EditionOptions = pipeline.DEFAULT_OPTIONS,
    step: Callable[[str], None] | None = None,
    notes: str | None = None,
) -> pipeline.BuildResult:
    """Write the reader's editions of the anthology into `out_dir` (as `pipeline.build` does
    a story's). With `strict`, a placeholder without a value is an error naming its story;
    `notes`: where the author's notes go (`--notes`)."""
    compiled = compile(collection, saved.aliases if saved else (), notes)
    if strict:
        profile = resolve(
            compiled.template.codes, assignments, reader_file, saved=saved.all() if saved else None
        )
        missing = pipeline.unfilled(compiled.template, profile)
        if missing:
            # The book's own title and summary are the collection's: their slots are its.
            where = {slot: compiled.slot_stories.get(slot, collection.path) for slot in missing}
            story = where[missing[0]]
            places = ", ".join(
                f"{slot.written} at {slot.line}:{slot.column}"
                for slot in missing
                if where[slot] == story
            )
            raise UnfilledPlaceholderError(f"no value for {places}", path=story)
    result = pipeline.build(
        collection.path,
        formats=formats,
        out_dir=out_dir,
        assignments=assignments,
        reader_file=reader_file,
        saved=saved,
        strict=strict,
        options=options,
        step=step,
        compiled=compiled.template,
    )
    result.warnings[:0] = compiled.warnings
    return result
