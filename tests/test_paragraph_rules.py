"""Paragraph repair's rules one by one, each on a wall of its own (text written for these
tests): what a human reads as a new paragraph, and what stays together."""

from __future__ import annotations

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
