"""The reader's pronouns written out by the author (issue 13, writer side): choices like
`(she/he/they)` and `(s)he`, variant paragraphs and spans (`F!:`, `[M!]...[/M!]`), and the
marks `her{+}` / `her{-}` that settle one pronoun. Each is exact: these tests read the text a
reader of each set gets, and build EPUBs that EPUBCheck validates."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest

from builder import fill, pipeline
from builder.cli import main
from builder.errors import ManuscriptError
from builder.profile import resolve
from builder.stages import pronoun_syntax
from tests.conftest import problems, run_epubcheck

SETS = ("she", "he", "they", "xe/xem/xyr/xyrs/xemself")


def write(tmp_path: Path, body: str, front: str = "", name: str = "s.md") -> Path:
    path = tmp_path / name
    path.write_text(f"---\ntitle: Test\n{front}---\n\n{body}\n", encoding="utf-8")
    return path


def read_as(path: Path, chosen: str | None) -> str:
    """The story's text (every scene, no title page) as a reader of `chosen` gets it."""
    template = pipeline.compile(path)
    profile = resolve(template.codes, [f"pronouns={chosen}"] if chosen else [])
    values = fill.values_for(template, profile, "id")
    text = " ".join(
        values.plain(document.body)
        for document in template.documents
        if document.kind in ("scene", "chapter")
    )
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\s+", " ", text).strip().replace("’", "'")
    return text.removeprefix("Test ")  # the title heading of a story without chapters


@pytest.mark.parametrize(
    ("written", "she", "he", "they", "xe"),
    [
        ("(she/he/they) waved", "she waved", "he waved", "they waved", "xe waved"),
        ("(he/she/they) waved", "she waved", "he waved", "they waved", "xe waved"),
        ("[she/he/they] waved", "she waved", "he waved", "they waved", "xe waved"),
        ("(she/he) waved", "she waved", "he waved", "they waved", "xe waved"),
        ("she/he waved", "she waved", "he waved", "they waved", "xe waved"),
        ("he/she waved", "she waved", "he waved", "they waved", "xe waved"),
        ("(s)he waved", "she waved", "he waved", "they waved", "xe waved"),
        ("s/he waved", "she waved", "he waved", "they waved", "xe waved"),
        (
            "hit (her/him/them) once",
            "hit her once",
            "hit him once",
            "hit them once",
            "hit xem once",
        ),
        (
            "took (her/his/their) coat",
            "took her coat",
            "took his coat",
            "took their coat",
            "took xyr coat",
        ),
        ("took his/her coat", "took her coat", "took his coat", "took their coat", "took xyr coat"),
        ("was (hers/his/theirs).", "was hers.", "was his.", "was theirs.", "was xyrs."),
        (
            "saw (herself/himself/themselves).",
            "saw herself.",
            "saw himself.",
            "saw themselves.",
            "saw xemself.",
        ),
        ("saw himself/herself.", "saw herself.", "saw himself.", "saw themself.", "saw xemself."),
    ],
)
def test_each_wild_form_and_role_reads_in_each_set(
    tmp_path: Path, written: str, she: str, he: str, they: str, xe: str
) -> None:
    path = write(tmp_path, f"Then {written} and went on.")
    for chosen, expected in zip(SETS, (she, he, they, xe), strict=True):
        assert f"Then {expected} and went on." in read_as(path, chosen), (written, chosen)
    assert f"Then {written} and went on." in read_as(path, None)  # nothing chosen: as written


@pytest.mark.parametrize(
    ("written", "she", "they"),
    [
        ("(She/He/They) waved.", "She waved.", "They waved."),
        ("(She/he/they) waved.", "She waved.", "They waved."),
        ("(S)he waved.", "She waved.", "They waved."),
        ("S/he waved.", "She waved.", "They waved."),
        ("His/her coat fell.", "Her coat fell.", "Their coat fell."),
        ("(SHE/HE/THEY) WAVED.", "SHE WAVED.", "THEY WAVED."),
    ],
)
def test_capitals_follow_the_first_form(tmp_path: Path, written: str, she: str, they: str) -> None:
    path = write(tmp_path, f"Y/N sat. {written}")
    assert read_as(path, "she").endswith(she)
    assert read_as(path, "they").endswith(they)
    assert read_as(path, "xe/xem/xyr/xyrs/xemself").endswith(
        they.replace("They", "Xe").replace("Their", "Xyr").replace("THEY", "XE")
    )


