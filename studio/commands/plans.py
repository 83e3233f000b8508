"""Shared by the verbs that take a plan: load it, its brand kit and its media into a Timeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.commands import Exit
from studio.pipeline.assemble import AssembleError, Assembly, assemble
from studio.pipeline.audio import AudioError
from studio.pipeline.encoder import EncodeError
from studio.pipeline.generate.voice import VoiceError
from studio.pipeline.media import NoMedia
from studio.pipeline.sources import MediaError
from studio.services.providers.chain import ChainMedia, media_from_env
from studio.services.providers.errors import ProviderError, ProviderUnavailable
from studio.spec import BrandKit, DocumentKind, ProductionPlan, ShortsPlan, SpecError, load_document


class BadInput(Exception):
    """Input the user must fix; the message names the file or field (exit code 2)."""


EXPECTED_FAILURES = (BadInput, MediaError, AudioError, VoiceError, EncodeError, ProviderError)
"""What a plan verb reports as a message and an exit code, never as a traceback."""


def report_failure(verb: str, error: Exception) -> int:
    """Print ``error`` for the user and return its exit code: 2 for input to fix, else 1."""
    if isinstance(error, VoiceError):
        print(f"\nstudio {verb}: the voice failed: {error}", file=sys.stderr)
        return Exit.FAILED
    print(f"\nstudio {verb}: {error}", file=sys.stderr)
    return Exit.FAILED if isinstance(error, EncodeError | ProviderUnavailable) else Exit.BAD_INPUT


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", type=Path, metavar="PLAN", help="a Production or Shorts Plan")
    parser.add_argument(
        "--assets", type=Path, metavar="DIR", help="folder where asset_id X is the file DIR/X.*"
    )
    parser.add_argument("--brand-kit", type=Path, metavar="FILE", help="a brand kit JSON file")
    parser.add_argument(
        "--placeholders",
        action="store_true",
        help="show a placeholder card for missing media instead of failing",
    )
    parser.add_argument(
        "--no-generate",
        action="store_true",
        help="do not make missing voice, music or visuals (silence and placeholder cards)",
    )


def load_assembly(args: argparse.Namespace) -> Assembly:
    """The plan named on the command line as a Timeline; warnings go to stderr."""
    if args.assets is not None and not args.assets.is_dir():
        raise BadInput(f"--assets {args.assets}: not a folder")
    try:
        document = load_document(args.plan)
        brand = None
        if args.brand_kit is not None:
            kit = load_document(args.brand_kit, DocumentKind.BRAND_KIT).model
            assert isinstance(kit, BrandKit)
            brand = kit
    except SpecError as error:
        lines = "\n".join(str(problem) for problem in error.problems)
        raise BadInput(f"{error.source}: invalid\n{lines}") from None
    plan = document.model
    if not isinstance(plan, ProductionPlan | ShortsPlan):
        raise BadInput(f"{args.plan}: a {document.kind.label} is not a plan to render")
    for warning in document.warnings:
        print(f"{args.plan}: {warning}", file=sys.stderr)
    try:
        provider = NoMedia() if args.no_generate else media_from_env()
        assembly = assemble(plan, args.assets, provider, brand, args.placeholders)
    except AssembleError as error:
        raise BadInput(f"{args.plan}: {error}") from None
    notes = provider.notes if isinstance(provider, ChainMedia) else []
    for message in [*assembly.warnings, *notes]:
        print(f"{args.plan}: warning: {message}", file=sys.stderr)
    return assembly
