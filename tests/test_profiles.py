"""Saved reader profiles: set once, used by every later build, send, batch and listing; one
precedence (`--set` > `--reader FILE` > `--profile NAME` or the default > the story's
defaults); edits keep the file's comments and order."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from builder import config
from builder.cli import main
from builder.profile import PRECEDENCE, resolve
from builder.stages.placeholders import table
from tests.conftest import ROOT, SEED_MANUSCRIPT, problems, run_epubcheck

STORY = """---
title: A Story for Y/N
placeholders:
  E/C: {label: eye colour, default: grey}
---

Y/N looked up with E/C eyes and H/C hair.
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def text_of(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/scene-01.xhtml").decode("utf-8")


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "story.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def test_set_once_and_every_later_build_uses_it(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    code, out, _ = run(capsys, "profile", "set", "Y/N=Sam", "h/c=auburn")
    assert (code, out) == (0, "saved Y/N, H/C in profile 'default'\n")
    code, _, err = run(capsys, "build", str(story), "-f", "epub", "-o", str(tmp_path / "out"))
    assert code == 0 and err == ""
    text = text_of(tmp_path / "out" / "story.epub")
    assert "Sam looked up with grey eyes and auburn hair." in text
    assert own_config.read_text(encoding="utf-8") == '[reader]\n"Y/N" = "Sam"\n"H/C" = "auburn"\n'
    books = [tmp_path / "out" / "story.epub"]
    assert problems(run_epubcheck(books, tmp_path)[books[0]]) == []


def test_the_precedence_table(story: Path, tmp_path: Path, own_config: Path) -> None:
    """Each row: which routes give Y/N a value, and which one wins."""
    assert PRECEDENCE == ("default", "profile", "reader file", "readers row", "form", "flag")
    reader_file = tmp_path / "reader.toml"
    reader_file.write_text('"Y/N" = "FromFile"\n', encoding="utf-8")
    codes = {**table_for(story), "Y/N": table_for(story)["Y/N"]}
    rows = [
        ({}, None, None, None),
        ({"Y/N": "Saved"}, None, None, "Saved"),
        ({"Y/N": "Saved"}, reader_file, None, "FromFile"),
        ({"Y/N": "Saved"}, reader_file, "Y/N=Flag", "Flag"),
        ({}, None, "Y/N=Flag", "Flag"),
    ]
    for saved, file, flag, expected in rows:
        profile = resolve(codes, [flag] if flag else [], file, saved=saved)
        assert profile.get("Y/N") == expected, (saved, file, flag)
    # The story's default loses to everything, but stands when nothing else is given.
    assert resolve(codes).get("E/C") == "grey"
    assert resolve(codes, saved={"E/C": "green"}).get("E/C") == "green"
    row = resolve(codes, saved={"Y/N": "Saved", "E/C": "green"}, row=[("Y/N", "Row")])
    assert (row.get("Y/N"), row.get("E/C")) == ("Row", "green")  # a row falls back per code


def table_for(story: Path) -> dict[str, config.Any]:
    from builder.stages import manuscript

    return table(manuscript.read(story).meta)


def test_named_profiles_use_list_show_delete(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "profile", "set", "Y/N=Alex")[0] == 0
    assert run(capsys, "profile", "set", "--profile", "kylo", "Y/N=Rey", "E/C=brown")[0] == 0
    assert run(capsys, "profile", "list")[1] == "* default\n  kylo\n"
    assert run(capsys, "profile", "use", "kylo")[0] == 0
    assert run(capsys, "profile", "list")[1] == "  default\n* kylo\n"
    assert "Y/N  Rey\nE/C  brown" in run(capsys, "profile", "show")[1]
    out = tmp_path / "out"
    assert run(capsys, "build", str(story), "-f", "epub", "-o", str(out))[0] == 0
    assert "Rey looked up with brown eyes" in text_of(out / "story.epub")
    args = ["build", str(story), "-f", "epub", "-o", str(out), "--profile", "default"]
    assert run(capsys, *args)[0] == 0
    assert "Alex looked up with grey eyes" in text_of(out / "story.epub")
    assert run(capsys, "profile", "unset", "--profile", "kylo", "E/C")[0] == 0
    assert run(capsys, "profile", "show", "kylo")[1].endswith("Y/N  Rey\n")
    assert run(capsys, "profile", "delete", "kylo")[0] == 0
    assert run(capsys, "profile", "list")[1] == "* default\n"


def test_a_missing_named_profile_is_one_line_exit_2(
    story: Path, capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    code, out, err = run(capsys, "build", str(story), "--profile", "nobody")
    assert (code, out) == (2, "")
    assert err == (
        f"{own_config}: error: no profile 'nobody' (saved: none yet); make it with "
        "'ficpress profile set --profile nobody Y/N=NAME'\n"
    )
    code, _, err = run(capsys, "profile", "set", "--profile", "../x", "Y/N=A")
    assert code == 2 and "use 1-32 letters" in err


def test_edits_keep_comments_and_order(
    capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    own_config.write_text(
        '# my details\n[smtp]\nhost = "mail.example"  # work\n\n[reader]\n'
        '"E/C" = "green"  # since 2019\n"Y/N" = "Alex"\n',
        encoding="utf-8",
    )
    assert run(capsys, "profile", "set", "Y/N=Sam", "H/C=red")[0] == 0
    assert run(capsys, "profile", "set", "-p", "kylo", "Y/N=Rey")[0] == 0
    assert run(capsys, "profile", "use", "kylo")[0] == 0
    assert own_config.read_text(encoding="utf-8") == (
        'profile = "kylo"\n# my details\n[smtp]\nhost = "mail.example"  # work\n\n[reader]\n'
        '"E/C" = "green"  # since 2019\n"Y/N" = "Sam"\n"H/C" = "red"\n\n'
        '[profiles.kylo]\n"Y/N" = "Rey"\n'
    )
    assert oct(own_config.stat().st_mode & 0o777) == "0o600"


def test_a_bad_config_file_names_its_line(
    story: Path, capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    own_config.write_text('[reader]\n"Y/N" = "Sam\n', encoding="utf-8")
    code, _, err = run(capsys, "build", str(story))
    assert code == 2 and err.startswith(f"{own_config}:2: error: is not valid TOML")
    own_config.write_text('[reader]\n"Y/N" = "two\\nlines"\n', encoding="utf-8")
    code, _, err = run(capsys, "build", str(story))
    assert code == 2
    assert err == (
        f"{own_config}: error: profile 'default': the value for Y/N must be one line of "
        "plain text, without U+000A (a control character)\n"
    )


def test_placeholders_shows_each_value_and_where_it_comes_from(
    story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "profile", "set", "Y/N=Sam")
    code, out, _ = run(capsys, "placeholders", str(story), "--set", "H/C=red")
    assert code == 0
    assert out == (
        "Y/N  your name, used 2x: 'Sam' from profile default\n"
        "E/C  eye colour, used 1x: 'grey' from the story's default\n"
        "H/C  hair colour, used 1x: 'red' from --set\n"
    )


def test_a_readers_csv_row_falls_back_to_the_profile(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "profile", "set", "Y/N=Sam", "H/C=auburn")
    readers = tmp_path / "readers.csv"
    readers.write_text("id,Y/N,H/C\nann,Ann,\nbo,,black\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", str(story), "-f", "epub", "-o", str(out), "--readers", str(readers)]
    assert run(capsys, *args)[0] == 0
    assert "Ann looked up with grey eyes and auburn hair." in text_of(out / "ann" / "story.epub")
    assert "Sam looked up with grey eyes and black hair." in text_of(out / "bo" / "story.epub")


def test_send_uses_the_profile(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "profile", "set", "Y/N=Sam")
    folder = tmp_path / "reader"
    folder.mkdir()
    assert run(capsys, "send", str(story), "--to", str(folder))[0] == 0
    assert "Sam looked up" in text_of(folder / "story.epub")


def test_quiet_and_verbose(story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "out")
    code, stdout, stderr = run(capsys, "build", str(story), "-f", "epub", "-o", out, "-q")
    assert (code, stdout, stderr) == (0, "", "")  # not even the unfilled-codes warning
    run(capsys, "profile", "set", "Y/N=Sam")
    code, stdout, stderr = run(capsys, "-v", "build", str(story), "-f", "epub", "-o", out)
    assert code == 0 and stdout.startswith("wrote ")
    assert "using profile 'default'" in stderr


def test_help_hint_names_the_command_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--nonsense")[2].endswith("(see 'ficpress --help')\n")
    assert run(capsys, "build")[2].endswith("(see 'ficpress build --help')\n")


def test_shell_completion_answers_from_the_real_parser(tmp_path: Path) -> None:
    script = subprocess.run(
        [sys.executable, "-m", "builder", "completion", "bash"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "complete" in script and "ficpress" in script
    answer = tmp_path / "answer"
    environment = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": "ficpress prof",  # `pro` is `profile` or `pronouns`
        "COMP_POINT": "13",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    subprocess.run([sys.executable, "-m", "builder"], env=environment, cwd=ROOT, check=False)
    assert answer.read_text().split() == ["profile"]


def test_no_colour_unless_a_terminal_asks(story: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "build", str(SEED_MANUSCRIPT), "--profile", "nobody")
    assert code == 2 and "\033[" not in err


def test_a_reader_file_with_an_unquoted_code_points_at_the_fix(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = tmp_path / "reader.toml"
    reader.write_text('"E/C" = "green"\nY/N = "Sam"\n', encoding="utf-8")
    code, _, err = run(capsys, "build", str(story), "--reader", str(reader))
    assert (code, err) == (2, f'{reader}:2: error: put the code in quotes: "Y/N" = "Sam"\n')


@pytest.mark.parametrize("name", ["story.txt", "saved.html"])
def test_a_story_as_found_is_sent_to_import(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text("<p>Y/N woke.</p>" if name.endswith("html") else "Y/N woke.", encoding="utf-8")
    code, out, err = run(capsys, "build", str(path), "-o", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err.startswith(
        f"{path}:1: error: no front matter: to make a manuscript of a story as found, run "
        f"'ficpress import {path}' first (in: "
    )
    assert not (tmp_path / "out").exists()


def test_unknown_front_matter_fields_are_warned_about_in_build_and_lint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "story.md"
    path.write_text("---\ntitle: T\nsummery: S\nmood: calm\n---\n\nText.\n", encoding="utf-8")
    code, _, err = run(capsys, "build", str(path), "-f", "epub", "-o", str(tmp_path / "out"))
    assert code == 0
    assert err == (
        f"{path}: warning: line 3: unknown front-matter field 'summery' (did you mean "
        f"'summary'?); it is ignored\n"
        f"{path}: warning: line 4: unknown front-matter field 'mood'; it is ignored\n"
    )
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 0
    assert out.splitlines() == [
        f"{path}:3:1: F601 unknown front-matter field 'summery' (did you mean 'summary'?); "
        "it is ignored",
        f"{path}:4:1: F601 unknown front-matter field 'mood'; it is ignored",
    ]


ALIAS_STORY = """---
title: For Reader-chan
---

"Reader-chan!" he called. READER-CHAN's coat was wet. (your name) laughed, and the
reader-chang sign stayed as it was. Y/N waved.
"""


def test_an_alias_is_filled_like_a_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text(ALIAS_STORY, encoding="utf-8")
    args = ["profile", "set", "Y/N=Sam", "--alias", "Reader-chan=Zoë <b>", "--alias"]
    assert run(capsys, *args, "(your name)=Sam")[0] == 0
    assert "alias 'Reader-chan' -> Zoë <b>" in run(capsys, "profile", "show")[1]
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", str(path), "-f", "epub", "-o", str(out))
    assert (code, err) == (0, "")
    text = text_of(out / "story.epub")
    assert "“Zoë &lt;b&gt;!” he called. Zoë &lt;b&gt;’s coat was wet. Sam laughed" in text
    assert "reader-chang sign" in text  # only the whole word
    listing = run(capsys, "placeholders", str(path))[1]
    assert "Reader-chan  your alias for 'Reader-chan', used 3x: 'Zoë <b>' from profile" in (listing)
    books = [out / "story.epub"]
    assert problems(run_epubcheck(books, tmp_path)[books[0]]) == []
    assert run(capsys, "profile", "unset", "--alias", "Reader-chan")[0] == 0
    assert run(capsys, "build", str(path), "-f", "epub", "-o", str(out))[0] == 0
    assert "“Reader-chan!” he called." in text_of(out / "story.epub")


def test_an_alias_needs_text_and_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "profile", "set", "--alias", "!!=Sam")
    assert code == 2 and "give a short text to look for" in err
    code, _, err = run(capsys, "profile", "set", "--alias", "Reader-chan")
    assert code == 2 and "write it as TEXT=VALUE" in err
    code, _, err = run(capsys, "profile", "set")
    assert code == 2 and "give CODE=VALUE or --alias TEXT=VALUE" in err


def test_a_long_build_says_what_it_is_doing(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "out")
    code, _, err = run(capsys, "build", str(story), "-f", "epub,kepub", "-o", out, "-v")
    assert code == 0
    assert "compiling story.md\nmaking story.epub\nmaking story.kepub.epub\n" in err


def test_on_a_terminal_the_step_line_is_rewritten_in_place(story: Path, tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    result = subprocess.run(
        [sys.executable, "-m", "builder", "build", str(story), "-f", "epub", "-o", str(tmp_path)],
        stderr=follower,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert result.returncode == 0
    assert b"\r\x1b[Kcompiling story.md\xe2\x80\xa6\r\x1b[Kmaking story.epub\xe2\x80\xa6" in shown
    assert b"\r\x1b[K" in shown.split(b"making story.epub")[1]  # cleared before the warning
