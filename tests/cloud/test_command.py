"""``studio cloud serve`` and its bad-input exits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _studio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "cloud", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


def test_bad_port_and_bad_database_url_exit_2_naming_the_option(tmp_path: Path) -> None:
    port = _studio("serve", "--port", "70000")
    assert port.returncode == 2
    assert "--port" in port.stderr
    assert "Traceback" not in port.stderr
    env = {**os.environ, "STUDIO_CLOUD_DATA_DIR": str(tmp_path)}
    url = _studio("serve", "--db", "nonsense://", env=env)
    assert url.returncode == 2
    assert "--db" in url.stderr
    assert "Traceback" not in url.stderr


def test_a_bad_setting_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "STUDIO_CLOUD_DATA_DIR": str(tmp_path),
        "STUDIO_CLOUD_STARTER_TRIPS": "lots",
    }
    done = _studio("serve", env=env)
    assert done.returncode == 2
    assert "STUDIO_CLOUD_STARTER_TRIPS" in done.stderr


def test_serve_migrates_a_fresh_database_and_answers(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "STUDIO_CLOUD_DATA_DIR": str(tmp_path)}
    database = tmp_path / "served.db"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio",
            "cloud",
            "serve",
            "--db",
            f"sqlite:///{database}",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/auth/signup",
                    json={"email": "cli@example.com", "password": "correct horse battery"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 201
        assert response.json()["user"]["email"] == "cli@example.com"
        assert database.is_file()
        assert (tmp_path / "cloud-jwt-secret").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(10)
        if server.stderr is not None:
            server.stderr.close()
