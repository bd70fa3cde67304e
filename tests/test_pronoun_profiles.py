"""The reader's pronouns by every reader route (issue 13, reader side): named profiles, the
default profile, a reader file, a readers CSV row, and the reader's own gendered words
(`[words]` tables, or `they; girlfriend=datefriend` in the value). Built EPUBs are validated
by EPUBCheck, all in one run."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from builder import pronouns
from builder.cli import main
from builder.errors import ProfileError, UsageError
from tests.conftest import problems, run_epubcheck

STORY = """---
title: The Ball
reader: {pronouns: she}
---

Y/N is my girlfriend, and she dances. "Good girl," Kai says. "Miss Y/N, your coat."
"""


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "ball.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def text_of(book: Path) -> str:
    with zipfile.ZipFile(book) as archive:
        return archive.read("EPUB/scene-01.xhtml").decode("utf-8").replace("’", "'")


def build(capsys: pytest.CaptureFixture[str], story: Path, out: Path, *args: str) -> Path:
    code = main(["build", str(story), "-f", "epub", "-o", str(out), *args])
    assert code == 0, capsys.readouterr().err
    return out / "ball.epub"


def test_own_words_in_the_value_stand_for_their_whole_row() -> None:
    chosen = pronouns.parse("they; girlfriend=datefriend, Boy=enby")
    assert chosen.name == "they" and chosen.plural
    assert pronouns.read("word", "girlfriend", "", chosen) == "datefriend"
    assert pronouns.read("word", "Boyfriend", "", chosen) == "Datefriend"
    assert pronouns.read("word", "girl", "", chosen) == "enby"
    assert pronouns.read("word", "wife", "", chosen) == "spouse"  # not given: the table's
    assert pronouns.parse("xe/xem/xyr/xyrs/xemself; miss=Mx.").own_words == ((9, "Mx."),)
    with pytest.raises(UsageError, match="choose one of the table's words"):
        pronouns.parse("they; pal=friend")
    with pytest.raises(ProfileError, match="girl=WORD"):
        pronouns.parse("they; girl=", ProfileError)
    with pytest.raises(UsageError, match="five forms"):
        pronouns.parse("xe/xem; girl=enby")
    with pytest.raises(UsageError, match="at most 12"):
        pronouns.parse("they; " + ", ".join(["girl=kid"] * 13))


def test_every_route_carries_pronouns_and_own_words(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    own_config.write_text(
        '[reader]\npronouns = "he"\n\n'
        '[profiles.enby]\n"Y/N" = "Sam"\npronouns = "they"\n\n'
        '[profiles.enby.words]\ngirlfriend = "datefriend"\ngirl = "enby"\n',
        encoding="utf-8",
    )
    books = {}
    books["default"] = build(capsys, story, tmp_path / "default")
    books["named"] = build(capsys, story, tmp_path / "named", "--profile", "enby")
    reader = tmp_path / "reader.toml"
    reader.write_text('pronouns = "xe/xem/xyr/xyrs/xemself"\n\n[words]\nMiss = "Mx."\n')
    books["file"] = build(capsys, story, tmp_path / "file", "--reader", str(reader))
    readers = tmp_path / "readers.csv"
    readers.write_text('id,Y/N,pronouns\nann,Ann,"he; boyfriend=beau"\n', encoding="utf-8")
    main(
        ["build", str(story), "-f", "epub", "-o", str(tmp_path / "csv"), "--readers", str(readers)]
    )
    books["row"] = tmp_path / "csv" / "ann" / "ball.epub"
    text = {route: text_of(book) for route, book in books.items()}
    assert "Y/N is my boyfriend, and he dances." in text["default"]
    assert "Sam is my datefriend, and they dance." in text["named"]
    assert "“Good enby,” Kai says. “Mx Sam, your coat.”" in text["named"]
    assert "“Miss Y/N" not in text["file"] and "“Mx. Y/N, your coat.”" in text["file"]
    assert "Y/N is my partner, and xe dances." in text["file"]
    assert "Ann is my beau, and he dances." in text["row"]
    results = run_epubcheck(list(books.values()), tmp_path)
    assert all(problems(results[book]) == [] for book in books.values())


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[reader]\npronouns = "they"\n[reader.words]\npal = "x"\n', "gendered word 'pal'"),
        ('[reader]\n[reader.words]\ngirl = "enby"\n', "needs your pronouns too"),
        ('[reader]\npronouns = "they"\n[reader.words]\ngirl = 3\n', "must be a table of words"),
    ],
)
def test_a_bad_words_table_is_one_line_naming_the_config(
    story: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    own_config: Path,
    config: str,
    message: str,
) -> None:
    own_config.write_text(config, encoding="utf-8")
    code = main(["build", str(story), "-f", "epub", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert err.startswith(f"{own_config}: error: profile 'default'"), err
