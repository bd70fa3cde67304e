"""The command line, in-process: bad input gets one line, exit status 2, and no output file."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from builder import editions
from builder.cli import main
from builder.errors import OutputError, UsageError

GOOD = "---\ntitle: A Story\n---\nY/N waved.\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, content: str | bytes, name: str = "story.md") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


BAD_MANUSCRIPTS = [
    ("empty", "", ":1: error: is empty"),
    ("blank", "\n  \n", ":1: error: is empty"),
    ("no front matter", "Just text.\n", ":1: error: no front matter"),
    ("unterminated", "---\ntitle: A\nY/N waved.\n", ":1: error: front matter is never closed"),
    ("not a mapping", "---\n- a\n- b\n---\ntext\n", ":2: error: front matter must be a mapping"),
    ("bad yaml", "---\ntitle: [unclosed\n---\ntext\n", ":2: error: front matter is not valid YAML"),
    ("no title", "---\nauthor: Me\n---\ntext\n", ":1: error: front matter has no 'title'"),
    ("list title", "---\ntitle: [a, b]\n---\ntext\n", ":2: error: 'title' must be text"),
    ("bad language", "---\ntitle: A\nlanguage: english!\n---\nx\n", ":3: error: 'language'"),
    ("no body", "---\ntitle: A\n---\n\n\n", ":4: error: has no story text"),
    ("bad legend", "---\ntitle: A\nplaceholders: [Y/N]\n---\nx\n", ":3: error: 'placeholders'"),
    (
        "bad code",
        "---\ntitle: A\nplaceholders: {hello: x}\n---\nx\n",
        ":3: error: placeholder code",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), BAD_MANUSCRIPTS, ids=[c[0] for c in BAD_MANUSCRIPTS]
)
def test_bad_manuscripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, expected: str
) -> None:
    path = write(tmp_path, content)
    out = tmp_path / "dist"
    code, _, err = run(capsys, "build", str(path), "--out", str(out))
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith(f"{path}{expected}"), err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "build", str(tmp_path / "nope.md"), "--out", str(tmp_path / "d"))
    assert (code, err) == (2, f"{tmp_path / 'nope.md'}: error: no such file\n")


def test_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, b"---\ntitle: A\n---\nHe said \x93hi\x94.\n")
    code, _, err = run(capsys, "build", str(path), "--out", str(tmp_path / "d"))
    assert code == 2
    assert err == f"{path}:4: error: is not UTF-8 text (byte 0x93); save it as UTF-8\n"


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00")
    code, _, err = run(capsys, "build", str(path), "--out", str(tmp_path / "d"))
    assert code == 2
    assert err.startswith(f"{path}:3: error: is a binary file")


def test_set_without_equals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    code, _, err = run(capsys, "build", str(path), "--set", "Y/N", "--out", str(tmp_path / "d"))
    assert code == 2
    assert err == "ficpress: error: --set 'Y/N': write it as CODE=VALUE, e.g. --set Y/N=Alex\n"
    assert not (tmp_path / "d").exists()


def test_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    code, _, err = run(capsys, "build", str(path), "-f", "mobi", "--out", str(tmp_path / "d"))
    assert code == 2
    assert err == "ficpress: error: unknown format 'mobi'; choose from epub, pdf, kepub, azw3\n"
    assert not (tmp_path / "d").exists()


def test_scenes_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "---\ntitle: A Story\n---\nOne.\n\n* * *\n\nTwo.\n")
    code, _, err = run(capsys, "build", str(path), "--scenes", "sideways", "-o", str(tmp_path))
    assert code == 2 and "invalid choice: 'sideways'" in err and err.count("\n") == 1
    code, out, _ = run(
        capsys, "build", str(path), "-f", "epub", "--scenes", "inline", "-o", str(tmp_path)
    )
    assert code == 0 and "story.epub" in out
    with zipfile.ZipFile(tmp_path / "story.epub") as archive:
        names = archive.namelist()
    assert "EPUB/chapter-01.xhtml" in names and "EPUB/scene-02.xhtml" not in names
    with pytest.raises(UsageError, match="unknown scene layout 'sideways'"):
        editions.EditionOptions(scenes="sideways")


def test_unknown_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "build", "x.md", "--colour", "red")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ficpress: error: unrecognized arguments")


def test_output_folder_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    blocker = write(tmp_path, "a file, not a folder", "blocker")
    code, _, err = run(capsys, "build", str(path), "-f", "epub", "--out", str(blocker / "dist"))
    assert code == 2
    assert err.startswith(f"{blocker / 'dist'}: error: cannot write here")
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="No space left on device"):
        editions.write_atomic(tmp_path / "book.epub", b"data")
    assert list(tmp_path.iterdir()) == []


def test_strict_lists_every_unfilled_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "---\ntitle: A\n---\nY/N and\n(E/C) eyes, Y/N.\n")
    out = tmp_path / "d"
    code, _, err = run(
        capsys, "build", str(path), "--strict", "--set", "E/C=green", "--out", str(out)
    )
    assert code == 2
    assert err == f"{path}: error: no value for Y/N at 4:1, Y/N at 5:13\n"
    assert not out.exists()


def test_unfilled_codes_are_one_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "---\ntitle: A\n---\nY/N and (E/C) eyes, Y/N.\n")
    code, out, err = run(capsys, "build", str(path), "-f", "epub", "--out", str(tmp_path / "d"))
    assert code == 0
    assert err == (
        f"{path}: warning: 3 placeholders have no value and stay as written: E/C (1x), Y/N (2x); "
        "give values with --set CODE=VALUE, or save yours once: "
        "ficpress profile set Y/N=YOUR-NAME\n"
    )
    assert out == f"wrote {tmp_path / 'd' / 'story.epub'} (2 KiB)\n" or "story.epub" in out


def test_reader_file_and_flag_precedence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "---\ntitle: A\nplaceholders:\n  H/C: {label: hair, default: black}\n---\nY/N, E/C, H/C.\n",
    )
    reader = write(tmp_path, '"Y/N" = "Robin"\n"E/C" = "grey"\n', "reader.toml")
    code = main(
        [
            "build",
            str(path),
            "-f",
            "epub",
            "--reader",
            str(reader),
            "--set",
            "e/c=blue",
            "--out",
            str(tmp_path / "d"),
        ]
    )
    assert code == 0
    from tests.conftest import Epub

    text = Epub(tmp_path / "d" / "story.epub").all_text()
    assert "Robin, blue, black." in text


def test_bad_reader_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    reader = write(tmp_path, '"Y/N" = \n', "reader.toml")
    code, _, err = run(
        capsys, "build", str(path), "--reader", str(reader), "--out", str(tmp_path / "d")
    )
    assert code == 2
    assert err.startswith(f"{reader}:1: error: is not valid TOML")


def test_values_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    code, _, err = run(
        capsys, "build", str(path), "--set", "Y/N=" + "x" * 101, "--out", str(tmp_path / "d")
    )
    assert code == 2
    assert err == "ficpress: error: the value for Y/N is longer than 100 characters\n"


def test_placeholders_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "---\ntitle: A\nplaceholders:\n  G/N: {label: girlfriend, default: Kim}\n"
        "---\nY/N met G/N. Y/N smiled at her E/C eyes.\n",
    )
    code, out, _ = run(capsys, "placeholders", str(path))
    assert code == 0
    assert out.splitlines() == [
        "Y/N  your name, used 2x: no value",
        "G/N  girlfriend, used 1x: 'Kim' from the story's default",
        "E/C  eye colour, used 1x: no value",
    ]


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "builder", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().startswith("ficpress ")
