"""The one orchestrator: the stages in order, the compile cache, `personalise` and `build`.

compile(path) runs every stage that does not depend on the reader and keeps the result
(an EditionTemplate) by manuscript content; personalise() has one edition fill and package
the template for one reader (what `build`, `send`, batch runs and the site all call, so their
files are identical); build() resolves the reader's profile and writes the asked editions.
"""

from __future__ import annotations

import sys
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from builder import compile_cache
from builder import pronouns as reader_pronouns
from builder.editions import EDITIONS, Edition, EditionOptions
from builder.editions.output import write_all
from builder.errors import (
    EditionError,
    FicpressError,
    MissingLibraryError,
    UnfilledPlaceholderError,
    UsageError,
)
from builder.model import (
    EditionTemplate,
    FormKey,
    Manuscript,
    PlaceholderInfo,
    Profile,
    SavedProfile,
    Slot,
    Source,
)
from builder.profile import resolve
from builder.stages import (
    placeholders,
    pronoun_headings,
    pronoun_marks,
    pronoun_syntax,
    pronouns,
    scenes,
    typography,
)

if TYPE_CHECKING:
    from builder.editions.pdf.processes import PdfWorker

# The text stages between reading and rendering, in order (markdown-it style: named, small).
TEXT_STAGES: tuple[tuple[str, Callable[[Manuscript], Manuscript]], ...] = (
    ("placeholders", placeholders.find),
    ("pronoun syntax", pronoun_syntax.find),
    ("pronouns", pronoun_headings.find),  # pronouns.find over titles and captions too
    ("pronoun marks", pronoun_marks.strip),
    ("typography", typography.apply),
)
TEMPLATE_CACHE_SIZE = 64
DEFAULT_OPTIONS = EditionOptions()
IDENTIFIER_NAMESPACE = uuid.UUID("6f1c1f50-6c0a-4d1e-9a57-1c3f1f7d2b10")

_MemoryKey = tuple[str, int, str, tuple[str, ...], str | None]
_templates: OrderedDict[_MemoryKey, EditionTemplate] = OrderedDict()


def compile(
    path: Path, aliases: Collection[str] = (), notes: str | None = None, *, disk: bool = True
) -> EditionTemplate:
    """The manuscript at `path` compiled into an edition template (cached by content, in
    memory and, unless `disk` is False, in the user's cache folder: builder.compile_cache),
    with the reader's `aliases` (texts their profile maps to values) found as slots too, and
    the author's notes placed as `notes` says (`place`, `end`, `omit`; None: as the story
    says)."""
    return _compiled(path, aliases, disk, notes)[0]


_Entry = tuple[Path, str] | None
"""Where a template is kept on disk (folder, entry name), if it is."""


def _compiled(
    path: Path, aliases: Collection[str], disk: bool, notes: str | None = None
) -> tuple[EditionTemplate, _Entry]:
    aliases = tuple(sorted(set(aliases)))
    where = compile_cache.folder() if disk else None
    quick, found = compile_cache.quick_lookup(where, path, aliases, notes, not _templates)
    if found is not None:
        key = _memory_key(found[1].manuscript, found[1].slug, aliases, notes)
        return _remember(key, found[1]), found[0]
    from builder.stages import manuscript  # YAML and the front matter's checks: a parse only

    source = manuscript.read(path)
    slug = manuscript.slugify(path.stem)
    entry = (where, compile_cache.key(source, slug, aliases, notes)) if where else None
    key = _memory_key(source, slug, aliases, notes)
    if (cached := _templates.get(key)) is not None:
        _templates.move_to_end(key)
        return cached, entry
    template = compile_cache.load(*entry) if entry else None
    if template is None:
        template = _compile(source, slug, aliases, notes)
        if entry:
            compile_cache.store(*entry, template)
    if entry and quick:
        compile_cache.quick_store(*entry, quick, template)
    return _remember(key, template), entry


def _memory_key(
    read: Source | Manuscript, slug: str, aliases: tuple[str, ...], notes: str | None
) -> _MemoryKey:
    """What a template is kept under in memory (the same for its source and its compiled form)."""
    return read.content_hash, read.modified, slug, aliases, notes


def _remember(key: _MemoryKey, template: EditionTemplate) -> EditionTemplate:
    """Keep `template` in memory, the least recently compiled dropped past the bound."""
    _templates[key] = template
    if len(_templates) > TEMPLATE_CACHE_SIZE:
        _templates.popitem(last=False)
    return template


def _compile(
    source: Source, slug: str, aliases: tuple[str, ...], notes: str | None = None
) -> EditionTemplate:
    book, codes = typeset(source, aliases)
    from builder.stages import render  # Jinja2: only a build that compiles pays for it

    return render.render(book, slug, codes, notes=notes)


def typeset(
    source: Source, aliases: Sequence[str] = ()
) -> tuple[Manuscript, dict[str, PlaceholderInfo]]:
    """A read manuscript through the stages before rendering (scenes, then the text stages),
    and its code table (an anthology runs each of its stories through this)."""
    book = scenes.split(source)
    for name, stage in TEXT_STAGES:
        book = stage(book)
        if name == "placeholders" and aliases:
            book = placeholders.find_aliases(book, aliases)
    codes = placeholders.table(source.meta)
    codes.update({alias: placeholders.alias_info(alias) for alias in aliases})
    return book, codes


