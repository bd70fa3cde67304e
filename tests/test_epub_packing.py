"""One more reader's EPUB from the packed package (builder.editions.zipped): every entry holds
what the package's text filled with the reader's values holds, the archive is one any ZIP
reader checks (CRC, sizes, a stored `mimetype` first), a template that served other readers
first gives the bytes a fresh build gives, and the books pass EPUBCheck."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest

from benchmarks.longstory import generate
from builder import pipeline
from builder.editions import EDITIONS, EditionOptions, epub, zipped
from builder.fill import values_for
from builder.model import EditionTemplate, Profile
from builder.profile import resolve
from tests.conftest import ROOT, SEED_MANUSCRIPT, problems, run_epubcheck

CASES = ROOT / "tests" / "cases"
EPOCH = "1600000000"
# Values that escape, that are not ASCII, and of other lengths than the first reader's.
FIRST = ("Y/N=Al", "E/C=green", "H/C=auburn")
SECOND = ('Y/N=Zoë <b>"&"</b> Ñúñez-Øster', "E/C=amber", "H/C=silver-grey")
FORMATS = [(name, scenes) for name in ("epub", "kepub") for scenes in ("separate", "inline")]


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stories")
    # A short novel: many scenes, a slot every few hundred bytes.
    novel = generate(folder / "novel", words=8_000, chapters=4, scenes=12)
    return {
        "seed": SEED_MANUSCRIPT,
        "chapters": CASES / "chapters" / "input" / "story.md",
        "escaping": CASES / "escaping" / "input" / "story.md",
        "novel": novel,
    }


def fresh(path: Path) -> EditionTemplate:
    pipeline._templates.clear()
    return pipeline.compile(path, disk=False)


def personalise(template: EditionTemplate, profile: Profile, name: str, scenes: str) -> bytes:
    return pipeline.personalise(template, profile, EDITIONS[name], EditionOptions(scenes=scenes))


@pytest.fixture(scope="module")
def books(
    stories: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str, str], tuple[bytes, bytes, EditionTemplate, Profile]]:
    """Per story and format: the second reader's book from a template the first reader's
    books were made from, the same from a template compiled afresh, the template, the
    profile."""
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for story, path in stories.items():
            template = fresh(path)
            first = resolve(template.codes, FIRST)
            second = resolve(template.codes, SECOND)
            for name, scenes in FORMATS:
                personalise(template, first, name, scenes)
            for name, scenes in FORMATS:
                reused = personalise(template, second, name, scenes)
                made[story, name, scenes] = (reused, b"", template, second)
            again = fresh(path)
            for name, scenes in FORMATS:
                reused, _, template, profile = made[story, name, scenes]
                alone = personalise(again, resolve(again.codes, SECOND), name, scenes)
                made[story, name, scenes] = (reused, alone, template, profile)
    return made


def test_a_reused_template_gives_the_bytes_of_a_fresh_one(
    books: dict[tuple[str, str, str], tuple[bytes, bytes, EditionTemplate, Profile]],
) -> None:
    for key, (reused, alone, _, _) in books.items():
        assert reused == alone, key


def test_every_entry_holds_the_filled_package(
    books: dict[tuple[str, str, str], tuple[bytes, bytes, EditionTemplate, Profile]],
) -> None:
    for (story, name, scenes), (data, _, template, profile) in books.items():
        kobo = name == "kepub"
        identifier = pipeline.identifier(template, profile)
        values = values_for(template, profile, identifier)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None  # every CRC and size as stored
            infos = archive.infolist()
            package = epub.compile_package(template, kobo, scenes)
            assert [info.filename for info in infos] == [entry for entry, _ in package]
            assert infos[0].filename == "mimetype"
            for info, (entry, content) in zip(infos, package, strict=True):
                where = (story, name, scenes, entry)
                assert info.date_time == (2020, 9, 13, 12, 26, 40), where
                assert info.external_attr == 0o644 << 16, where
                stored = entry == "mimetype" or entry.endswith(epub.IMAGE_SUFFIXES)
                expected_method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                assert info.compress_type == expected_method, where
                read = archive.read(info)
                if isinstance(content, tuple):
                    assert read == values.markup(content).encode("utf-8"), where
                elif isinstance(content, bytes):
                    assert read == content, where
                else:
                    assert read[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0"), where


def test_the_books_pass_epubcheck(
    books: dict[tuple[str, str, str], tuple[bytes, bytes, EditionTemplate, Profile]],
    tmp_path: Path,
) -> None:
    paths = []
    for (story, name, scenes), (data, _, _, _) in books.items():
        path = tmp_path / f"{story}-{name}-{scenes}.epub"
        path.write_bytes(data)
        paths.append(path)
    results = run_epubcheck(paths, tmp_path)
    assert {path.name: problems(results[path]) for path in paths} == {p.name: [] for p in paths}


@pytest.mark.parametrize("length", [0, 1, 65_535, 65_536, 200_000])
def test_values_of_any_length_go_between_deflated_pieces(length: int) -> None:
    value = bytes(range(256)) * (length // 256) + b"v" * (length % 256)
    pieces = (b"<p>" * 200, b"</p>" * 100, b"")
    packed = zipped.pack([("doc.xhtml", pieces, (0, 1), True)], (2020, 1, 2, 3, 4, 6))
    [entry] = packed.entries
    block = zipped.stored_blocks(value)
    stream = entry.deflated[0] + block + entry.deflated[1] + block + entry.deflated[2]
    content = zlib.decompress(stream + zipped.FINAL_BLOCK, -zlib.MAX_WBITS)
    assert content == pieces[0] + value + pieces[1] + value
    archive = zipped.write(packed, [value, value], [zipped.stored_blocks(value)] * 2)
    with zipfile.ZipFile(io.BytesIO(archive)) as read:
        assert read.testzip() is None
        assert read.read("doc.xhtml") == content
        assert read.infolist()[0].date_time == (2020, 1, 2, 3, 4, 6)


def test_a_name_that_is_not_ascii_is_marked_utf8() -> None:
    packed = zipped.pack(
        [("mimetype", (b"x",), (), False), ("é.txt", (b"y",), (), True)], (1980, 1, 1, 0, 0, 0)
    )
    with zipfile.ZipFile(io.BytesIO(zipped.write(packed, [], []))) as read:
        assert read.namelist() == ["mimetype", "é.txt"]
        assert read.read("é.txt") == b"y"
