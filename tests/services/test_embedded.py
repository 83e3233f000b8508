"""The embedded service: started on 127.0.0.1, the local account signed in, stopped cleanly."""

from __future__ import annotations

import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from studio.cloud.models import User
from studio.services.embedded import (
    ACCOUNT_FILE,
    LOCAL_EMAIL,
    EmbeddedCloud,
    EmbeddedError,
)


@pytest.fixture(autouse=True)
def starter_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "4")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cloud"


@pytest.fixture
def started(folder: Path) -> Iterator[EmbeddedCloud]:
    embedded = EmbeddedCloud.start(folder)
    yield embedded
    embedded.stop()


def users(folder: Path) -> int:
    engine = create_engine(f"sqlite:///{folder / 'cloud.db'}")
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(User)) or 0)
    finally:
        engine.dispose()


def test_the_local_account_is_signed_in_with_the_starter_trips(started: EmbeddedCloud) -> None:
    me = started.client.me()
    assert me.user.email == LOCAL_EMAIL
    assert me.trips_balance == 4
    assert started.url == f"http://127.0.0.1:{started.port}"
    assert (started.folder / "cloud.db").is_file(), "SQLite in the given data folder"


def test_the_password_file_is_readable_by_its_owner_only(started: EmbeddedCloud) -> None:
    mode = stat.S_IMODE((started.folder / ACCOUNT_FILE).stat().st_mode)
    assert mode == 0o600


def test_each_start_gets_a_port_of_its_own(tmp_path: Path) -> None:
    first = EmbeddedCloud.start(tmp_path / "one")
    second = EmbeddedCloud.start(tmp_path / "two")
    try:
        assert first.port != second.port
        assert min(first.port, second.port) > 0
        assert first.client.me().user.id != second.client.me().user.id
    finally:
        first.stop()
        second.stop()


def test_stop_closes_the_port(folder: Path) -> None:
    embedded = EmbeddedCloud.start(folder)
    url = embedded.url
    assert httpx.get(f"{url}/openapi.json").status_code == 200
    embedded.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/openapi.json")


def test_a_restart_keeps_the_account_and_its_balance(folder: Path) -> None:
    embedded = EmbeddedCloud.start(folder)
    film = embedded.client.create_production("Night")
    embedded.client.trips_use(film.id, "cinema", "render-1")
    before = embedded.client.me()
    embedded.stop()
    again = EmbeddedCloud.start(folder)
    try:
        after = again.client.me()
    finally:
        again.stop()
    assert before.trips_balance == 3
    assert (after.user.id, after.trips_balance) == (before.user.id, 3)
    assert users(folder) == 1


def test_two_starts_at_once_share_one_account(folder: Path) -> None:
    started: list[EmbeddedCloud] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            started.append(EmbeddedCloud.start(folder))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        ids = {embedded.client.me().user.id for embedded in started}
    finally:
        for embedded in started:
            embedded.stop()
    assert len(ids) == 1
    assert users(folder) == 1


def test_a_port_in_use_is_a_readable_error(folder: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmbeddedError, match=rf"cannot listen on 127\.0\.0\.1:{port}"):
            EmbeddedCloud.start(folder, port=port)


def test_a_lost_password_file_says_what_to_do(folder: Path) -> None:
    EmbeddedCloud.start(folder).stop()
    (folder / ACCOUNT_FILE).unlink()
    with pytest.raises(EmbeddedError, match="does not hold its password") as refused:
        EmbeddedCloud.start(folder)
    assert str(folder / ACCOUNT_FILE) in str(refused.value)


def test_an_unreadable_password_file_is_named(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / ACCOUNT_FILE).write_text("not json", encoding="utf-8")
    with pytest.raises(EmbeddedError, match="cannot be read") as refused:
        EmbeddedCloud.start(folder)
    assert ACCOUNT_FILE in str(refused.value)
