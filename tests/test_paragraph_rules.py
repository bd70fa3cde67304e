"""Paragraph repair's rules one by one, each on a wall of its own (text written for these
tests): what a human reads as a new paragraph, and what stays together."""

from __future__ import annotations

from builder.importers.paragraphs import restore
from builder.importers.wall_reading import Segment, names, quotations, segments


def read(wall: str) -> list[Segment]:
    return segments(wall, quotations(wall), names(wall))


def test_after_a_full_stop_only_a_verb_of_saying_makes_a_tag() -> None:
    # Walls often write `"Stop." He says.`; but `"Stop." He sighed.` is a sentence of its
    # own, and `"Stop," he sighed.` a tag.
    said, sighed, tagged = (
        read('"Stop." He says it quietly.'),
        read('"Stop." He sighed.'),
        read('"Stop," he sighed.'),
    )
    assert [(s.kind, s.tag) for s in said] == [("quote", "he")]
    assert [(s.kind, s.tag, s.subject) for s in sighed] == [
        ("quote", None, None),
        ("narration", None, "he"),
    ]
    assert [(s.kind, s.tag) for s in tagged] == [("quote", "he")]


def test_a_capitalised_tag_may_name_the_reader_or_a_titled_character() -> None:
    for wall, who in (('"Really?" Y/N asks.', "you"), ('"Really?" Mrs. Pike grumbles.', "Pike")):
        assert [(s.kind, s.tag) for s in read(wall)] == [("quote", who)], wall


def test_a_move_in_time_or_place_begins_a_paragraph() -> None:
    wall = (
        '"Pass the salt," you said. Outside the window, a fox crossed the yard. '
        "You watched it go and finished your soup. Three days later the fox was back."
    )
    assert restore(wall) == [
        '"Pass the salt," you said.',
        "Outside the window, a fox crossed the yard. You watched it go and finished your soup.",
        "Three days later the fox was back.",
    ]


def test_more_moves_in_time_begin_paragraphs() -> None:
    for opener in ("Afterwards", "On the third night", "Halfway through supper", "After that"):
        wall = f'"Sleep," he said. You lay down. {opener} the wind rose.'
        assert restore(wall)[-1] == f"{opener} the wind rose.", opener
    # `After a while` is a pause inside a scene, not a move.
    wall = '"Sleep," he said. You lay down. After a while the wind rose.'
    assert restore(wall)[-1] == "You lay down. After a while the wind rose."


def test_a_place_opener_only_cuts_right_after_dialogue() -> None:
    # Only a move in time cuts narration from narration: `Outside, ...` goes on a scene.
    wall = '"Night," you said. You shut the door. Outside, the rain kept on.'
    assert restore(wall) == [wall]


def test_a_name_after_a_pronoun_speaker_turns_to_someone_else() -> None:
    # `he` spoke; the writer names Mara to move to her, so she starts a paragraph.
    wall = (
        '"The bridge is out," he said. Mara dropped her pack on the gravel. '
        '"Then we swim." "Not a chance," he said.'
    )
    assert restore(wall) == [
        '"The bridge is out," he said.',
        'Mara dropped her pack on the gravel. "Then we swim."',
        '"Not a chance," he said.',
    ]


def test_a_quotation_opening_with_a_preposition_goes_on_unless_it_asks() -> None:
    goes_on = '"We fixed the boat," Ines said. "With string, mostly." "It floats?"'
    assert restore(goes_on) == [
        '"We fixed the boat," Ines said. "With string, mostly."',
        '"It floats?"',
    ]
    asks = '"We fixed the boat," Ines said. "With what?"'
    assert restore(asks) == ['"We fixed the boat," Ines said.', '"With what?"']


def test_narration_that_sets_the_scene_stands_before_the_first_words() -> None:
    wall = (
        "The ferry was late again. Gulls wheeled over the empty pier. "
        '"Think it sank?" Rafe came up beside you. "Ferries do not sink."'
    )
    assert restore(wall)[0] == "The ferry was late again. Gulls wheeled over the empty pier."
    # Inside a scene (a wall after other paragraphs of it) two sentences are a beat too.
    assert restore(wall, opens_scene=False)[0].startswith(
        'The ferry was late again. Gulls wheeled over the empty pier. "Think it sank?"'
    )
    # ...and one sentence is a beat before the words anywhere.
    assert restore('The ferry was late. "Think it sank?"') == [
        'The ferry was late. "Think it sank?"'
    ]


