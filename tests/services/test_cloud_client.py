"""The bundled cloud client against the real service on 127.0.0.1 (uvicorn in a thread)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image

from studio.cloud.app import create_app
from studio.cloud.config import CloudSettings
from studio.services.cloud_client import (
    AuthError,
    CloudClient,
    Conflict,
    KeyringTokenStore,
    NotFound,
    Offline,
    PaymentRequired,
    RetryPolicy,
    StoredTokens,
    TokenStoreUnavailable,
    ValidationFailed,
)
from studio.services.cloud_client.tokens import ENTRY_PREFIX
from studio.services.settings import KEYRING_SERVICE
from studio.spec import parse_document
from studio.spec.brand_kit import BrandKit
from studio.spec.shorts import ShortsFormat
from tests.services.memory_keyring import MemoryKeyring, installed, no_keyring

SCRIPT = (
    "# The night sky\n\n"
    "Most people never look up. Yet above every city, the same stars turn each night.\n\n"
    "Tonight, step outside for five minutes. Let your eyes adjust. You will see more than you "
    "expect."
)


PASSWORD = "correct horse battery"


class RecordingQueue:
    """The service's render queue, keeping what it was given (renders are not the subject)."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, str, str, str]] = []
        self.videos: dict[str, Path] = {}

    def submit(self, target: str, owner_id: str, target_id: str, key: str) -> None:
        self.submitted.append((target, owner_id, target_id, key))

    def video(self, owner_id: str, production_id: str) -> Path | None:
        return self.videos.get(production_id)

    def short_video(self, owner_id: str, shorts_id: str, variant_id: str) -> Path | None:
        return None


def service_settings(folder: Path, **overrides: Any) -> CloudSettings:
    """Cheap password hashing and no login limits, as the service's own tests use.

    ``access_token_seconds`` below the service's validated minimum (10) goes in through
    ``model_copy``, which does not validate, so an expiry can be seen within a test."""
    lifetime = overrides.pop("access_token_seconds", None)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{folder / 'cloud.db'}",
        "data_dir": folder,
        "jwt_secret": "test-secret-" + "x" * 32,
        "password_time_cost": 1,
        "password_memory_kib": 64,
        "signup_attempts": 1000,
        "login_attempts": 1000,
        **overrides,
    }
    settings = CloudSettings(**values)
    if lifetime is not None:
        settings = settings.model_copy(update={"access_token_seconds": lifetime})
    return settings


