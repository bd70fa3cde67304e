"""Batch editions: many manuscripts, one edition per reader from a CSV, in a process pool or on
a Dask cluster; each file byte-identical to a single build, failures reported and survived."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from builder import batch, pipeline
from builder.cli import main
from builder.editions import EditionOptions
from tests.conftest import ROOT, SEED_MANUSCRIPT, problems, run_epubcheck

CHAPTERS = ROOT / "tests" / "cases" / "chapters" / "input" / "story.md"
READERS = "id,Y/N,E/C,H/C\nalex,Alex,green,auburn\nsam-2,Sam,,\n"
ROWS = {"alex": ("Y/N=Alex", "E/C=green", "H/C=auburn"), "sam-2": ("Y/N=Sam",)}


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def singles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each reader's editions of both stories, built one by one as `ficpress build` does."""
    out = tmp_path_factory.mktemp("singles")
    for reader, assignments in ROWS.items():
        for story in (SEED_MANUSCRIPT, CHAPTERS):
            pipeline.build(story, out_dir=out / reader, assignments=assignments)
    return files(out)


def test_readers_csv_gives_one_folder_per_reader_identical_to_single_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], singles: dict[str, bytes]
) -> None:
    (tmp_path / "readers.csv").write_text(READERS, encoding="utf-8")
    out = tmp_path / "dist"
    code, stdout, stderr = run(
        capsys,
        "build",
        str(SEED_MANUSCRIPT),
        str(CHAPTERS),
        "--readers",
        str(tmp_path / "readers.csv"),
        "--out",
        str(out),
        "--jobs",
        "2",
    )
    assert code == 0, stderr
    built = files(out)
    assert sorted(built) == [
        "alex/for-her-safety.epub",
        "alex/for-her-safety.pdf",
        "alex/story.epub",
        "alex/story.pdf",
        "sam-2/for-her-safety.epub",
        "sam-2/for-her-safety.pdf",
        "sam-2/story.epub",
        "sam-2/story.pdf",
    ]
    assert built == singles
    assert stdout.count("wrote ") == 8
    # Sam gave no eye or hair colour: warned about, per reader, with the reader named.
    assert f"{SEED_MANUSCRIPT} (reader sam-2): warning: 2 placeholders" in stderr
    assert "(reader alex): warning" not in stderr
    epubs = [path for path in out.rglob("*.epub")]
    results = run_epubcheck(epubs, tmp_path)
    assert {path.name: problems(results[path]) for path in epubs} == {p.name: [] for p in epubs}


def test_each_manuscript_is_compiled_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[Path] = []
    original = pipeline.compile

    def counting(path: Path, *rest: Any) -> object:
        compiled.append(path)
        return original(path, *rest)

    monkeypatch.setattr(pipeline, "compile", counting)
    readers = tuple(batch.Reader(f"r{n}", (("Y/N", f"Name{n}"),)) for n in range(5))
    request = batch.Request((CHAPTERS,), ("epub",), tmp_path, readers=readers)
    outcomes = batch.run(request)
    assert compiled == [CHAPTERS]
    assert [outcome.reader for outcome in outcomes] == [f"r{n}" for n in range(5)]
    assert all(outcome.error is None for outcome in outcomes)


BAD_READERS = [
    ("no id column", "name,Y/N\nalex,Alex\n", ":1: error: the first column must be 'id'"),
    ("bad code", "id,Name\nalex,Alex\n", ":1: error: column 'Name' is not a placeholder code"),
    ("empty", "", ":1: error: is empty"),
    ("header only", "id,Y/N\n", ":1: error: has a header but no readers"),
    ("path in id", "id,Y/N\nalex,A\n../evil,B\n", ":3: error: reader id '../evil' must be"),
    ("hidden id", "id,Y/N\n.x,A\n", ":2: error: reader id '.x' must be"),
    ("field count", "id,Y/N\nalex,Alex,extra\n", ":2: error: has 3 fields, the header has 2"),
    ("twice", "id,Y/N\nalex,A\nAlex,B\n", ":3: error: reader id 'Alex' is used twice"),
    ("control char", "id,Y/N\nalex,A\x07\n", ":2: error: the value for Y/N must be one line"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_READERS, ids=[c[0] for c in BAD_READERS])
def test_bad_readers_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    path = tmp_path / "readers.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "dist"
    code, stdout, stderr = run(
        capsys, "build", str(SEED_MANUSCRIPT), "--readers", str(path), "--out", str(out)
    )
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith(f"{path}{expected}"), stderr
    assert not out.exists() and stdout == ""


def test_a_failing_manuscript_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\ntext\n", encoding="utf-8")
    out = tmp_path / "dist"
    code, stdout, stderr = run(
        capsys, "build", str(broken), str(CHAPTERS), "-f", "epub", "--out", str(out), "-j", "2"
    )
    assert code == 2
    assert f"{broken}:2: error: front matter is not valid YAML" in stderr
    assert stderr.rstrip().endswith("ficpress: 1 of 2 failed")
    assert (out / "story.epub").exists() and stdout.startswith(f"wrote {out / 'story.epub'}")


def test_a_failing_item_in_a_worker_is_reported_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --strict fails the readers without every value; the others are still built.
    (tmp_path / "readers.csv").write_text(READERS, encoding="utf-8")
    out = tmp_path / "dist"
    code, _, stderr = run(
        capsys,
        "build",
        str(CHAPTERS),
        "--readers",
        str(tmp_path / "readers.csv"),
        "--strict",
        "-f",
        "epub",
        "--out",
        str(out),
    )
    assert code == 2
    assert f"{CHAPTERS}: error: no value for" in stderr and "(reader sam-2)" in stderr
    assert sorted(files(out)) == ["alex/story.epub"]


def test_quiet_without_a_terminal_and_a_bar_on_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["build", str(CHAPTERS), str(SEED_MANUSCRIPT), "-f", "epub", "--set", "Y/N=Alex"]
    code, _, stderr = run(capsys, *argv, "--out", str(tmp_path / "a"))
    assert code == 0 and "\r" not in stderr and "book" not in stderr

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    assert "0/2 [" in terminal.getvalue() and "\r" in terminal.getvalue()


def test_bad_executor_and_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(
        capsys, "build", str(CHAPTERS), "--executor", "http://x", "--out", str(tmp_path)
    )
    assert (code, stderr) == (2, "ficpress: error: --executor 'http://x': give dask://HOST:PORT\n")
    code, _, stderr = run(capsys, "build", str(CHAPTERS), "-j", "-1", "--out", str(tmp_path))
    assert (code, stderr) == (2, "ficpress: error: --jobs must be 0 (one per core) or more\n")


def test_dask_cluster_gives_the_same_files(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    readers = (batch.Reader("alex", (("Y/N", "Alex"),)), batch.Reader("kim", (("Y/N", "Kim"),)))
    request = batch.Request(
        (SEED_MANUSCRIPT, CHAPTERS),
        out_dir=tmp_path / "local",
        readers=readers,
        options=EditionOptions(page="7in"),
    )
    local = batch.run(request, jobs=1)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = "dask://" + cluster.scheduler_address.removeprefix("tcp://")
        remote = batch.run(
            batch.Request(
                request.manuscripts,
                out_dir=tmp_path / "dask",
                readers=readers,
                options=request.options,
            ),
            executor_spec=address,
        )
    assert [o.error for o in local + remote] == [None] * 8
    assert files(tmp_path / "dask") == files(tmp_path / "local")
    assert len(files(tmp_path / "dask")) == 8
