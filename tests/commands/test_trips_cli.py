"""``studio trips``: the balance of the account the renders charge, through the service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.services.cloud_client import StoredTokens
from studio.services.embedded import LOCAL_LABEL, embedded_for, stop_embedded
from studio.services.jobs.trips import set_trips_provider
from tests.commands import library, studio


@pytest.fixture(autouse=True)
def embedded_default(data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """After ``data`` (which sets the command tests' own starter trips): five here."""
    monkeypatch.delenv("STUDIO_CLOUD_URL", raising=False)
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "5")
    set_trips_provider(None)
    yield
    stop_embedded()


def test_the_local_account_starts_with_the_starter_trips_and_uses_lower_them(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = studio(capsys, "trips", "--json")
    assert fresh.code == 0
    assert fresh.json() == {"balance": 5, "account": LOCAL_LABEL}

    with library(data) as opened:
        client = embedded_for(opened).client
        film = client.create_production("Night")
        client.trips_use(film.id, "cinema", "three-renders")
        client.trips_use(film.id, "cinema", "three-renders")
        stop_embedded(opened)
    assert studio(capsys, "trips", "--json").json()["balance"] == 4
    assert studio(capsys, "trips").out == f"4 trips left ({LOCAL_LABEL})\n"


def test_a_bad_cloud_address_is_named(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_URL", "ftp://nowhere")
    result = studio(capsys, "trips")
    assert result.code == 2
    assert "studio trips: 'ftp://nowhere' is not a cloud address" in result.err


def test_an_unreachable_cloud_is_said_in_words(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("studio.services.embedded.KeyringTokenStore", lambda url: _SignedIn())
    result = studio(capsys, "trips")
    assert result.code == 1
    assert "cannot reach the Studio cloud at http://127.0.0.1:9" in result.err
    assert "Traceback" not in result.err


def test_a_configured_cloud_without_a_sign_in_is_said_in_words(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("studio.services.embedded.KeyringTokenStore", lambda url: _SignedOut())
    result = studio(capsys, "trips")
    assert result.code == 1
    assert result.err == "studio trips: not signed in: sign in to your Studio account first\n"


def test_a_database_url_that_cannot_be_parsed_is_named(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", "not a url")
    result = studio(capsys, "trips")
    assert result.code == 2
    assert "studio trips: STUDIO_DATABASE_URL" in result.err


class _SignedIn:
    """A token store holding a sign-in, so the client goes as far as the network."""

    def load(self) -> StoredTokens:
        return StoredTokens("access", "refresh", "me@example.com")

    def save(self, tokens: StoredTokens) -> None: ...

    def clear(self) -> None: ...


class _SignedOut(_SignedIn):
    def load(self) -> None:  # type: ignore[override]
        return None
