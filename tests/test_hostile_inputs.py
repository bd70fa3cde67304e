"""Hostile input gets one line, `PATH[:LINE]: error: ...`, exit status 2 and no output; never a
traceback, a hang or a read without limit (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.cli import main
from tests.conftest import problems, run_epubcheck

GOOD = "---\ntitle: A Story\n---\nY/N waved.\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error(err: str, where: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith(where), err
    assert ": error: " in err and "error: error:" not in err, err
    assert "Traceback" not in err


HOSTILE_MANUSCRIPTS = [
    ("raw control in front matter", "---\ntitle: A\x01B\n---\nx\n", ":2:", "U+0001"),
    ("C1 control in the body", "---\ntitle: A\n---\nx\n\nnext \x85 line\n", ":6:", "U+0085"),
    ("noncharacter in the body", "---\ntitle: A\n---\nx \ufffe\n", ":4:", "U+FFFE"),
    ("YAML escape U+FFFE in title", '---\ntitle: "A\\uFFFE"\n---\nx\n', ":2:", "U+FFFE"),
    ("YAML escape control in a tag", '---\ntitle: A\ntags: ["\\x01"]\n---\nx\n', ":3:", "U+0001"),
    (
        "YAML escape in a default",
        '---\ntitle: A\nplaceholders:\n  Y/N: {label: n, default: "\\uFFFF"}\n---\nx\n',
        ":3:",
        "U+FFFF",
    ),
    (
        "200,000-character default",
        "---\ntitle: A\nplaceholders:\n  Y/N: {label: n, default: " + "a" * 200_000 + "}\n---\nx\n",
        ":3:",
        "longer than 100",
    ),
    (
        "deep front matter",
        "---\ntitle: A\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n",
        ":2:",
        "nested",
    ),
    ("date 0001-01-01", "---\ntitle: A\ndate: 0001-01-01\n---\nx\n", ":3:", "between 1900"),
    ("date 2017-02-30", "---\ntitle: A\ndate: 2017-02-30\n---\nx\n", ":3:", "'date' must be"),
    ("date 9999-12-31", "---\ntitle: A\ndate: 9999-12-31\n---\nx\n", ":3:", "between 1900"),
    ("huge number", "---\ntitle: " + "1" * 5000 + "\n---\nx\n", ":2:", "cannot be read"),
]


@pytest.mark.parametrize(
    ("name", "content", "line", "words"),
    HOSTILE_MANUSCRIPTS,
    ids=[c[0] for c in HOSTILE_MANUSCRIPTS],
)
def test_hostile_manuscripts(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    line: str,
    words: str,
) -> None:
    path = tmp_path / "story.md"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "dist"
    for command in (
        ["build", str(path), "--out", str(out), "-f", "epub"],
        ["placeholders", str(path)],
        ["lint", str(path)],
    ):
        code, _, err = run(capsys, *command)
        assert code == 2, (command, err)
        one_error(err.splitlines(keepends=True)[0], f"{path}{line} error: ")
        assert words in err
    assert not out.exists()


def test_a_merge_key_may_give_the_title(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text("---\nbase: &b {title: Merged}\n<<: *b\n---\nY/N waved.\n", encoding="utf-8")
    code, _, err = run(capsys, "build", str(path), "--out", str(tmp_path / "d"), "-f", "epub")
    assert code == 0, err
    assert (tmp_path / "d" / "story.epub").exists()


def test_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "dist"
    for value in ["Al\ufffeex", "A\uffffx", "A\x85x", "A\x9fx"]:
        code, _, err = run(capsys, "build", str(path), "--out", str(out), "--set", f"Y/N={value}")
        assert code == 2
        one_error(err, "ficpress: error: ")
    reader = tmp_path / "reader.toml"
    reader.write_text('"Y/N" = "A\\uFFFEx"\n', encoding="utf-8")
    code, _, err = run(capsys, "build", str(path), "--out", str(out), "--reader", str(reader))
    assert code == 2
    one_error(err, f"{reader}: error: the value for Y/N")
    assert not out.exists()


def test_argv_that_is_not_utf8(tmp_path: Path) -> None:
    """`--set $'Y/N=\\xffAlex'` from a shell: Python hands the byte over as a lone surrogate."""
    path = tmp_path / "story.md"
    path.write_text(GOOD, encoding="utf-8")
    argv = [sys.executable, "-m", "builder", "build", str(path), "--out", str(tmp_path / "d")]
    done = subprocess.run(
        [*argv, "--set", b"Y/N=\xffAlex"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    one_error(done.stderr, "ficpress: error: argument 6 (b'Y/N=\\xffAlex') is not UTF-8 text")
    assert not (tmp_path / "d").exists()


def test_reader_file_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text(GOOD, encoding="utf-8")
    code, _, err = run(
        capsys, "build", str(path), "--out", str(tmp_path / "d"), "--reader", str(tmp_path)
    )
    assert code == 2
    one_error(err, f"{tmp_path}: error: is a folder")


def test_symlink_loops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop = tmp_path / "loop.md"
    loop.symlink_to(tmp_path / "loop.md")
    for command in (
        ["build", str(loop), "--out", str(tmp_path / "d")],
        ["import", str(loop), "--out", str(tmp_path / "m")],
        ["placeholders", str(loop)],
        ["lint", str(loop)],
    ):
        code, _, err = run(capsys, *command)
        assert code == 2, command
        one_error(err.splitlines(keepends=True)[0], f"{loop}: error: cannot be read: it is a loop")


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.md"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_non_regular_files_are_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], special: str
) -> None:
    path = fifo(tmp_path) if special == "fifo" else Path(special)
    story = tmp_path / "story.md"
    story.write_text(f"---\ntitle: A\ncover: {path}\n---\nx\n", encoding="utf-8")
    cases = [
        (
            ["build", str(path), "--out", str(tmp_path / "d")],
            f"{path}: error: is not a regular file",
        ),
        (
            ["import", str(path), "--out", str(tmp_path / "m")],
            f"{path}: error: is not a regular file",
        ),
        (["build", str(story), "--out", str(tmp_path / "d")], f"{story}:3: error: cover image"),
    ]
    started = time.monotonic()
    for command, where in cases:
        code, _, err = run(capsys, *command)
        assert code == 2
        one_error(err, where)
    assert time.monotonic() - started < 10
    assert not (tmp_path / "d").exists()


def test_reads_stop_past_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that grows while read (here: a FIFO behind a symlink would hang; a sparse file
    is huge) costs the limit plus one byte, and says it is too large."""
    big = tmp_path / "big.md"
    with big.open("wb") as file:
        file.truncate(3 * 1024**3)  # 3 GB, sparse: reading it all would take the memory
    code, _, err = run(capsys, "build", str(big), "--out", str(tmp_path / "d"))
    assert code == 2
    one_error(err, f"{big}: error: is larger than 20 MB")


