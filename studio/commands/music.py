"""``studio music --mood MOOD --duration SECONDS -o OUT.wav``: compose a loopable music bed."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from studio.commands import Exit
from studio.pipeline.generate.music import DEFAULT_MOOD, MOODS, compose, plan_bed

MAX_SECONDS = 3600.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "music",
        help="compose a loopable background music bed (WAV)",
        description="Compose a seamless, loopable 48 kHz stereo music bed offline. The same mood, "
        f"duration and seed always give the same file. Unknown moods are composed as "
        f"{DEFAULT_MOOD}.",
    )
    parser.add_argument(
        "--mood", default=DEFAULT_MOOD, metavar="MOOD", help=f"one of: {', '.join(MOODS)}"
    )
    parser.add_argument(
        "--duration",
        type=float,
        required=True,
        metavar="SECONDS",
        help=f"length of the bed, more than 0 and at most {MAX_SECONDS:g}",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    parser.add_argument("--seed", type=int, default=0, help="varies melody and voicing (default 0)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    seconds: float = args.duration
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
        return _bad(f"--duration {seconds:g}: must be more than 0 and at most {MAX_SECONDS:g} s")
    if round(seconds * 48_000) < 1:
        return _bad(f"--duration {seconds:g}: shorter than one sample")
    output: Path = args.output
    if output.suffix.lower() != ".wav":
        return _bad(f"-o {output}: the output must be a .wav file")
    if not output.parent.is_dir():
        return _bad(f"-o {output}: folder {output.parent} does not exist")
    bed = plan_bed(args.mood, seconds)
    try:
        compose(args.mood, seconds, output, args.seed)
    except OSError as error:
        print(f"studio music: cannot write {output}: {error}", file=sys.stderr)
        return Exit.FAILED
    print(f"{output}: {bed.frames / 48_000:.1f} s of {bed.mood} at {bed.bpm:.4g} BPM in {bed.key}")
    return Exit.OK


def _bad(message: str) -> int:
    print(f"studio music: {message}", file=sys.stderr)
    return Exit.BAD_INPUT
