"""The reader's pronouns (issue 13), piece by piece: the sets and their forms, what the stage
decides in small sentences, and every route a reader's choice arrives by. The measured
accuracy on the gold set is tests/test_pronoun_accuracy.py."""

from __future__ import annotations

import difflib
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from builder import pipeline, pronouns
from builder.cli import main
from builder.editions import epub
from builder.errors import ManuscriptError, UsageError
from builder.stages import manuscript, placeholders, scenes
from builder.stages import pronouns as stage
from tests.conftest import FULL_PROFILE, SEED_MANUSCRIPT, problems, run_epubcheck

STORY = """---
title: The Bench
reader: {pronouns: she}
---

Y/N sits on the bench and opens her book. She reads the first page twice.

Mara walks past and waves at her, but she does not stop. Y/N watches her go.

"Is she always like that?" Theo asks. He gives her the ring.

Y/N laughs at herself. The choice is hers. Theo made her cry. She's gone soft, and she's smiling.

"Good girl," he says. "Miss Y/N, your coat."

Mara rolled her eyes, and she went home. She was tired. She told herself to sleep.
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scene_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/scene-01.xhtml").decode("utf-8")


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "bench.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def decisions(text: str, tmp_path: Path) -> list[stage.Decision]:
    path = tmp_path / "s.md"
    path.write_text(text, encoding="utf-8")
    return list(pipeline.pronoun_decisions(path)[1])


# --- the sets ------------------------------------------------------------------------------


def test_the_sets_and_custom_forms() -> None:
    assert pronouns.parse("they").plural and not pronouns.parse("She").plural
    assert pronouns.parse("he/him") == pronouns.SETS["he"]
    xe = pronouns.parse("xe/xem/xyr/xyrs/xemself")
    assert (xe.subj, xe.obj, xe.det, xe.pos, xe.refl, xe.plural) == (
        "xe",
        "xem",
        "xyr",
        "xyrs",
        "xemself",
        False,
    )
    assert pronouns.parse("ey/em/eir/eirs/emself/plural").plural
    for bad in ("", "it", "xe/xem", "a/b/c/d/e/f", "x1/xem/xyr/xyrs/xemself"):
        with pytest.raises(UsageError, match="pronouns"):
            pronouns.parse(bad)


@pytest.mark.parametrize(
    ("role", "written", "variant", "chosen", "expected"),
    [
        ("subj", "She", "", "they", "They"),
        ("subj", "she's", "is", "they", "they're"),
        ("subj", "she's", "has", "they", "they've"),
        ("subj", "She’d", "", "he", "He’d"),
        ("subj", "she'll", "", "xe/xem/xyr/xyrs/xemself", "xe'll"),
        ("obj", "her", "", "he", "him"),
        ("det", "Her", "", "they", "Their"),
        ("pos", "hers", "", "they", "theirs"),
        ("refl", "herself", "", "they", "themself"),
        ("verb", "walks", "walk", "they", "walk"),
        ("verb", "Does", "Do", "they", "Do"),
        ("verb", "walks", "walk", "he", "walks"),
        ("word", "girlfriend", "", "they", "partner"),
        ("word", "Miss", "", "he", "Mister"),
        ("word", "ma'am", "", "they", "Mx"),
        ("word", "sir", "", "she", "ma'am"),
        ("word", "girl", "", "she", "girl"),
    ],
)
def test_a_slot_reads_in_the_chosen_set(
    role: str, written: str, variant: str, chosen: str, expected: str
) -> None:
    assert pronouns.read(role, written, variant, pronouns.parse(chosen)) == expected


# --- the stage -----------------------------------------------------------------------------


def test_the_stage_decides_role_referent_and_agreement(tmp_path: Path) -> None:
    found = {(d.line, d.written, d.role, d.reader, d.certain) for d in decisions(STORY, tmp_path)}
    assert (6, "her", "det", True, True) in found  # opens her book
    assert (6, "reads", "verb", True, True) in found  # She reads -> They read
    assert (8, "her", "obj", True, True) in found  # Mara waves at her: not Mara herself
    assert (8, "she", "subj", False, True) in found  # but she (Mara) does not stop
    assert (10, "her", "obj", True, True) in found  # gives her the ring
    assert (12, "herself", "refl", True, True) in found
    assert (12, "hers", "pos", True, True) in found
    assert (12, "her", "obj", True, True) in found  # made her cry
    assert (14, "girl", "word", True, True) in found
    assert (14, "Miss", "word", True, True) in found
    assert (16, "her", "det", False, True) in found  # Mara rolled her eyes


def decided(body: str, word: str, nth: int, tmp_path: Path, written: str = "she") -> tuple:
    """(reader?, certain?) for the `nth` (from 1) occurrence of `word` in a story's `body`."""
    head = f"---\ntitle: T\nreader: {{pronouns: {written}}}\n---\n\n"
    found = [d for d in decisions(head + body, tmp_path) if d.written.lower() == word]
    return found[nth - 1].reader, found[nth - 1].certain


