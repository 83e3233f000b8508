"""``studio voice TEXT -o OUT.wav``: speak a line offline, to audition a voice or make narration."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

from studio.commands import Exit
from studio.pipeline.audio_io import measure_loudness
from studio.pipeline.generate.voice import VoiceError, choose_voice, speak, text_problem
from studio.pipeline.media import Speech


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "voice",
        help="speak text into a WAV file with the offline voice",
        description="Speak TEXT with the bundled joe voice (Piper), or espeak-ng for other "
        "languages and when Piper cannot load. The WAV appears only when complete.",
    )
    parser.add_argument("text", metavar="TEXT")
    parser.add_argument(
        "--voice",
        default="default",
        metavar="ID",
        help="a plan's voice id (all speak as joe), 'espeak' or 'espeak:<espeak-ng voice>'",
    )
    parser.add_argument(
        "--language",
        default="en",
        metavar="LANG",
        help="en (default) uses joe; any other language is spoken by espeak-ng",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    parser.add_argument(
        "--timings", type=Path, metavar="OUT.json", help="also write each word's start and end"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    problem = _bad_input(args)
    if problem:
        print(f"studio voice: {problem}", file=sys.stderr)
        return Exit.BAD_INPUT
    voice = choose_voice(args.voice, args.language)
    try:
        speech = speak(args.text, args.output, voice)
    except VoiceError as error:
        print(f"studio voice: {error}", file=sys.stderr)
        return Exit.FAILED
    if args.timings is not None:
        try:
            _write_timings(args.timings, speech)
        except OSError as error:
            print(f"studio voice: cannot write {args.timings}: {error.strerror}", file=sys.stderr)
            return Exit.FAILED
    level = measure_loudness(args.output)
    print(f"{args.output}: {speech.seconds:.1f} s at {level:.1f} LUFS, voice {voice}")
    return Exit.OK


def _bad_input(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line before any speaking starts, or None."""
    problem = text_problem(args.text)
    if problem:
        return f"TEXT: {problem}"
    for option, path, suffix in (("-o", args.output, ".wav"), ("--timings", args.timings, ".json")):
        if path is None:
            continue
        if path.suffix.lower() != suffix:
            return f"{option} {path}: the file must be a {suffix} file"
        if path.is_dir():
            return f"{option} {path}: is a folder"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return f"{option} {path}: cannot create its folder: {error.strerror}"
    return None


def _write_timings(path: Path, speech: Speech) -> None:
    """The word timings as a JSON list, written to a temporary file then moved into place."""
    words = [{"word": w.word, "start": w.start, "end": w.end} for w in speech.words]
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.partial.json")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            json.dump(words, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
