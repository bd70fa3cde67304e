"""A reader's details as a compact, URL-safe token, and back.

The token is the whole profile (there are no accounts on the server): it goes into the
personal OPDS URL and the "remember me" cookie. It is not secret and not signed, so it is
validated like any other input: a bad token is a TokenError (a 400), never a crash.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from builder.errors import UsageError
from builder.profile import check_value, is_key
from builder.stages.placeholders import canonical

VERSION = "1"
"""The first character of every token, so the format can change without misreading old ones."""
MAX_CODES = 24
"""More codes than any story uses; keeps a token well under a cookie's 4 KiB."""
MAX_TOKEN_LENGTH = 3000
"""Longer input is refused before it is decoded (and a token this long still fits a cookie)."""
TOKEN_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")


class TokenError(UsageError):
    """A token that is not one ficpress made, or holds values a profile may not hold."""


def encode(values: Mapping[str, str]) -> str:
    """`{"Y/N": "Alex"}` -> a token; the same details always give the same token."""
    if len(values) > MAX_CODES:
        raise TokenError(f"too many details to remember (at most {MAX_CODES})")
    lines = []
    for code in sorted(values):
        value = check_value(code, values[code], TokenError)
        lines.append(f"{code}={value}")
    payload = base64.urlsafe_b64encode("\n".join(lines).encode("utf-8")).rstrip(b"=")
    token = VERSION + payload.decode("ascii")
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("these details are too long to remember")
    return token


def decode(token: str) -> dict[str, str]:
    """The details a token holds; TokenError for anything encode() would not have made."""
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN_ALPHABET.match(token):
        raise TokenError("this link is not a ficpress reader link")
    if not token.startswith(VERSION):
        raise TokenError("this reader link is from another version; save your details again")
    payload = token[len(VERSION) :]
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise TokenError("this reader link is damaged; save your details again") from None
    values: dict[str, str] = {}
    for line in text.split("\n") if text else []:
        code, equals, value = line.partition("=")
        if not equals or canonical(code) != code or not is_key(code) or code in values:
            raise TokenError("this reader link is damaged; save your details again")
        values[code] = check_value(code, value, TokenError)
    if len(values) > MAX_CODES:
        raise TokenError(f"too many details in this reader link (at most {MAX_CODES})")
    return values
