"""``studio trips [--json]``: how many trips (render credits) are left.

The balance comes from the account the render jobs charge: the local ledger in the library until
a cloud account is signed in (``studio.services.jobs.trips_for``).
"""

from __future__ import annotations

import argparse

from studio.commands import Exit
from studio.commands.jobs import print_json, with_library
from studio.services.jobs import LocalTrips, trips_for
from studio.services.library import Library


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "trips",
        help="the trips balance: a film costs one trip, a short one per variant",
        description="Print the trips left on the account the renders charge.",
    )
    parser.add_argument("--json", action="store_true", help='print {"balance", "account"}')
    parser.set_defaults(run=with_library("trips", run))


def run(args: argparse.Namespace, library: Library) -> int:
    trips = trips_for(library)
    balance = trips.balance()
    account = "local" if isinstance(trips, LocalTrips) else type(trips).__name__
    if args.json:
        print_json({"balance": balance, "account": account})
    else:
        noun = "trip" if balance == 1 else "trips"
        print(f"{balance} {noun} left ({account} account)")
    return Exit.OK
