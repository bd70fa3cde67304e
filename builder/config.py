"""The user's config file: saved reader profiles (and the `[smtp]` table builder.send.mail reads).

It is `config.toml` in the platform's config folder (`~/.config/ficpress/` on Linux, honouring
XDG_CONFIG_HOME; `~/Library/Application Support/ficpress/` on macOS; `%APPDATA%\\ficpress\\`
on Windows), or the file named by FICPRESS_CONFIG:

    profile = "kylo"        # the profile used when none is named; without it, [reader]

    [reader]                # the default profile
    "Y/N" = "Alex"
    "E/C" = "green"
    pronouns = "they"       # she, he, they, or five forms: xe/xem/xyr/xyrs/xemself

    [reader.aliases]        # any text met in stories, printed as the value
    "Reader-chan" = "Alex"

    [profiles.kylo]         # a named one: --profile kylo
    "Y/N" = "Rey"

Edits keep the file's comments and order (tomlkit) and are written atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import platformdirs
import tomlkit
import tomlkit.exceptions
from tomlkit.items import Table

from builder.editions.output import write_all
from builder.errors import ProfileError, UsageError
from builder.files import read_limited
from builder.model import SavedProfile
from builder.profile import check_value, is_key
from builder.pronouns import KEY
from builder.stages.placeholders import canonical

DEFAULT = "default"
"""The name of the `[reader]` table's profile."""
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
USE_KEY = "profile"
MAX_CONFIG_BYTES = 1024 * 1024
"""A config file is a few lines of TOML: anything larger is not one."""
ALIASES = "aliases"
MAX_ALIAS_LENGTH = 60


def check_alias(text: str, error: type[UsageError] | type[ProfileError]) -> str:
    """An alias: a short line of text with a letter or digit in it."""
    text = text.strip()
    if not any(character.isalnum() for character in text) or len(text) > MAX_ALIAS_LENGTH:
        raise error(
            f"alias {text!r}: give a short text to look for (1-{MAX_ALIAS_LENGTH} "
            "characters with a letter or digit), e.g. Reader-chan"
        )
    return check_value(text, text, error)


def path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file: FICPRESS_CONFIG, or config.toml in the platform's config folder."""
    environ = os.environ if environ is None else environ
    if environ.get("FICPRESS_CONFIG"):
        return Path(environ["FICPRESS_CONFIG"])
    if environ.get("XDG_CONFIG_HOME"):  # platformdirs reads os.environ, not `environ`
        return Path(environ["XDG_CONFIG_HOME"]) / "ficpress" / "config.toml"
    return Path(platformdirs.user_config_dir("ficpress", appauthor=False)) / "config.toml"


def check_name(name: str) -> str:
    """A profile name: 1-32 letters, digits, `-` or `_` (it is a TOML key and a word to type)."""
    if not PROFILE_NAME.fullmatch(name):
        raise UsageError(f"profile name {name!r}: use 1-32 letters, digits, '-' or '_'")
    return name


