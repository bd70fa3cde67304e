"""Property: whatever a manuscript or a reader value holds, `ficpress build` either exits 0
with an EPUB that EPUBCheck passes, or exits 2 with exactly one `PATH[:LINE]: error:` line and
nothing in `--out` (issue 11). The books of every example are checked in one EPUBCheck run."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builder.cli import main
from tests.conftest import problems, run_epubcheck

HOSTILE = [
    *"\x00\x01\x08\x0b\x0c\x1b\x7f\x85\x9f",  # C0 and C1 controls
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\U0001fffe",
    "\U0010ffff",  # noncharacters
    "\ud800",
    "\udcff",  # lone surrogates (bytes that are not UTF-8)
    "\ue000",
    "\ue001",  # the private-use characters ficpress reserves for markers
    "\ufeff",
    "\u200b",
    "\u2060",
    "\u0301",
    "\u202e",  # invisible, combining, bidi
    *"*\\#-`<>&\"' \t\n\r/:[]{}|%",
    "**",
    "***",
    "\\*",
    "---",  # markup and YAML
    "a",
    "Z",
    "é",
    "ß",
    "א",
    "字",
    "😀",
    "Y/N",
    "(E/C)",
    "h/c",
    "N/A",
    "http://x.y/<a>",
]
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\ue000\ue001]|\U0001fffe|\U0010ffff"
)
SAFE = [piece for piece in HOSTILE if not FORBIDDEN.search(piece)]


def words(alphabet: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet), max_size=10).map("".join)


def paragraphs(alphabet: list[str]) -> st.SearchStrategy[str]:
    line = st.lists(
        st.one_of(words(alphabet), st.sampled_from(["Alex", "waved", "Y/N"])), max_size=6
    )
    return line.map(" ".join)


# Mostly what a book can hold (so that books get built and checked), sometimes anything.
ALPHABETS = st.sampled_from([SAFE, SAFE, HOSTILE])
DATES = st.one_of(
    st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)).map(str),
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "2017-02-30", "9999-12-31", "2017-03-01T10:00:00Z", "x"]),
)


@st.composite
def manuscripts(draw: st.DrawFn) -> str:
    alphabet = draw(ALPHABETS)
    PARAGRAPH = paragraphs(alphabet)
    title = st.one_of(PARAGRAPH.map(lambda text: f"T {text}"), PARAGRAPH, st.just("A Title"))
    fields: dict[str, Any] = {"title": draw(title)}
    optional = {
        "author": PARAGRAPH,
        "date": DATES,
        "tags": st.lists(PARAGRAPH, max_size=3),
        "fandom": PARAGRAPH,
        "credits": st.lists(st.one_of(PARAGRAPH, st.just("example.com/a<b>c")), max_size=2),
        "summary": PARAGRAPH,
        "placeholders": st.fixed_dictionaries(
            {"Y/N": st.fixed_dictionaries({"label": st.just("name"), "default": PARAGRAPH})}
        ),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            fields[name] = draw(strategy)
    if draw(st.sampled_from([True, True, True, False])):
        front = yaml.safe_dump(fields, allow_unicode=draw(st.booleans()), sort_keys=False)
    else:  # written by hand: what YAML makes of it is YAML's business
        front = "".join(f"{name}: {value}\n" for name, value in fields.items())
    depth = draw(st.sampled_from([0, 0, 0, 0, 3, 60, 3000]))
    if depth:
        front += "deep: " + "[" * depth + "]" * depth + "\n"
    body = draw(st.lists(PARAGRAPH, min_size=1, max_size=5))
    return f"---\n{front}---\n\n" + "\n\n".join(body) + "\n"


VALUES = ALPHABETS.flatmap(
    lambda alphabet: st.dictionaries(
        st.sampled_from(["Y/N", "E/C", "H/C"]), words(alphabet).map(lambda w: f"V{w}"), max_size=2
    )
)


def test_hostile_manuscripts_and_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], epubcheck_work: Path
) -> None:
    books: list[Path] = []
    counter = iter(range(10**6))

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(manuscripts(), VALUES, VALUES, st.booleans())
    # Random hostile input is mostly refused; these valid but unusual books make sure the
    # EPUBCheck half of the property is exercised on every run, not only on lucky ones.
    @example("---\ntitle: 'Ünïcode 𝔱itle: «Y/N»'\n---\n\nY/N’s *E/C* eyes — “hi…”\n", {}, {}, False)
    @example(
        "---\ntitle: T\n---\n\n# Ch\n\n* * *\n\n(y/n) & <b> 𝔸\n", {"Y/N": "Zoë <b>"}, {}, False
    )
    @example("---\ntitle: T\nsummary: '\\t tab'\n---\n\nY/N.\n", {}, {"E/C": "grün"}, True)
    def build(text: str, flags: dict[str, str], file_values: dict[str, str], reader: bool) -> None:
        number = next(counter)
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        path = folder / "story.md"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        out = folder / "out"
        argv = ["build", str(path), "--out", str(out), "-f", "epub"]
        argv += [arg for code, value in flags.items() for arg in ("--set", f"{code}={value}")]
        if reader:
            toml = "".join(
                f'"{code}" = {json.dumps(value)}\n' for code, value in file_values.items()
            )
            (folder / "reader.toml").write_text(toml, encoding="utf-8")
            argv += ["--reader", str(folder / "reader.toml")]
        code = main(argv)
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if ": warning: " not in line]
        if code == 0:
            assert lines == [], err
            book = out / "story.epub"
            copy = epubcheck_work / f"hostile-{number}.epub"
            shutil.copy(book, copy)
            books.append(copy)
            return
        assert code == 2, err
        assert len(lines) == 1 and err.endswith("\n"), err
        assert re.match(rf"^(?:{re.escape(str(folder))}/[\w.]+(?::\d+)?|ficpress): error: ", err), (
            err
        )
        assert "Traceback" not in err and "error: error:" not in err
        assert not out.exists() or not any(out.iterdir())

    build()
    assert len(books) >= 3, "too few examples built a book to test their validity"
    report = run_epubcheck(books, epubcheck_work)
    bad = {book.name: problems(messages) for book, messages in report.items() if problems(messages)}
    assert bad == {}
