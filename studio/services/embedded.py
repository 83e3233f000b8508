"""The bundled cloud service, run inside the desktop app when no cloud URL is configured.

``EmbeddedCloud.start(folder)`` serves ``studio.cloud`` with uvicorn in a daemon thread on
127.0.0.1 and a port the system picks, with SQLite and the signing secret in ``folder`` (the
``cloud`` folder of the user data folder), and signs in the local account. Every trip the
desktop spends then goes through the same client and endpoints as a real cloud account
(``studio.services.jobs.trips.CloudTrips``).

The local account, and why it is kept this way: it is an ordinary account of the service
(``LOCAL_EMAIL``) with the starter trips of the service's configuration. Its password is random
(256 bits), made on first start and kept in ``local-account.json`` in the same folder, created
owner-only (0600) with O_EXCL. Its tokens are kept in memory only and renewed by logging in at
each start. The password file grants nothing more than the folder already does: whoever can read
it can read and change ``cloud.db`` beside it directly. The system keyring is not used because
first launch must work on machines without one, and the keyring protects against the same user
anyway. Other local users can reach the port (127.0.0.1 only, never the network), but not the
password file nor the tokens, and every call needs a token. Payments are not set up in this
service: buying trips needs a configured cloud with a Stripe account.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from studio.cloud.app import create_app
from studio.cloud.config import SettingsError, settings_from_env
from studio.services.cloud_client import (
    AuthError,
    CloudClient,
    CloudError,
    Conflict,
    KeyringTokenStore,
    StoredTokens,
)
from studio.services.cloud_client.address import ENV_VAR, normalized_url
from studio.services.jobs.trips import CloudTrips
from studio.services.library.db import Library
from studio.services.settings import load_settings

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
CLOUD_FOLDER = "cloud"
ACCOUNT_FILE = "local-account.json"
LOCAL_EMAIL = "local@studio.localhost"
LOCAL_LABEL = "Local account"
PAYMENTS_NOTE = (
    "Buying trips needs a Studio cloud with a Stripe account: set the cloud URL in Settings."
)
START_TIMEOUT = 30.0


class EmbeddedError(RuntimeError):
    """The embedded service could not start or sign in; the message says why in words."""


class MemoryTokenStore:
    """A ``TokenStore`` that keeps the local account's tokens in this process only."""

    def __init__(self) -> None:
        self._tokens: StoredTokens | None = None
        self._lock = threading.Lock()

    def load(self) -> StoredTokens | None:
        with self._lock:
            return self._tokens

    def save(self, tokens: StoredTokens) -> None:
        with self._lock:
            self._tokens = tokens

    def clear(self) -> None:
        with self._lock:
            self._tokens = None


