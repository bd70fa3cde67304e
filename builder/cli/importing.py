"""The commands that bring stories in from where they live: `ficpress import` and `ficpress
update` (the shortcut `ficpress build URL` is the build command's)."""

from __future__ import annotations

import argparse
from pathlib import Path

from builder.cli.commands import formats_of
from builder.cli.console import Console
from builder.errors import FicpressError


def import_(arguments: argparse.Namespace, console: Console) -> int:
    from builder.importers import import_story  # lxml loads only for this command

    result = import_story(
        arguments.source,
        arguments.out,
        title=arguments.title,
        author=arguments.author,
        force=arguments.force,
        cookies=arguments.cookies,
    )
    console.info("\n".join(result.report))
    return 0


def update(arguments: argparse.Namespace, console: Console) -> int:
    """Each manuscript in turn; one that fails is reported and the others go on."""
    from builder import anthology
    from builder.importers import update as updating  # the HTTP client loads only here
    from builder.importers.web import FetchOptions

    formats = formats_of(arguments)
    options = FetchOptions(cookies=arguments.cookies)
    status = 0
    for path in arguments.manuscripts:
        try:
            if anthology.is_collection(path):
                status = max(status, _update_collection(path, arguments, console))
                continue
            result = updating.update(path, options)
        except FicpressError as error:
            if len(arguments.manuscripts) == 1:
                raise
            console.error(str(error))
            status = max(status, error.exit_code)
            continue
        console.info("\n".join(f"{path}: {line}" for line in result.report))
        if arguments.build and result.new_chapters:
            from builder import pipeline

            built = pipeline.build(path, formats=formats, out_dir=arguments.out, step=console.step)
            console.done()
            for output in built.outputs:
                console.info(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB)")
    return status


def _update_collection(path: Path, arguments: argparse.Namespace, console: Console) -> int:
    """A collection file: its series or masterlist fetched again (builder.importers.
    update_collection); with --build, its book rebuilt when anything changed."""
    from builder import anthology
    from builder.importers.update_collection import update_collection
    from builder.importers.web import FetchOptions

    result = update_collection(path, FetchOptions(cookies=arguments.cookies))
    console.info("\n".join(result.report))
    for error in result.failures:
        console.error(str(error))
    if arguments.build and result.changed:
        built = anthology.build(
            anthology.read(path),
            formats=formats_of(arguments),
            out_dir=arguments.out,
            step=console.step,
        )
        console.done()
        for output in built.outputs:
            console.info(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB)")
    return max((error.exit_code for error in result.failures), default=0)
