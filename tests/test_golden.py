"""Golden cases: tests/cases/NAME/input/{story.md, reader.toml} -> expected/ (the EPUB's text
files, dates masked). Run `pytest --update-golden` to accept new output after a deliberate
change, then read the diff."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder import pipeline
from tests.conftest import problems, run_epubcheck

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(path.name for path in CASES_DIR.iterdir() if (path / "input").is_dir())
VOLATILE = [(re.compile(r"(<meta property=\"dcterms:modified\">)[^<]*(</meta>)"), r"\1DATE\2")]


def build_case(name: str, out: Path) -> Path:
    source = CASES_DIR / name / "input"
    reader = source / "reader.toml"
    result = pipeline.build(
        source / "story.md",
        formats=["epub"],
        out_dir=out / name,
        reader_file=reader if reader.exists() else None,
    )
    return result.outputs[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("golden")
    return {name: build_case(name, out) for name in CASES}


@pytest.fixture(scope="module")
def checked(
    built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """EPUBCheck's problems for every golden book, from one JVM."""
    results = run_epubcheck(list(built.values()), tmp_path_factory.mktemp("check"))
    return {
        name: [f"{m.severity} {m.id} {m.message} {m.where}" for m in problems(results[path])]
        for name, path in built.items()
    }


def text_files(epub: Path) -> dict[str, str]:
    with zipfile.ZipFile(epub) as archive:
        files = {}
        for name in archive.namelist():
            if name.startswith("EPUB/") and name.endswith((".xhtml", ".opf", ".ncx")):
                text = archive.read(name).decode("utf-8")
                for pattern, replacement in VOLATILE:
                    text = pattern.sub(replacement, text)
                files[name.removeprefix("EPUB/")] = text
    return files


@pytest.mark.parametrize("name", CASES)
def test_golden_epub(name: str, built: dict[str, Path], request: pytest.FixtureRequest) -> None:
    actual = text_files(built[name])
    expected_dir = CASES_DIR / name / "expected"
    if request.config.getoption("--update-golden"):
        expected_dir.mkdir(exist_ok=True)
        for stale in expected_dir.iterdir():
            stale.unlink()
        for file_name, text in actual.items():
            (expected_dir / file_name).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in expected_dir.iterdir()}
    assert sorted(actual) == sorted(expected)
    for file_name, text in actual.items():
        assert text == expected[file_name], f"{name}/{file_name} differs from the golden copy"


@pytest.mark.parametrize("name", CASES)
def test_golden_epub_validates(name: str, checked: dict[str, list[str]]) -> None:
    assert checked[name] == []
