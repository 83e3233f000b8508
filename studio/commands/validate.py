"""``studio validate FILE...``: check plans and brand kits, every problem with its JSON path."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands import Exit
from studio.spec import SpecError, load_document


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check Production Plans, Shorts Plans and brand kits",
        description="Check each file; print one line per problem as 'path: message'. "
        "Exit 0 when every file is valid (warnings are printed), 2 when any is not.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    status = Exit.OK
    for path in args.files:
        try:
            document = load_document(path)
        except SpecError as error:
            status = Exit.BAD_INPUT
            errors = [p for p in error.problems if p.severity == "error"]
            print(f"{path}: invalid ({_count(len(errors), 'error')})")
            for problem in error.problems:
                print(problem)
            continue
        note = f" ({_count(len(document.warnings), 'warning')})" if document.warnings else ""
        print(f"{path}: valid {document.kind.label}{note}")
        for problem in document.warnings:
            print(problem)
    return status


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
