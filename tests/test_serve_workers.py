"""Several server processes: `ficpress serve --workers 2`, and two servers behind one address
(as behind a load balancer) sharing FICPRESS_SECRET, give a reader the same bytes."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from builder.serve import token
from tests.conftest import SEED_MANUSCRIPT, problems, run_epubcheck
from tests.serving import serving

SECRET = "one secret for every server process"
DOWNLOAD = "/stories/for-her-safety/download?format=epub&Y%2FN=Alex"


def fetch(url: str) -> bytes:
    """One GET on a new connection (so that the kernel may hand it to any worker)."""
    with urllib.request.urlopen(url, timeout=120) as reply:
        body: bytes = reply.read()
    return body


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(token.SECRET_VARIABLE, SECRET)
    path = tmp_path / "manuscripts"
    path.mkdir()
    shutil.copy(SEED_MANUSCRIPT, path / "for-her-safety.md")
    return path


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_two_workers_give_byte_identical_downloads(
    folder: Path, tmp_path: Path, epubcheck_work: Path
) -> None:
    reader = token.encode({"Y/N": "Alex"})
    with serving(folder, options=("--workers", "2")) as server:
        workers = [pid for pid in children(server.pid) if b"spawn" in _cmdline(pid)]
        assert len(workers) == 2, workers
        books = {fetch(server.base + DOWNLOAD) for _ in range(8)}
        personal = {fetch(f"{server.base}/opds/p/{reader}/books/for-her-safety.epub")}
        for _ in range(4):
            personal.add(fetch(f"{server.base}/opds/p/{reader}/books/for-her-safety.epub"))
    assert len(books) == 1 and len(personal) == 1
    assert books == personal  # the same values by form or by token: the same book
    book = tmp_path / "for-her-safety.epub"
    book.write_bytes(books.pop())
    assert problems(run_epubcheck([book], epubcheck_work)[book]) == []


def test_two_servers_sharing_a_secret_accept_each_others_tokens(folder: Path) -> None:
    with serving(folder) as first, serving(folder) as second:
        request = urllib.request.Request(
            f"{first.base}/stories/for-her-safety/remember",
            data=b"Y%2FN=Alex",
            headers={"Origin": first.base},
            method="POST",
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(request, timeout=60)
        except urllib.error.HTTPError as answer:
            cookie = answer.headers["set-cookie"]
        reader = cookie.split("=", 1)[1].split(";", 1)[0]
        path = f"/opds/p/{reader}/books/for-her-safety.epub"
        assert fetch(first.base + path) == fetch(second.base + path)
        assert fetch(first.base + path) == fetch(second.base + DOWNLOAD)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *arguments: object, **options: object) -> None:
        return None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
