"""`ficpress build URL` and the README's "From a link to your e-reader", run as written
against the replay of AO3 and Tumblr (tests/replay.py, FICPRESS_SITES) and a fake mounted
Kobo (FICPRESS_MOUNTS, as tests/test_devices.py does)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from builder.cli import main
from builder.send import devices
from tests.conftest import Epub, problems, run_epubcheck
from tests.replay import Replay

README = Path(__file__).parent.parent / "README.md"
WORK = "https://archiveofourown.org/works/5001"
POST = "https://moth-and-lantern.tumblr.com/post/920/two-chairs"


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def readme_commands() -> list[list[str]]:
    """The commands of the README's "From a link to your e-reader" block, comments removed."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### From a link to your e-reader", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [shlex.split(line, comments=True) for line in block.group(1).splitlines() if line]


def test_the_readme_takes_a_link_to_an_e_reader_in_three_commands(
    replay: Replay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    kobo = tmp_path / "media" / "me" / "KOBOeReader"
    (kobo / ".kobo").mkdir(parents=True)
    monkeypatch.setenv(devices.MOUNTS_VARIABLE, str(tmp_path / "media" / "*" / "*"))
    commands = readme_commands()
    assert [argv[:2] for argv in commands] == [
        ["ficpress", "import"],
        ["ficpress", "build"],
        ["ficpress", "send"],
    ]
    outputs = []
    for argv in commands:
        # The README's example address, on the replay server's work.
        argv = [WORK if arg.startswith("https://archiveofourown.org/") else arg for arg in argv]
        code, out, err = run(capsys, argv[1:])
        assert code == 0 and "error" not in err, (argv, err)  # a code left unset is a warning
        outputs.append(out)
    manuscript = Path(commands[1][2])
    assert f"wrote {manuscript}" in outputs[0]  # the name the README says
    assert (tmp_path / manuscript).read_text(encoding="utf-8").count("source: " + WORK) == 1
    built = tmp_path / "dist" / f"{manuscript.stem}.epub"
    assert built.is_file() and (tmp_path / "dist" / f"{manuscript.stem}.pdf").is_file()
    sent = kobo / f"{manuscript.stem}.kepub.epub"
    assert f"copied {sent}" in outputs[2]
    assert "Alex" in Epub(sent).all_text()
    found = run_epubcheck([built], tmp_path)
    assert problems(found[built]) == []


def test_build_url_imports_into_manuscripts_and_builds_in_one_command(
    replay: Replay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, ["build", POST, "-f", "epub"])
    assert (code, err) == (0, "")
    manuscript = tmp_path / "manuscripts" / "two-chairs.md"
    assert f"wrote {Path('manuscripts') / 'two-chairs.md'}" in out
    assert f"wrote {Path('dist') / 'two-chairs.epub'}" in out
    assert (
        "By spring there are two chairs" in Epub(tmp_path / "dist" / "two-chairs.epub").all_text()
    )
    # Again, after the reader's edit: the manuscript there is built as it is.
    edited = manuscript.read_text(encoding="utf-8").replace("two chairs", "three chairs")
    manuscript.write_text(edited, encoding="utf-8")
    code, out, err = run(capsys, ["build", POST, "-f", "epub"])
    assert (code, err) == (0, "")
    assert "was imported from this story before: built as it is" in out
    assert "three chairs" in Epub(tmp_path / "dist" / "two-chairs.epub").all_text()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("https://example.com/story/1", "is not on a site ficpress fetches from"),
        ("https://moth-and-lantern.tumblr.com/post/999/gone", "404"),
    ],
)
def test_build_url_errors_are_one_line_exit_2_and_nothing_written(
    replay: Replay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    address: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, ["build", address, "--set", "Y/N=Alex"])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err and address in err
    assert not (tmp_path / "manuscripts").exists() and not (tmp_path / "dist").exists()


def test_build_takes_one_address_at_a_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, ["build", POST, str(tmp_path / "other.md")])
    assert code != 0 and "one address at a time" in err
