"""Load benchmark of the cloud service: requests/s and latency of GET /me and POST /trips/use.

The service runs as it would on a server: ``uvicorn --factory studio.cloud.app:create_app`` with
``--workers N``, configured by STUDIO_CLOUD_* variables, on a throwaway PostgreSQL (or ``--db
URL``, or ``--sqlite`` for a comparison). Users sign up with enough starter trips for the whole
run and each gets a production; then a local load generator (httpx's AsyncClient, ``--concurrency``
requests in flight) drives each endpoint in turn for ``--seconds``: first GET /me, then POST
/trips/use with a unique Idempotency-Key per request. At the end every user's balance must equal
the starter trips less that user's successful uses (the ledger lost or doubled nothing).

    python -m benchmarks.cloud_load --seconds 10 --concurrency 32
    python -m benchmarks.cloud_load --seconds 10 --concurrency 32 --sqlite
    python -m benchmarks.cloud_load --db postgresql+psycopg://user@host/db --workers 4

The generator shares the machine with the service, so on a small machine it takes part of the
CPU the service could use: the figures are a floor, for comparing changes and databases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.postgres import PostgresUnavailable, create_database, throwaway_postgres

PASSWORD = "benchmark password 1"
STARTER_TRIPS = 1_000_000
WARM_UP_SECONDS = 1.0


@dataclass
class User:
    email: str
    headers: dict[str, str]
    production_id: str
    uses: int = 0


@dataclass
class Tally:
    """Latencies (seconds) of the successful requests, and the failures by reason."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def error(self, reason: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(database_url: str, data_dir: Path, workers: int) -> Iterator[str]:
    """The service under uvicorn in a child process; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "STUDIO_CLOUD_DATABASE_URL": database_url,
        "STUDIO_CLOUD_DATA_DIR": str(data_dir),
        "STUDIO_CLOUD_JWT_SECRET": secrets.token_urlsafe(48),
        "STUDIO_CLOUD_STARTER_TRIPS": str(STARTER_TRIPS),
        "STUDIO_CLOUD_RENDER_IN_WORKSPACES": "false",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "studio.cloud.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, url)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with code {server.returncode}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service did not answer on {url} within {timeout:.0f} s")


async def sign_up_users(client: httpx.AsyncClient, count: int) -> list[User]:
    async def one(index: int) -> User:
        email = f"bench-{index}-{uuid.uuid4().hex[:8]}@example.com"
        signed = await client.post("/auth/signup", json={"email": email, "password": PASSWORD})
        signed.raise_for_status()
        headers = {"Authorization": f"Bearer {signed.json()['tokens']['access_token']}"}
        made = await client.post("/productions", json={"title": "Bench"}, headers=headers)
        made.raise_for_status()
        return User(email, headers, made.json()["id"])

    # A few at a time: signup hashes the password with argon2id (64 MiB, on purpose slow).
    users: list[User] = []
    for start in range(0, count, 4):
        users += await asyncio.gather(*(one(i) for i in range(start, min(start + 4, count))))
    return users


async def drive(
    client: httpx.AsyncClient, endpoint: str, users: list[User], concurrency: int, seconds: float
) -> Tally:
    """``concurrency`` loops sending ``endpoint`` back to back; the first second is not kept."""
    tally = Tally()
    started = time.perf_counter()
    keep_from = started + WARM_UP_SECONDS
    stop_at = keep_from + seconds

    async def loop(worker: int) -> None:
        user = users[worker % len(users)]
        sent = 0
        while (now := time.perf_counter()) < stop_at:
            sent += 1
            try:
                if endpoint == "GET /me":
                    response = await client.get("/me", headers=user.headers)
                else:
                    key = f"bench-{worker}-{sent}-{uuid.uuid4().hex}"
                    response = await client.post(
                        "/trips/use",
                        json={"production_id": user.production_id, "type": "cinema"},
                        headers={**user.headers, "Idempotency-Key": key},
                    )
            except httpx.HTTPError as error:
                if now >= keep_from:
                    tally.error(type(error).__name__)
                continue
            if endpoint != "GET /me" and response.status_code == 200:
                user.uses += 1  # counted in the warm-up too: the ledger check needs them all
            if now < keep_from:
                continue
            if response.status_code == 200:
                tally.latencies.append(time.perf_counter() - now)
            else:
                tally.error(f"HTTP {response.status_code}")

    await asyncio.gather(*(loop(worker) for worker in range(concurrency)))
    tally.elapsed = time.perf_counter() - keep_from
    return tally


async def check_ledger(client: httpx.AsyncClient, users: list[User]) -> list[str]:
    """Each user's balance is the starter trips less their successful uses, or a line says not."""
    problems = []
    for user in users:
        balance = (await client.get("/me", headers=user.headers)).json()["trips_balance"]
        if balance != STARTER_TRIPS - user.uses:
            problems.append(
                f"{user.email}: balance {balance}, expected {STARTER_TRIPS - user.uses}"
            )
    return problems


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def report(results: dict[str, Tally]) -> str:
    lines = [
        f"{'endpoint':<16}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    ]
    for endpoint, tally in results.items():
        done = len(tally.latencies)
        rate = done / tally.elapsed if tally.elapsed else 0.0
        if done >= 2:
            cuts = statistics.quantiles(tally.latencies, n=100, method="inclusive")
            p50, p95, p99 = _ms(cuts[49]), _ms(cuts[94]), _ms(cuts[98])
        else:
            p50 = p95 = p99 = f"{'-':>8}"
        errors = sum(tally.errors.values())
        lines.append(f"{endpoint:<16}{done:>10}{rate:>10.1f} {p50} {p95} {p99}{errors:>8}")
        for reason, count in sorted(tally.errors.items()):
            lines.append(f"    {count} x {reason}")
    return "\n".join(lines)


async def run_load(url: str, args: argparse.Namespace) -> int:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        users = await sign_up_users(client, args.users)
        results = {}
        for endpoint in ("GET /me", "POST /trips/use"):
            results[endpoint] = await drive(client, endpoint, users, args.concurrency, args.seconds)
        problems = await check_ledger(client, users)
    print(report(results))
    total = sum(user.uses for user in users)
    if problems:
        print(f"ledger check FAILED after {total} uses:", *problems, sep="\n  ")
        return 1
    print(f"ledger check: {len(users)} balances match the {total} successful uses")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cloud_load",
        description="Requests/s and latency of GET /me and POST /trips/use under load.",
    )
    parser.add_argument("--seconds", type=float, default=10, help="per endpoint (10)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (2)")
    parser.add_argument("--users", type=int, default=16, help="signed-up users (16)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="URL", help="a database to use (default: a throwaway one)")
    where.add_argument("--sqlite", action="store_true", help="SQLite in a temp folder")
    args = parser.parse_args(argv)
    for name in ("seconds", "concurrency", "workers", "users"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name}: must be above 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="studio-load-")))
        if args.db:
            database_url, kind = args.db, "given database"
        elif args.sqlite:
            database_url, kind = f"sqlite:///{folder / 'cloud.db'}", "SQLite"
        else:
            try:
                server = stack.enter_context(throwaway_postgres())
            except PostgresUnavailable as error:
                print(f"cloud_load: {error}; pass --db URL or --sqlite", file=sys.stderr)
                return 2
            database_url, kind = create_database(server, "studio_load"), "PostgreSQL"
        # Migrated once here, so the workers start on a current schema.
        from studio.cloud.db import open_engine

        open_engine(database_url).dispose()
        print(
            f"{kind}, {args.workers} uvicorn worker(s), concurrency {args.concurrency}, "
            f"{args.users} users, {args.seconds:g} s per endpoint, {os.cpu_count()} CPUs"
        )
        url = stack.enter_context(serving(database_url, folder / "data", args.workers))
        return asyncio.run(run_load(url, args))


if __name__ == "__main__":
    sys.exit(main())
