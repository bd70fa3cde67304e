"""The commands that bring stories in from where they live: `ficpress import` and `ficpress
update` (the shortcut `ficpress build URL` is the build command's)."""

from __future__ import annotations

import argparse

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
    from builder.importers import update as updating  # the HTTP client loads only here
    from builder.importers.web import FetchOptions

    formats = formats_of(arguments)
    options = FetchOptions(cookies=arguments.cookies)
    status = 0
    for path in arguments.manuscripts:
        try:
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
