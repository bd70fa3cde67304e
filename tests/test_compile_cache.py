"""The on-disk compile cache: a repeat build skips the compiler and writes the same bytes; any
change to what decides a compiled story (the manuscript, its cover, ficpress's own files)
compiles afresh; the folder stays bounded, private and whole under concurrent builds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builder import compile_cache, pipeline
from builder.cli import main
from builder.editions import EDITIONS
from builder.model import EditionTemplate, Source
from builder.profile import resolve
from builder.stages import manuscript
from tests.conftest import FULL_PROFILE, ROOT, SEED_MANUSCRIPT, problems, run_epubcheck

CASES = ROOT / "tests" / "cases"

VALUES = [argument for value in FULL_PROFILE for argument in ("--set", value)]


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "story" / "for-her-safety.md"
    path.parent.mkdir()
    shutil.copy(SEED_MANUSCRIPT, path)
    return path


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The folder compiled stories go to, in a cache folder of the test's own."""
    monkeypatch.setenv(compile_cache.ENVIRONMENT, str(tmp_path / "cache"))
    folder = compile_cache.folder()
    assert folder == tmp_path / "cache" / "compiled"
    return folder


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths the compiler really ran on (each build starts as a fresh process would,
    with nothing compiled in memory)."""
    ran: list[Path] = []
    real = pipeline._compile

    def counted(source, *rest):  # type: ignore[no-untyped-def]
        ran.append(source.path)
        return real(source, *rest)

    monkeypatch.setattr(pipeline, "_compile", counted)
    return ran


def build(story: Path, out: Path, *extra: str) -> bytes:
    pipeline._templates.clear()
    assert main(["build", str(story), "-f", "epub", "-o", str(out), "-q", *VALUES, *extra]) == 0
    return (out / "for-her-safety.epub").read_bytes()


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_repeat_build_skips_the_compiler_and_writes_the_same_book(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path, epubcheck_work: Path
) -> None:
    first = build(story, tmp_path / "one")
    second = build(story, tmp_path / "two")
    assert compiles == [story]
    assert second == first
    assert len(entries(cache)) == 1
    messages = run_epubcheck([tmp_path / "two" / "for-her-safety.epub"], epubcheck_work)
    assert problems(next(iter(messages.values()))) == []


def test_an_edited_manuscript_is_compiled_again(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    build(story, tmp_path / "one")
    story.write_text(story.read_text("utf-8").replace("Kylo", "Ben"), "utf-8")
    edited = build(story, tmp_path / "two")
    assert compiles == [story, story]
    assert b"Ben" in _document_text(tmp_path / "two" / "for-her-safety.epub")
    assert edited != (tmp_path / "one" / "for-her-safety.epub").read_bytes()


def test_a_new_cover_image_is_compiled_again(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    from PIL import Image

    cover = story.parent / "cover.png"
    Image.new("RGB", (160, 256), (200, 30, 30)).save(cover)
    text = story.read_text("utf-8").replace("title: ", "cover: cover.png\ntitle: ", 1)
    story.write_text(text, "utf-8")
    build(story, tmp_path / "one")
    Image.new("RGB", (160, 256), (30, 30, 200)).save(cover)
    build(story, tmp_path / "two")
    assert compiles == [story, story]


def test_each_notes_choice_is_its_own_entry(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    text = story.read_text("utf-8").replace("\n\n", "\n\nA/N: thank you for reading!\n\n", 1)
    story.write_text(text, "utf-8")
    placed = build(story, tmp_path / "place")
    omitted = build(story, tmp_path / "omit", "--notes", "omit")
    assert build(story, tmp_path / "omit-again", "--notes", "omit") == omitted
    assert compiles == [story, story]
    assert omitted != placed
    assert len(entries(cache)) == 2


def test_no_cache_compiles_and_keeps_nothing(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    build(story, tmp_path / "one", "--no-cache")
    build(story, tmp_path / "two", "--no-cache")
    assert compiles == [story, story]
    assert not cache.exists() or entries(cache) == []


def test_the_environment_can_turn_it_off(
    story: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[Path], tmp_path: Path
) -> None:
    monkeypatch.setenv(compile_cache.ENVIRONMENT, "off")
    assert compile_cache.folder() is None
    build(story, tmp_path / "one")
    build(story, tmp_path / "two")
    assert compiles == [story, story]


def test_a_torn_entry_is_a_miss_and_is_replaced(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    first = build(story, tmp_path / "one")
    (entry,) = entries(cache)
    entry.write_bytes(entry.read_bytes()[:1000])
    assert build(story, tmp_path / "two") == first
    assert compiles == [story, story]
    assert isinstance(compile_cache.load(cache, entry.stem), EditionTemplate)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="folder ownership is a POSIX idea")
def test_a_folder_others_can_write_to_is_not_trusted(
    story: Path, cache: Path, compiles: list[Path], tmp_path: Path
) -> None:
    build(story, tmp_path / "one")
    cache.chmod(0o777)  # anyone could have put a pickle here: loading it would run their code
    try:
        build(story, tmp_path / "two")
    finally:
        cache.chmod(0o700)
    assert compiles == [story, story]


def test_the_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    for age, name in enumerate(("old", "middle", "new")):
        entry = folder / f"{name}.pickle"
        entry.write_bytes(b"x" * 100)
        os.utime(entry, ns=(age * 10**9, age * 10**9))
    compile_cache.trim(folder, 250)
    assert [path.stem for path in entries(folder)] == ["middle", "new"]


def test_written_entries_stay_within_the_limit_newest_kept(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    sizes = []
    for number in range(40):
        compile_cache.write_entry(folder, f"entry-{number:02}.pickle", b"x" * 100, 1000)
        sizes.append(sum(path.stat().st_size for path in entries(folder)))
    assert max(sizes) <= 1000
    assert "entry-39" in [path.stem for path in entries(folder)]
    assert "entry-00" not in [path.stem for path in entries(folder)]


def test_ficpress_code_is_part_of_the_key(
    story: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = manuscript.read(story)
    before = compile_cache.key(source, "slug", ())
    module = cache.parent.parent / "fake-package.py"
    module.write_text("VERSION = 1\n")
    monkeypatch.setattr(compile_cache, "_package_files", lambda: [module])
    monkeypatch.setattr(compile_cache, "_fingerprint", None)
    one = compile_cache.key(source, "slug", ())
    monkeypatch.setattr(compile_cache, "_fingerprint", None)
    module.write_text("VERSION = 2\n")
    two = compile_cache.key(source, "slug", ())
    assert len({before, one, two}) == 3
    assert compile_cache.key(source, "slug", ("Kylo",)) != two


def test_concurrent_builds_leave_one_whole_entry(story: Path, cache: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "builder", "build", str(story), "-f", "epub", "-q", *VALUES]
    runs = [
        subprocess.Popen([*command, "-o", str(tmp_path / f"out-{number}")], env=os.environ.copy())
        for number in range(3)
    ]
    assert [run.wait(timeout=300) for run in runs] == [0, 0, 0]
    books = {(tmp_path / f"out-{n}" / "for-her-safety.epub").read_bytes() for n in range(3)}
    assert len(books) == 1
    (entry,) = entries(cache)
    assert isinstance(compile_cache.load(cache, entry.stem), EditionTemplate)
    assert not list(cache.glob(".*.tmp"))


def _document_text(epub: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(epub) as archive:
        return b"".join(archive.read(name) for name in archive.namelist() if name.endswith("xhtml"))


def test_an_entry_loads_as_the_template_it_was_with_its_forms(tmp_path: Path) -> None:
    # Dataclasses are stored as calls of their class (compile_cache._Pickler): what comes back
    # must be the same template, every field equal, the writers' forms included.
    template = pipeline.compile(CASES / "chapters" / "input" / "story.md", disk=False)
    profile = resolve(template.codes, FULL_PROFILE)
    for name in ("epub", "kepub"):
        pipeline.personalise(template, profile, EDITIONS[name])
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    compile_cache.store(folder, "entry", template)
    loaded = compile_cache.load(folder, "entry")
    assert loaded is not None and loaded == template
    assert loaded.forms._forms == template.forms._forms
    assert type(loaded.slots[0]) is type(template.slots[0])
    for name in ("epub", "kepub"):
        made = pipeline.personalise(loaded, profile, EDITIONS[name])
        assert made == pipeline.personalise(template, profile, EDITIONS[name])


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths read as manuscripts (the parse a lookup by bytes skips)."""
    read: list[Path] = []
    real = manuscript.read

    def counted(path: Path) -> Source:
        read.append(path)
        return real(path)

    monkeypatch.setattr(manuscript, "read", counted)
    return read


