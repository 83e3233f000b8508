"""``studio trips [--json]``: how many trips (render credits) are left.

The balance comes from the account the render jobs charge (``studio.services.jobs.trips_for``):
the configured cloud's sign-in, else the local account of the embedded service, which is
started for the command and stopped after it.
"""

from __future__ import annotations

import argparse

from studio.commands import Exit
from studio.commands.jobs import CommandError, print_json, with_library
from studio.services.cloud_client import BadCloudAddress
from studio.services.embedded import EmbeddedError, stop_embedded
from studio.services.jobs.trips import TripsUnavailable, trips_for
from studio.services.library import Library
from studio.services.settings import SettingsError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "trips",
        help="the trips balance: a film costs one trip, a short one per variant",
        description="Print the trips left on the account the renders charge.",
    )
    parser.add_argument("--json", action="store_true", help='print {"balance", "account"}')
    parser.set_defaults(run=with_library("trips", run))


def run(args: argparse.Namespace, library: Library) -> int:
    try:
        trips = trips_for(library)
        account = trips.account_label()
        balance = trips.balance()
    except (BadCloudAddress, SettingsError) as error:
        raise CommandError(str(error)) from None
    except (EmbeddedError, TripsUnavailable) as error:
        raise CommandError(str(error), Exit.FAILED) from None
    finally:
        stop_embedded(library)
    if args.json:
        print_json({"balance": balance, "account": account})
    else:
        noun = "trip" if balance == 1 else "trips"
        print(f"{balance} {noun} left ({account})")
    return Exit.OK
