"""`ficpress send` and `ficpress devices`: fake e-readers in tmp folders (marker folders only),
the safe copy, and Send to Kindle through a real SMTP server on loopback."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from builder import pipeline
from builder.cli import main
from builder.editions import EDITIONS, azw3
from builder.errors import DeviceError, UsageError
from builder.profile import resolve
from builder.send import copy as device_copy
from builder.send import devices, mail
from tests.conftest import problems, run_epubcheck

STORY = "---\ntitle: Rain Check\n---\nY/N waited under the awning.\n\n* * *\n\nY/N ran.\n"
SLUG = "story"


def make_device(root: Path, kind: str) -> Path:
    """A fake e-reader: only the marker folders that tell its kind."""
    markers = {
        "kobo": [".kobo"],
        "kindle": ["system", "documents"],
        "pocketbook": ["system/explorer-3"],
        "generic": [],
    }[kind]
    root.mkdir(parents=True)
    for marker in markers:
        (root / marker).mkdir(parents=True)
    return root


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / f"{SLUG}.md"
    path.write_text(STORY, encoding="utf-8")
    return path


@pytest.fixture
def media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake /media: FICPRESS_MOUNTS points detection at tmp_path/media/*/*."""
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv(devices.MOUNTS_VARIABLE, str(root / "*" / "*"))
    return root