def identifier(template: EditionTemplate, profile: Profile) -> str:
    """A stable identifier for this story with these values (not random: builds reproduce)."""
    used = sorted(codes_used(template))
    values = "\n".join(f"{code}={profile.get(code) or ''}" for code in used)
    name = f"{template.manuscript.content_hash}\n{values}"
    return f"urn:uuid:{uuid.uuid5(IDENTIFIER_NAMESPACE, name)}"


def editions(names: Sequence[str]) -> list[Edition]:
    """The editions called `names` (any case), or a UsageError naming the unknown one."""
    chosen = []
    for name in names:
        edition = EDITIONS.get(name.strip().lower())
        if edition is None:
            known = ", ".join(EDITIONS)
            raise UsageError(f"unknown format {name!r}; choose from {known}")
        if edition not in chosen:
            chosen.append(edition)
    return chosen


def check_tools(chosen: Sequence[Edition], options: EditionOptions) -> None:
    """Fail before anything is written when an option is unknown or a tool is missing."""
    from builder.editions import pages

    pages.preset(options.page)
    if any(edition.name == "azw3" for edition in chosen):
        from builder.editions import azw3

        if azw3.converter() is None:
            raise EditionError(azw3.INSTALL_HINT)


@dataclass(slots=True)
class BuildResult:
    """What a build wrote and what it wants the user to know."""

    outputs: list[Path] = field(default_factory=list)
    """The files written, in the order of the formats asked for."""
    warnings: list[str] = field(default_factory=list)
    """One-line warnings (without the `warning:` prefix)."""
    errors: list[FicpressError] = field(default_factory=list)
    """Editions that could not be made for want of a system library (the others were
    written): the build failed, and says so after listing what it wrote."""


def check_profile(
    template: EditionTemplate, profile: Profile, path: Path, strict: bool, saved: bool = True
) -> list[str]:
    """Warnings about the profile's fit to the story; with `strict`, missing values raise.
    `saved`: whether the reader has a saved profile (if not, the warning says how to save one)."""
    warnings = [
        f"line {line}: unknown front-matter field {name!r}"
        + (f" (did you mean {nearest!r}?)" if nearest else "")
        + "; it is ignored"
        for name, line, nearest in template.manuscript.meta.unknown_fields
    ]
    missing = unfilled(template, profile)
    if missing and strict:
        places = ", ".join(f"{slot.written} at {slot.line}:{slot.column}" for slot in missing)
        raise UnfilledPlaceholderError(f"no value for {places}", path=path)
    if missing:
        counts = Counter(slot.code for slot in missing)
        listed = ", ".join(f"{code} ({count}x)" for code, count in sorted(counts.items()))
        warnings.append(
            f"{len(missing)} placeholders have no value and stay as written: {listed}; "
            "give values with --set CODE=VALUE"
            + ("" if saved else ", or save yours once: ficpress profile set Y/N=YOUR-NAME")
        )
    language = template.manuscript.meta.language
    warnings += placeholders.ending_warnings(template.slots, profile.get, language)
    used = codes_used(template)
    for code, value in profile.values.items():
        if value.origin == "flag" and code not in used:
            warnings.append(f"--set {code}: this story does not use {code}")
    return warnings


def unfilled(template: EditionTemplate, profile: Profile) -> list[Slot]:
    """The slots that have no value in `profile` (they print as written); the reader's
    pronouns are not missing when not chosen: the story reads as the author wrote it."""
    return [
        slot
        for slot in template.slots
        if profile.get(slot.code) is None and not reader_pronouns.is_pronoun_slot(slot.code)
    ]


def codes_used(template: EditionTemplate) -> frozenset[str]:
    """The profile keys the story's slots read: codes, and `PRONOUNS` for pronoun slots (found
    once per template: every reader's identifier reads them)."""
    slots = template.slots
    return template.forms.get(CODES_USED, None, lambda: frozenset(_key(s.code) for s in slots))


CODES_USED: FormKey[frozenset[str]] = FormKey("codes-used")


def _key(code: str) -> str:
    return reader_pronouns.KEY if reader_pronouns.is_pronoun_slot(code) else code


def pronoun_decisions(path: Path) -> tuple[str | None, tuple[pronouns.Decision, ...]]:
    """How the story writes the reader, and every decision the pronoun stage takes on it
    (`ficpress pronouns STORY`)."""
    from builder.stages import manuscript

    source = manuscript.read(path)
    book, written_out = pronoun_syntax.analyse(placeholders.find(scenes.split(source)))
    decided = pronoun_headings.analyse(book)[1]
    found = sorted((*written_out, *decided), key=lambda d: (d.line, d.column))
    return source.meta.reader_pronouns, tuple(found)


