"""A slow PDF never makes a reader wait twice: a browser gets a page that shows progress and
asks again (no request hangs), reloading finds the same job, the finished file is served
from the cache, and from the disk after a restart; clients that did not ask for a page
(OPDS readers, curl) still simply wait for the file."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader
from starlette.testclient import TestClient

from builder import pipeline
from builder.editions.pdf import parts as pdf_parts
from builder.serve.app import create_app
from builder.serve.pool import Job, RenderPool, make
from tests.conftest import ROOT, SEED_MANUSCRIPT

SEED = "/stories/for-her-safety"
PAGE = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PDF_QUERY = {"format": "pdf", "Y/N": "Alex"}


class Gate:
    """Makes the real PDF, but only once the test opens the gate: a PDF that takes as long
    as the test wants."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.calls = 0

    def __call__(self, job: Job) -> tuple[str, bytes]:
        self.calls += 1
        assert self.open.wait(60)
        return make(job)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "for-her-safety.md").write_bytes(SEED_MANUSCRIPT.read_bytes())
    return folder


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    return tmp_path / "editions"


def site(library: Path, disk: Path, run: object) -> Iterator[TestClient]:
    with ThreadPoolExecutor(1) as executor:
        pool = RenderPool(executor=executor, run=run, disk=disk)  # type: ignore[arg-type]
        with TestClient(create_app(library, pool=pool)) as client:
            yield client


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_browser_sees_progress_then_gets_the_file(library: Path, disk: Path) -> None:
    gate = Gate()
    for client in site(library, disk, gate):
        first = client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("text/html")
        assert first.headers["cache-control"] == "no-store"
        page = lxml_html.fromstring(first.text)
        assert page.xpath("//meta[@http-equiv='refresh']/@content") == ["2"]
        assert page.xpath("//h1/text()") == ["Making your PDF"]
        assert "Alex" not in first.text  # the page carries no reader value

        again = client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
        assert again.headers["content-type"].startswith("text/html")
        assert gate.calls == 1  # the reload found the job already running

        gate.open.set()
        for _ in range(120):
            done = client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
            if done.headers["content-type"] == "application/pdf":
                break
        assert done.headers["content-type"] == "application/pdf"
        assert "for-her-safety.pdf" in done.headers["content-disposition"]
        assert "Alex" in pdf_text(done.content)
        assert gate.calls == 1
        # A client that asked for no page waits for the file, which is cached by now.
        assert client.get(f"{SEED}/download", params=PDF_QUERY).content == done.content


def test_a_client_that_wants_no_page_waits_for_the_file(library: Path, disk: Path) -> None:
    gate = Gate()
    gate.open.set()
    for client in site(library, disk, gate):
        response = client.get(f"{SEED}/download", params=PDF_QUERY, headers={"accept": "*/*"})
        assert response.headers["content-type"] == "application/pdf"
        assert "Alex" in pdf_text(response.content)


def test_the_waiting_page_shows_the_parts_done(library: Path, disk: Path) -> None:
    gate = Gate()
    for client in site(library, disk, gate):
        client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
        pool: RenderPool = client.app.state.site.pool  # type: ignore[attr-defined]
        ((content_hash, job),) = pool._pending
        progress = pool._progress / f"{job.digest(content_hash)}.progress"
        progress.write_text("3 8", "ascii")  # as a worker laying out a novel writes it
        page = client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
        assert "3 of 8 parts laid out." in page.text
        assert lxml_html.fromstring(page.text).xpath("//progress/@value") == ["3"]
        gate.open.set()


def test_a_restarted_site_serves_the_finished_file_from_disk(library: Path, disk: Path) -> None:
    gate = Gate()
    gate.open.set()
    for client in site(library, disk, gate):
        made = client.get(f"{SEED}/download", params=PDF_QUERY).content
    assert len(list(disk.glob("*.edition"))) == 1

    def never(job: Job) -> tuple[str, bytes]:
        raise AssertionError("the file was on disk: nothing should be laid out")

    for client in site(library, disk, never):
        again = client.get(f"{SEED}/download", params=PDF_QUERY, headers=PAGE)
        assert again.headers["content-type"] == "application/pdf"
        assert again.content == made


def test_a_worker_reports_the_parts_it_has_laid_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_parts, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(pdf_parts, "CHARS_PER_PART", 1)
    template = pipeline.compile(ROOT / "tests" / "cases" / "chapters" / "input" / "story.md")
    progress = tmp_path / "job.progress"
    job = Job(template, (("Y/N", "Alex"),), "pdf", "6in", progress=str(progress))
    _, data = make(job)
    count = len(pdf_parts.plan(template.book))
    assert count > 1
    assert progress.read_text("ascii") == f"{count} {count}"
    assert "Alex" in pdf_text(data)