CASES = [
    # nobody calls themselves by name: the tag of a line naming the reader is someone else's
    ('Marit came in. She sat.\n\n"Y/N," she said.\n', "she", 2, (False, True)),
    # ...but an introduction is the reader's own
    ('Y/N came in, wet through.\n\n"Hello, I\'m Y/N," she said.\n', "she", 1, (True, True)),
    # a line answering the reader is said to her: `she` in it is someone else
    (
        'Marit ran. She fell.\n\n"Is Marit here?" Y/N asked.\n\n"She is on her way," Oskar said.\n',
        "she",
        2,
        (False, True),
    ),
    # a tag never means someone its own line talks about
    ('Y/N sat down.\n\n"My uncle fixed boats," he said.\n', "he", 1, (True, True), "he"),
    # a tag after another person's turn may be a new speaker: left as written
    (
        'Y/N smiled.\n\nMarit laughed. She sat by Marit\'s cat.\n\n"Again," she said.\n',
        "she",
        2,
        (True, False),
    ),
    # the one acting right before a line says it: `she` in it is not her
    ('Marit sat. She ate.\n\nMarit frowned. "She is late."\n', "she", 2, (True, True)),
    # a subject is not the reader named later in its own clause
    (
        "Marit ran. She fell.\n\nY/N came in. Marit smiled, and she hugged Y/N.\n",
        "she",
        2,
        (False, True),
    ),
    # the reader subject first, another person nearer: either may be meant
    ("Marit ran. She fell.\n\nY/N hugged Marit. She laughed.\n", "she", 2, (True, False)),
    # a possessive next to another person's sentence is theirs
    (
        "Marit ran. She fell.\n\nY/N sat down. Marit looked up. Her eyes were red.\n",
        "her",
        1,
        (False, True),
    ),
    # a relative clause has its own subject: `him` is not the driver, nor the teller
    (
        "Oskar sat. He ate.\n\nY/N listened. Oskar described a driver who had shouted at him.\n",
        "him",
        1,
        (False, True),
        "he",
    ),
    # the reader is the subject of the clause, so the object is someone else
    ("Marit ran. She slept on the chair.\n\nY/N did not disturb her.\n", "her", 1, (False, False)),
    # somebody else is the subject between: the object may be that first subject
    (
        'Marit ran. She fell.\n\nY/N hesitated. "Marit thinks you owe her a letter."\n',
        "her",
        1,
        (False, True),
    ),
    # a sentence's first person is its topic, also as the subject's owner
    (
        "Marit ran. She fell.\n\nY/N sat down.\n\nMarit's kettle whistled. She poured the tea.\n",
        "she",
        2,
        (False, True),
    ),
    # a name spoken to is `you` in its line, not she
    (
        'Marit ran. She fell.\n\nY/N yawned.\n\n"Marit, hush. She walked all the way here."\n',
        "she",
        2,
        (True, True),
    ),
    # a possessor alone in its sentence is what its pronouns mean
    (
        "Y/N slept.\n\nMarit ran. She fell.\n\nMarit's book lay open on her lap.\n",
        "her",
        1,
        (False, True),
    ),
    # a compound whose head is a gendered noun names a person of those pronouns
    ("Y/N slept.\n\nThe stepmother poured tea into her best cup.\n", "her", 1, (False, True)),
    ("Y/N slept.\n\nThe policewoman poured tea into her best cup.\n", "her", 1, (False, True)),
    # two owners compared in one clause are two people
    (
        "Marit ran. She fell.\n\nY/N found Marit's gloves and put her coat next to hers.\n",
        "hers",
        1,
        (False, True),
    ),
    # a subject pronoun of a main clause continues the main subject, not a subordinate one
    (
        "Marit ran. She fell.\n\nY/N will not say that Marit was right, so she looks away.\n",
        "she",
        2,
        (True, True),
    ),
    # ...also into the next sentence
    (
        "Marit ran. She fell.\n\nY/N hums the tune that Marit hummed to her. She knows it well.\n",
        "she",
        2,
        (True, True),
    ),
    # ...but one in a subordinate clause itself follows that clause's own subject
    (
        "Marit ran. She fell.\n\nY/N guessed that Marit would stay if she could.\n",
        "she",
        2,
        (False, True),
    ),
    # the only one of the pronouns in its sentence, the reader, is what a subject means
    (
        "Marit ran. She fell.\n\nOskar bought her a ticket before she could object.\n",
        "she",
        2,
        (True, True),
    ),
    # a place beside the reader may be her own...
    (
        "Marit ran. She fell.\n\nY/N sat on the bench with the parcel beside her.\n",
        "her",
        1,
        (True, True),
    ),
    # ...but not when someone else is the subject
    ("Y/N yawned.\n\nMarit ran. She fell.\n\nMarit sat down beside her.\n", "her", 1, (True, True)),
    # a noun with its verb is a new subject between: `her` is free to be the first subject
    ("Y/N kept the scarf her uncle gave her.\n", "her", 2, (True, True)),
    # a relative pronoun is its clause's subject: `him` is free to be the teller
    (
        "Y/N yawned.\n\nOskar sat. He ate. Oskar mentioned a neighbour who waved at him.\n",
        "him",
        1,
        (False, True),
        "he",
    ),
    # nor, from a main clause, named later in the sentence...
    (
        "Marit ran. She fell.\n\nShe shut the door, and Y/N stayed at the window.\n",
        "she",
        2,
        (False, True),
    ),
    # ...but a subordinate clause may name her after it
    ("When she got home, Y/N cried.\n", "she", 1, (True, True)),
    # a possessive goes with its clause's subject, even with someone else in the sentence
    (
        "Marit ran. She fell.\n\nMarit watched as Y/N climbed up with a torch in her hand.\n",
        "her",
        1,
        (True, True),
    ),
    # `her hands` is no subject with a verb (`hands`)
    (
        "Marit ran. She fell.\n\nMarit held out her hands, and Y/N put her palms against hers.\n",
        "hers",
        1,
        (False, True),
    ),
    # a look at the reader with `you` in the line: said to him
    (
        'Oskar sat. He ate.\n\nY/N sat. Pia looked at Y/N. "You should thank him."\n',
        "him",
        1,
        (False, True),
        "he",
    ),
    # ...without `you`, the look is at someone talked about
    (
        'Oskar sat. He ate.\n\nY/N waved. Oskar looked at Y/N. "He\'s my brother," he said.\n',
        "he's",
        1,
        (True, True),
        "he",
    ),
    # someone of other pronouns saying `you` may be speaking to the reader: she is unclear
    ('Y/N sat down.\n\n"I bet she is glad for you," Bastian says.\n', "she", 1, (True, False)),
    # ...but `your coat` says no `you` to anyone
    (
        'Y/N slept.\n\n"Your coat is wet. She came in the rain," said Corin.\n',
        "she",
        1,
        (True, True),
    ),
    # a person followed by `who` is the subject of that clause: its object is someone else
    (
        "Marit ran. She fell.\n\nY/N came in. Marit, who saw her first, waved.\n",
        "her",
        1,
        (True, True),
    ),
    # a line's tag is its speaker, who says I: not what the line's pronouns mean
    (
        'Oskar ran. He fell.\n\nY/N sat.\n\nOskar frowned. Y/N watched him. "Our uncle was a'
        ' baker," he said. "He rose at four."\n',
        "he",
        3,
        (False, True),
        "he",
    ),
    # the one acting right before a line is who its tag pronoun means
    (
        'Marit ran. She fell.\n\nY/N sat.\n\nMarit sighed. "You cook?" she said.\n',
        "she",
        2,
        (False, True),
    ),
    # `says Madame Vasse`: the name after the title is the speaker, who says I
    (
        'Madame Vasse nodded. She sat.\n\nY/N sang.\n\n"She sings well," says Madame Vasse.'
        ' "She just needs sleep."\n',
        "she",
        3,
        (True, True),
    ),
    # the sentence's latest subject, with nobody after her, is what a pronoun hanging on her
    # clause means
    (
        "Marit ran. She fell.\n\nMarit lit a lamp, and Y/N read until she slept.\n",
        "she",
        2,
        (True, True),
    ),
    # ...also in a clause of result (`so hard she cried`)
    (
        "Marit ran. She fell.\n\nMarit told a joke, and Y/N laughed so hard she cried.\n",
        "she",
        2,
        (True, True),
    ),
    # ...not one of a clause joined to the whole sentence
    (
        "Marit ran. She fell.\n\nMarit was there the day Y/N sang, and she had cried.\n",
        "she",
        2,
        (True, False),
    ),
    # a main clause's subject goes on, whoever it is: the reader only told of (`how Y/N...`)
    (
        "Marit ran. She fell.\n\nY/N slept.\n\nMarit told Oskar how Y/N had fallen. She told him"
        " everything.\n",
        "she",
        2,
        (False, True),
    ),
    # a line right after the reader's (known by her name doing something before it) is said
    # to her: `she` in it is someone else
    (
        'Y/N woke.\n\nMarit sat down.\n\nY/N\'s voice shook. "You lied."\n\n'
        '"I did. You are like your aunt. She sulks too."\n',
        "she",
        1,
        (False, True),
    ),
    # a pronoun whose antecedent is another line's uncertain one is uncertain too
    (
        'Y/N sat down.\n\n"I bet she is glad for you," Bastian says.\n\n"You never met her."\n',
        "her",
        1,
        (True, False),
    ),
    # who is looked at right after a line may be its speaker as well as the reader
    (
        'Marit ran. She fell.\n\nY/N slept.\n\n"I will go," Marit said.\n\nOskar looked at her.\n',
        "her",
        1,
        (True, False),
    ),
    # the hand someone takes is not their own...
    ("Y/N yawned.\n\nMarit ran. She fell.\n\nMarit took her hand.\n", "her", 1, (True, True)),
    ("Marit ran. She fell.\n\nY/N squeezed her hand.\n", "her", 1, (False, False)),
    # ...but a hand taken back is (`took her hand away`)
    ("Y/N yawned.\n\nMarit ran. She fell.\n\nMarit took her hand away.\n", "her", 1, (False, True)),
    # ...and a thing taken may be
    ("Y/N yawned.\n\nMarit ran. She fell.\n\nMarit took her coat.\n", "her", 1, (False, True)),
    # a tag of a line after a paragraph about someone else: who speaks is unclear
    (
        "Marit ran. She fell.\n\nMarit sighed and shut the book Y/N liked.\n\n"
        '"So soft," she said.\n',
        "she",
        2,
        (True, False),
    ),
    # what the reader perceives may be the other person's (`hear her breathing`)...
    (
        "Marit ran. She fell.\n\nMarit slept. Y/N could hear her breathing.\n",
        "her",
        1,
        (True, False),
    ),
    # ...but `her own` is hers
    (
        "Marit ran. She fell.\n\nMarit slept. Y/N could hear her own heart.\n",
        "her",
        1,
        (True, True),
    ),
    # the part someone is held by is the held one's
    (
        "Oskar ran. He fell.\n\nY/N slipped, and Oskar caught him by the back of his coat.\n",
        "his",
        1,
        (True, True),
        "he",
    ),
    # a main clause after a fronted clause about the reader may go on with the sentence
    # before's subject...
    (
        "Y/N slept.\n\nMarit ran. She fell.\n\nMarit waited. When Y/N came in, she had made tea.\n",
        "she",
        2,
        (True, False),
    ),
    # ...but not when that subject was the reader
    (
        "Marit ran. She fell.\n\nY/N waited. When Y/N came in, she had made tea.\n",
        "she",
        2,
        (True, True),
    ),
    # an object followed by `who` is only its relative clause's subject, not the main one's
    (
        "Oskar ran. He fell.\n\nY/N looked at Oskar, who was watching him, and he smiled.\n",
        "he",
        2,
        (True, True),
        "he",
    ),
    # a name after a verb is the subject of the infinitive after it: its object is not him...
    (
        "Oskar ran. He fell.\n\nY/N waited, and Pia asked Oskar to greet him.\n",
        "him",
        1,
        (True, True),
        "he",
    ),
    # ...but not after a preposition
    ("Oskar ran. He fell.\n\nY/N went to Oskar to thank him.\n", "him", 1, (False, True), "he"),
    # ...but a paragraph that opens with a fronted clause is not about its first subject
    (
        "Marit ran. She fell.\n\nLater, when Marit had gone, Y/N sat down.\n\n"
        '"So quiet," she said.\n',
        "she",
        2,
        (True, True),
    ),
    # the reader's answer takes up the words of a line about her (`"She did," said Y/N`)
    (
        'Y/N slept.\n\n"Did she sleep?" Oskar asked.\n\n"She did," said Y/N.\n',
        "she",
        2,
        (True, True),
    ),
    # ...not once she has talked of someone else of her pronouns in it
    (
        'Marit ran. She fell.\n\nY/N slept.\n\n"Is she up?" Oskar asked.\n\n'
        '"Ask Marit. She knows," said Y/N.\n',
        "she",
        3,
        (False, True),
    ),
    # ...nor where the pronoun does not open a sentence of her line (`What she said`)
    (
        'Y/N slept.\n\n"Did she sleep?" Oskar asked.\n\n"Ask what she wants," said Y/N.\n',
        "she",
        2,
        (False, True),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"case{n}" for n in range(len(CASES))])