def build(
    path: Path,
    *,
    formats: Sequence[str] = ("epub", "pdf"),
    out_dir: Path = Path("dist"),
    assignments: Sequence[str] = (),
    reader_file: Path | None = None,
    saved: SavedProfile | None = None,
    strict: bool = False,
    options: EditionOptions = DEFAULT_OPTIONS,
    step: Callable[[str], None] | None = None,
    cache: bool = True,
    compiled: EditionTemplate | None = None,
    notes: str | None = None,
) -> BuildResult:
    """Write the reader's editions of the manuscript at `path` into `out_dir`, with values from
    `--set` assignments, a reader file and the reader's `saved` profile (None: they have none;
    its aliases are found in the text too). `step` hears what is being done, as it starts
    (for a person watching a long build). `cache` False: the story is compiled afresh and
    nothing is kept on disk (`--no-cache`). `compiled`: the book already compiled (an
    anthology, builder.anthology), `path` then only names it in messages. `notes`: where the
    author's notes go (`--notes`).

    A PDF's layout starts in a warm worker process when that saves time (see
    builder.editions.pdf.processes), while this process makes the other editions."""
    chosen = editions(formats)
    check_tools(chosen, options)
    say = step or (lambda text: None)
    with _pdf_worker(any(edition.name == "pdf" for edition in chosen)) as worker:
        say(f"compiling {path.name}")
        if compiled is not None:
            template, entry = compiled, None
        else:
            template, entry = _compiled(path, saved.aliases if saved else (), cache, notes)
        forms = len(template.forms)
        profile = resolve(
            template.codes, assignments, reader_file, saved=saved.all() if saved else None
        )
        result = BuildResult(
            warnings=check_profile(template, profile, path, strict, saved is not None)
        )
        result.warnings.extend(font_warnings(template))
        waiting: dict[str, Callable[[], bytes]] = {}
        if worker is not None:
            from builder.editions import pdf

            prepared = pdf.prepare(template, profile, identifier(template, profile), options)
            waiting["pdf"] = worker.start(prepared, template.manuscript.meta.language)
        files: list[tuple[Path, bytes]] = []
        for edition in chosen:
            target = out_dir / f"{template.slug}{edition.suffix}"
            say(f"making {target.name}" + _pdf_parts(template, edition, options))
            try:
                if edition.name in waiting:
                    data = waiting[edition.name]()
                else:
                    data = personalise(template, profile, edition, options)
            except MissingLibraryError as error:  # the other editions are still written
                result.errors.append(error)
                continue
            files.append((target, data))
    if not files and result.errors:
        raise result.errors[0]
    write_all(files)  # every file or none, with the folder locked
    result.outputs.extend(path for path, _ in files)
    if entry and len(template.forms) > forms:  # the next build skips the writers' compiling too
        compile_cache.store(*entry, template)
    return result


def font_warnings(template: EditionTemplate) -> list[str]:
    """Scripts in the story (its cover's text and the PDF's) with no font installed."""
    from builder.editions import fonts

    return fonts.missing(fonts.characters(template), template.manuscript.meta.language)


def _pdf_parts(template: EditionTemplate, edition: Edition, options: EditionOptions) -> str:
    """` (8 parts on 2 cores)` for a PDF laid out in parts, else nothing."""
    if edition.name != "pdf":
        return ""
    from builder.editions.pdf import parts, processes

    count = len(parts.plan(template.book))
    if count <= 1:
        return ""
    return f" ({count} parts on {min(count, options.pdf_workers or processes.cores())} cores)"


@contextmanager
def _pdf_worker(wanted: bool) -> Iterator[PdfWorker | None]:
    """A warm PDF worker, started now, when a PDF is wanted and WeasyPrint is not loaded in
    this process yet (once it is, a worker saves nothing); None otherwise."""
    worker = None
    if wanted and "weasyprint" not in sys.modules:
        from builder.editions.pdf.processes import PdfWorker, take_early

        worker = take_early()  # started by the command line, before this module was imported
        if worker is None and PdfWorker.available():
            worker = PdfWorker()
    try:
        yield worker
    finally:
        if worker is not None:
            worker.close()


def personalise(
    template: EditionTemplate,
    profile: Profile,
    edition: Edition,
    options: EditionOptions = DEFAULT_OPTIONS,
) -> bytes:
    """One reader's edition of a compiled story, as bytes (what `build`, the download site
    and batch runs all call, so their files are identical)."""
    return edition.writer()(template, profile, identifier(template, profile), options)


UNDECLARED_LABEL = "not in the legend"
"""The label of a code the story uses without declaring it (filled all the same)."""


def usage(template: EditionTemplate) -> list[tuple[str, str, int, str | None]]:
    """The codes the story uses: (code, label, count, default), in order of first use."""
    counts = Counter(_key(slot.code) for slot in template.slots)
    rows: list[tuple[str, str, int, str | None]] = []
    for code, count in counts.items():
        if code == reader_pronouns.KEY:
            rows.append((code, reader_pronouns.LABEL, count, None))
            continue
        info = template.codes.get(code)
        label = info.label if info else UNDECLARED_LABEL
        rows.append((code, label, count, info.default if info else None))
    return rows
