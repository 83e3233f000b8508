"""``studio assets import PATH... --library DIR``: bring media into a content-addressed library.

Exit 0 when the batch ran, even if some files were rejected: a rejected file is an expected
outcome of importing a messy folder, and each one is reported on its own line (or JSON object),
so scripts read the per-file status rather than the exit code. Exit 2 when a PATH does not exist
(nothing is imported, since the command line itself is wrong) and 1 when the library cannot be
written at all.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from studio.commands import Exit
from studio.pipeline.ingest import ImportResult, import_paths


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("assets", help="manage the media library")
    verbs = parser.add_subparsers(dest="assets_verb", required=True, metavar="VERB")
    importer = verbs.add_parser(
        "import",
        help="import files, folders and .zip archives",
        description="Import media by content into LIBRARY/assets, with thumbnails in "
        "LIBRARY/thumbs. One line per file; exit 0 even when some files are rejected.",
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    importer.add_argument("--library", type=Path, required=True, metavar="DIR")
    importer.add_argument("--json", action="store_true", help="one JSON object per file")
    importer.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    missing = [path for path in args.paths if not path.exists()]
    for path in missing:
        print(f"{path}: no such file or folder")
    if missing:
        return Exit.BAD_INPUT
    try:
        results = import_paths(args.paths, args.library)
    except OSError as error:
        print(f"{args.library}: cannot write the library ({error.strerror or error})")
        return Exit.FAILED
    for result in results:
        print(_json(result) if args.json else _line(result))
    if not args.json:
        counts = Counter(result.status for result in results)
        print(
            f"{counts['imported']} imported, {counts['duplicate']} duplicate, "
            f"{counts['rejected']} rejected"
        )
    return Exit.OK


def _line(result: ImportResult) -> str:
    if result.status == "rejected":
        return f"{result.path}: rejected: {result.reason}"
    return f"{result.path}: {result.status} {result.kind} {(result.asset_id or '')[:12]}"


def _json(result: ImportResult) -> str:
    fields = ("path", "status", "kind", "asset_id", "reason")
    return json.dumps({name: getattr(result, name) for name in fields})