def test_who_a_pronoun_means(case: tuple, tmp_path: Path) -> None:
    body, word, nth, expected, *written = case
    assert decided(body, word, nth, tmp_path, *written) == expected


def test_a_series_of_verbs_agrees_with_the_reader(tmp_path: Path) -> None:
    head = "---\ntitle: T\nreader: {pronouns: she}\n---\n\n"
    body = "Y/N sits. She nods, smiles at the guard and leaves. She yawns, the train departs."
    verbs = [d.written for d in decisions(head + body, tmp_path) if d.role == "verb"]
    assert verbs == ["nods", "smiles", "leaves", "yawns"]  # `departs` is the train's


@pytest.mark.parametrize(
    ("body", "word", "written", "reader"),
    [
        ('"Tea, young man?" the waitress asked Y/N.', "man", "he", True),
        ('"Come on, man," Oskar said to Y/N.', "man", "he", False),  # a word, not a title
        ('Y/N sat. "The porter called Y/N ma\'am," Marit said.', "ma'am", "she", True),
        ('Y/N sat. "The porter called you ma\'am," Marit said.', "ma'am", "she", False),  # anyone
        ('"Please," you tell him. "I\'m not a lady."', "lady", "you", True),
        ('"Please," she tells you. "I\'m not a lady."', "lady", "you", False),
        ('"The porter called you ma\'am," he says.', "ma'am", "you", True),
        ("Y/N sang. The baker's girlfriend sang well.", "girlfriend", "she", True),
        ("Y/N sang. The baker's sister sang well.", "sister", "she", False),
        ('Y/N slept.\n\n"Is she up?" Oskar asked. "That\'s my sister."', "sister", "she", True),
        ('Y/N slept.\n\n"Is Marit up?" Oskar asked. "That\'s my sister."', "sister", "she", False),
        ('Y/N slept.\n\n"Has my daughter come? I sent her a card."', "daughter", "she", True),
        ('Y/N slept.\n\n"Has my daughter come? I sent Oskar a card."', "daughter", "she", False),
        ('Y/N slept.\n\n"Is Y/N up? My sister wants to meet her."', "sister", "she", False),
    ],
)
def test_a_gendered_word_said_to_or_of_the_reader(
    body: str, word: str, written: str, reader: bool, tmp_path: Path
) -> None:
    head = f"---\ntitle: T\nreader: {{pronouns: {written}}}\n---\n\n"
    found = [d for d in decisions(head + body, tmp_path) if d.written == word]
    assert [(d.reader, d.certain) for d in found] == ([(True, True)] if reader else [])


