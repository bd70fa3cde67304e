"""The command line's commands: each turns parsed arguments into library calls and reports
through the Console (what -q and -v let through). Heavy imports happen inside each command,
so that `ficpress --help` and a failing argument cost nothing."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder import config
from builder.cli.console import Console
from builder.editions import EDITIONS, EditionOptions
from builder.errors import FicpressError, UsageError
from builder.model import SavedProfile

if TYPE_CHECKING:
    from builder.anthology import Collection
    from builder.pipeline import BuildResult


def saved_profile(arguments: argparse.Namespace, console: Console) -> SavedProfile | None:
    """The reader's saved profile: `--profile NAME`, or the one in use (None: none saved)."""
    profiles = config.Profiles(config.path())
    saved = profiles.get(arguments.profile)
    if saved is not None:
        console.detail(f"{profiles.path}: using profile {saved.name!r}")
    return saved


def assignments(arguments: argparse.Namespace) -> list[str]:
    """The `--set` values, with `--pronouns SET` as one more (`--set pronouns=SET`)."""
    found = list(arguments.assignments)
    if arguments.pronouns is not None:
        found.append(f"pronouns={arguments.pronouns}")
    return found


def formats_of(arguments: argparse.Namespace) -> list[str]:
    """`--format` given repeated or comma-separated; epub and pdf when not given."""
    chosen = arguments.format or ["epub,pdf"]
    return [name for option in chosen for name in option.split(",") if name]


def build(arguments: argparse.Namespace, console: Console) -> int:
    if any(isinstance(source, str) for source in arguments.manuscript):
        return _build_address(arguments, console)
    formats = formats_of(arguments)
    batch = arguments.readers or arguments.executor or arguments.jobs is not None
    if batch and (arguments.anthology is not None or _collection_files(arguments)):
        raise UsageError(
            "an anthology is one book: --readers, --jobs and --executor are for batches"
        )
    collection = collection_of(arguments)
    if collection is not None:
        return _anthology(arguments, console, formats, collection)
    if batch or len(arguments.manuscript) > 1:
        return _batch(arguments, console, formats)
    if "pdf" in (name.strip().lower() for name in formats):
        from builder.editions.pdf import processes  # the warm PDF worker: before the imports

        processes.start_early()
    from builder import pipeline  # the command line's help and errors need none of it

    manuscript = arguments.manuscript[0]
    saved = saved_profile(arguments, console)
    result = pipeline.build(
        manuscript,
        formats=formats,
        out_dir=arguments.out,
        assignments=assignments(arguments),
        reader_file=arguments.reader,
        saved=saved,
        strict=arguments.strict,
        options=EditionOptions(page=arguments.page, scenes=arguments.scenes),
        step=console.step,
        cache=arguments.cache,
        notes=arguments.notes,
    )
    return _report(result, manuscript, console)


def _report(result: BuildResult, manuscript: object, console: Console) -> int:
    """What a build wrote, warned about and failed to make; the exit status."""
    console.done()
    for warning in result.warnings:
        console.warn(f"{manuscript}: warning: {warning}")
    for output in result.outputs:
        console.info(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB)")
    for error in result.errors:
        console.error(f"ficpress: {error}")
    return max((error.exit_code for error in result.errors), default=0)


def _collection_files(arguments: argparse.Namespace) -> list[Path]:
    """The collection files (`.yaml`, `.yml`) among the manuscripts given."""
    return [path for path in arguments.manuscript if path.suffix.lower() in (".yaml", ".yml")]


def collection_of(arguments: argparse.Namespace) -> Collection | None:
    """The one book several stories make, as `build` and `send` take it: a collection file on
    its own, or manuscripts with `--anthology TITLE` (None: neither was asked for)."""
    files = _collection_files(arguments)
    if arguments.anthology is None and not files:
        return None
    if files and (arguments.anthology is not None or len(arguments.manuscript) > 1):
        raise UsageError("a collection file is built on its own (its title and stories are in it)")
    from builder import anthology  # the command line's help and errors need none of it

    if files:
        return anthology.read(files[0])
    return anthology.from_paths(arguments.manuscript, arguments.anthology)


def _anthology(
    arguments: argparse.Namespace, console: Console, formats: list[str], collection: Collection
) -> int:
    """One book of several stories: `--anthology TITLE` with manuscripts, or a collection."""
    from builder import anthology

    result = anthology.build(
        collection,
        saved=saved_profile(arguments, console),
        formats=formats,
        out_dir=arguments.out,
        assignments=assignments(arguments),
        reader_file=arguments.reader,
        strict=arguments.strict,
        options=EditionOptions(page=arguments.page, scenes=arguments.scenes),
        step=console.step,
        notes=arguments.notes,
    )
    return _report(result, _book_name(arguments, collection), console)


