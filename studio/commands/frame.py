"""``studio frame PLAN --at SECONDS -o FRAME.png``: one frame, exactly as the export draws it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from PIL import Image

from studio.commands import Exit
from studio.commands.plans import (
    EXPECTED_FAILURES,
    BadInput,
    add_plan_arguments,
    load_assembly,
    report_failure,
)
from studio.pipeline.compositor import render_frame


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 640x360")
    return int(match.group(1)), int(match.group(2))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("frame", help="render one frame of a plan to a PNG")
    add_plan_arguments(parser)
    parser.add_argument("--at", type=float, required=True, metavar="SECONDS")
    parser.add_argument("--size", type=_size, metavar="WxH", help="default: the plan's size")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FRAME.png")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        timeline = load_assembly(args).timeline
        if not 0 <= args.at <= timeline.duration:
            raise BadInput(f"--at {args.at:g}: outside the plan (0 to {timeline.duration:g} s)")
        rgb = render_frame(timeline, min(args.at, timeline.duration - 1 / timeline.fps), args.size)
    except EXPECTED_FAILURES as error:
        return report_failure("frame", error)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(args.output)
    print(f"{args.output}: {rgb.shape[1]}x{rgb.shape[0]} at {args.at:g} s")
    return Exit.OK