def test_a_damaged_png_cover(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "art.png").write_bytes(PNG_SIGNATURE + os.urandom(2000))
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: A\ncover: art.png\n---\nx\n", encoding="utf-8")
    code, _, err = run(capsys, "build", str(story), "--out", str(tmp_path / "d"))
    assert code == 2
    one_error(err, f"{story}:3: error: cover image 'art.png' is damaged")


def test_an_import_drops_controls_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>A &#1;Title</title></head><body><p>Hello &#xFFFE;there, Y/N.</p>"
        "<p>Second paragraph here.</p></body></html>",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(page), "--out", str(tmp_path / "m"))
    assert code == 0, err
    assert "dropped characters no e-book can hold: U+0001" in out
    text = (tmp_path / "m" / "a-title.md").read_text(encoding="utf-8")
    assert "title: A Title" in text and "Hello there" in text


def test_odd_metadata_makes_a_valid_book(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], epubcheck_work: Path
) -> None:
    """A credit URL holding `<`, a tag that is only invisible characters, an old date."""
    story = tmp_path / "story.md"
    story.write_text(
        "---\ntitle: A\ndate: 1999-12-31\ntags: ['\u200b', ok]\nfandom: '\u2060'\n"
        "credits: ['https://example.com/a<b>\"c{d}%zz', 'example.org/x y']\n"
        "source: https://example.com/<i>\n---\nY/N waved.\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "build", str(story), "--out", str(tmp_path / "d"), "-f", "epub")
    assert code == 0, err
    book = tmp_path / "d" / "story.epub"
    assert problems(run_epubcheck([book], epubcheck_work)[book]) == []


def test_a_fifo_that_stays_open_does_not_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even with a writer holding the other end open (a read would wait for it forever), a
    FIFO is refused before a byte is read."""
    path = fifo(tmp_path)
    writer = os.open(path, os.O_RDWR)  # Linux: both ends, without blocking
    try:
        code, _, err = run(capsys, "build", str(path), "--out", str(tmp_path / "d"))
    finally:
        os.close(writer)
    assert code == 2
    one_error(err, f"{path}: error: is not a regular file")
