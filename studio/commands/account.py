"""``studio login|logout|me|buy``: the Studio cloud account from the command line.

The cloud is chosen by ``--cloud URL``, else ``STUDIO_CLOUD_URL``, else the saved cloud address.
The sign-in is kept in the system keyring, one per cloud address, never in a file.

The client is imported inside each command: it loads the service's models, which every other
``studio`` verb would otherwise pay for at start-up.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import webbrowser
from typing import TYPE_CHECKING

from studio.commands import Exit

if TYPE_CHECKING:
    from studio.services.cloud_client import CloudClient, CloudError

_PACK = re.compile(r"[a-z0-9_.-]{1,64}")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser(
        "login",
        help="sign in to the Studio cloud (the sign-in is kept in the system keyring)",
        description="Sign in to the Studio cloud. The password is asked for without echo, or "
        "read from standard input with --password-stdin.",
    )
    login.add_argument("--email", metavar="E", help="the account's email (asked for if left out)")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    login.add_argument("--signup", action="store_true", help="create the account first")
    _cloud_option(login)
    login.set_defaults(run=run_login)

    logout = subparsers.add_parser(
        "logout",
        help="sign out of the Studio cloud and forget the sign-in",
        description="End the sign-in on the service and remove it from the keyring.",
    )
    _cloud_option(logout)
    logout.set_defaults(run=run_logout)

    me = subparsers.add_parser(
        "me",
        help="the signed-in account: email, plan and trips",
        description="Show the signed-in account of the Studio cloud.",
    )
    me.add_argument("--json", action="store_true", help='print {"user", "plan", "trips_balance"}')
    _cloud_option(me)
    me.set_defaults(run=run_me)

    buy = subparsers.add_parser(
        "buy",
        help="buy a trip pack or the Pro plan (opens the payment page in the browser)",
        description="Buy PACK (for example trips_10, trips_50, pro_month) on the payment page.",
    )
    buy.add_argument("pack", metavar="PACK", help="the pack's id")
    _cloud_option(buy)
    buy.set_defaults(run=run_buy)


def _cloud_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cloud",
        metavar="URL",
        help="the cloud's address (default: STUDIO_CLOUD_URL, else the saved setting)",
    )


def _address(verb: str, args: argparse.Namespace) -> str | int:
    """The cloud's address, or the exit code after saying why there is none."""
    from studio.services.cloud_client import BadCloudAddress, cloud_url  # noqa: PLC0415
    from studio.services.settings import SettingsError  # noqa: PLC0415

    try:
        url, _ = cloud_url(args.cloud)
    except BadCloudAddress as error:
        print(f"studio {verb}: {error}", file=sys.stderr)
        return Exit.BAD_INPUT
    except SettingsError as error:
        print(f"studio {verb}: {error}", file=sys.stderr)
        return Exit.FAILED
    return url


def _client(url: str) -> CloudClient:
    from studio.services.cloud_client import CloudClient, KeyringTokenStore  # noqa: PLC0415

    return CloudClient(url, KeyringTokenStore(url))


def _failed(verb: str, error: CloudError) -> int:
    from studio.services.cloud_client import AuthError, ValidationFailed  # noqa: PLC0415

    hint = " (studio login)" if isinstance(error, AuthError) and verb != "login" else ""
    print(f"studio {verb}: {error.message}{hint}", file=sys.stderr)
    return Exit.BAD_INPUT if isinstance(error, ValidationFailed) else Exit.FAILED


def _bad(verb: str, message: str) -> int:
    print(f"studio {verb}: {message}", file=sys.stderr)
    return Exit.BAD_INPUT


def _credentials(args: argparse.Namespace) -> tuple[str, str] | str:
    """(email, password), or what is wrong with how they were given."""
    interactive = sys.stdin.isatty()
    email = (args.email or "").strip()
    if not email:
        if args.password_stdin or not interactive:
            return "--email: needed when there is no terminal to ask on"
        email = input("Email: ").strip()
        if not email:
            return "email: empty"
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            return "--password-stdin: no password on standard input"
    elif not interactive:
        return "password: no terminal to ask on; pipe it with --password-stdin"
    else:
        password = getpass.getpass("Password: ")
        if not password:
            return "password: empty"
    return email, password


def run_login(args: argparse.Namespace) -> int:
    from studio.services.cloud_client import CloudError  # noqa: PLC0415

    url = _address("login", args)
    if isinstance(url, int):
        return url
    given = _credentials(args)
    if isinstance(given, str):
        return _bad("login", given)
    email, password = given
    try:
        with _client(url) as cloud:
            result = cloud.signup(email, password) if args.signup else cloud.login(email, password)
    except CloudError as error:
        return _failed("login", error)
    action = "Created and signed in" if args.signup else "Signed in"
    print(f"{action} as {result.user.email} at {url} (kept in the system keyring)")
    return Exit.OK


def run_logout(args: argparse.Namespace) -> int:
    from studio.services.cloud_client import CloudError, TokenStoreUnavailable  # noqa: PLC0415

    url = _address("logout", args)
    if isinstance(url, int):
        return url
    try:
        with _client(url) as cloud:
            session = cloud.session()
            if session is None:
                print(f"Not signed in at {url}")
                return Exit.OK
            cloud.logout()
    except TokenStoreUnavailable as error:
        return _failed("logout", error)
    except CloudError as error:
        print(
            f"studio logout: signed out on this computer, but the service could not be told "
            f"(the sign-in stays valid there until it expires): {error.message}",
            file=sys.stderr,
        )
        return Exit.FAILED
    print(f"Signed out {session.email or 'the account'} at {url}")
    return Exit.OK


def run_me(args: argparse.Namespace) -> int:
    from studio.services.cloud_client import CloudError  # noqa: PLC0415

    url = _address("me", args)
    if isinstance(url, int):
        return url
    try:
        with _client(url) as cloud:
            me = cloud.me()
    except CloudError as error:
        return _failed("me", error)
    if args.json:
        print(json.dumps(me.model_dump(mode="json"), indent=2))
    else:
        noun = "trip" if me.trips_balance == 1 else "trips"
        print(f"{me.user.email} ({me.plan} plan): {me.trips_balance} {noun} left, at {url}")
    return Exit.OK


def run_buy(args: argparse.Namespace) -> int:
    """Start a Stripe payment for PACK and open its checkout page in the browser; the trips
    arrive in the account once Stripe confirms the payment to the cloud."""
    from studio.services.cloud_client import CloudError  # noqa: PLC0415

    if not _PACK.fullmatch(args.pack):
        return _bad("buy", f"PACK {args.pack!r}: a pack id is 1-64 of a-z 0-9 _ . -")
    url = _address("buy", args)
    if isinstance(url, int):
        return url
    try:
        with _client(url) as cloud:
            intent = cloud.create_payment_intent(args.pack)
    except CloudError as error:
        return _failed("buy", error)
    amount = f"{intent.amount / 100:.2f} {intent.currency.upper()}"
    print(f"Pay {amount} for {intent.product_id} at {intent.checkout_url}")
    if not webbrowser.open(intent.checkout_url):
        print("Open that address in a browser to pay.")
    return Exit.OK