def _book_name(arguments: argparse.Namespace, collection: Collection | None) -> object:
    """What names the book in messages: its manuscript or collection file, or the title an
    anthology of several manuscripts was given."""
    return collection.title if collection and arguments.anthology else arguments.manuscript[0]


def _build_address(arguments: argparse.Namespace, console: Console) -> int:
    """`ficpress build URL`: import the story into manuscripts/ (as `ficpress import` does),
    then build what it wrote."""
    from builder.importers.shortcut import manuscripts_for  # the HTTP client loads only here

    if len(arguments.manuscript) > 1:
        raise UsageError("build takes one address at a time, and no manuscripts with it")
    paths, report = manuscripts_for(arguments.manuscript[0], Path("manuscripts"))
    console.info("\n".join(report))
    arguments.manuscript = paths
    return build(arguments, console)


def _batch(arguments: argparse.Namespace, console: Console, formats: list[str]) -> int:
    """Many manuscripts and/or readers: each failure is reported and the others go on."""
    from builder import batch  # the pool, the CSV reader and Dask load only for a batch

    request = batch.Request(
        manuscripts=tuple(arguments.manuscript),
        formats=tuple(formats),
        out_dir=arguments.out,
        assignments=tuple(assignments(arguments)),
        reader_file=arguments.reader,
        saved=saved_profile(arguments, console),
        readers=batch.read_readers(arguments.readers) if arguments.readers else None,
        strict=arguments.strict,
        options=EditionOptions(page=arguments.page, scenes=arguments.scenes),
        notes=arguments.notes,
    )
    jobs = arguments.jobs if arguments.jobs is not None else 1
    bar: Any = None
    if sys.stderr.isatty() and console.verbosity >= 0:  # a bar only for a person watching
        from tqdm import tqdm

        bar = tqdm(total=batch.total_items(request), unit="book", file=sys.stderr, leave=False)

    def report(outcome: batch.Outcome) -> None:
        who = f" (reader {outcome.reader})" if outcome.reader else ""
        lines = [(console.warn, f"{outcome.name}{who}: warning: {w}") for w in outcome.warnings]
        if outcome.error is not None:
            lines.append((console.error, f"{outcome.error}{who}"))
        for output in outcome.outputs:
            size = output.stat().st_size / 1024
            lines.append((console.info, f"wrote {output} ({size:.0f} KiB)"))
        for say, line in lines:
            if bar is not None:  # above the bar, which tqdm then draws again
                with bar.external_write_mode():
                    say(line)
            else:
                say(line)
        if bar is not None:
            bar.update(1)

    # The bar counts finished books; before the first, it shows the step under way. (A thread
    # ticking its clock would make the pool spawn instead of fork: see fork_is_safe.)
    try:
        outcomes = batch.run(
            request,
            jobs=jobs,
            executor_spec=arguments.executor,
            progress=report,
            step=bar.set_postfix_str if bar is not None else console.detail,
        )
    finally:
        if bar is not None:
            bar.close()
    failures = batch.failed(outcomes)
    if failures:
        console.error(f"ficpress: {len(failures)} of {len(outcomes)} failed")
        return max(outcome.exit_code for outcome in failures)
    return 0


def placeholders(arguments: argparse.Namespace, console: Console) -> int:
    from builder import pipeline
    from builder.profile import resolve

    saved = saved_profile(arguments, console)
    aliases = saved.aliases if saved else {}
    if arguments.manuscript.suffix.lower() in (".yaml", ".yml"):  # a collection: the whole book
        from builder import anthology

        template = anthology.compile(anthology.read(arguments.manuscript), aliases).template
    else:
        template = pipeline.compile(arguments.manuscript, aliases)
    rows = pipeline.usage(template)
    if not rows:
        console.out("This story uses no placeholders.")
        return 0
    profile = resolve(
        template.codes,
        assignments(arguments),
        arguments.reader,
        saved=saved.all() if saved else None,
    )
    origins = {
        "default": "the story's default",
        "profile": f"profile {saved.name}" if saved else "profile",
        "reader file": str(arguments.reader),
        "flag": "--set",
    }
    width = max(len(code) for code, *_ in rows)
    for code, label, count, _default in rows:
        found = profile.values.get(code)
        value = (
            f"{found.value!r} from {origins.get(found.origin, found.origin)}"
            if found
            else "no value"
        )
        console.out(f"{code:<{width}}  {label}, used {count}x: {value}")
    return 0


