"""Renders in a child process: the app stays responsive and a cancel is immediate.

The child is ``studio render PLAN -o OUT --progress json`` (through ``child.py``, which ends it
with its parent). Each JSON line becomes ``ctx.progress``; a cancel stops the child's whole
process group, ffmpeg included, within a fraction of a second. What a render leaves while it
runs is known and removed here on cancel, on failure and before a re-run after a crash: the
encoder's ``.STEM.*.partial.mp4`` beside the output, and the scratch folder (the child's TMPDIR)
that holds the audio mix.

Unless the caller names them, the user's settings choose the brand kit (the active one in the
library, written to the scratch folder, its logo linked into the asset folder) and the encoder.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from studio.services.brand import BrandKitInvalid, active_brand_kit, link_logo, write_brand_kit
from studio.services.jobs.context import JobCancelled, JobContext
from studio.services.library.db import Library
from studio.services.settings import AUTO_ENCODER, SettingsError, load_settings

TERMINATE_GRACE = 0.3
"""Seconds a cancelled render gets to remove its own partial file before it is killed."""
_POLL = 0.05


class RenderFailed(Exception):
    """The child render exited with an error; the message is its own last words."""


def scratch_dir(out_path: Path) -> Path:
    """The child's temporary folder: beside the output, so one glob finds all leftovers."""
    return out_path.parent / f".{out_path.stem}.scratch"


def render_leftovers(out_path: Path) -> list[Path]:
    """Temporary files a render of ``out_path`` may have left (named as encoder.py names them)."""
    found = sorted(out_path.parent.glob(f".{out_path.stem}.*.partial.mp4"))
    scratch = scratch_dir(out_path)
    return [*found, scratch] if scratch.exists() else found


def clean_render_leftovers(out_path: Path) -> None:
    for path in render_leftovers(out_path):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def render_command(
    plan_path: Path,
    out_path: Path,
    assets: Path | None,
    preset: str,
    *,
    placeholders: bool = False,
    brand_kit: Path | None = None,
    encoder: str | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "studio.services.jobs.child", "render", str(plan_path)]
    command += ["-o", str(out_path), "--progress", "json", "--preset", preset]
    if assets is not None:
        command += ["--assets", str(assets)]
    if brand_kit is not None:
        command += ["--brand-kit", str(brand_kit)]
    if encoder is not None:
        command += ["--encoder", encoder]
    if placeholders:
        command.append("--placeholders")
    return command


def run_render_process(
    plan_path: Path,
    out_path: Path,
    assets: Path | None,
    preset: str,
    ctx: JobContext,
    *,
    placeholders: bool = False,
    brand_kit: Path | None = None,
    encoder: str | None = None,
) -> Mapping[str, Any]:
    """Render ``plan_path`` to ``out_path`` in a child process; returns its ``done`` record.

    ``brand_kit`` and ``encoder`` left out come from the settings of ``ctx.library``'s data
    folder (see ``render_defaults``). Raises JobCancelled when ``ctx.cancelled`` is set (nothing
    is left behind) and RenderFailed when the render fails (its message is the child's error).
    """
    clean_render_leftovers(out_path)
    scratch = scratch_dir(out_path)
    scratch.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(scratch), "TEMP": str(scratch), "TMP": str(scratch)}
    errors_path = scratch / "stderr.txt"
    try:
        defaults = render_defaults(ctx, scratch, assets, with_kit=brand_kit is None)
        command = render_command(
            plan_path,
            out_path,
            defaults.assets if assets is None else assets,
            preset,
            placeholders=placeholders,
            brand_kit=brand_kit or defaults.brand_kit,
            encoder=encoder or defaults.encoder,
        )
        with errors_path.open("wb") as errors:
            child = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
                **_own_group(),
            )
            done = _follow(child, ctx)
        if done is None:
            message = _last_words(errors_path) or f"the render exited with code {child.returncode}"
            raise RenderFailed(message)
        return done
    except BaseException:
        clean_render_leftovers(out_path)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class RenderDefaults:
    """What the settings add to a render: a brand kit file, an encoder, an asset folder made
    only to hold the logo when the render had none."""

    brand_kit: Path | None = None
    encoder: str | None = None
    assets: Path | None = None


def render_defaults(
    ctx: JobContext, scratch: Path, assets: Path | None, *, with_kit: bool = True
) -> RenderDefaults:
    """The chosen encoder and, ``with_kit``, the active brand kit (written into ``scratch``, its
    logo linked into ``assets``). A broken settings file or kit is logged and the render goes on
    without it: the user's film matters more than their defaults."""
    library: Library | None = ctx.library  # None where a render runs without a library
    if library is None:
        return RenderDefaults()
    try:
        settings = load_settings(library.data_dir)
        saved = active_brand_kit(library) if with_kit else None
    except (SettingsError, BrandKitInvalid) as error:
        ctx.log(f"settings not applied: {error}")
        return RenderDefaults()
    encoder = None if settings.encoder == AUTO_ENCODER else settings.encoder
    if saved is None:
        return RenderDefaults(encoder=encoder)
    kit_path = write_brand_kit(saved.kit, scratch / "brand_kit.json")
    ctx.log(f"brand kit: {saved.name}")
    logo_folder = assets if assets is not None else scratch / "assets"
    if saved.kit.logo_asset_id is not None and not link_logo(library, saved.kit, logo_folder):
        ctx.log(f"brand kit: logo {saved.kit.logo_asset_id} is not in the library; no logo")
    made = logo_folder if assets is None and logo_folder.exists() else None
    return RenderDefaults(kit_path, encoder, made)


def _own_group() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _follow(child: subprocess.Popen[bytes], ctx: JobContext) -> dict[str, Any] | None:
    """Relay the child's progress until it exits; stop it at once on cancel."""
    assert child.stdout is not None
    lines: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(child.stdout, lines), daemon=True)
    reader.start()
    done: dict[str, Any] | None = None
    try:
        while True:
            if ctx.cancelled.is_set():
                _stop(child)
                raise JobCancelled("the render was cancelled")
            try:
                line = lines.get(timeout=_POLL)
            except queue.Empty:
                continue
            if line is None:
                break
            event = _parse(line)
            if event is None:
                ctx.log(line.decode(errors="replace").strip())
            elif event.get("event") == "progress" and event.get("total"):
                frames, total = int(event["frames"]), int(event["total"])
                ctx.progress(frames / total, f"rendering: {frames}/{total} frames")
            elif event.get("event") == "done":
                done = event
        child.wait()
    finally:
        if child.poll() is None:
            _stop(child)
        reader.join(timeout=1)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    return done if child.returncode == 0 else None


def _read_lines(stream: IO[bytes], lines: queue.Queue[bytes | None]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for line in stream:
            lines.put(line)
    lines.put(None)


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ask the render to cancel, then kill its process group (ffmpeg too) if it lingers."""
    if sys.platform == "win32":
        child.terminate()
        try:
            child.wait(TERMINATE_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(TERMINATE_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _last_words(errors_path: Path) -> str:
    try:
        lines = errors_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].removeprefix("studio render: ").strip() if lines else ""
