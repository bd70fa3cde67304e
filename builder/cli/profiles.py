"""`ficpress profile ...`: the reader's saved details, and `ficpress completion SHELL`."""

from __future__ import annotations

import argparse

from builder import config
from builder.cli.console import Console
from builder.errors import UsageError
from builder.profile import check_value, is_key, parse_assignment
from builder.stages.placeholders import canonical


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
        for alias, value in saved.aliases.items():
            console.out(f"alias {alias!r} -> {value}")
        return 0
    if action == "set":
        name = arguments.profile or profiles.current()
        pairs = [parse_assignment(text) for text in arguments.assignments]
        aliases = [_alias(text) for text in arguments.aliases]
        if not pairs and not aliases:
            raise UsageError(
                "give CODE=VALUE or --alias TEXT=VALUE (see 'ficpress profile set -h')"
            )
        profiles.set(name, pairs, aliases)
        profiles.save()
        names = [code for code, _ in pairs] + [repr(alias) for alias, _ in aliases]
        console.info(f"saved {', '.join(names)} in profile {name!r}")
        return 0
    if action == "unset":
        name = arguments.profile or profiles.current()
        codes = [_code(text) for text in arguments.codes]
        missing = profiles.unset(name, codes, [alias.strip() for alias in arguments.aliases])
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


def _alias(text: str) -> tuple[str, str]:
    alias, equals, value = text.rpartition("=")
    if not equals:
        raise UsageError(f"--alias {text!r}: write it as TEXT=VALUE, e.g. --alias Reader-chan=Alex")
    alias = config.check_alias(alias, UsageError)
    return alias, check_value(alias, value.strip(), UsageError)


def _code(text: str) -> str:
    code = canonical(text)
    if not is_key(code):
        raise UsageError(f"{text!r} is not a placeholder code like Y/N")
    return code


def completion(arguments: argparse.Namespace, console: Console) -> int:
    from argcomplete.shell_integration import shellcode

    console.out(shellcode(["ficpress"], shell=arguments.shell).rstrip("\n"))
    return 0
