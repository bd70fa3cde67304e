"""The `ficpress` command line: parse arguments, call the library, report.

The only package that prints or decides an exit status. Every FicpressError becomes one
line on stderr (`PATH[:LINE]: error: ...`) and its class's exit code; never a traceback.
`parser` is the grammar, `commands` and `profiles` the commands, `console` what -q/-v let
through.
"""

# PYTHON_ARGCOMPLETE_OK  (shell completion: see `ficpress completion --help`)

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from builder.characters import command_line
from builder.cli import commands, importing, profiles
from builder.cli.console import Console
from builder.cli.parser import parser
from builder.errors import FicpressError

Command = Callable[[argparse.Namespace, Console], int]
COMMANDS: dict[str, Command] = {
    "build": commands.build,
    "placeholders": commands.placeholders,
    "pronouns": commands.pronouns,
    "send": commands.send,
    "devices": commands.devices,
    "import": importing.import_,
    "update": importing.update,
    "lint": commands.lint,
    "serve": commands.serve,
    "profile": profiles.profile,
    "completion": profiles.completion,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit status."""
    console = Console()
    try:
        grammar = parser()
        _complete(grammar)
        arguments = grammar.parse_args(command_line(argv))
        console.verbosity = arguments.verbose - arguments.quiet
        return COMMANDS[arguments.command](arguments, console)
    except FicpressError as error:
        prefix = "" if error.path is not None else "ficpress: "
        console.error(f"{prefix}{error}")
        return error.exit_code
    except KeyboardInterrupt:
        console.error("ficpress: interrupted")
        return 130


def _complete(grammar: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request and exit (does nothing otherwise)."""
    import os

    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(grammar)


def main_entry() -> None:
    """The console script's entry point."""
    sys.exit(main())
