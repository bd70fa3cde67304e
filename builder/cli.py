"""The `ficpress` command line: parse arguments, call the library, report.

The only module that prints or decides an exit status. Every FicpressError becomes one
line on stderr (`PATH[:LINE]: error: ...`) and its class's exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from builder import __version__
from builder.characters import command_line
from builder.editions import EDITIONS, EditionOptions
from builder.editions.pages import PAGE_PRESETS
from builder.errors import FicpressError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one-line UsageErrors like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'ficpress {self.prog.split()[-1]} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ficpress",
        description="Personalised EPUB 3 and PDF editions of reader-insert fiction.",
    )
    parser.add_argument("--version", action="version", version=f"ficpress {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="build a reader's editions of a manuscript")
    build.add_argument(
        "manuscript",
        type=Path,
        nargs="+",
        help="the story, e.g. manuscripts/story.md (several: a batch)",
    )
    _profile_options(build)
    build.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="NAME",
        help=f"edition to write ({', '.join(EDITIONS)}); repeat or separate with commas "
        "(default: epub and pdf)",
    )
    build.add_argument(
        "--out", "-o", type=Path, default=Path("dist"), help="output folder (default: dist)"
    )
    build.add_argument(
        "--page",
        default="6in",
        metavar="SIZE",
        help=f"PDF page size: {', '.join(PAGE_PRESETS)} (default: 6in, a 6-inch e-ink screen)",
    )
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail when a placeholder the story uses has no value",
    )
    build.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="build a batch in N processes (default: 1; `0`: one per core)",
    )
    build.add_argument(
        "--readers",
        type=Path,
        metavar="CSV",
        help="one edition per reader into OUT/<id>/: a CSV file with a header like id,Y/N,E/C",
    )
    build.add_argument(
        "--executor",
        metavar="dask://HOST:PORT",
        help="run the batch on a Dask cluster (pip install 'ficpress[dask]')",
    )

    commands.add_parser("placeholders", help="list the placeholders a story uses").add_argument(
        "manuscript", type=Path
    )

    send = commands.add_parser(
        "send", help="put a reader's edition on a connected e-reader, or mail it to a Kindle"
    )
    send.add_argument("manuscript", type=Path, help="the story, e.g. manuscripts/story.md")
    _profile_options(send)
    where = send.add_mutually_exclusive_group()
    where.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help="the e-reader's folder (its root: the format and folder follow the device)",
    )
    where.add_argument(
        "--device",
        choices=["auto"],
        help="find the one connected e-reader (see 'ficpress devices')",
    )
    send.add_argument(
        "--kindle-email",
        metavar="ADDRESS",
        help="mail the EPUB to this Send to Kindle address (server: FICPRESS_SMTP_* variables)",
    )
    send.add_argument(
        "--format",
        metavar="NAME",
        help=f"override the device's format ({', '.join(EDITIONS)})",
    )
    send.add_argument(
        "--folder",
        metavar="DIR",
        help="folder on the device, from its root (default: where its library looks)",
    )

    commands.add_parser("devices", help="list connected e-readers and the format each gets")

    importing = commands.add_parser(
        "import", help="turn a story copied from Tumblr, AO3 or a notes app into a manuscript"
    )
    importing.add_argument("source", type=Path, help="a .txt, .md or saved .html page")
    importing.add_argument(
        "--out",
        "-o",
        type=Path,
        default=Path("manuscripts"),
        help="folder for the manuscript (default: manuscripts)",
    )
    importing.add_argument("--title", help="the story's title (default: the page's or the text's)")
    importing.add_argument("--author", help="who wrote it (default: the page's author or blog)")
    importing.add_argument(
        "--force", action="store_true", help="replace a manuscript of the same name"
    )

    lint = commands.add_parser("lint", help="check manuscripts for slips: codes, typos, quotes")
    lint.add_argument("manuscripts", type=Path, nargs="+", metavar="MANUSCRIPT")
    lint.add_argument(
        "--format", choices=["text", "json"], default="text", help="output format (default: text)"
    )

    serve = commands.add_parser("serve", help="run the download site and OPDS catalog")
    serve.add_argument(
        "--manuscripts",
        type=Path,
        default=Path("manuscripts"),
        metavar="DIR",
        help="the folder of stories to offer (default: manuscripts)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--pdf-workers", type=int, default=1, metavar="N", help="PDF layout processes (default: 1)"
    )
    return parser


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        "-s",
        action="append",
        default=[],
        metavar="CODE=VALUE",
        dest="assignments",
        help="a reader value, e.g. --set Y/N=Alex (repeatable; beats --reader)",
    )
    parser.add_argument(
        "--reader",
        type=Path,
        metavar="FILE",
        help='a reader profile: a TOML file of "CODE" = "value" lines',
    )


def _build(arguments: argparse.Namespace) -> int:
    formats = [
        name for option in (arguments.format or ["epub,pdf"]) for name in option.split(",") if name
    ]
    batch = arguments.readers or arguments.executor or arguments.jobs is not None
    if batch or len(arguments.manuscript) > 1:
        return _batch(arguments, formats)
    from builder import pipeline  # the command line's help and errors need none of it

    manuscript = arguments.manuscript[0]
    result = pipeline.build(
        manuscript,
        formats=formats,
        out_dir=arguments.out,
        assignments=arguments.assignments,
        reader_file=arguments.reader,
        strict=arguments.strict,
        options=EditionOptions(page=arguments.page),
    )
    for warning in result.warnings:
        print(f"{manuscript}: warning: {warning}", file=sys.stderr)
    for output in result.outputs:
        print(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB)")
    for error in result.errors:
        print(f"ficpress: {error}", file=sys.stderr)
    return max((error.exit_code for error in result.errors), default=0)


def _batch(arguments: argparse.Namespace, formats: list[str]) -> int:
    """Many manuscripts and/or readers: each failure is reported and the others go on."""
    from builder import batch  # the pool, the CSV reader and Dask load only for a batch

    request = batch.Request(
        manuscripts=tuple(arguments.manuscript),
        formats=tuple(formats),
        out_dir=arguments.out,
        assignments=tuple(arguments.assignments),
        reader_file=arguments.reader,
        readers=batch.read_readers(arguments.readers) if arguments.readers else None,
        strict=arguments.strict,
        options=EditionOptions(page=arguments.page),
    )
    jobs = arguments.jobs if arguments.jobs is not None else 1
    bar: Any = None
    if sys.stderr.isatty():  # a progress bar only for a person watching
        from tqdm import tqdm

        bar = tqdm(total=batch.total_items(request), unit="book", file=sys.stderr, leave=False)
    say = bar.write if bar is not None else print

    def report(outcome: batch.Outcome) -> None:
        who = f" (reader {outcome.reader})" if outcome.reader else ""
        for warning in outcome.warnings:
            say(f"{outcome.name}{who}: warning: {warning}", file=sys.stderr)
        if outcome.error is not None:
            say(f"{outcome.error}{who}", file=sys.stderr)
        for output in outcome.outputs:
            say(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB)", file=sys.stdout)
        if bar is not None:
            bar.update(1)

    try:
        outcomes = batch.run(request, jobs=jobs, executor_spec=arguments.executor, progress=report)
    finally:
        if bar is not None:
            bar.close()
    failures = batch.failed(outcomes)
    if failures:
        print(f"ficpress: {len(failures)} of {len(outcomes)} failed", file=sys.stderr)
        return max(outcome.exit_code for outcome in failures)
    return 0


def _placeholders(arguments: argparse.Namespace) -> int:
    from builder import pipeline

    template = pipeline.compile(arguments.manuscript)
    rows = pipeline.usage(template)
    if not rows:
        print("This story uses no placeholders.")
        return 0
    width = max(len(code) for code, *_ in rows)
    for code, label, count, default in rows:
        hint = f" (default: {default})" if default else ""
        print(f"{code:<{width}}  {label}, used {count}x{hint}")
    return 0


def _send(arguments: argparse.Namespace) -> int:
    from builder import send
    from builder.send import devices

    destination = send.plan(
        arguments.to, arguments.device == "auto", arguments.kindle_email, arguments.format
    )
    for warning in destination.warnings:
        print(warning, file=sys.stderr)
    story = send.prepare(arguments.manuscript, arguments.assignments, arguments.reader)
    for warning in story.warnings:
        print(f"{arguments.manuscript}: warning: {warning}", file=sys.stderr)
    device, edition = destination.device, destination.edition
    if device is not None and edition is not None:
        free = devices.size_text(devices.free_space(device.root))
        print(f"{device.root}: {device.kind.label}, {free} free")
        copied = send.to_device(story, device, edition, arguments.folder)
        size = devices.size_text(copied.size)
        if copied.status == "unchanged":
            print(f"{copied.path} is already this edition; left as it is")
        elif copied.status == "replaced":
            print(f"replaced {copied.path} with the new edition ({size})")
        else:
            print(f"copied {copied.path} ({size})")
    if destination.address is not None and destination.server is not None:
        server = destination.server
        sent = send.to_kindle(story, destination.address, server)
        print(
            f"mailed {sent.filename} ({devices.size_text(sent.size)}) to {sent.address} "
            f"through {sent.server}; Amazon delivers it only if {server.sender} is on your "
            "approved senders list"
        )
    return 0


def _devices(arguments: argparse.Namespace) -> int:
    from builder.send import devices

    patterns = devices.mount_patterns()
    found = devices.find(patterns)
    if not found:
        print(
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
        print(f"{device.kind.label:<{width}}  {device.root}: {gets}; {free} free")
    return 0


def _import(arguments: argparse.Namespace) -> int:
    from builder.importers import import_story  # lxml loads only for this command

    result = import_story(
        arguments.source,
        arguments.out,
        title=arguments.title,
        author=arguments.author,
        force=arguments.force,
    )
    print("\n".join(result.report))
    return 0


def _lint(arguments: argparse.Namespace) -> int:
    from builder import lint

    status = 0
    findings = []
    for path in arguments.manuscripts:
        try:
            findings.extend(lint.check(path))
        except FicpressError as error:  # one unreadable manuscript does not hide the others
            print(error, file=sys.stderr)
            status = max(status, error.exit_code)
    print(lint.report(findings, arguments.format), end="")
    print(lint.summary(findings), file=sys.stderr)
    if any(finding.severity == "error" for finding in findings):
        status = max(status, 1)
    return status


def _serve(arguments: argparse.Namespace) -> int:
    if not arguments.manuscripts.is_dir():
        raise UsageError(f"{arguments.manuscripts}: no such folder of manuscripts")
    if arguments.pdf_workers < 1:
        raise UsageError("--pdf-workers must be at least 1")
    from builder import serve  # Starlette and uvicorn load only for this command

    serve.run(arguments.manuscripts, arguments.host, arguments.port, arguments.pdf_workers)
    return 0


COMMANDS = {
    "build": _build,
    "placeholders": _placeholders,
    "send": _send,
    "devices": _devices,
    "import": _import,
    "lint": _lint,
    "serve": _serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    try:
        arguments = _parser().parse_args(command_line(argv))
        return COMMANDS[arguments.command](arguments)
    except FicpressError as error:
        prefix = "" if error.path is not None else "ficpress: "
        print(f"{prefix}{error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("ficpress: interrupted", file=sys.stderr)
        return 130


def main_entry() -> None:
    """The console script's entry point."""
    sys.exit(main())
