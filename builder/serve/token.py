"""A reader's details as a compact, URL-safe, signed token, and back.

The token is the whole profile (there are no accounts on the server, so any server process
behind a load balancer can read it): it goes into the personal OPDS URL and the "remember me"
cookie. It is signed (HMAC-SHA256 with `FICPRESS_SECRET`, checked in constant time), not
encrypted: its values are readable by whoever has the address, as the books it downloads are
(docs/serve.md says why). The signature lets the site's owner revoke every token at once by
rotating the secret. A token is still validated like any other input after its signature:
a bad token is a TokenError (a 400), never a crash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Mapping

from builder.errors import UsageError
from builder.profile import check_value, is_key
from builder.stages.placeholders import canonical

VERSION = "2"
"""The first character of every token, so the format can change without misreading old ones."""
UNSIGNED_VERSION = "1"
"""Tokens from before they were signed: refused with a message saying what to do."""
SECRET_VARIABLE = "FICPRESS_SECRET"
MIN_SECRET_LENGTH = 16
SIGNATURE_BYTES = 16
"""128 bits of HMAC-SHA256: far past guessing, and 22 characters in the address."""
SIGNATURE_LENGTH = 22
"""Characters of the URL-safe base64 signature (16 bytes, no padding)."""
KEY_CONTEXT = b"ficpress reader token 2\x00"
"""Mixed into the key: a secret shared with other uses never signs the same bytes."""
MAX_CODES = 24
"""More codes than any story uses; keeps a token well under a cookie's 4 KiB."""
MAX_TOKEN_LENGTH = 3000
"""Longer input is refused before it is decoded (and a token this long still fits a cookie)."""
TOKEN_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")


log = logging.getLogger("ficpress.serve")
_process_key: bytes | None = None


class TokenError(UsageError):
    """A token that is not one ficpress made, or holds values a profile may not hold."""


def key() -> bytes:
    """The signing key: from FICPRESS_SECRET, or (warning once) random for this process, so
    that tokens stop working at the next restart and in other worker processes."""
    global _process_key
    configured = os.environ.get(SECRET_VARIABLE, "")
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise UsageError(
                f"{SECRET_VARIABLE} is too short to sign reader links "
                f"(at least {MIN_SECRET_LENGTH} characters; make one with: openssl rand -base64 32)"
            )
        secret = configured.encode("utf-8")
    else:
        if _process_key is None:
            _process_key = secrets.token_bytes(32)
            log.warning(
                "%s is not set: reader links and remembered details are signed with a random "
                "secret and stop working when the server restarts",
                SECRET_VARIABLE,
            )
        secret = _process_key
    return hashlib.sha256(KEY_CONTEXT + secret).digest()


def signature(body: str) -> str:
    """The signature of a token's `body` (version and payload) under the current key."""
    digest = hmac.new(key(), body.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def encode(values: Mapping[str, str]) -> str:
    """`{"Y/N": "Alex"}` -> a token; the same details always give the same token."""
    if len(values) > MAX_CODES:
        raise TokenError(f"too many details to remember (at most {MAX_CODES})")
    lines = []
    for code in sorted(values):
        value = check_value(code, values[code], TokenError)
        lines.append(f"{code}={value}")
    payload = base64.urlsafe_b64encode("\n".join(lines).encode("utf-8")).rstrip(b"=")
    body = VERSION + payload.decode("ascii")
    token = VERSION + signature(body) + body[len(VERSION) :]
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("these details are too long to remember")
    return token


def decode(token: str) -> dict[str, str]:
    """The details a token holds; TokenError for anything encode() would not have made."""
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN_ALPHABET.match(token):
        raise TokenError("this link is not a ficpress reader link")
    if token.startswith(UNSIGNED_VERSION):
        raise TokenError(
            "this reader link is from an older version of the site, before links were signed; "
            "open the site, save your details again and use the new link"
        )
    if not token.startswith(VERSION):
        raise TokenError("this reader link is from another version; save your details again")
    given = token[len(VERSION) : len(VERSION) + SIGNATURE_LENGTH]
    payload = token[len(VERSION) + SIGNATURE_LENGTH :]
    if not hmac.compare_digest(given, signature(VERSION + payload)):
        raise TokenError(
            "this reader link is not valid on this site (it was changed, or the site's secret "
            "was renewed); save your details again"
        )
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
