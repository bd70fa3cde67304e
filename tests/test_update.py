"""`ficpress update MANUSCRIPT`: a story imported from a link gains its new chapters, and
nothing the user edited changes (against the local replay server, tests/replay.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.importers import import_story
from builder.stages import manuscript, scenes
from builder.stages.inline import plain_text
from tests.replay import SITES as FIXTURES
from tests.replay import Answer, Replay

STORY = "https://www.wattpad.com/story/3100-salt-on-the-windowsill"
STORY_JSON = FIXTURES / "wattpad" / "api" / "v3" / "stories" / "3100.json"
TEXTS = FIXTURES / "wattpad" / "apiv2" / "storytext"
JSON = {"Content-Type": "application/json"}


def with_fourth_part() -> Answer:
    """The story's API answer once its author has posted part four."""
    story = json.loads(STORY_JSON.read_text(encoding="utf-8"))
    story["parts"].append(
        {"id": 41004, "title": "Four: Spring", "url": "https://www.wattpad.com/41004-four"}
    )
    return Answer(200, JSON, json.dumps(story).encode("utf-8"))


def ids(path: Path) -> list[str]:
    fields = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(fields, dict)
    return [str(value) for value in fields["chapter_ids"]]


def test_new_parts_are_appended_and_local_edits_kept(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = import_story(STORY, tmp_path).path
    before = ids(path)
    assert len(before) == 3
    # The reader fixes a sentence of part one by hand.
    edited = path.read_text(encoding="utf-8").replace(
        "You did not move it.", "You did not move it, not once."
    )
    path.write_text(edited, encoding="utf-8")
    # Upstream: part four is posted, and part two was revised.
    replay.queue("/api/v3/stories/3100", with_fourth_part())
    revised = (TEXTS / "41002.html").read_bytes().replace(b"out of spite", b"out of pure spite")
    replay.queue(
        "/apiv2/storytext",
        Answer(200, {}, (TEXTS / "41001.html").read_bytes()),
        Answer(200, {}, revised),
    )
    dist = tmp_path / "dist"
    assert main(["update", str(path), "--build", "--format", "epub", "-o", str(dist)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: chapter 2 ('Two: Rye & Quarrels') changed at the source; left as it is" in out
    assert f"{path}: 1 new chapter (63 words)" in out
    assert (dist / "salt-on-the-windowsill.epub").exists()
    text = path.read_text(encoding="utf-8")
    assert text.startswith(edited.split("\n---\n", 1)[0])  # front matter kept, ids aside
    body = text.split("\n---\n", 1)[1]
    assert body.startswith(edited.split("\n---\n", 1)[1].rstrip("\n"))
    assert "not once." in body and "out of spite" in body and "pure spite" not in body
    assert body.endswith('"It\'s perfect," he said, and ate the whole thing.\n')
    after = ids(path)
    assert after[:3] == before and len(after) == 4
    story = scenes.split(manuscript.read(path))
    assert [plain_text(c.title) for c in story.chapters if c.title][-1] == "Four: Spring"
    # Nothing new: the file is left byte for byte.
    replay.queue("/api/v3/stories/3100", with_fourth_part())
    assert main(["update", str(path)]) == 0
    assert f"{path}: no new chapters" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == text


def test_a_source_with_fewer_chapters_changes_nothing(replay: Replay, tmp_path: Path) -> None:
    path = import_story(STORY, tmp_path).path
    text = path.read_text(encoding="utf-8")
    story = json.loads(STORY_JSON.read_text(encoding="utf-8"))
    story["parts"] = story["parts"][:2]
    replay.queue("/api/v3/stories/3100", Answer(200, JSON, json.dumps(story).encode("utf-8")))
    assert main(["update", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == text


def test_an_ao3_work_fetched_again_has_nothing_new(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = import_story("https://archiveofourown.org/works/5001", tmp_path).path
    assert len(ids(path)) == 2
    assert main(["update", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no new chapters" in out and "changed at the source" not in out


def test_only_a_manuscript_made_from_a_link_updates(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / "local.md"
    local.write_text("---\ntitle: Mine\n---\n\nA story of my own.\n", encoding="utf-8")
    old = tmp_path / "old.md"
    old.write_text(
        f"---\ntitle: Old\nsource: {STORY}\n---\n\nImported before chapters were kept.\n",
        encoding="utf-8",
    )
    assert main(["update", str(local)]) == 2
    assert capsys.readouterr().err == (
        f"{local}: error: was not imported from a link: its 'source:' is no web address\n"
    )
    fetched = import_story(STORY, tmp_path).path
    # Several manuscripts: each failure is reported, the others are updated.
    assert main(["update", str(old), str(fetched)]) == 2
    captured = capsys.readouterr()
    assert f"{old}: error: does not say which chapters it has" in captured.err
    assert f"{fetched}: no new chapters" in captured.out


def test_a_one_part_story_that_gains_a_part_gets_its_first_heading(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = json.loads(STORY_JSON.read_text(encoding="utf-8"))
    parts = story["parts"]
    story["parts"] = parts[:1]
    replay.queue("/api/v3/stories/3100", Answer(200, JSON, json.dumps(story).encode("utf-8")))
    path = import_story(STORY, tmp_path).path
    assert "\n# " not in path.read_text(encoding="utf-8")
    story["parts"] = parts[:2]
    replay.queue("/api/v3/stories/3100", Answer(200, JSON, json.dumps(story).encode("utf-8")))
    assert main(["update", str(path)]) == 0
    out = capsys.readouterr().out
    assert "changed at the source" not in out and "1 new chapter" in out
    chapters = scenes.split(manuscript.read(path)).chapters
    assert [plain_text(c.title) for c in chapters if c.title] == [
        "One: The Room Upstairs",
        "Two: Rye & Quarrels",
    ]