@pytest.fixture
def calibre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for Calibre's ebook-convert and ebook-meta (the real ones take seconds per
    book)."""
    script = tmp_path / "ebook-convert"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "open(sys.argv[2], 'wb').write(b'AZW3' + open(sys.argv[1], 'rb').read())\n"
    )
    script.chmod(0o755)
    meta = tmp_path / "ebook-meta"
    meta.write_text(f"#!{sys.executable}\n")
    meta.chmod(0o755)
    monkeypatch.setattr(azw3, "converter", lambda: str(script))


@pytest.fixture
def no_calibre(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(azw3, "converter", lambda: None)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def expected(story: Path, edition: str, *assignments: str) -> bytes:
    template = pipeline.compile(story)
    profile = resolve(template.codes, assignments)
    return pipeline.personalise(template, profile, EDITIONS[edition])


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# Detection


def test_detects_each_kind_by_its_marker_folders(tmp_path: Path) -> None:
    media = tmp_path / "media" / "me"
    make_device(media / "KOBOeReader", "kobo")
    make_device(media / "Kindle", "kindle")
    make_device(media / "PB", "pocketbook")
    make_device(media / "USB stick", "generic")
    # FAT is case-insensitive: a Kindle's folders may show as System/ and Documents/.
    (media / "Kindle2" / "System").mkdir(parents=True)
    (media / "Kindle2" / "Documents").mkdir()
    # An older PocketBook: system/ and books/, no library database folder yet.
    (media / "PB2" / "system").mkdir(parents=True)
    (media / "PB2" / "books").mkdir()
    found = devices.find([str(tmp_path / "media" / "*" / "*")])
    assert [(d.kind.name, d.root.name) for d in found] == [
        ("kobo", "KOBOeReader"),
        ("kindle", "Kindle"),
        ("kindle", "Kindle2"),
        ("pocketbook", "PB"),
        ("pocketbook", "PB2"),
    ]


def test_mount_points_per_platform_and_from_the_environment() -> None:
    assert devices.mount_patterns({}, "linux") == ["/media/*/*", "/run/media/*/*", "/media/*"]
    assert devices.mount_patterns({}, "darwin") == ["/Volumes/*"]
    windows = devices.mount_patterns({}, "win32")
    assert windows[0] == "D:\\" and windows[-1] == "Z:\\" and len(windows) == 23
    configured = {devices.MOUNTS_VARIABLE: os.pathsep.join(["/a/*", "/b/*/*"])}
    assert devices.mount_patterns(configured, "linux") == ["/a/*", "/b/*/*"]


def test_devices_lists_what_it_found_and_the_format_each_gets(
    media: Path, capsys: pytest.CaptureFixture[str], calibre: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_device(media / "me" / "KOBOeReader", "kobo")
    make_device(media / "me" / "Kindle", "kindle")
    make_device(media / "me" / "PB", "pocketbook")
    monkeypatch.setattr(devices, "free_space", lambda path: 3 << 30)
    code, out, err = run(capsys, "devices")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Kobo        {media}/me/KOBOeReader: gets kepub (.kepub.epub) in the root; 3.0 GiB free",
        f"Kindle      {media}/me/Kindle: gets azw3 (.azw3) in documents/; 3.0 GiB free",
        f"PocketBook  {media}/me/PB: gets epub (.epub) in Books/; 3.0 GiB free",
    ]


def test_devices_says_when_a_kindle_needs_calibre_or_nothing_is_connected(
    media: Path, capsys: pytest.CaptureFixture[str], no_calibre: None
) -> None:
    code, out, _ = run(capsys, "devices")
    assert code == 0 and out.startswith(f"No e-reader found in {media}/*/*. Connect one")
    make_device(media / "me" / "Kindle", "kindle")
    code, out, _ = run(capsys, "devices")
    assert "AZW3 needs Calibre, not installed (or: ficpress send STORY --kindle-email)" in out


def test_device_auto_wants_exactly_one_reader(
    media: Path, story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "send", str(story), "--device", "auto")
    assert (code, out) == (3, "")
    assert err == (
        f"ficpress: error: no e-reader found in {media}/*/*; connect one and choose 'Connect' "
        "on its screen, or name its folder with --to DIR\n"
    )
    make_device(media / "me" / "KOBOeReader", "kobo")
    make_device(media / "me" / "PB", "pocketbook")
    code, _, err = run(capsys, "send", str(story), "--device", "auto")
    assert code == 3
    assert "2 e-readers are connected (Kobo at" in err and err.endswith("choose one with --to\n")


# Format and folder


@pytest.mark.parametrize(
    ("kind", "placed"),
    [
        ("kobo", f"{SLUG}.kepub.epub"),
        ("kindle", f"documents/{SLUG}.azw3"),
        ("pocketbook", f"Books/{SLUG}.epub"),
        ("generic", f"{SLUG}.epub"),
    ],
)
def test_each_device_gets_its_format_in_its_folder(
    media: Path,
    story: Path,
    capsys: pytest.CaptureFixture[str],
    calibre: None,
    kind: str,
    placed: str,
) -> None:
    root = make_device(media / "me" / "READER", kind)
    arguments = ["--device", "auto"] if kind != "generic" else ["--to", str(root)]
    code, out, err = run(capsys, "send", str(story), "--set", "Y/N=Alex", *arguments)
    assert (code, err) == (0, "")
    label = devices.KINDS[kind].label
    assert out.splitlines()[0].startswith(f"{root}: {label}, ")
    assert out.splitlines()[1].startswith(f"copied {root / placed} (")
    assert [f for f in files(root)] == [placed]
    edition = {"kobo": "kepub", "kindle": "azw3"}.get(kind, "epub")
    if edition != "azw3":
        assert (root / placed).read_bytes() == expected(story, edition, "Y/N=Alex")
    else:
        # What the stand-in converter was given: the EPUB, minus the landmarks (see azw3).
        given = azw3._without_landmarks(expected(story, "epub", "Y/N=Alex"))
        assert (root / placed).read_bytes() == b"AZW3" + given


def test_kindle_without_calibre_points_at_send_to_kindle(
    media: Path, story: Path, capsys: pytest.CaptureFixture[str], no_calibre: None
) -> None:
    root = make_device(media / "me" / "Kindle", "kindle")
    code, out, err = run(capsys, "send", str(story), "--device", "auto")
    assert (code, out) == (3, "")
    assert err.startswith(f"{root}: error: a Kindle over USB reads AZW3, not EPUB. AZW3 needs")
    assert err.endswith("(ficpress send STORY --kindle-email NAME@kindle.com)\n")
    assert err.count("\n") == 1
    assert files(root) == []


def test_existing_folder_in_another_case_is_reused_and_folder_and_format_can_be_chosen(
    media: Path, story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_device(media / "me" / "PB", "pocketbook")
    (root / "books").mkdir()
    assert run(capsys, "send", str(story), "--to", str(root))[0] == 0
    assert files(root) == [f"books/{SLUG}.epub"]
    kobo = make_device(media / "me" / "KOBOeReader", "kobo")
    code, _, _ = run(capsys, "send", str(story), "--to", str(kobo), "--folder", "Fic/New")
    assert code == 0 and files(kobo) == [f"Fic/New/{SLUG}.kepub.epub"]
    code, _, _ = run(capsys, "send", str(story), "--to", str(kobo), "--format", "epub")
    assert code == 0 and f"{SLUG}.epub" in files(kobo)
    code, _, err = run(capsys, "send", str(story), "--to", str(kobo), "--folder", "../out")
    assert code == 2 and "give a folder inside the device" in err
    code, _, err = run(capsys, "send", str(story), "--to", str(kobo), "--format", "mobi")
    assert code == 2 and "unknown format 'mobi'" in err


def test_send_needs_a_destination_that_exists(
    tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "send", str(story))
    assert (code, err) == (
        2,
        "ficpress: error: say where the book goes: --device auto, --to PATH or --kindle-email\n",
    )
    missing = tmp_path / "KOBOeReader"
    code, _, err = run(capsys, "send", str(story), "--to", str(missing))
    assert (code, err) == (
        3,
        f"{missing}: error: no such folder (is the e-reader connected and mounted?)\n",
    )


# The safe copy


def test_same_book_is_left_alone_and_a_different_one_replaced(
    tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_device(tmp_path / "KOBOeReader", "kobo")
    book = root / f"{SLUG}.kepub.epub"
    assert run(capsys, "send", str(story), "--to", str(root), "-s", "Y/N=Alex")[0] == 0
    before = book.stat()
    code, out, _ = run(capsys, "send", str(story), "--to", str(root), "-s", "Y/N=Alex")
    assert code == 0 and out.splitlines()[1] == f"{book} is already this edition; left as it is"
    assert (book.stat().st_ino, book.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    code, out, _ = run(capsys, "send", str(story), "--to", str(root), "-s", "Y/N=Sam")
    assert code == 0 and out.splitlines()[1].startswith(f"replaced {book} with the new edition")
    assert book.read_bytes() == expected(story, "kepub", "Y/N=Sam")
    assert files(root) == [book.name]


def test_failure_between_write_and_rename_leaves_the_old_book_and_nothing_partial(
    tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_device(tmp_path / "KOBOeReader", "kobo")
    book = root / f"{SLUG}.kepub.epub"
    old = b"the old book"
    book.write_bytes(old)
    seen: list[bool] = []

    def unplugged(source: Any, target: Any) -> None:
        seen.append(Path(source).stat().st_size > 0)  # the whole temporary copy was there
        raise OSError(errno.EIO, "Input/output error")

    # `os.replace` is everyone's: the compile cache's renames must not reach the fake.
    monkeypatch.setenv("FICPRESS_CACHE", "off")
    monkeypatch.setattr(device_copy.os, "replace", unplugged)
    code, out, err = run(capsys, "send", str(story), "--to", str(root), "-s", "Y/N=Alex")
    assert seen == [True]
    assert code == 3 and out.startswith(f"{root}: Kobo")
    assert err == (
        f"{book}: error: the copy failed (Input/output error); the book on the device was not "
        "changed (was the reader unplugged?)\n"
    )
    assert book.read_bytes() == old
    assert files(root) == [book.name]


def test_unplugged_mid_write_leaves_only_a_hidden_leftover_that_the_next_copy_removes(
    tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_device(tmp_path / "KOBOeReader", "kobo")
    real_write, real_unlink = os.write, Path.unlink
    writes: list[int] = []

    def write(handle: int, data: Any) -> int:
        writes.append(len(data))
        if len(writes) == 2:
            raise OSError(errno.ENODEV, "No such device")
        return real_write(handle, data)

    def unlink(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.ENODEV, "No such device")  # a gone device cannot delete either

    monkeypatch.setattr(device_copy, "CHUNK", 4096)
    monkeypatch.setattr(device_copy.os, "write", write)
    monkeypatch.setattr(Path, "unlink", unlink)
    code, _, err = run(capsys, "send", str(story), "--to", str(root))
    assert code == 3 and "the copy failed (No such device)" in err
    left = files(root)
    assert len(left) == 1 and left[0].startswith(f".{SLUG}.kepub.epub.")
    assert left[0].endswith(device_copy.PARTIAL_SUFFIX)  # hidden and not a book: never indexed
    assert (root / left[0]).stat().st_size == 4096

    monkeypatch.setattr(device_copy.os, "write", real_write)
    monkeypatch.setattr(Path, "unlink", real_unlink)
    assert run(capsys, "send", str(story), "--to", str(root))[0] == 0
    assert files(root) == [f"{SLUG}.kepub.epub"]


def test_a_copy_that_reads_back_wrong_is_never_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reader"
    folder.mkdir()
    data = expected(Path(__file__).parent.parent / "manuscripts" / "for-her-safety.md", "epub")
    original = device_copy._write

    def corrupting(path: Path, data: bytes) -> None:
        original(path, data[:-100] + bytes(100))  # right size, damaged central directory

    monkeypatch.setattr(device_copy, "_write", corrupting)
    with pytest.raises(DeviceError, match="reads back different"):
        device_copy.copy(data, folder / "book.epub", is_zip=True)
    monkeypatch.setattr(device_copy, "_write", lambda path, data: original(path, data[:-1]))
    with pytest.raises(DeviceError, match=f"is {len(data) - 1} bytes, not {len(data)}"):
        device_copy.copy(data, folder / "book.epub", is_zip=True)
    monkeypatch.setattr(device_copy, "_write", original)
    with pytest.raises(DeviceError, match=r"not a whole EPUB \(the table of files\)"):
        device_copy.copy(b"not a zip at all", folder / "book.epub", is_zip=True)
    damaged = bytearray(data)
    damaged[200:240] = bytes(40)  # inside the first compressed entry after mimetype
    with pytest.raises(DeviceError, match="not a whole EPUB"):
        device_copy.copy(bytes(damaged), folder / "book.epub", is_zip=True)
    assert files(folder) == []
    device_copy.copy(data, folder / "book.epub", is_zip=True)
    assert files(folder) == ["book.epub"]


def test_refuses_when_the_device_is_short_of_space(
    tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_device(tmp_path / "KOBOeReader", "kobo")
    free = 2 << 20  # the book would fit, but not with the reserve the reader needs
    monkeypatch.setattr(
        devices.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(8 << 30, 0, free)
    )
    code, out, err = run(capsys, "send", str(story), "--to", str(root), "-s", "Y/N=Alex")
    assert code == 3
    assert out == f"{root}: Kobo, 2.0 MiB free\n"
    assert err.startswith(f"{root}: error: not enough space: the book needs ")
    assert err.endswith(
        "and the reader should keep 2.0 MiB free, but only 2.0 MiB is free; delete something "
        "from the device and try again\n"
    )
    assert files(root) == []


# Send to Kindle by mail


@dataclass
class Mailbox:
    """A real SMTP server on loopback (STARTTLS and login required), and what it received."""

    port: int
    ca_file: Path
    received: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 OK"

    def environment(self) -> dict[str, str]:
        return {
            "FICPRESS_SMTP_HOST": "127.0.0.1",
            "FICPRESS_SMTP_PORT": str(self.port),
            "FICPRESS_SMTP_USER": "reader@example.invalid",
            "FICPRESS_SMTP_PASSWORD": "hunter2",
            "FICPRESS_SMTP_CAFILE": str(self.ca_file),
        }

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(bytes(e.content or b""), _class=EmailMessage, policy=policy.default)
            for e in self.received
        ]


@pytest.fixture
def smtp_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Mailbox]]:
    monkeypatch.setattr(mail, "TIMEOUT", 10)  # a hung test server fails fast
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    controllers: list[Controller] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"hunter2"
        # handled=False: aiosmtpd then answers 535 itself (by default it stays silent).
        return AuthResult(success=ok, handled=False)

    def start(**options: Any) -> Mailbox:
        with socket.socket() as probe:  # aiosmtpd needs a port number up front
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        mailbox = Mailbox(port, ca_file)
        controller = Controller(
            mailbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            require_starttls=True,
            authenticator=authenticate,
            auth_require_tls=True,
            **options,
        )
        controller.start()
        controllers.append(controller)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(mail.PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FICPRESS_CONFIG", str(tmp_path / "no-config.toml"))


def test_mails_the_epub_and_copies_the_kepub_and_every_book_passes_epubcheck(
    tmp_path: Path,
    story: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: Callable[..., Mailbox],
    clean_environment: None,
) -> None:
    mailbox = smtp_server()
    for name, value in mailbox.environment().items():
        monkeypatch.setenv(name, value)
    kobo = make_device(tmp_path / "KOBOeReader", "kobo")
    pocketbook = make_device(tmp_path / "PB", "pocketbook")
    code, out, err = run(
        capsys,
        "send",
        str(story),
        "--set",
        "Y/N=Alex",
        "--to",
        str(kobo),
        "--kindle-email",
        "alex_reader@kindle.invalid",
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (
        f"mailed {SLUG}.epub ({devices.size_text(len(expected(story, 'epub', 'Y/N=Alex')))}) "
        f"to alex_reader@kindle.invalid through 127.0.0.1:{mailbox.port}; Amazon delivers it "
        "only if reader@example.invalid is on your approved senders list"
    )
    assert run(capsys, "send", str(story), "--set", "Y/N=Alex", "--to", str(pocketbook))[0] == 0

    [envelope] = mailbox.received
    assert envelope.rcpt_tos == ["alex_reader@kindle.invalid"]
    assert envelope.mail_from == "reader@example.invalid"
    [message] = mailbox.messages()
    assert message["To"] == "alex_reader@kindle.invalid" and message["Subject"] == "story.epub"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/epub+zip"
    assert attachment.get_filename() == f"{SLUG}.epub"
    mailed = tmp_path / "mailed.epub"
    mailed.write_bytes(attachment.get_content())
    assert mailed.read_bytes() == expected(story, "epub", "Y/N=Alex")
    assert "Alex" not in str(message["Subject"])

    books = [mailed, kobo / f"{SLUG}.kepub.epub", pocketbook / "Books" / f"{SLUG}.epub"]
    results = run_epubcheck(books, tmp_path)
    assert {book: problems(results[book]) for book in books} == {book: [] for book in books}


def test_kindle_without_calibre_and_an_address_gets_mail_instead(
    media: Path,
    story: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: Callable[..., Mailbox],
    clean_environment: None,
    no_calibre: None,
) -> None:
    mailbox = smtp_server()
    for name, value in mailbox.environment().items():
        monkeypatch.setenv(name, value)
    kindle = make_device(media / "me" / "Kindle", "kindle")
    code, out, err = run(
        capsys,
        "send",
        str(story),
        "-s",
        "Y/N=Alex",
        "--device",
        "auto",
        "--kindle-email",
        "me@kindle.invalid",
    )
    assert code == 0 and out.startswith("mailed story.epub")
    assert err == (
        f"{kindle}: warning: not copying to this Kindle: AZW3 needs Calibre; "
        "mailing the EPUB instead\n"
    )
    assert len(mailbox.received) == 1 and files(kindle) == []


def test_mail_failures_are_one_line_errors(
    story: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: Callable[..., Mailbox],
    clean_environment: None,
) -> None:
    small = smtp_server(data_size_limit=10_000)
    for name, value in small.environment().items():
        monkeypatch.setenv(name, value)
    arguments = ("send", str(story), "-s", "Y/N=Alex", "--kindle-email", "me@kindle.invalid")
    code, _, err = run(capsys, *arguments)
    assert code == 4
    assert err.startswith("ficpress: error: the mail is ") and "takes at most 10 kB" in err

    server = smtp_server()
    monkeypatch.setenv("FICPRESS_SMTP_PORT", str(server.port))
    monkeypatch.setenv("FICPRESS_SMTP_PASSWORD", "wrong")
    code, _, err = run(capsys, *arguments)
    assert (code, err) == (
        4,
        f"ficpress: error: 127.0.0.1:{server.port} refused the login for reader@example.invalid: "
        "check FICPRESS_SMTP_USER and FICPRESS_SMTP_PASSWORD\n",
    )

    monkeypatch.setattr(mail, "MAIL_LIMIT", 1000)
    code, _, err = run(capsys, *arguments)
    assert code == 4 and "Send to Kindle by mail takes at most 1 kB: copy it over USB" in err

    monkeypatch.delenv("FICPRESS_SMTP_CAFILE")  # our test authority is not trusted then
    monkeypatch.setattr(mail, "MAIL_LIMIT", 50_000_000)
    code, _, err = run(capsys, *arguments)
    assert code == 4 and "secure connection failed: CERTIFICATE_VERIFY_FAILED" in err
    assert server.received == [] and small.received == []


def test_smtp_settings_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[smtp]\nhost = "mail.example.invalid"\nuser = "me@example.invalid"\n')
    environment = {"FICPRESS_CONFIG": str(config), "FICPRESS_SMTP_PASSWORD": "secret"}
    found = mail.settings(environment)
    assert (found.host, found.port, found.security) == ("mail.example.invalid", 587, "starttls")
    assert (found.sender, found.password) == ("me@example.invalid", "secret")
    found = mail.settings({**environment, "FICPRESS_SMTP_SECURITY": "ssl"})
    assert (found.port, found.security) == (465, "ssl")

    def refused(environ: dict[str, str]) -> str:
        with pytest.raises(UsageError) as raised:
            mail.settings(environ)
        return str(raised.value)

    assert "set FICPRESS_SMTP_PASSWORD" in refused({"FICPRESS_CONFIG": str(config)})
    assert "without encryption" in refused({**environment, "FICPRESS_SMTP_SECURITY": "none"})
    assert "needs an outgoing mail server" in refused({"FICPRESS_CONFIG": str(tmp_path / "x")})
    config.write_text('[smtp]\nhost = "h.invalid"\npassword = "no"\n')
    assert refused(environment) == (
        f"{config}: error: keep the SMTP password out of files: set FICPRESS_SMTP_PASSWORD instead"
    )


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@b", "Alex <a@kindle.com>", "a@kindle.com, b@kindle.com"]
)
def test_kindle_email_must_be_one_plain_address(address: str) -> None:
    with pytest.raises(UsageError, match="give one mail address"):
        mail.check_address(address)
