"""Fixtures for the cloud service: an app on a temp SQLite (or a real Postgres), clients, users.

Postgres comes from the Debian package's binaries (/usr/lib/postgresql/*/bin): initdb and pg_ctl
start a throwaway cluster for the session. Postgres refuses to run as root, so under root the
commands run as the ``postgres`` system user through ``runuser``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from studio.cloud.app import create_app
from studio.cloud.config import CloudSettings
from studio.cloud.db import open_engine

PASSWORD = "correct horse battery"
TEMPLATE = "cloud_template"


def make_settings(folder: Path, database_url: str = "", **overrides: Any) -> CloudSettings:
    values: dict[str, Any] = {
        "database_url": database_url or f"sqlite:///{folder / 'cloud.db'}",
        "data_dir": folder,
        "jwt_secret": "test-secret-" + "x" * 32,
        "password_time_cost": 1,
        "password_memory_kib": 64,
        "signup_attempts": 1000,
        "login_attempts": 1000,
    }
    values.update(overrides)
    return CloudSettings(**values)


@dataclass
class RecordingQueue:
    """A render queue that keeps what it was given (the real one renders: test_workers.py)."""

    submitted: list[tuple[str, str, str, str]] = field(default_factory=list)

    def submit(self, target: str, owner_id: str, target_id: str, key: str) -> None:
        self.submitted.append((target, owner_id, target_id, key))

    def video(self, owner_id: str, production_id: str) -> Path | None:
        return None

    def short_video(self, owner_id: str, shorts_id: str, variant_id: str) -> Path | None:
        return None


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    made: list[FastAPI] = []

    def build(database_url: str = "", queue: Any = None, **overrides: Any) -> FastAPI:
        folder = tmp_path / f"cloud-{len(made)}"
        app = create_app(make_settings(folder, database_url, **overrides), render_queue=queue)
        made.append(app)
        return app

    yield build
    for app in made:
        app.state.service.db.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(
    request: pytest.FixtureRequest, app_factory: Callable[..., FastAPI], queue: RecordingQueue
) -> FastAPI:
    """The app on SQLite, and again on Postgres: every API test runs on both."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    return app_factory(database_url=url, queue=queue)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Account:
    email: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def sign_up(client: TestClient | httpx.Client, email: str | None = None) -> Account:
    email = email or f"{uuid.uuid4().hex[:10]}@example.com"
    response = client.post("/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        email,
        body["user"]["id"],
        body["tokens"]["access_token"],
        body["tokens"]["refresh_token"],
    )


@pytest.fixture
def alice(client: TestClient) -> Account:
    return sign_up(client, "alice@example.com")


@pytest.fixture
def bob(client: TestClient) -> Account:
    return sign_up(client, "bob@example.com")


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The uniform error body, with no trace of internals."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    for leak in ("Traceback", 'File "', "sqlalchemy", "studio/"):
        assert leak not in response.text
    error: dict[str, Any] = body["error"]
    return error


# A real server


class RunningServer:
    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RunningServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def spend_concurrently(
    base_url: str, headers: dict[str, str], production_id: str, calls: int
) -> list[httpx.Response]:
    """``calls`` POST /trips/use sent at once, each with its own Idempotency-Key."""

    async def spend_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:
            start = asyncio.Event()

            async def one(index: int) -> httpx.Response:
                await start.wait()
                return await client.post(
                    "/trips/use",
                    json={"production_id": production_id, "type": "cinema"},
                    headers={**headers, "Idempotency-Key": f"concurrent-{index}"},
                )

            tasks = [asyncio.create_task(one(index)) for index in range(calls)]
            await asyncio.sleep(0)
            start.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(spend_all())


# Postgres


def _pg_bin() -> Path | None:
    root = Path("/usr/lib/postgresql")
    found = sorted(root.glob("*/bin/pg_ctl")) if root.is_dir() else []
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path else None


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields a URL prefix to append a database name to."""
    binaries = _pg_bin()
    if binaries is None:
        pytest.skip("the PostgreSQL server binaries (Debian package postgresql) are not installed")
    as_root = os.geteuid() == 0
    if as_root and (shutil.which("runuser") is None or not _has_user("postgres")):
        pytest.skip("running as root needs runuser and a 'postgres' user to start PostgreSQL")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    data = base / "data"
    if as_root:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    run = lambda *args: subprocess.run(  # noqa: E731
        [*prefix, *args], check=True, capture_output=True, text=True
    )
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "studio", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {error.stderr or error.stdout}")
    server = f"postgresql+psycopg://studio@127.0.0.1:{port}"
    try:
        _create_database(server, TEMPLATE)
        open_engine(f"{server}/{TEMPLATE}").dispose()  # migrated once; tests copy it
        yield server
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def _create_database(server: str, name: str, template: str | None = None) -> None:
    import psycopg

    copy = f' TEMPLATE "{template}"' if template else ""
    admin = f"{server.replace('+psycopg', '')}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh database on the session's cluster, already migrated (a copy of the template)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    _create_database(postgres_server, name, TEMPLATE)
    return f"{postgres_server}/{name}"


# Redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A throwaway Redis (the Debian package's redis-server) on a free local port, keeping
    nothing on disk; yields its URL without a database number."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("the Redis server binary (Debian package redis-server) is not installed")
    import redis

    base = Path(tempfile.mkdtemp(prefix="studio-redis-"))
    port = _free_port()
    options = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(base)]
    options += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    log = (base / "log").open("wb")
    process = subprocess.Popen([binary, *options], stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    try:
        for _ in range(200):
            if process.poll() is not None:
                break
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.TimeoutError):
                threading.Event().wait(0.05)
        else:
            pytest.fail("Redis did not answer within 10 seconds")
        if process.poll() is not None:
            pytest.fail(f"Redis did not start: {(base / 'log').read_text(errors='replace')}")
        yield f"redis://127.0.0.1:{port}"
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis, emptied for this test (database 0)."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return f"{redis_server}/0"


@contextmanager
def time_zone(name: str) -> Iterator[None]:
    """This process's local time zone is ``name`` (as a consumer on a host set to it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