def pronouns(arguments: argparse.Namespace, console: Console) -> int:
    from builder import pipeline

    written, decisions = pipeline.pronoun_decisions(arguments.manuscript)
    if written not in ("she", "he", "you") and not decisions:  # nothing written out either
        console.out(
            "This story does not say how it writes the reader: add 'reader: {pronouns: she}' "
            "(or he, or you for a second-person story) to its front matter."
            if written is None
            else f"This story writes the reader as {written!r}: nothing to find (ficpress "
            "finds a she, he or you reader's words)."
        )
        return 0
    if not decisions:
        console.out(f"No pronoun of the reader's set ({written}) and no gendered word found.")
        return 0
    for decision in decisions:
        where = f"{decision.line}:{decision.column}"
        if not decision.certain:
            verdict = "uncertain, stays as written"
        elif decision.reader:
            verdict = "the reader's"
        else:
            verdict = "someone else's"
        console.out(
            f"{where:<9} {decision.written:<10} {decision.role:<5} {verdict}: {decision.why}"
        )
    found = [decision for decision in decisions if decision.reader and decision.certain]
    unsure = sum(1 for decision in decisions if not decision.certain)
    console.out(
        f"{len(found)} reader words follow the reader's pronouns; {unsure} uncertain; "
        f"{len(decisions) - len(found) - unsure} left to others."
    )
    return 0


def send(arguments: argparse.Namespace, console: Console) -> int:
    from builder import send
    from builder.send import devices

    destination = send.plan(
        arguments.to, arguments.device == "auto", arguments.kindle_email, arguments.format
    )
    for warning in destination.warnings:
        console.warn(warning)
    saved = saved_profile(arguments, console)
    collection = collection_of(arguments)
    if collection is None and len(arguments.manuscript) > 1:
        raise UsageError("send takes one book: make the stories one with --anthology TITLE")
    book = collection or arguments.manuscript[0]
    story = send.prepare(book, assignments(arguments), arguments.reader, saved)
    for warning in story.warnings:
        console.warn(f"{_book_name(arguments, collection)}: warning: {warning}")
    device, edition = destination.device, destination.edition
    if device is not None and edition is not None:
        free = devices.size_text(devices.free_space(device.root))
        console.info(f"{device.root}: {device.kind.label}, {free} free")
        copied = send.to_device(story, device, edition, arguments.folder)
        size = devices.size_text(copied.size)
        if copied.status == "unchanged":
            console.info(f"{copied.path} is already this edition; left as it is")
        elif copied.status == "replaced":
            console.info(f"replaced {copied.path} with the new edition ({size})")
        else:
            console.info(f"copied {copied.path} ({size})")
    if destination.address is not None and destination.server is not None:
        server = destination.server
        sent = send.to_kindle(story, destination.address, server)
        console.info(
            f"mailed {sent.filename} ({devices.size_text(sent.size)}) to {sent.address} "
            f"through {sent.server}; Amazon delivers it only if {server.sender} is on your "
            "approved senders list"
        )
    return 0


def devices(arguments: argparse.Namespace, console: Console) -> int:
    from builder.send import devices

    patterns = devices.mount_patterns()
    found = devices.find(patterns)
    if not found:
        console.out(
            f"No e-reader found in {', '.join(patterns)}. Connect one (and choose 'Connect' on "
            "its screen), or give its folder: ficpress send STORY --to PATH"
        )
        return 0
    width = max(len(device.kind.label) for device in found)
    for device in found:
        name = devices.edition_name(device)
        place = f"{device.kind.folder}/" if device.kind.folder else "the root"
        if name is None:
            gets = "AZW3 needs Calibre, not installed (or: ficpress send STORY --kindle-email)"
        else:
            gets = f"gets {name} ({EDITIONS[name].suffix}) in {place}"
        free = devices.size_text(devices.free_space(device.root))
        console.out(f"{device.kind.label:<{width}}  {device.root}: {gets}; {free} free")
    return 0


def lint(arguments: argparse.Namespace, console: Console) -> int:
    from builder import lint

    status = 0
    findings = []
    for path in arguments.manuscripts:
        try:
            findings.extend(lint.check(path))
        except FicpressError as error:  # one unreadable manuscript does not hide the others
            console.error(str(error))
            status = max(status, error.exit_code)
    report = lint.report(findings, arguments.format)
    if report:
        console.out(report.rstrip("\n"))
    if console.verbosity >= 0:
        print(lint.summary(findings), file=sys.stderr)
    if any(finding.severity == "error" for finding in findings):
        status = max(status, 1)
    return status


def serve(arguments: argparse.Namespace, console: Console) -> int:
    if not arguments.manuscripts.is_dir():
        raise UsageError(f"{arguments.manuscripts}: no such folder of manuscripts")
    if arguments.pdf_workers < 1:
        raise UsageError("--pdf-workers must be at least 1")
    if arguments.allow_uploads and len(os.environ.get("FICPRESS_ADMIN_TOKEN", "").strip()) < 16:
        raise UsageError(
            "--allow-uploads needs FICPRESS_ADMIN_TOKEN, a secret of 16 characters or more"
        )
    from builder.cli.site import run_site  # Starlette and uvicorn load only when serving

    run_site(arguments, console)
    return 0
