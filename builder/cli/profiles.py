"""`ficpress profile ...`: the reader's saved details, and `ficpress completion SHELL`."""

from __future__ import annotations

import argparse

from builder import config
from builder.cli.console import Console
from builder.errors import UsageError
from builder.profile import parse_assignment
from builder.stages.placeholders import CODE_SYNTAX, canonical


def profile(arguments: argparse.Namespace, console: Console) -> int:
    profiles = config.Profiles(config.path())
    action = arguments.action
    if action == "list":
        names = profiles.names()
        if not names:
            console.out(f"No saved profiles in {profiles.path}. {FIRST_STEP}")
        current = profiles.current()
        for name in names:
            console.out(f"{'*' if name == current else ' '} {name}")
        return 0
    if action == "show":
        saved = profiles.get(arguments.name)
        if saved is None:
            console.out(f"No saved profile in {profiles.path}. {FIRST_STEP}")
            return 0
        console.out(f"# profile {saved.name} ({profiles.path})")
        width = max((len(code) for code in saved.values), default=0)
        for code, value in saved.values.items():
            console.out(f"{code:<{width}}  {value}")
        return 0
    if action == "set":
        name = arguments.profile or profiles.current()
        pairs = [_assignment(text) for text in arguments.assignments]
        profiles.set(name, pairs)
        profiles.save()
        console.info(f"saved {', '.join(code for code, _ in pairs)} in profile {name!r}")
        return 0
    if action == "unset":
        name = arguments.profile or profiles.current()
        codes = [_code(text) for text in arguments.codes]
        missing = profiles.unset(name, codes)
        profiles.save()
        for code in missing:
            console.warn(f"{profiles.path}: warning: profile {name!r} had no {code}")
        return 0
    if action == "delete":
        profiles.delete(arguments.name)
        profiles.save()
        console.info(f"deleted profile {arguments.name!r}")
        return 0
    profiles.use(arguments.name)
    profiles.save()
    console.info(f"profile {arguments.name!r} is used when none is named")
    return 0


FIRST_STEP = "Save your details once: ficpress profile set Y/N=YOUR-NAME E/C=COLOUR"


def _assignment(text: str) -> tuple[str, str]:
    code, value = parse_assignment(text)
    return code, value


def _code(text: str) -> str:
    code = canonical(text)
    if not CODE_SYNTAX.match(code):
        raise UsageError(f"{text!r} is not a placeholder code like Y/N")
    return code


def completion(arguments: argparse.Namespace, console: Console) -> int:
    from argcomplete.shell_integration import shellcode

    console.out(shellcode(["ficpress"], shell=arguments.shell).rstrip("\n"))
    return 0