def test_a_verb_after_a_subject_choice_agrees(tmp_path: Path) -> None:
    path = write(tmp_path, "(She/He/They) (is/are) late, and (s)he walks home. (s)he laughed.")
    assert read_as(path, "she") == "She is late, and she walks home. she laughed."
    assert read_as(path, "he") == "He is late, and he walks home. he laughed."
    assert read_as(path, "they") == "They are late, and they walk home. they laughed."
    assert read_as(path, "xe/xem/xyr/xyrs/xemself") == "Xe is late, and xe walks home. xe laughed."
    assert read_as(path, "ae/aer/aer/aers/aerself/plural").startswith("Ae are late, and ae walk")
    path = write(tmp_path, "(S)he's gone, and (she/he/they)’s smiling.", name="c.md")
    assert read_as(path, "they") == "They've gone, and they're smiling."
    assert read_as(path, "he") == "He's gone, and he's smiling."


def test_words_that_are_no_choice_stay(tmp_path: Path) -> None:
    text = (
        "Her pronouns are she/her, his are he/him, and/or w/o Y/N. "
        "She left (her bag) and (s)omething else. A/N: thanks."
    )
    path = write(tmp_path, text)
    for chosen in SETS:
        assert read_as(path, chosen).replace("Y/N", "Y/N") == text.replace(
            "(s)omething", "(s)omething"
        )
    _, decisions = pipeline.pronoun_decisions(path)
    assert decisions == ()


def test_forms_of_mixed_roles_are_an_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "One.\n\nThen (she/him) waved.")
    with pytest.raises(ManuscriptError) as raised:
        pipeline.compile(path)
    assert raised.value.line == 7 and "mixes pronoun roles" in str(raised.value)
    assert str(raised.value).startswith(f"{path}:7: error:")


def test_forms_of_make_a_choice_only_of_different_sets() -> None:
    assert pronoun_syntax.forms_of(["her", "his", "their"]) == (
        "det",
        {"she": "her", "he": "his", "they": "their"},
    )
    assert pronoun_syntax.forms_of(["him", "her"]) == ("obj", {"he": "him", "she": "her"})
    assert pronoun_syntax.forms_of(["she", "her"]) is None  # a set's name, not a choice
    assert pronoun_syntax.forms_of(["she", "they"]) is None  # she's and he's both needed
    assert pronoun_syntax.forms_of(["and", "or"]) is None


VARIANTS = """Y/N walks in.

F!: You smooth down your skirt and curtsy.

M!Reader: You straighten your tie and bow.

NB!: You straighten your jacket and nod.

Then [F!]she[/F!] [M!]he[/M!] [NB!]they[/NB!] sat down.

[M!]

He grinned, and *Y/N* grinned back.

Kai laughed.

[/M!]

The end."""


def test_variants_keep_one_alternative_per_reader(tmp_path: Path) -> None:
    path = write(tmp_path, VARIANTS, "reader: {pronouns: she}\n", "v.md")
    she = read_as(path, "she")
    assert she == (
        "Y/N walks in. You smooth down your skirt and curtsy. Then she sat down. The end."
    )
    he = read_as(path, "he")
    assert he == (
        "Y/N walks in. You straighten your tie and bow. Then he sat down. "
        "He grinned, and Y/N grinned back. Kai laughed. The end."
    )
    for chosen in ("they", "xe/xem/xyr/xyrs/xemself"):
        assert read_as(path, chosen) == (
            "Y/N walks in. You straighten your jacket and nod. Then they sat down. The end."
        )
    assert read_as(path, None) == she  # nothing chosen: the story's declared reader
    template = pipeline.compile(path)
    profile = resolve(template.codes, ["pronouns=he", "Y/N=Sam"])
    values = fill.values_for(template, profile, "id")
    body = " ".join(values.plain(document.body) for document in template.documents)
    assert "<em>Sam</em> grinned back" in body  # codes and emphasis inside a variant stay


