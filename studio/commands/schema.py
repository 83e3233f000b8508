"""``studio schema``: the JSON Schema of every document, printed or written to ``schemas/``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.commands import Exit
from studio.spec import DocumentKind
from studio.spec.schema import schema_of, write_schemas


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print or write the JSON Schema of the documents",
        description="Print the JSON Schema of one document kind, or of all of them; with --write, "
        "refresh the schema files instead.",
    )
    parser.add_argument(
        "kind", nargs="?", choices=[k.value for k in DocumentKind], help="one document kind"
    )
    parser.add_argument("--write", action="store_true", help="write <kind>.schema.json files")
    parser.add_argument(
        "--dir", type=Path, default=Path("schemas"), help="where --write puts them (./schemas)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        for path in write_schemas(args.dir):
            print(path)
        return Exit.OK
    kinds = [DocumentKind(args.kind)] if args.kind else list(DocumentKind)
    schemas = {kind.value: schema_of(kind) for kind in kinds}
    shown = schemas[kinds[0].value] if args.kind else schemas
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return Exit.OK