def test_a_repeat_build_finds_the_story_by_its_bytes_without_parsing_it(
    story: Path, cache: Path, compiles: list[Path], parses: list[Path], tmp_path: Path
) -> None:
    first = build(story, tmp_path / "one")
    assert build(story, tmp_path / "two") == first
    assert (compiles, parses) == ([story], [story])
    assert len(list(cache.glob("*" + compile_cache.QUICK_SUFFIX))) == 1


@pytest.mark.parametrize("change", ["bytes", "time", "epoch", "notes"])
def test_what_the_parse_reads_besides_the_bytes_is_part_of_the_quick_key(
    story: Path,
    cache: Path,
    parses: list[Path],
    tmp_path: Path,
    change: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build(story, tmp_path / "one")
    extra: tuple[str, ...] = ()
    if change == "bytes":
        story.write_text(story.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    elif change == "time":  # the edition date when neither a date nor SOURCE_DATE_EPOCH says
        os.utime(story, (1_000_000_000, 1_000_000_000))
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    else:
        extra = ("--notes", "end")
    build(story, tmp_path / "two", *extra)
    assert parses == [story, story]


def test_a_story_with_a_cover_is_always_parsed(
    story: Path, cache: Path, parses: list[Path], tmp_path: Path
) -> None:
    # Its image is a file of its own (test_a_new_cover_image_is_compiled_again).
    from PIL import Image

    Image.new("RGB", (160, 256), (200, 30, 30)).save(story.parent / "cover.png")
    text = story.read_text("utf-8").replace("title: ", "cover: cover.png\ntitle: ", 1)
    story.write_text(text, "utf-8")
    build(story, tmp_path / "one")
    build(story, tmp_path / "two")
    assert parses == [story, story]
    assert not list(cache.glob("*" + compile_cache.QUICK_SUFFIX))


def test_a_cached_story_is_built_again_without_drawing_its_cover(
    story: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed's title holds a pronoun slot (`For Her Safety`): the cover drawn for the filled
    # title is kept with the compiled story.
    assert "\ue000" in pipeline.compile(story, disk=False).title
    first = build(story, tmp_path / "one")
    from builder.editions import cover

    def refuse(*arguments: object) -> object:
        raise AssertionError("the cover was drawn again")

    monkeypatch.setattr(cover, "image", refuse)
    assert build(story, tmp_path / "two") == first