@pytest.mark.parametrize(
    ("body", "role"),
    [
        ("Y/N thanked her first, because it was polite.", "obj"),
        ("Y/N felt her face burning.", "det"),
        ("Oskar made her laugh.", "obj"),
        ("He liked her more than the others.", "obj"),
        ("He wanted to keep her safe, so he left.", "obj"),
        ("Coffee made her happy.", "obj"),
        ("He kept her keys.", "det"),
    ],
)
def test_her_as_object_or_determiner(body: str, role: str, tmp_path: Path) -> None:
    head = "---\ntitle: T\nreader: {pronouns: she}\n---\n\n"
    assert [d.role for d in decisions(head + body, tmp_path) if d.written == "her"] == [role]


def test_a_story_without_a_reader_field_is_left_alone(tmp_path: Path) -> None:
    text = STORY.replace("reader: {pronouns: she}\n", "")
    assert decisions(text, tmp_path) == []
    source = manuscript.parse(text, tmp_path / "x.md")
    book = placeholders.find(scenes.split(source))
    assert stage.find(book) is book


def test_the_reader_field_is_checked(tmp_path: Path) -> None:
    source = manuscript.parse(STORY.replace("{pronouns: she}", "he"), tmp_path / "x.md")
    assert source.meta.reader_pronouns == "he"
    with pytest.raises(ManuscriptError, match="'reader' must say") as error:
        manuscript.parse(STORY.replace("{pronouns: she}", "{pronouns: it}"), tmp_path / "x.md")
    assert error.value.line == 3


