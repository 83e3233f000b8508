"""``studio login|me|logout|buy`` end to end against the real service, in this process (the
in-memory keyring lives here)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studio.commands import account
from studio.services.cloud_client import KeyringTokenStore, StoredTokens
from studio.services.cloud_client.address import ENV_VAR
from tests.services.memory_keyring import MemoryKeyring, installed
from tests.services.test_cloud_client import PASSWORD, closed_port_url, cloud_server

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with cloud_server(tmp_path / "cloud") as url:
        monkeypatch.setenv(ENV_VAR, url)
        yield url


@pytest.fixture
def studio(
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """Run one account verb as ``studio`` would, with ``stdin`` as standard input."""

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="studio")
        account.register(parser.add_subparsers())
        args = parser.parse_args(argv)
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = int(args.run(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_login_me_and_logout(server: str, studio: Run, memory_keyring: MemoryKeyring) -> None:
    email = "ada@example.com"
    code, out, _ = studio(
        "login", "--signup", "--email", email, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0
    assert f"as {email} at {server}" in out
    assert studio("logout")[0] == 0
    assert memory_keyring.secrets == {}

    code, out, err = studio("login", "--email", email, "--password-stdin", stdin=PASSWORD + "\n")
    assert (code, err) == (0, "")
    assert len(memory_keyring.secrets) == 1

    code, out, _ = studio("me", "--json")
    assert code == 0
    me = json.loads(out)
    assert (me["user"]["email"], me["plan"], me["trips_balance"]) == (email, "free", 3)
    code, out, _ = studio("me")
    assert out.strip() == f"{email} (free plan): 3 trips left, at {server}"

    code, out, _ = studio("logout")
    assert (code, out.strip()) == (0, f"Signed out {email} at {server}")
    assert memory_keyring.secrets == {}
    code, _, err = studio("me")
    assert code == 1
    assert "not signed in" in err
    assert "studio login" in err


def test_a_wrong_password_fails_without_keeping_anything(
    server: str, studio: Run, memory_keyring: MemoryKeyring
) -> None:
    studio("login", "--signup", "--email", "ada@example.com", "--password-stdin", stdin=PASSWORD)
    studio("logout")
    code, _, err = studio(
        "login", "--email", "ada@example.com", "--password-stdin", stdin="wrong password\n"
    )
    assert code == 1
    assert "the email or the password is wrong" in err
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize(
    ("argv", "stdin", "named"),
    [
        (("login", "--password-stdin"), PASSWORD, "--email"),
        (("login", "--email", "ada@example.com", "--password-stdin"), "", "--password-stdin"),
        (("login", "--email", "ada@example.com"), "", "--password-stdin"),
        (("login", "--signup", "--email", "no-at-sign", "--password-stdin"), PASSWORD, "email:"),
        (("me", "--cloud", "ftp://example.com"), "", "--cloud"),
        (("buy", "Ten Trips!"), "", "PACK"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    server: str, studio: Run, argv: tuple[str, ...], stdin: str, named: str
) -> None:
    code, out, err = studio(*argv, stdin=stdin)
    assert code == 2
    assert out == ""
    assert named in err


def test_no_cloud_address_anywhere_is_bad_input(
    studio: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    code, _, err = studio("me")
    assert code == 2
    assert "--cloud" in err
    assert ENV_VAR in err


def test_offline_is_a_clear_failure(studio: Run) -> None:
    url = closed_port_url()
    code, _, err = studio(
        "login", "--cloud", url, "--email", "ada@example.com", "--password-stdin", stdin=PASSWORD
    )
    assert code == 1
    assert f"studio login: cannot reach the Studio cloud at {url}" in err


def test_logout_offline_still_forgets_the_sign_in(
    studio: Run, memory_keyring: MemoryKeyring
) -> None:
    url = closed_port_url()
    KeyringTokenStore(url).save(StoredTokens("access", "refresh", "ada@example.com"))
    code, _, err = studio("logout", "--cloud", url)
    assert code == 1
    assert "signed out on this computer, but the service could not be told" in err
    assert memory_keyring.secrets == {}
    code, out, _ = studio("logout", "--cloud", url)
    assert (code, out.strip()) == (0, f"Not signed in at {url}")