def test_a_group_without_the_readers_variant_falls_back(tmp_path: Path) -> None:
    body = "F!: Skirt.\n\nM!: Tie.\n\nNext.\n\n[F!]Her[/F!][NB!]Their[/NB!] coat."
    undeclared = write(tmp_path, body, name="u.md")
    assert read_as(undeclared, "they") == "Skirt. Next. Their coat."  # no NB!: the first
    assert read_as(undeclared, "he") == "Tie. Next. Their coat."  # no M!: NB!
    assert read_as(undeclared, "she") == "Skirt. Next. Her coat."
    assert read_as(undeclared, None) == "Skirt. Next. Their coat."  # nothing chosen: NB!
    declared = write(tmp_path, body, "reader: {pronouns: he}\n", "d.md")
    assert read_as(declared, "they") == "Tie. Next. Their coat."  # the declared one
    assert read_as(declared, None) == "Tie. Next. Their coat."


def test_f_y_n_makes_its_paragraph_a_variant(tmp_path: Path) -> None:
    path = write(tmp_path, "F!Y/N wears the dress.\n\nM!Y/N wears the suit.\n\nEnd.")
    assert read_as(path, "she") == "Y/N wears the dress. End."
    assert read_as(path, "he") == "Y/N wears the suit. End."


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("One.\n\n[F!]\n\nTwo.", 8, "never closed"),
        ("One.\n\n[/F!]", 8, "no variant is open"),
        ("[F!]\n\nM!: Two.\n\n[/F!]", 8, "inside a [F!] block"),
        ("A [F!]she is.\n\nB.", 6, "not closed in its paragraph"),
        ("A [F!]she[/M!] is.", 6, "close the open [F!]"),
        ("Mara saw her {+} there.", 6, "must follow the pronoun"),
    ],
)
def test_broken_variants_and_marks_are_one_error_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, message: str
) -> None:
    path = write(tmp_path, body, "reader: she\n")
    code = main(["build", str(path), "-f", "epub", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"{path}:{line}: error:") and message in err, err
    assert not (tmp_path / "out").exists()
    assert main(["lint", str(path)]) == 2  # lint stops where build does, with the same line
    assert capsys.readouterr().err.splitlines()[0] == err.strip()


MARKED = """Mara glanced at Y/N. She smiled at her, and she sighed.

Y/N saw Mara. She{-} waved at her{+}, and she{+} waved back."""


def test_marks_settle_a_pronoun_and_are_shown_as_the_authors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MARKED, "reader: {pronouns: she}\n")
    he = read_as(path, "he")
    assert he.endswith("Y/N saw Mara. She waved at him, and he waved back.")
    assert "{" not in he and "{" not in read_as(path, None)
    assert main(["pronouns", str(path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^8:15 +She +subj +someone else's: the author's mark \{-\}", out, re.M)
    assert re.search(r"^8:31 +her +obj +the reader's: the author's mark \{\+\}", out, re.M)
    assert re.search(r"^8:43 +she +subj +the reader's: the author's mark \{\+\}", out, re.M)


def test_ficpress_pronouns_lists_written_out_choices_without_a_reader_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "Y/N nods. (S)he (is/are) ready.\n\nF!: Skirt.\n\nM!: Tie.")
    assert main(["pronouns", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["5:11", "(S)he", "subj"]
    assert lines[1].split()[:3] == ["5:17", "(is/are)", "verb"]
    assert "a variant for she, they, no pronouns chosen" in lines[2]
    assert "a variant for he" in lines[3]


def test_titles_and_summary_follow_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text(
        "---\ntitle: What (S)he Saw\nsummary: Y/N finds (her/his/their) way.\n---\n\n"
        "# Where (she/he/they) went\n\nText.\n",
        encoding="utf-8",
    )
    template = pipeline.compile(path)
    profile = resolve(template.codes, ["pronouns=they"])
    assert fill.fill_text(template, template.title, profile) == "What They Saw"
    assert template.description is not None
    assert fill.fill_text(template, template.description, profile) == "Y/N finds their way."
    assert "Where they went" in read_as(path, "they")


def test_epubs_of_every_set_are_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path, VARIANTS + "\n\n" + MARKED + "\n\n(S)he (is/are) here.", "reader: she\n", "v.md"
    )
    books = []
    for chosen in SETS:
        out = tmp_path / chosen.replace("/", "-")
        args = ["build", str(path), "-f", "epub", "-o", str(out), "--pronouns", chosen]
        assert main(args) == 0, capsys.readouterr().err
        books.append(out / "v.epub")
    with zipfile.ZipFile(books[2]) as archive:
        names = [name for name in archive.namelist() if name.endswith(".xhtml")]
        text = " ".join(archive.read(name).decode("utf-8") for name in names)
    assert "They are here." in text and "Skirt" not in text
    results = run_epubcheck(books, tmp_path)
    assert all(problems(results[book]) == [] for book in books), results


def test_the_stage_reads_the_title_summary_chapter_titles_and_captions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "h.md"
    path.write_text(
        "---\ntitle: Y/N and Her Dragon\nsummary: Y/N finds her way home. Mara helps her.\n"
        "reader: {pronouns: she}\n---\n\n# Where she went\n\nY/N walked. She was tired.\n\n"
        "-- (Later, she slept)\n\nY/N slept.\n",
        encoding="utf-8",
    )
    template = pipeline.compile(path)
    they = resolve(template.codes, ["pronouns=they"])
    assert fill.fill_text(template, template.title, they) == "Y/N and Their Dragon"
    assert template.description is not None
    summary = fill.fill_text(template, template.description, they)
    assert summary == "Y/N finds their way home. Mara helps them."
    text = read_as(path, "they")
    assert "Where they went" in text and "Later, they slept" in text
    assert "They were tired." in text
    assert read_as(path, None) == read_as(path, "she")  # the story's own set: as written
    assert main(["pronouns", str(path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^2:\d+ +Her +det +the reader's", out, re.M)  # the title, line 2


def test_marks_settle_a_gendered_word_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Y/N looked at the girl{+} in the mirror. Kai waved at a girl{-} at the bar.",
        "reader: {pronouns: she}\n",
    )
    assert (
        read_as(path, "he")
        == "Y/N looked at the boy in the mirror. Kai waved at a girl at the bar."
    )
    assert (
        read_as(path, None)
        == "Y/N looked at the girl in the mirror. Kai waved at a girl at the bar."
    )


def test_a_written_out_pronoun_is_a_mention_of_the_reader_for_the_stage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Mara laughed, and she sat down. Mara took her coat.\n\n"
        "Y/N waited. Mara sat. (She/He/They) stood up, and she left the room.",
        "reader: {pronouns: she}\n",
    )
    assert read_as(path, "he").endswith("Mara sat. He stood up, and he left the room.")


def test_a_code_inside_a_variant_keeps_its_inflection(tmp_path: Path) -> None:
    path = tmp_path / "ru.md"
    path.write_text(
        "---\ntitle: Test\nlanguage: ru\n---\n\nF!: Платье Y/N-у.\n\nM!: Костюм Y/N-у.\n",
        encoding="utf-8",
    )
    template = pipeline.compile(path)
    for chosen, expected in (("she", "Платье Ивану."), ("he", "Костюм Ивану.")):
        profile = resolve(template.codes, [f"pronouns={chosen}", "Y/N=Иван"])
        values = fill.values_for(template, profile, "id")
        text = " ".join(values.plain(document.body) for document in template.documents)
        assert expected in text and "only:" not in text, text
