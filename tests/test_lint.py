"""`ficpress lint`: stable codes at the right line:column, errors vs warnings, no edits."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from builder import lint
from builder.cli import main
from builder.lint.rules import RETIRED, RULES
from tests.conftest import ROOT, SEED_MANUSCRIPT

FRONT = "---\ntitle: A Story\nplaceholders:\n  G/N: girlfriend's name\n---\n"


def findings(tmp_path: Path, text: str) -> list[lint.Finding]:
    path = tmp_path / "story.md"
    path.write_text(text if text.startswith("---") else FRONT + text, encoding="utf-8")
    return lint.check(path)


def test_the_seed_slips_are_found_where_they_are() -> None:
    found = [(f.line, f.column, f.code) for f in lint.check(SEED_MANUSCRIPT)]
    lines = SEED_MANUSCRIPT.read_text(encoding="utf-8").split("\n")

    def at(text: str, nth: int = 0) -> tuple[int, int]:
        places = [(n, i) for n, line in enumerate(lines, 1) for i in _all(line, text)]
        line, index = places[nth]
        return line, index + 1

    assert found == [
        (*at("bare the", 0), "T303"),
        (*at("bare the", 1), "T303"),
        (*at("bare the", 2), "T303"),
        (*at("You're purpose"), "T303"),
        (at("pal,.")[0], at("pal,.")[1] + 3, "T301"),
        (*at("seeeing"), "T302"),
    ]


def _all(line: str, text: str) -> list[int]:
    return [i for i in range(len(line)) if line.startswith(text, i)]


# (code, text that has the problem, text that does not)
RULE_CASES = [
    ("P103", "Y/N smiled. Y/M left.", "Y/N smiled. Y/B/N and B/F B/F left, and/or w/o N/A."),
    ("P104", "B/N waved. (B/F) left.", "G/N waved. b/f, N/A, M/M, at a.com/X/Y."),
    ("P105", "b/f waved.", "B/F waved, G/N and g/n, w/o and s/o at a.com/x/y."),
    ("P201", "Y/N waved. Y/N left. Y/n stayed.", "Y/N waved. (Y/N) left."),
    ("P202", "(y/n waved.", "(y/n) waved and [Y/N] left."),
    ("T301", "in his pal,. You were gone.", "Wait... what?! Apples, pears, etc., fine."),
    ("T301", "Hmm!: he said.", "F!: You curtsy.\n\nM!: You bow.\n\nNB!: You nod."),
    ("T302", "he can't handle seeeing you.", "Ooooh. Hmmm. Nooo. Shhh. Sssorry. Aaah. XXIII."),
    ("T303", "He couldn't bare the thought.", "He couldn't bear the bare wall."),
    ("T303", "You're purpose was this.", "Your purpose was this. You're kind."),
    ("T303", "I should of known.", "I should, of course, know."),
    ("Q401", 'He said "hi and left.', 'He said "hi" and left.\n\n“Stay,” she said.'),
    ("Q401", "“One, two.\n\nThree.", "“One, two.\n\n“Three.”"),
    ("Q402", '"Hi," he said.\n\n“Bye.”\n\n"Yes."', '"Hi," he said.\n\n"Bye."'),
    ("S501", "Text. " + '"Hey," he said. ' * 100, "Text. " * 300),
    ("S502", "still alive. -- (6 months later) Kylo dreams.", "He was -- well -- tired."),
    ("F601", "---\ntitle: A\nsummery: x\n---\nY/N.", "---\ntitle: A\nsummary: x\n---\nY/N."),
    (
        "R701",
        "---\ntitle: A\nreader: she\n---\n" + "Y/N shrugged off his coat. " * 4,
        "---\ntitle: A\nreader: he\n---\n" + "Y/N shrugged off his coat. " * 4,
    ),
    (
        # Mostly `you`, and her where the reader code is written: she is right for those parts.
        "R701",
        "---\ntitle: A\nreader: she\n---\n" + "You sigh at your tea. " * 12,
        "---\ntitle: A\nreader: she\n---\n"
        + "You sigh at your tea. " * 12
        + "\n\nY/N shrugged off her coat. " * 4,
    ),
]


@pytest.mark.parametrize(
    ("code", "positive", "negative"),
    RULE_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(RULE_CASES)],
)
def test_each_rule_fires_on_its_problem_only(
    tmp_path: Path, code: str, positive: str, negative: str
) -> None:
    assert code in {f.code for f in findings(tmp_path, positive)}
    assert code not in {f.code for f in findings(tmp_path, negative)}


def test_every_rule_is_tested_and_documented() -> None:
    # F601 looks at the front matter, which RULE_CASES keeps fixed: tests/test_profiles.py
    # (test_unknown_front_matter_fields_are_warned_about_in_build_and_lint) covers it.
    assert {case[0] for case in RULE_CASES} | {"F601"} == set(RULES)
    documented = (ROOT / "docs" / "lint-codes.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"`{rule.code}`" in documented and rule.severity in documented
    for code in RETIRED:
        assert code not in RULES and f"`{code}`" in documented


def test_positions_span_lines_of_a_paragraph(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, "First line of it\nand then seeeing it.\n")
    assert (found.line, found.column, found.code) == (7, 10, "T302")
    assert found.message == "'seeeing' repeats a letter 3 times: a typo?"


def test_a_hint_for_a_code_one_letter_off_one_this_story_uses(tmp_path: Path) -> None:
    (found,) = findings(tmp_path, "Y/N waved.\n\nY/M smiled.")
    assert found.message == "'Y/M' is no code this story knows: did you mean Y/N?"
    assert (found.line, found.column, found.severity) == (8, 1, "error")
    # An undeclared code the story uses often is one of its codes too.
    found = findings(tmp_path, "B/F waved. B/F left.\n\nB/G smiled.")
    assert [f.code for f in found] == ["P104", "P103"]
    assert found[1].message == "'B/G' is no code this story knows: did you mean B/F?"


def test_an_unknown_code_is_a_new_code_not_a_typo_of_the_built_in_table(tmp_path: Path) -> None:
    # Y/B/N is one letter from the built-in Y/L/N, which this story does not use.
    (found,) = findings(tmp_path, "Y/N smiled at Y/B/N.")
    assert (found.code, found.severity) == ("P104", "warning")
    assert found.message == (
        "placeholder Y/B/N is not in the legend (used 1x): it is filled when the reader gives "
        "a value, but nobody is told what it stands for; label it under 'placeholders:' in the "
        "front matter"
    )


def test_codes_only_a_legend_could_fill_are_errors_once_per_code(tmp_path: Path) -> None:
    found = findings(tmp_path, "b/f waved. B/f left. b/f came back.")
    assert [(f.code, f.column, f.severity) for f in found] == [("P105", 1, "error")]
    assert found[0].message == (
        "'b/f' looks like a placeholder but is never filled (used 3x): a code outside the "
        "legend is found only in capitals; write B/F or add it under 'placeholders:'"
    )


def test_cli_text_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean.md"
    clean.write_text(FRONT + "Y/N waved.\n", encoding="utf-8")
    typo = tmp_path / "typo.md"
    typo.write_text(FRONT + "Y/N waved seeeing it.\n", encoding="utf-8")
    broken = tmp_path / "broken.md"
    broken.write_text(FRONT + "q/q waved.\n", encoding="utf-8")
    assert main(["lint", str(clean), str(typo)]) == 0  # warnings only
    out = capsys.readouterr().out
    assert out == f"{typo}:6:11: T302 'seeeing' repeats a letter 3 times: a typo?\n"
    assert main(["lint", str(broken)]) == 1
    assert capsys.readouterr().out.startswith(f"{broken}:6:1: P105 ")
    assert main(["lint", str(tmp_path / "nope.md"), str(typo)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{tmp_path / 'nope.md'}: error: no such file\n")
    assert "T302" in captured.out  # the readable one is still linted


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text(FRONT + "In his pal,. Gone.\n", encoding="utf-8")
    assert main(["lint", str(path), "--format", "json"]) == 0
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding == {
        "path": str(path),
        "line": 6,
        "column": 11,
        "code": "T301",
        "severity": "warning",
        "message": "doubled punctuation 'pal,.': a typo?",
    }


def test_lint_never_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.md"
    path.write_text(FRONT + "(y/n waved seeeing it,. Y/M.\n", encoding="utf-8")
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    assert main(["lint", str(path)]) == 1
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.md"]
