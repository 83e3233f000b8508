"""A throwaway PostgreSQL cluster for benchmarks, from the Debian package's binaries.

The same approach as the test suite's fixture (tests/cloud/conftest.py), kept apart so a script
does not import test code: initdb and pg_ctl from /usr/lib/postgresql/*/bin start a cluster in a
temp folder, trusted on 127.0.0.1 only. PostgreSQL refuses to run as root, so under root the
commands run as the ``postgres`` system user through ``runuser``.

::

    with throwaway_postgres() as server:
        url = create_database(server, "bench")   # postgresql+psycopg://studio@127.0.0.1:PORT/bench
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROLE = "studio"


class PostgresUnavailable(RuntimeError):
    """The server binaries or the user to run them as are missing, or the cluster failed."""


def server_binaries() -> Path:
    """The newest installed server's bin folder (pg_ctl, initdb)."""
    root = Path("/usr/lib/postgresql")
    found = sorted(root.glob("*/bin/pg_ctl")) if root.is_dir() else []
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path is None:
        raise PostgresUnavailable(
            "the PostgreSQL server binaries are not installed (Debian package postgresql)"
        )
    return Path(on_path).resolve().parent


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root needs a 'postgres' user") from None
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root needs runuser (util-linux)")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def throwaway_postgres(*, fsync: bool = False) -> Iterator[str]:
    """Start a cluster; yield its server URL (append ``/dbname``); stop and delete it after.

    ``fsync`` off by default: a throwaway cluster needs no durability, and on a shared machine
    the disk's flush time would otherwise dominate every commit.
    """
    binaries = server_binaries()
    prefix = _run_as()
    base = Path(tempfile.mkdtemp(prefix="studio-pg-"))
    data = base / "data"
    if prefix:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8")
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=300"
            f" -c fsync={'on' if fsync else 'off'}"
        )
        log = str(base / "log")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(
            f"PostgreSQL did not start: {error.stderr or error.stdout}"
        ) from None
    try:
        _wait_ready(port)
        yield f"postgresql+psycopg://{ROLE}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(port: int, attempts: int = 100) -> None:
    import psycopg

    for _ in range(attempts):
        try:
            psycopg.connect(f"postgresql://{ROLE}@127.0.0.1:{port}/postgres").close()
        except psycopg.OperationalError:
            time.sleep(0.1)
        else:
            return
    raise PostgresUnavailable(f"PostgreSQL on port {port} did not accept connections")


def create_database(server: str, name: str) -> str:
    """Create database ``name`` on ``server``; its SQLAlchemy URL."""
    import psycopg

    admin = f"{server.replace('+psycopg', '')}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