# --- the reader's side ---------------------------------------------------------------------


def test_build_with_pronouns_they_and_he(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = []
    for chosen in ("they", "he", "xe/xem/xyr/xyrs/xemself"):
        out = tmp_path / chosen.replace("/", "-")
        code, _, err = run(
            capsys, "build", str(story), "-f", "epub", "-o", str(out), "--pronouns", chosen
        )
        assert code == 0, err
        books.append(out / "bench.epub")
    they, he, xe = (scene_text(book) for book in books)
    assert "opens their book. They read the first page twice." in they
    assert "They’ve gone soft, and they’re smiling." in they
    assert "“Good kid,” he says. “Mx Y/N, your coat.”" in they
    assert "Mara walks past and waves at him, but she does not stop. Y/N watches her go." in he
    assert "The choice is his. Theo made him cry." in he
    assert "“Good boy,” he says. “Mister Y/N, your coat.”" in he
    assert "Y/N laughs at xemself. The choice is xyrs." in xe
    assert "Mara rolled her eyes" in they and "Mara rolled her eyes" in he
    results = run_epubcheck(books, tmp_path)
    assert all(problems(results[book]) == [] for book in books)


def _tokens(epub: Path) -> list[str]:
    """Every document of the book cut into words and the characters between them."""
    with zipfile.ZipFile(epub) as archive:
        text = "".join(
            archive.read(name).decode("utf-8")
            for name in sorted(archive.namelist())
            if name.endswith(".xhtml")
        )
    return re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[\W\d_]", text.replace("’", "'"))


def test_the_sample_changes_only_its_reader_slots(tmp_path: Path) -> None:
    """The sample story read as he and as they differs from its she-edition in the words of
    its pronoun slots, each read as builder.pronouns says, and in nothing else."""
    template = pipeline.compile(SEED_MANUSCRIPT)
    slots = [slot for slot in template.slots if pronouns.is_pronoun_slot(slot.code)]
    assert len(slots) > 20  # the sample's `her`s in Kylo's thoughts and in the scenes after
    books = {}
    for chosen in ("she", "he", "they"):
        out = tmp_path / chosen
        assignments = [*FULL_PROFILE, f"pronouns={chosen}"]
        books[chosen] = pipeline.build(
            SEED_MANUSCRIPT, formats=["epub"], out_dir=out, assignments=assignments
        ).outputs[0]
    she = _tokens(books["she"])
    # How often each slot is printed: its marker's count over the package's documents.
    package = epub.compile_package(template, False, "separate")
    keys = [
        key
        for name, cut in package
        if name.endswith(".xhtml") and isinstance(cut, tuple)
        for key in cut[1::2]
    ]
    printed = Counter(int(key) for key in keys if key.isdigit())
    for chosen in ("he", "they"):
        made = _tokens(books[chosen])
        changed: Counter[tuple[str, str]] = Counter()
        matcher = difflib.SequenceMatcher(None, she, made, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            assert tag in ("equal", "replace") and i2 - i1 == j2 - j1, (chosen, she[i1:i2])
            if tag == "replace":
                changed.update(zip(she[i1:i2], made[j1:j2], strict=True))
        expected: Counter[tuple[str, str]] = Counter()
        for slot in slots:
            role = slot.code.removeprefix(pronouns.SLOT_PREFIX)
            read = pronouns.read(role, slot.written, slot.variant, pronouns.parse(chosen))
            if read != slot.written:
                # A slot in the title is printed in every document's <title> and heading.
                times = printed[template.slots.index(slot)]
                expected[(slot.written.replace("’", "'"), read.replace("’", "'"))] += times
        assert changed == expected, chosen
    results = run_epubcheck(list(books.values()), tmp_path)
    assert all(problems(results[book]) == [] for book in books.values())


def test_pronouns_in_a_profile_and_its_precedence(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], own_config: Path
) -> None:
    assert run(capsys, "profile", "set", "pronouns=he")[0] == 0
    assert 'pronouns = "he"' in own_config.read_text(encoding="utf-8")
    out = tmp_path / "out"
    assert run(capsys, "build", str(story), "-f", "epub", "-o", str(out))[0] == 0
    assert "The choice is his." in scene_text(out / "bench.epub")
    reader = tmp_path / "reader.toml"
    reader.write_text('pronouns = "they"\n', encoding="utf-8")
    args = ["build", str(story), "-f", "epub", "-o", str(out)]
    assert run(capsys, *args, "--reader", str(reader))[0] == 0
    assert "The choice is theirs." in scene_text(out / "bench.epub")
    assert run(capsys, *args, "--reader", str(reader), "--set", "pronouns=she")[0] == 0
    assert "The choice is hers." in scene_text(out / "bench.epub")
    _, out_text, _ = run(capsys, "placeholders", str(story))
    assert "PRONOUNS  your pronouns" in out_text and "'he' from profile default" in out_text


def test_a_readers_csv_column_of_pronouns(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readers = tmp_path / "readers.csv"
    readers.write_text("id,Y/N,pronouns\nann,Ann,they\nbo,Bo,\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", str(story), "-f", "epub", "-o", str(out), "--readers", str(readers)]
    assert run(capsys, *args)[0] == 0
    assert "The choice is theirs." in scene_text(out / "ann" / "bench.epub")
    assert "The choice is hers." in scene_text(out / "bo" / "bench.epub")


def test_a_bad_set_is_one_line(
    story: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "build", str(story), "-o", str(tmp_path), "--pronouns", "xe/xem")
    assert code == 2 and err.count("\n") == 1 and "five forms" in err


def test_ficpress_pronouns_prints_every_decision(
    story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "pronouns", str(story))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split()[:4] == ["6:33", "her", "det", "the"]
    assert any(line.startswith("8:") and "someone else's" in line for line in lines)
    assert "reader words follow the reader's pronouns" in lines[-1]
    story.write_text(STORY.replace("reader: {pronouns: she}\n", ""), encoding="utf-8")
    assert "does not say how it writes the reader" in run(capsys, "pronouns", str(story))[1]
