"""The ``studio`` command: one verb per capability, the same code the desktop app calls."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from studio import __version__
from studio.commands import (
    Exit,
    assets,
    frame,
    music,
    plan,
    render,
    schema,
    shorts,
    validate,
    voice,
)

VERBS = (validate, schema, plan, render, frame, voice, music, assets, shorts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Studio: scripts, photos and clips become narrated films and shorts.",
        epilog="Exit codes: 0 done, 1 failed, 2 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for verb in VERBS:
        verb.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. With no command, print the help."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return Exit.OK
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return Exit.OK
