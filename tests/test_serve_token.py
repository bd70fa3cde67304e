"""Signed reader tokens: what passes, what is refused and with what message."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from builder.errors import UsageError
from builder.serve import token
from builder.serve.app import create_app
from tests.conftest import SEED_MANUSCRIPT

SECRET = "correct horse battery staple 42"


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(token.SECRET_VARIABLE, SECRET)
    return SECRET


def test_a_token_round_trips_under_the_same_secret(secret: str) -> None:
    reader = token.encode({"Y/N": "Alex", "E/C": "green"})
    assert reader.startswith(token.VERSION)
    assert token.decode(reader) == {"Y/N": "Alex", "E/C": "green"}


def test_a_changed_value_breaks_the_signature(secret: str) -> None:
    reader = token.encode({"Y/N": "Alex"})
    payload = reader[1 + token.SIGNATURE_LENGTH :]
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    forged_payload = base64.urlsafe_b64encode(text.replace("Alex", "Alec").encode()).decode()
    forged = reader[: 1 + token.SIGNATURE_LENGTH] + forged_payload.rstrip("=")
    with pytest.raises(token.TokenError, match="not valid on this site"):
        token.decode(forged)
    flipped = reader[:5] + ("A" if reader[5] != "A" else "B") + reader[6:]
    with pytest.raises(token.TokenError, match="not valid on this site"):
        token.decode(flipped)


def test_rotating_the_secret_revokes_every_token(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = token.encode({"Y/N": "Alex"})
    monkeypatch.setenv(token.SECRET_VARIABLE, SECRET + " rotated")
    with pytest.raises(token.TokenError, match="secret was renewed"):
        token.decode(reader)


def test_a_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(token.SECRET_VARIABLE, "short")
    with pytest.raises(UsageError, match="too short"):
        token.encode({"Y/N": "Alex"})


def test_without_a_secret_the_process_warns_once_and_still_signs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(token.SECRET_VARIABLE, raising=False)
    monkeypatch.setattr(token, "_process_key", None)
    with caplog.at_level(logging.WARNING, "ficpress.serve"):
        first = token.encode({"Y/N": "Alex"})
        assert token.decode(first) == {"Y/N": "Alex"}
    assert caplog.text.count("FICPRESS_SECRET is not set") == 1
    monkeypatch.setattr(token, "_process_key", None)  # a restart: a new random secret
    with caplog.at_level(logging.WARNING, "ficpress.serve"), pytest.raises(token.TokenError):
        token.decode(first)


def test_an_old_unsigned_link_gets_a_page_saying_what_to_do(secret: str, tmp_path: Path) -> None:
    folder = tmp_path / "manuscripts"
    folder.mkdir()
    (folder / "story.md").write_bytes(SEED_MANUSCRIPT.read_bytes())
    old = "1" + base64.urlsafe_b64encode(b"Y/N=Alex").decode().rstrip("=")
    with TestClient(create_app(folder)) as client:
        for path in ("", "/stories", "/books/story.epub"):
            response = client.get(f"/opds/p/{old}{path}")
            assert response.status_code == 400
            assert "before links were signed" in response.text
            assert "save your details again" in response.text
        client.cookies.set("ficpress_reader", old)
        page = client.get("/stories/story")
        assert page.status_code == 200 and 'value="Alex"' not in page.text
