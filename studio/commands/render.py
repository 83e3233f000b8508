"""``studio render PLAN -o OUT.mp4``: a plan to a finished MP4."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from studio.commands import Exit
from studio.commands.plans import (
    EXPECTED_FAILURES,
    add_plan_arguments,
    load_assembly,
    report_failure,
)
from studio.pipeline.encoder import PRESETS
from studio.pipeline.render import RenderCancelled, RenderProgress, render


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a plan to an MP4",
        description="Render a Production or Shorts Plan to an H.264/AAC MP4. The file appears "
        "only when complete; cancelling (Ctrl-C or SIGTERM) leaves nothing behind.",
    )
    add_plan_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4")
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="final",
        help="final (default) or draft: half size, fastest encode",
    )
    parser.add_argument(
        "--encoder",
        default="auto",
        metavar="auto|NAME",
        help="auto tries NVENC, VideoToolbox, QSV, AMF, then libx264",
    )
    parser.add_argument(
        "--progress",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per line on stdout, for the app",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.output.suffix.lower() != ".mp4":
        print(f"studio render: -o {args.output}: the output must be an .mp4 file", file=sys.stderr)
        return Exit.BAD_INPUT
    cancel = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        cancel.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    as_json = args.progress == "json"

    def report(progress: RenderProgress) -> None:
        if as_json:
            print(
                json.dumps(
                    {
                        "event": "progress",
                        "frames": progress.frames_done,
                        "total": progress.total,
                        "fps": round(progress.fps, 2),
                        "eta": None
                        if progress.eta_seconds is None
                        else round(progress.eta_seconds, 1),
                    }
                ),
                flush=True,
            )
        else:
            eta = "" if progress.eta_seconds is None else f", {progress.eta_seconds:.0f} s left"
            print(
                f"\r{progress.frames_done}/{progress.total} frames "
                f"({progress.fps:.1f} fps{eta})   ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    try:
        assembly = load_assembly(args)
        result = render(assembly.timeline, args.output, args.preset, args.encoder, report, cancel)
    except EXPECTED_FAILURES as error:
        return report_failure("render", error)
    except RenderCancelled as error:
        print(f"\nstudio render: {error}; nothing was written", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    summary = (
        f"{result.path}: {result.frames} frames at {result.width}x{result.height}, "
        f"{result.encoder}, {result.seconds:.1f} s"
    )
    if as_json:
        print(
            json.dumps(
                {
                    "event": "done",
                    "output": str(result.path),
                    "frames": result.frames,
                    "encoder": result.encoder,
                    "seconds": round(result.seconds, 2),
                }
            )
        )
    else:
        print(f"\nencoder: {result.encoder}", file=sys.stderr)
        print(summary)
    return Exit.OK