class Profiles:
    """The saved profiles in one config file, read once; `save()` writes the changes."""

    def __init__(self, file: Path) -> None:
        self.path = file
        self._document = _read(file)

    # --- reading -------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every saved profile, the default one first."""
        named = self._document.get("profiles", {})
        found = [DEFAULT] if "reader" in self._document else []
        return found + [str(name) for name in named]

    def current(self) -> str:
        """The profile used when none is named."""
        chosen = self._document.get(USE_KEY, DEFAULT)
        if not isinstance(chosen, str):
            raise ProfileError(f"'{USE_KEY}' must be a profile's name", path=self.path)
        return chosen

    def exists(self, name: str) -> bool:
        return name in self.names()

    def get(self, name: str | None = None) -> SavedProfile | None:
        """The profile called `name` (default: the current one); None when it is not saved.
        A named profile that does not exist is an error; a missing default is not."""
        chosen = self.current() if name is None else check_name(name)
        table = self._table(chosen)
        if table is None:
            if name is not None or chosen != DEFAULT:
                known = ", ".join(self.names()) or "none yet"
                raise ProfileError(
                    f"no profile {chosen!r} (saved: {known}); make it with "
                    f"'ficpress profile set --profile {chosen} Y/N=NAME'",
                    path=self.path,
                )
            return None
        values: dict[str, str] = {}
        for key, value in table.items():
            if key == ALIASES:
                continue
            code = canonical(str(key))
            if not is_key(code) or not isinstance(value, str):
                raise ProfileError(
                    f"profile {chosen!r}: {key!r} must be a code with a text value, "
                    f'e.g. "Y/N" = "Alex"',
                    path=self.path,
                )
            try:
                values[code] = check_value(code, value.strip(), ProfileError)
            except ProfileError as error:
                raise ProfileError(f"profile {chosen!r}: {error.message}", path=self.path) from None
        return SavedProfile(chosen, values, self._aliases(chosen, table.get(ALIASES)))

    def _aliases(self, name: str, table: object) -> dict[str, str]:
        if table is None:
            return {}
        if not isinstance(table, Table):
            raise ProfileError(f"profile {name!r}: '{ALIASES}' must be a table", path=self.path)
        aliases = {}
        for key, value in table.items():
            if not isinstance(value, str):
                raise ProfileError(
                    f"profile {name!r}: alias {key!r} must have a text value", path=self.path
                )
            try:
                alias = check_alias(str(key), ProfileError)
                aliases[alias] = check_value(alias, value.strip(), ProfileError)
            except ProfileError as error:
                raise ProfileError(f"profile {name!r}: {error.message}", path=self.path) from None
        return aliases

    # --- changing ------------------------------------------------------------------------

    def set(
        self,
        name: str,
        assignments: Sequence[tuple[str, str]],
        aliases: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Give the profile `name` these (code, value) pairs and (alias, value) pairs, creating
        it when new."""
        table = self._table(check_name(name), create=True)
        assert table is not None
        if aliases:
            if ALIASES not in table:
                table[ALIASES] = tomlkit.table()
            alias_table: Any = table[ALIASES]
            for alias, value in aliases:
                alias_table[alias] = value
        for code, value in assignments:
            existing = next((key for key in table if canonical(str(key)) == code), None)
            # `pronouns = "they"` reads as a setting, not a code: written in lower case.
            key = code.lower() if code == KEY else code
            table[existing if existing is not None else key] = value

    def unset(self, name: str, codes: Sequence[str], aliases: Sequence[str] = ()) -> list[str]:
        """Remove these codes and aliases from the profile; returns the ones it did not hold."""
        table = self._table(check_name(name))
        if table is None:
            raise ProfileError(f"no profile {name!r}", path=self.path)
        missing = []
        alias_table: Any = table.get(ALIASES, {})
        for alias in aliases:
            if alias in alias_table:
                del alias_table[alias]
            else:
                missing.append(alias)
        for code in codes:
            existing = next((key for key in table if canonical(str(key)) == code), None)
            if existing is None:
                missing.append(code)
            else:
                del table[existing]
        return missing

    def delete(self, name: str) -> None:
        """Remove a profile; the current one falls back to the default."""
        if self._table(check_name(name)) is None:
            raise ProfileError(f"no profile {name!r}", path=self.path)
        if name == DEFAULT:
            del self._document["reader"]
        else:
            profiles: Any = self._document["profiles"]
            del profiles[name]
        if self._document.get(USE_KEY) == name:
            del self._document[USE_KEY]

    def use(self, name: str) -> None:
        """Make `name` the profile used when none is named."""
        if self._table(check_name(name)) is None:
            raise ProfileError(f"no profile {name!r}; save a value in it first", path=self.path)
        if name == DEFAULT:
            self._document.pop(USE_KEY, None)
        else:
            # A top-level key must come before the first table to stay top-level.
            self._document.pop(USE_KEY, None)
            self._document.body.insert(0, (tomlkit.key(USE_KEY), tomlkit.item(name)))

    def save(self) -> None:
        """Write the file atomically, readable by the user alone (a reader's details are
        theirs): the same all-or-nothing writer as the editions."""
        write_all([(self.path, tomlkit.dumps(self._document).encode("utf-8"))], mode=0o600)

    def _table(self, name: str, create: bool = False) -> Table | None:
        document = self._document
        if name == DEFAULT:
            if "reader" not in document and create:
                document["reader"] = tomlkit.table()
            found = document.get("reader")
        else:
            if "profiles" not in document and create:
                document["profiles"] = tomlkit.table(is_super_table=True)
            profiles = document.get("profiles")
            if isinstance(profiles, Table) and name not in profiles and create:
                profiles[name] = tomlkit.table()
            found = profiles.get(name) if isinstance(profiles, Table) else None
        if found is not None and not isinstance(found, Table):
            raise ProfileError(f"profile {name!r} must be a table of codes", path=self.path)
        return found


def section(name: str, file: Path) -> dict[str, Any]:
    """The config file's top-level table `name` as plain data ({} when there is none): the
    settings other commands keep in the same file (`[smtp]` for `ficpress send`)."""
    found = _read(file).get(name)
    if found is None:
        return {}
    if not isinstance(found, Table):
        raise ProfileError(f"[{name}] must be a table", path=file)
    unwrapped: dict[str, Any] = found.unwrap()
    return unwrapped


def _read(file: Path) -> tomlkit.TOMLDocument:
    if not file.exists():  # no config yet: an empty one
        return tomlkit.document()
    data = read_limited(file, MAX_CONFIG_BYTES, ProfileError, "config")
    try:
        return tomlkit.parse(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError("is not UTF-8 text", path=file) from None
    except tomlkit.exceptions.ParseError as error:
        raise ProfileError(f"is not valid TOML: {error}", path=file, line=error.line) from None
