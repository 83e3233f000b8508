"""The ``studio`` command: one verb per capability, the same code the desktop app calls."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from studio import __version__
from studio.commands import (
    Exit,
    account,
    assets,
    cloud,
    frame,
    jobs,
    music,
    plan,
    productions,
    render,
    schema,
    shorts,
    trips,
    validate,
    voice,
)

VERBS = (
    validate,
    schema,
    plan,
    render,
    frame,
    voice,
    music,
    assets,
    shorts,
    productions,
    jobs,
    trips,
    account,
    cloud,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Studio: scripts, photos and clips become narrated films and shorts.",
        epilog="Exit codes: 0 done, 1 failed, 2 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation in a few seconds (ffmpeg, fonts, voice, a render, Qt)",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for verb in VERBS:
        verb.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. With no command, open the desktop app."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from studio.selftest import main as self_test  # noqa: PLC0415

        return self_test()
    if not hasattr(args, "run"):
        # Imported here so the command line and the core never load Qt.
        from studio.ui.app import run_app  # noqa: PLC0415

        return run_app()
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return Exit.OK