def local_password(folder: Path) -> str:
    """The local account's password, made (owner-only) on first use."""
    path = folder / ACCOUNT_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump({"email": LOCAL_EMAIL, "password": os.urandom(32).hex()}, stream)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["password"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EmbeddedError(
            f"{path}: the local account's file cannot be read ({error}); move it away and "
            "start Studio again to make a new local account"
        ) from None


@dataclass
class EmbeddedCloud:
    """One running embedded service and a client signed in to its local account."""

    folder: Path
    url: str
    client: CloudClient
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @classmethod
    def start(cls, folder: Path, *, port: int = 0) -> EmbeddedCloud:
        """Serve the bundled service from ``folder`` and sign in; EmbeddedError on failure."""
        try:
            settings = settings_from_env(data_dir=folder, database_url="", jwt_secret="")
            app = create_app(settings)
        except (SettingsError, OSError, SQLAlchemyError) as error:
            raise EmbeddedError(f"the local Studio service cannot start: {error}") from None
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((HOST, port))
        except OSError as error:
            listener.close()
            raise EmbeddedError(
                f"the local Studio service cannot listen on {HOST}:{port} ({error.strerror})"
            ) from None
        bound = int(listener.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, name="embedded-cloud", daemon=True
        )
        thread.start()
        url = f"http://{HOST}:{bound}"
        embedded = cls(folder, url, CloudClient(url, MemoryTokenStore()), server, thread)
        try:
            embedded._wait_started()
            embedded._sign_in()
        except BaseException:
            embedded.stop()
            listener.close()
            raise
        return embedded

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def trips(self, library: Library) -> CloudTrips:
        return CloudTrips(self.client, library, LOCAL_LABEL)

    def stop(self) -> None:
        """Stop serving and wait for the service's workers to finish their shutdown."""
        self.client.close()  # its keep-alive connection would hold up the shutdown
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)

    def _wait_started(self) -> None:
        waited = 0.0
        while not self._server.started:
            if not self._thread.is_alive():
                raise EmbeddedError("the local Studio service stopped while starting; see the log")
            if waited >= START_TIMEOUT:
                raise EmbeddedError(f"the local Studio service did not start in {START_TIMEOUT} s")
            self._thread.join(timeout=0.02)
            waited += 0.02

    def _sign_in(self) -> None:
        """Log in to the local account, creating it (with the starter trips) the first time."""
        password = local_password(self.folder)
        try:
            try:
                self.client.login(LOCAL_EMAIL, password)
            except AuthError:
                try:
                    self.client.signup(LOCAL_EMAIL, password)
                except Conflict:  # another start made it meanwhile, with the same password
                    self.client.login(LOCAL_EMAIL, password)
        except AuthError:
            raise EmbeddedError(
                f"the local account exists but {self.folder / ACCOUNT_FILE} does not hold its "
                f"password; restore that file, or move the folder {self.folder} away to start "
                "with a new local account"
            ) from None
        except CloudError as error:
            raise EmbeddedError(f"cannot sign in to the local account: {error.message}") from None


_running: dict[Path, EmbeddedCloud] = {}
_clients: dict[str, CloudClient] = {}
_lock = threading.Lock()


def cloud_folder(library: Library) -> Path:
    return Path(library.data_dir) / CLOUD_FOLDER


def configured_cloud(library: Library) -> str | None:
    """The cloud URL from STUDIO_CLOUD_URL or the settings; None means the embedded service."""
    raw = os.environ.get(ENV_VAR, "").strip() or load_settings(Path(library.data_dir)).cloud_url
    return normalized_url(raw) if raw.strip() else None


def embedded_for(library: Library) -> EmbeddedCloud:
    """The embedded service of this library's data folder, started once per process."""
    folder = cloud_folder(library).resolve()
    with _lock:
        running = _running.get(folder)
        if running is None:
            running = EmbeddedCloud.start(folder)
            _running[folder] = running
        return running


def desktop_cloud_client(library: Library) -> CloudClient:
    """The cloud the desktop talks to: the configured cloud's sign-in (kept in the keyring),
    else the embedded service's local account. Trips and social posts both go through it."""
    url = configured_cloud(library)
    if url is None:
        return embedded_for(library).client
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = CloudClient(url, KeyringTokenStore(url))
    return client


def desktop_trips(library: Library) -> CloudTrips:
    """The trips the desktop charges (see ``desktop_cloud_client``); the embedded service's
    account is labelled as the local one."""
    if configured_cloud(library) is None:
        return embedded_for(library).trips(library)
    return CloudTrips(desktop_cloud_client(library), library)


def stop_embedded(library: Library | None = None) -> None:
    """Stop the embedded service of ``library`` (all of them with None) and close the clients."""
    with _lock:
        if library is None:
            stopping = list(_running.values())
            _running.clear()
            clients = list(_clients.values())
            _clients.clear()
        else:
            found = _running.pop(cloud_folder(library).resolve(), None)
            stopping = [found] if found is not None else []
            clients = []
    for embedded in stopping:
        embedded.stop()
    for client in clients:
        client.close()


atexit.register(stop_embedded)
