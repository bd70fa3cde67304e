"""The command line's grammar: every command, option and help text (argparse)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, NoReturn

from builder import __version__
from builder.editions import EDITIONS, SCENE_LAYOUTS
from builder.editions.pages import PAGE_PRESETS
from builder.errors import UsageError
from builder.stages.notes import PLACEMENTS

SHELLS = ("bash", "zsh", "fish")


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one-line UsageErrors like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def parser() -> argparse.ArgumentParser:
    """The whole command line."""
    top = _Parser(
        prog="ficpress",
        description="Personalised EPUB 3 and PDF editions of reader-insert fiction.",
    )
    top.add_argument("--version", action="version", version=f"ficpress {__version__}")
    _output_options(top, top_level=True)
    commands = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = _sub(commands, "build", help="build a reader's editions of a manuscript")
    build.add_argument(
        "manuscript",
        type=_manuscript_or_address,
        nargs="+",
        help="the story, e.g. manuscripts/story.md (several: a batch), a collection file, or a "
        "story's address (AO3, Tumblr, Wattpad, Quotev): imported into manuscripts/ first, then "
        "built",
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
        "--scenes",
        default="separate",
        choices=tuple(SCENE_LAYOUTS),
        help="EPUB, KEPUB and AZW3: 'separate' starts each scene on a new page (default: "
        "short stories); 'inline' runs a chapter's scenes on in one document (long chapters)",
    )
    build.add_argument(
        "--notes",
        choices=PLACEMENTS,
        help="the author's notes (paragraphs opening 'A/N:'): 'place' where the author put "
        "them, set apart (default, or the story's 'notes:'); 'end' in an 'Author's notes' "
        "section at the back; 'omit' left out",
    )
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail when a placeholder the story uses has no value",
    )
    build.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="compile the story afresh and keep nothing in the cache folder "
        "(FICPRESS_CACHE=off does the same; FICPRESS_CACHE=DIR moves the folder)",
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
    build.add_argument(
        "--anthology",
        metavar="TITLE",
        help="make ONE book called TITLE of the manuscripts given, each story a part (default: "
        "a book each); a collection file (collection.yaml) makes one too",
    )

    listing = _sub(commands, "placeholders", help="list the placeholders a story uses")
    listing.add_argument("manuscript", type=Path)
    _profile_options(listing)

    decisions = _sub(
        commands,
        "pronouns",
        help="show which pronouns and gendered words of a story are the reader's",
        description="Every pronoun of the reader's set (the story's 'reader: {pronouns: ...}') "
        "and every gendered word taken for the reader, with line:column, role, and whether "
        "it follows the reader's pronouns or stays as written.",
    )
    decisions.add_argument("manuscript", type=Path)

    send = _sub(
        commands,
        "send",
        help="put a reader's edition on a connected e-reader, or mail it to a Kindle",
    )
    send.add_argument(
        "manuscript",
        type=Path,
        nargs="+",
        help="the story, e.g. manuscripts/story.md; a collection file; or several stories "
        "with --anthology",
    )
    _profile_options(send)
    send.add_argument(
        "--anthology",
        metavar="TITLE",
        help="send ONE book called TITLE of the manuscripts given, each story a part (as build "
        "--anthology makes it)",
    )
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

    _sub(commands, "devices", help="list connected e-readers and the format each gets")

    importing = _sub(
        commands,
        "import",
        help="turn a story copied from Tumblr, AO3 or a notes app into a manuscript",
    )
    importing.add_argument(
        "source",
        type=str,  # a Path would fold the `//` of a web address
        help="a .txt, .md, saved .html page or .epub, or the address of an AO3 work or series, "
        "a Tumblr post, or a Wattpad or Quotev story (see docs/sites.md)",
    )
    importing.add_argument(
        "--cookies",
        type=Path,
        metavar="FILE",
        help="a Netscape cookie file of a logged-in browser, for works only members may read",
    )
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

    updating = _sub(
        commands,
        "update",
        help="fetch a story imported from a link again and append its new chapters",
    )
    updating.add_argument(
        "manuscripts",
        type=Path,
        nargs="+",
        metavar="MANUSCRIPT",
        help="a manuscript, or a collection file (.yaml) of a series or masterlist",
    )
    updating.add_argument(
        "--cookies",
        type=Path,
        metavar="FILE",
        help="a Netscape cookie file of a logged-in browser, for works only members may read",
    )
    updating.add_argument(
        "--build",
        action="store_true",
        help="build the editions of each manuscript that gained chapters",
    )
    updating.add_argument(
        "--format",
        "-f",
        action="append",
        metavar="NAME",
        help=f"with --build: edition to write ({', '.join(EDITIONS)}) (default: epub and pdf)",
    )
    updating.add_argument(
        "--out", "-o", type=Path, default=Path("dist"), help="with --build: output folder"
    )

    lint = _sub(commands, "lint", help="check manuscripts for slips: codes, typos, quotes")
    lint.add_argument("manuscripts", type=Path, nargs="+", metavar="MANUSCRIPT")
    lint.add_argument(
        "--format", choices=["text", "json"], default="text", help="output format (default: text)"
    )

    serve = _sub(commands, "serve", help="run the download site and OPDS catalog")
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
        "--pdf-workers",
        type=int,
        default=1,
        metavar="N",
        help="processes laying out PDFs (default: 1)",
    )
    serve.add_argument(
        "--allow-uploads",
        action="store_true",
        help="let whoever knows FICPRESS_ADMIN_TOKEN add brought stories to the catalog",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port (default: 1; see docs/deploy.md)",
    )

    _profile_commands(commands)
    completion = _sub(commands, "completion", help="print a shell completion script")
    completion.add_argument("shell", choices=SHELLS, help="your shell")
    return top


def _sub(commands: Any, name: str, **options: Any) -> argparse.ArgumentParser:
    """A sub-command, which takes -q/-v too (after its name as well as before)."""
    sub: argparse.ArgumentParser = commands.add_parser(name, **options)
    _output_options(sub, top_level=False)
    return sub


def _output_options(parser: argparse.ArgumentParser, top_level: bool) -> None:
    # A sub-command's own default would overwrite what was given before its name.
    default = 0 if top_level else argparse.SUPPRESS
    parser.add_argument("-q", "--quiet", action="count", default=default, help="print errors only")
    parser.add_argument(
        "-v", "--verbose", action="count", default=default, help="print more of what happens"
    )


def _profile_commands(commands: Any) -> None:
    profile = _sub(
        commands,
        "profile",
        help="save your details once (name, eye colour...) for every later build",
        description="Saved reader profiles, in the config file "
        "(FICPRESS_CONFIG, or config.toml in your config folder).",
    )
    actions = profile.add_subparsers(dest="action", required=True, parser_class=_Parser)
    show = _sub(actions, "show", help="print a profile (default: the one in use)")
    show.add_argument("name", nargs="?", help="the profile's name")
    _sub(actions, "list", help="list the saved profiles; * marks the one in use")
    setting = _sub(actions, "set", help="save values: ficpress profile set Y/N=Alex E/C=green")
    setting.add_argument("assignments", nargs="*", metavar="CODE=VALUE")
    setting.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="TEXT=VALUE",
        dest="aliases",
        help="print VALUE wherever a story says TEXT (any case), e.g. --alias Reader-chan=Alex",
    )
    setting.add_argument("--profile", "-p", metavar="NAME", help="which profile (default: in use)")
    unsetting = _sub(actions, "unset", help="forget values: ficpress profile unset E/C")
    unsetting.add_argument("codes", nargs="*", metavar="CODE")
    unsetting.add_argument(
        "--alias", action="append", default=[], metavar="TEXT", dest="aliases", help="an alias"
    )
    unsetting.add_argument(
        "--profile", "-p", metavar="NAME", help="which profile (default: in use)"
    )
    delete = _sub(actions, "delete", help="delete a saved profile")
    delete.add_argument("name")
    use = _sub(actions, "use", help="make a profile the one used when none is named")
    use.add_argument("name")


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
        "--pronouns",
        metavar="SET",
        help="the reader's pronouns: she, he, they, or five forms like xe/xem/xyr/xyrs/xemself "
        "(add /plural for verbs as with they); same as --set pronouns=SET",
    )
    parser.add_argument(
        "--reader",
        type=Path,
        metavar="FILE",
        help='a reader file: a TOML file of "CODE" = "value" lines (beats --profile)',
    )
    parser.add_argument(
        "--profile",
        "-p",
        metavar="NAME",
        help="a saved profile (default: the one in use; see 'ficpress profile --help')",
    )


def _manuscript_or_address(text: str) -> Path | str:
    """A manuscript's path, or a web address kept as typed (a Path would fold its `//`)."""
    return text if re.match(r"(?i)https?://", text) else Path(text)
