"""The reader's pronouns on the site's form (templates/pronouns.html): a choice of she, he or
they, or five forms of their own (`xe/xem/xyr/xyrs/xemself`) in a second field, which wins when
filled. The value goes where every other value goes (checked by builder.profile, kept in the
token, so the personal OPDS feed's books have it too)."""

from __future__ import annotations

from collections.abc import Mapping

from builder.pronouns import KEY

OWN = f"{KEY}-own"
"""The form field for a reader's own five forms (the choice's field is `KEY` itself)."""


def value(source: Mapping[str, str], code: str) -> str:
    """What the reader gave for `code` in a form, a query or a token: for the pronouns, their
    own forms if they wrote any, else their choice."""
    if code == KEY:
        own = source.get(OWN, "").strip()
        if own:
            return own
    return source.get(code, "").strip()