class RunningServer:
    """``app`` served by uvicorn on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> RunningServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@contextmanager
def cloud_server(
    folder: Path, queue: RecordingQueue | None = None, **overrides: Any
) -> Iterator[str]:
    """The real service app with a temp SQLite database, served; yields its URL."""
    app = create_app(service_settings(folder, **overrides), render_queue=queue or RecordingQueue())
    try:
        with RunningServer(app) as server:
            yield server.url
    finally:
        app.state.service.db.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class DictTokenStore:
    """A second user's sign-in, beside the keyring's one for the same address."""

    def __init__(self) -> None:
        self.tokens: StoredTokens | None = None

    def load(self) -> StoredTokens | None:
        return self.tokens

    def save(self, tokens: StoredTokens) -> None:
        self.tokens = tokens

    def clear(self) -> None:
        self.tokens = None


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def server(tmp_path: Path, queue: RecordingQueue) -> Iterator[str]:
    with cloud_server(tmp_path / "cloud", queue) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(
    memory_keyring: MemoryKeyring, sleeps: list[float]
) -> Iterator[Callable[..., CloudClient]]:
    made: list[CloudClient] = []

    def make(url: str, store: Any = None) -> CloudClient:
        client = CloudClient(
            url, store or KeyringTokenStore(url), retry=RetryPolicy(sleep=sleeps.append)
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def kept(backend: MemoryKeyring, url: str) -> dict[str, str]:
    value = backend.secrets[(KEYRING_SERVICE, ENTRY_PREFIX + url)]
    data: dict[str, str] = json.loads(value)
    return data


def test_signup_and_login_keep_the_tokens_in_the_keyring_only(
    server: str,
    make_client: Callable[..., CloudClient],
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    signed_up = make_client(server).signup("Ada@Example.com", PASSWORD)
    assert signed_up.user.email == "ada@example.com"
    stored = kept(memory_keyring, server)
    assert stored["access_token"] == signed_up.tokens.access_token
    assert stored["refresh_token"] == signed_up.tokens.refresh_token

    fresh = make_client(server)
    logged_in = fresh.login("ada@example.com", PASSWORD)
    assert kept(memory_keyring, server)["refresh_token"] == logged_in.tokens.refresh_token
    me = fresh.me()
    assert (me.user.email, me.plan, me.trips_balance) == ("ada@example.com", "free", 3)

    tokens = [
        t.encode()
        for t in (
            signed_up.tokens.access_token,
            signed_up.tokens.refresh_token,
            logged_in.tokens.access_token,
            logged_in.tokens.refresh_token,
        )
    ]
    folders = [tmp_path, Path(os.environ["STUDIO_DATA_DIR"]), Path(os.environ["STUDIO_CACHE_DIR"])]
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            content = path.read_bytes()
            assert not any(token in content for token in tokens), f"a token is in {path}"


def test_wrong_password_and_taken_email_are_typed(
    server: str, make_client: Callable[..., CloudClient], memory_keyring: MemoryKeyring
) -> None:
    client = make_client(server)
    client.signup("ada@example.com", PASSWORD)
    with pytest.raises(Conflict) as taken:
        make_client(server).signup("ada@example.com", PASSWORD)
    assert taken.value.field == "email"
    client.logout()
    with pytest.raises(AuthError, match="email or the password is wrong"):
        client.login("ada@example.com", "not the password")
    assert memory_keyring.secrets == {}
    with pytest.raises(ValidationFailed) as bad:
        client.signup("not-an-email", PASSWORD)
    assert bad.value.field == "email"


def test_an_expired_access_token_is_renewed_transparently(
    tmp_path: Path, make_client: Callable[..., CloudClient], memory_keyring: MemoryKeyring
) -> None:
    with cloud_server(tmp_path / "cloud", access_token_seconds=1) as url:
        client = make_client(url)
        client.signup("ada@example.com", PASSWORD)
        before = kept(memory_keyring, url)
        time.sleep(1.1)
        expired = httpx.get(
            f"{url}/me", headers={"Authorization": f"Bearer {before['access_token']}"}
        )
        assert expired.status_code == 401

        assert client.me().trips_balance == 3

        after = kept(memory_keyring, url)
        assert after["access_token"] != before["access_token"]
        assert after["refresh_token"] != before["refresh_token"]
        spent = httpx.post(f"{url}/auth/refresh", json={"refresh_token": before["refresh_token"]})
        assert spent.status_code == 401


def test_a_revoked_sign_in_raises_auth_error_and_forgets_the_tokens(
    server: str, make_client: Callable[..., CloudClient], memory_keyring: MemoryKeyring
) -> None:
    client = make_client(server)
    client.signup("ada@example.com", PASSWORD)
    access = kept(memory_keyring, server)["access_token"]
    ended = httpx.post(f"{server}/auth/logout", headers={"Authorization": f"Bearer {access}"})
    assert ended.status_code == 204

    with pytest.raises(AuthError, match="signed out") as error:
        client.me()
    assert "sign in again" in error.value.message
    assert memory_keyring.secrets == {}
    assert client.session() is None
    with pytest.raises(AuthError, match="not signed in"):
        client.me()


def test_a_reused_refresh_token_ends_the_sign_in(
    server: str, make_client: Callable[..., CloudClient], memory_keyring: MemoryKeyring
) -> None:
    client = make_client(server)
    client.signup("ada@example.com", PASSWORD)
    stolen = kept(memory_keyring, server)["refresh_token"]
    assert httpx.post(f"{server}/auth/refresh", json={"refresh_token": stolen}).is_success

    with pytest.raises(AuthError, match="already used"):
        client.refresh()
    assert memory_keyring.secrets == {}


def test_trips_use_with_the_same_key_charges_once(
    server: str, make_client: Callable[..., CloudClient]
) -> None:
    client = make_client(server)
    client.signup("ada@example.com", PASSWORD)
    production = client.create_production("Stars", script_text=SCRIPT)

    first = client.trips_use(production.id, "cinema", idempotency_key="render-1")
    again = client.trips_use(production.id, "cinema", idempotency_key="render-1")
    assert again.entry_id == first.entry_id
    assert first.trips_balance == 2
    assert client.me().trips_balance == 2

    other = client.trips_use(production.id, "cinema")
    assert other.entry_id != first.entry_id
    assert client.me().trips_balance == 1


def test_spending_without_trips_is_payment_required(
    tmp_path: Path, make_client: Callable[..., CloudClient]
) -> None:
    with cloud_server(tmp_path / "cloud", starter_trips=0) as url:
        client = make_client(url)
        client.signup("ada@example.com", PASSWORD)
        production = client.create_production("Stars", script_text=SCRIPT)
        with pytest.raises(PaymentRequired, match="the balance is 0") as short:
            client.trips_use(production.id, "cinema")
        assert short.value.status == 402
        assert client.me().trips_balance == 0


def test_another_users_things_are_not_found(
    server: str, make_client: Callable[..., CloudClient], tmp_path: Path, queue: RecordingQueue
) -> None:
    alice = make_client(server)
    alice.signup("alice@example.com", PASSWORD)
    production = alice.create_production("Stars", script_text=SCRIPT)
    queue.videos[production.id] = tmp_path / "film.mp4"
    queue.videos[production.id].write_bytes(b"alice's film")
    shorts = alice.create_shorts("idea", {"text": SCRIPT})
    bob = make_client(server, DictTokenStore())
    bob.signup("bob@example.com", PASSWORD)
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")

    attempts: list[Callable[[], object]] = [
        lambda: bob.production(production.id),
        lambda: bob.plan_production(production.id),
        lambda: bob.upload_asset(production.id, text),
        lambda: bob.run_production(production.id),
        lambda: bob.download_video(production.id, tmp_path / "stolen.mp4"),
        lambda: bob.trips_use(production.id, "cinema"),
        lambda: bob.shorts(shorts.id),
        lambda: bob.shorts_hooks(shorts.id),
        lambda: bob.run_shorts(shorts.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound, match="no such"):
            attempt()
    assert not (tmp_path / "stolen.mp4").exists()
    assert bob.productions() == []
    assert bob.me().trips_balance == 3
    assert alice.production(production.id).assets == []


def test_every_endpoint_answers_in_the_shared_models(
    server: str, make_client: Callable[..., CloudClient], tmp_path: Path, queue: RecordingQueue
) -> None:
    client = make_client(server)
    client.signup("ada@example.com", PASSWORD)
    assert client.billing().plan == "free"

    assert client.brand_kit() == BrandKit()
    kit = BrandKit(primary_color="#112233")
    assert client.save_brand_kit(kit) == kit
    assert client.brand_kit().primary_color == "#112233"

    production = client.create_production("Stars", script_text=SCRIPT)
    photo = tmp_path / "sky.png"
    Image.new("RGB", (64, 36), (20, 30, 90)).save(photo)
    asset = client.upload_asset(production.id, photo)
    assert (asset.kind, asset.content_type, asset.size_bytes) == (
        "image",
        "image/png",
        photo.stat().st_size,
    )
    planned = client.plan_production(production.id)
    assert planned.status == "planned"
    assert planned.plan is not None
    parse_document(planned.plan)
    run = client.run_production(production.id, idempotency_key="film-1")
    assert (run.status, run.trips_balance) == ("queued", 2)
    assert client.run_production(production.id, idempotency_key="film-1") == run
    assert [p.id for p in client.productions()] == [production.id]
    assert client.production(production.id).status == "queued"
    downloads = tmp_path / "downloads"
    with pytest.raises(NotFound, match="no video yet"):
        client.download_video(production.id, downloads / "stars.mp4")
    film = tmp_path / "rendered.mp4"
    film.write_bytes(bytes(range(256)) * 4096)
    queue.videos[production.id] = film
    saved = client.download_video(production.id, downloads / "stars.mp4")
    assert saved.read_bytes() == film.read_bytes()
    assert [p.name for p in downloads.iterdir()] == ["stars.mp4"]

    shorts = client.create_shorts("idea", {"text": SCRIPT}, title="Look up")
    hooks = client.shorts_hooks(shorts.id, count=2).hooks
    assert [hook.rank for hook in hooks] == [1, 2]
    formats = [ShortsFormat.VERTICAL_9_16, ShortsFormat.SQUARE_1_1]
    planned_shorts = client.shorts_variants(shorts.id, [1], formats, duration=20)
    assert [variant.format for variant in planned_shorts.variants] == ["9_16", "1_1"]
    assert client.run_shorts(shorts.id).trips_balance == 1
    assert [s.id for s in client.shorts_list()] == [shorts.id]
    assert client.shorts(shorts.id).title == "Look up"


def test_a_closed_port_is_offline_with_a_message(
    make_client: Callable[..., CloudClient], memory_keyring: MemoryKeyring, sleeps: list[float]
) -> None:
    url = closed_port_url()
    client = make_client(url)
    with pytest.raises(Offline) as error:
        client.login("ada@example.com", PASSWORD)
    assert f"cannot reach the Studio cloud at {url}" in error.value.message
    assert sleeps == []  # a login is not repeated

    KeyringTokenStore(url).save(StoredTokens("access", "refresh", "ada@example.com"))
    with pytest.raises(Offline, match="Check the internet connection"):
        client.me()
    assert sleeps == [0.5, 1.0]  # a GET is, with backoff


def test_without_a_keyring_the_sign_in_is_refused_before_the_account_is_made(
    server: str,
) -> None:
    with (
        installed(no_keyring()),
        CloudClient(server, KeyringTokenStore(server)) as client,
        pytest.raises(TokenStoreUnavailable, match="no system keyring is available"),
    ):
        client.signup("ada@example.com", PASSWORD)
    login = httpx.post(
        f"{server}/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401