def test_after_a_comma_the_next_sentence_is_the_tag_whoever_it_names() -> None:
    # `Y/N said` and `Mr. Pike said` are tags; the quotation's sentence goes on into them.
    for wall in ('"Fine," Y/N said. "Go."', '"Fine," Mr. Pike said, and Pike left.'):
        ((kind, tag),) = [(s.kind, s.tag) for s in read(wall)][:1]
        assert kind == "quote" and tag in {"you", "Pike"}, wall
    wall = '"Fine," Mr. Pike said. "Go." Pike left the room. "Wait!" you called.'
    assert restore(wall) == [
        '"Fine," Mr. Pike said. "Go." Pike left the room.',
        '"Wait!" you called.',
    ]


def test_someone_starting_at_the_words_is_their_listener() -> None:
    wall = '"Boo!" You jumped a foot in the air. Ollie doubled over laughing.'
    assert restore(wall) == ['"Boo!"', "You jumped a foot in the air. Ollie doubled over laughing."]


def test_the_one_called_by_name_acting_next_was_spoken_to() -> None:
    wall = '"Put it down, Ezra." He set the vase back on the shelf. "Happy?"'
    assert restore(wall) == ['"Put it down, Ezra."', 'He set the vase back on the shelf. "Happy?"']
    # ...but someone else acting goes on the speaker's paragraph: the reader spoke to Ezra.
    wall = '"Put it down, Ezra." You held out your hand. "Now."'
    assert restore(wall) == [wall]
    # A pet name calls the reader: `you` acting next was spoken to.
    wall = '"Sit down, sweetheart." You sat.'
    assert restore(wall) == ['"Sit down, sweetheart."', "You sat."]


def test_the_reader_acting_on_a_turn_that_is_not_theirs_begins_a_paragraph() -> None:
    # Kit and the reader speak in turns; the third quotation is Kit's again, so `You
    # grinned` after it is the reader's next paragraph, not Kit's beat.
    wall = '"Are you ready?" Kit asked. "Almost." "The bus leaves at six." You grinned. "Then run."'
    assert restore(wall) == [
        '"Are you ready?" Kit asked.',
        '"Almost."',
        '"The bus leaves at six."',
        'You grinned. "Then run."',
    ]


def test_a_name_called_overrides_whose_turn_it_seemed_to_be() -> None:
    # By turns the third quotation would be Kit's; but it calls Kit by name, so it is the
    # reader's, and the reader's beat after it stays with it.
    wall = '"Are you ready?" Kit asked. "Almost." "Move it, Kit." You grabbed your coat. "Now."'
    assert restore(wall)[-1] == '"Move it, Kit." You grabbed your coat. "Now."'


def test_a_tag_that_goes_on_to_what_the_speaker_does_keeps_the_floor() -> None:
    wall = '"We missed the train," Lou said, shaking out her umbrella. "Again."'
    assert restore(wall) == [wall]
    # A bare tag is answered; and so is a question, however long its tag.
    assert len(restore('"We missed the train," Lou said. "Again?"')) == 2
    assert len(restore('"Did we miss it?" Lou asked, shaking out her umbrella. "Yes."')) == 2


def test_a_named_beat_before_someone_elses_words_opens_their_paragraph() -> None:
    wall = (
        '"Not again," he said. He kicked the tyre. The rain kept coming. '
        'Nadia climbed out of the back seat. "I\'ll call a tow."'
    )
    assert restore(wall) == [
        '"Not again," he said. He kicked the tyre. The rain kept coming.',
        'Nadia climbed out of the back seat. "I\'ll call a tow."',
    ]


def test_what_happens_in_the_reader_right_after_words_is_their_reaction() -> None:
    wall = '"He\'s gone," she said. A chill ran down your spine. "Gone where?"'
    assert restore(wall) == [
        '"He\'s gone," she said.',
        'A chill ran down your spine. "Gone where?"',
    ]
    # ...but only right after the words: later it is the scene around the speaker.
    wall = '"He\'s gone," she said. She shut the door. A chill ran down your spine.'
    assert restore(wall) == [wall]


def test_words_calling_the_one_who_just_acted_are_someone_elses() -> None:
    # `Bucky was` makes Bucky a name; he acts, then someone calls him: not his own words.
    wall = 'Bucky was late. "Sorry." He set a bag down in front of you. "Bucky." You smiled.'
    assert restore(wall)[-1] == '"Bucky." You smiled.'
    # ...but a beat that names whom they turn to is the speaker's own.
    wall = 'Bucky was late. "Sorry." He turned to Sam. "Sam, the keys."'
    assert restore(wall)[-1].endswith('He turned to Sam. "Sam, the keys."')


def test_quoted_words_inside_a_sentence_stay_in_it() -> None:
    wall = 'Gran called him "the lodger" at lunch and "that boy" at tea. "Lunch!" she called.'
    assert restore(wall)[0] == 'Gran called him "the lodger" at lunch and "that boy" at tea.'
