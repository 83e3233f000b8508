"""Render benchmark: workload W1 three ways in one run, with wall time, speed, memory and quality.

W1 (issue "render engine"): 1920x1080, 30 fps, 60 s, 12 photo shots of 5 s with push-ins and
0.5 s crossfades, a bold text overlay per shot, voice plus music with ducking. The photos are
scikit-image's bundled samples, cover-cropped and upscaled to 2400x1350 with a little grain so
the encoder sees photo-like detail.

Methods, each in its own child process so its peak RSS (process tree) is its own:
  engine      Studio's compositor and encoder at the reference settings (libx264 crf 20)
  moviepy     an idiomatic MoviePy 2 composition of the same workload, same codec settings
  encoder     the encoder alone: the engine's exact frames replayed from disk into the same
              ffmpeg with the same settings (no compositing), at each preset and at `final`'s
  final       Studio's default `final` export, whatever it chooses
Then the SSIM of each output against the uncompressed composited frames, and the preview's
frame time (640x360 RGB frames from one compositor, played in real time as the app plays it).

    python -m benchmarks.render                 # the full run (about 8 minutes here)
    python -m benchmarks.render --seconds 10    # a quick look
    python -m benchmarks.render --skip-moviepy
    python -m benchmarks.render --long          # memory of a 1-minute vs a 10-minute plan
    python -m benchmarks.render --repeat 3      # each pair 3 times, interleaved; medians
    python -m benchmarks.render --preview       # only the preview's frame time at 640x360

The machine is shared, so one pair of runs can swing by 5%: with ``--repeat`` each comparison
(encoder alone, then the engine) runs several times back to back and the report gives the median
wall time of each method and the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

SIZE = (1920, 1080)
PREVIEW_SIZE = (640, 360)
FPS = 30
SHOT_SECONDS = 5.0
FADE = 0.5
PHOTOS = [
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "camera",
    "moon",
    "brick",
    "grass",
    "gravel",
]
CAPTIONS = [
    "Every story starts somewhere",
    "Coffee first, then the world",
    "Curiosity wins",
    "Lift off",
    "Look further",
    "Details matter",
    "See the patterns",
    "Frame by frame",
    "Night shift",
    "Built brick by brick",
    "Slow growth",
    "The long road home",
]


def make_workload(folder: Path, seconds: float) -> Path:
    """Photos, voice and music in ``folder``, and the W1 Production Plan; returns the plan."""
    import cv2
    from PIL import Image
    from skimage import data

    shots = max(1, round(seconds / SHOT_SECONDS))
    rng = np.random.default_rng(1)
    for index in range(shots):
        name = PHOTOS[index % len(PHOTOS)]
        image = getattr(data, name)()
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = image[..., :3]
        h, w = image.shape[:2]
        crop_h = min(h, int(w * 9 / 16))
        crop_w = int(crop_h * 16 / 9)
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        image = cv2.resize(
            image[top : top + crop_h, left : left + crop_w],
            (2400, 1350),
            interpolation=cv2.INTER_LANCZOS4,
        )
        grain = rng.normal(0, 3, image.shape)
        image = np.clip(image + grain, 0, 255).astype(np.uint8)
        # Pillow, not cv2.imwrite: the bundle's lean OpenCV has no JPEG writer, and the
        # benchmark runs with it too (PYTHONPATH=~/.cache/studio-build/opencv-...).
        Image.fromarray(image).save(folder / f"photo{index}.jpg", quality=92)
    _speech_like(folder / "voice.wav", 3.2)
    _music(folder / "music.wav", 8.0)
    duration = shots * SHOT_SECONDS
    plan = {
        "production_id": "w1",
        "style": "clean_minimal",
        "duration_seconds": duration,
        "resolution": {"width": SIZE[0], "height": SIZE[1], "fps": FPS},
        "script": {
            "scenes": [
                {
                    "scene_id": "s",
                    "beats": [
                        {
                            "beat_id": f"b{i}",
                            "start_time": i * SHOT_SECONDS + 0.8,
                            "end_time": i * SHOT_SECONDS + 4.5,
                        }
                        for i in range(shots)
                    ],
                }
            ]
        },
        "visual_plan": {
            "global_style": "clean_minimal",
            "scenes": [
                {
                    "scene_id": "s",
                    "shots": [
                        {
                            "shot_id": f"shot{i}",
                            "start_time": i * SHOT_SECONDS,
                            "end_time": (i + 1) * SHOT_SECONDS,
                            "source": {"type": "user_image", "asset_id": f"photo{i}"},
                            "camera": {"movement": "slow_push_in", "framing": "wide_shot"},
                            "transition": {"type": "crossfade", "duration": FADE},
                            "overlays": [
                                {
                                    "type": "text",
                                    "text": CAPTIONS[i % len(CAPTIONS)],
                                    "position": "bottom_center",
                                }
                            ],
                        }
                        for i in range(shots)
                    ],
                }
            ],
        },
        "audio_plan": {
            "voice": {
                "lines": [
                    {"beat_id": f"b{i}", "text": CAPTIONS[i % len(CAPTIONS)], "asset_id": "voice"}
                    for i in range(shots)
                ]
            },
            "music": {
                "mood": "upbeat",
                "tracks": [
                    {
                        "track_id": "m",
                        "start_time": 0,
                        "end_time": duration,
                        "asset_id": "music",
                        "gain_db": -12,
                    }
                ],
            },
        },
        "constraints": {"max_runtime_seconds": 600},
    }
    path = folder / "w1.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def _write_wav(path: Path, samples: np.ndarray[Any, Any], rate: int = 48_000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def _speech_like(path: Path, seconds: float, rate: int = 48_000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    syllables = 0.5 * (1 + np.sin(2 * np.pi * 4 * t)) ** 2
    voice = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((160, 320, 480, 640), 1))
    _write_wav(path, 0.25 * syllables * voice)


def _music(path: Path, seconds: float, rate: int = 48_000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220, 277.2, 329.6, 440))
    beat = 0.6 + 0.4 * (np.sin(2 * np.pi * 2 * t) > 0)
    _write_wav(path, 0.15 * chord * beat)


def _timeline(plan_path: Path) -> Any:
    from studio.pipeline.assemble import assemble
    from studio.spec import load_document

    return assemble(load_document(plan_path).model, plan_path.parent).timeline


def run_engine(plan: Path, out: Path, x264_preset: str, crf: int) -> None:
    from studio.pipeline.encoder import Preset
    from studio.pipeline.render import render

    render(_timeline(plan), out, Preset("bench", 1.0, x264_preset, crf, 21), "libx264")


def run_final(plan: Path, out: Path) -> None:
    from studio.pipeline.render import render

    result = render(_timeline(plan), out, "final", "auto")
    print(json.dumps({"encoder": result.encoder}))


def dump_frames(plan: Path, raw: Path) -> None:
    """The composited frames, uncompressed: the SSIM reference and the encoder-alone input."""
    from studio.pipeline.compositor import Compositor

    timeline = _timeline(plan)
    with Compositor(timeline) as compositor, raw.open("wb") as sink:
        for index in range(timeline.frame_count):
            planes = compositor.planes(timeline.time_of(index), index)
            sink.write(planes.y.data)
            sink.write(planes.u.data)
            sink.write(planes.v.data)


def run_encoder_alone(raw: Path, audio_plan: Path, out: Path, x264_preset: str, crf: int) -> None:
    """Replay the raw frames through the engine's own writer: same ffmpeg, same settings.

    ``x264_preset`` "final" means the `final` export's own preset and encoder choice.
    """
    from studio.pipeline.audio import DuckSettings, loudnorm_filter, mix_to_file
    from studio.pipeline.encoder import PRESETS, AudioInput, Preset, VideoWriter, choose_encoder

    timeline = _timeline(audio_plan)
    width, height = SIZE
    frame_bytes = width * height * 3 // 2
    with tempfile.TemporaryDirectory() as scratch:
        mix = mix_to_file(
            list(timeline.audio), timeline.duration, Path(scratch) / "a.f32", DuckSettings()
        )
        audio = AudioInput(mix.path, loudnorm_filter(mix.path))
        if x264_preset == "final":
            preset, encoder = PRESETS["final"], choose_encoder("auto")
        else:
            preset, encoder = Preset("bench", 1.0, x264_preset, crf, 21), "libx264"
        with (
            VideoWriter(
                out, width, height, FPS, timeline.frame_count, encoder, preset, audio
            ) as writer,
            raw.open("rb") as source,
        ):
            stdin = writer.process.stdin
            assert stdin is not None
            while chunk := source.read(frame_bytes * 8):
                stdin.write(chunk)
            writer.finish()


def run_moviepy(plan_path: Path, out: Path, x264_preset: str, crf: int) -> None:
    """The same composition written the way MoviePy's documentation teaches."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        afx,
        vfx,
    )

    from studio.resources import resource_path

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    folder = plan_path.parent
    shots = plan["visual_plan"]["scenes"][0]["shots"]
    font = str(resource_path("fonts", "Inter-Black.otf"))
    clips: list[Any] = []
    for index, shot in enumerate(shots):
        start = shot["start_time"] - (FADE / 2 if index else 0)
        length = (
            SHOT_SECONDS + (FADE / 2 if index else 0) + (FADE / 2 if index < len(shots) - 1 else 0)
        )
        photo = ImageClip(str(folder / f"photo{index}.jpg")).with_duration(length)
        base = SIZE[0] / photo.w

        def zoom(t: float, base: float = base, length: float = length) -> float:
            return base * (1 + 0.08 * t / length)

        if index:
            photo = photo.with_effects([vfx.CrossFadeIn(FADE)])
        photo = photo.resized(zoom).with_position("center").with_start(start)
        text = TextClip(
            font=font,
            text=shot["overlays"][0]["text"],
            font_size=64,
            color="white",
            stroke_color="black",
            stroke_width=4,
            method="label",
            margin=(10, 10),
        )
        text = (
            text.with_duration(SHOT_SECONDS)
            .with_start(shot["start_time"])
            .with_position(("center", SIZE[1] - 200))
        )
        clips += [photo, text]
    video = CompositeVideoClip(clips, size=SIZE).with_duration(plan["duration_seconds"])
    voices = [
        AudioFileClip(str(folder / "voice.wav")).with_start(line_start)
        for line_start in (b["start_time"] for b in plan["script"]["scenes"][0]["beats"])
    ]
    music = AudioFileClip(str(folder / "music.wav")).with_effects(
        [afx.AudioLoop(duration=plan["duration_seconds"]), afx.MultiplyVolume(0.25)]
    )
    video = video.with_audio(CompositeAudioClip([music, *voices]))
    video.write_videofile(
        str(out),
        fps=FPS,
        codec="libx264",
        preset=x264_preset,
        audio_codec="aac",
        audio_bitrate="192k",
        ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        logger=None,
    )


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[int(entry.name)] = int(match.group(1)) * 1024 if match else 0
    family, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        family.update(children)
        frontier += children
    return sum(rss.get(pid, 0) for pid in family)


def measure(args: list[str]) -> dict[str, Any]:
    """Run ``python -m benchmarks.render <args>`` as a child; wall time and peak tree RSS."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.render", *args], stdout=subprocess.PIPE, text=True
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.2):
            peak = max(peak, _tree_rss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    extra = json.loads(output.strip().splitlines()[-1]) if output.strip() else {}
    return {"wall": time.monotonic() - started, "rss_mb": peak / 2**20, **extra}


def ssim(output: Path, raw: Path) -> float:
    from studio.pipeline.encoder import ffmpeg

    result = subprocess.run(
        [
            ffmpeg(),
            "-hide_banner",
            "-i",
            str(output),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-s",
            f"{SIZE[0]}x{SIZE[1]}",
            "-r",
            str(FPS),
            "-i",
            str(raw),
            "-lavfi",
            "[0:v][1:v]ssim",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"All:([\d.]+)", result.stderr)
    return float(match.group(1)) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each encoder/engine pair N times (medians)"
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help="instead: peak RSS of the final export for a 1-minute and a 10-minute plan",
    )
    parser.add_argument(
        "--preview", action="store_true", help="instead: the preview's frame time at 640x360"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--x264", default="medium", help=argparse.SUPPRESS)
    parser.add_argument("--crf", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        work: Path = args.work
        plan, raw = work / "w1.json", work / "frames.yuv"
        out = work / f"{args.step}-{args.x264}.mp4"
        steps = {
            "engine": lambda: run_engine(plan, out, args.x264, args.crf),
            "moviepy": lambda: run_moviepy(plan, out, args.x264, args.crf),
            "encoder": lambda: run_encoder_alone(raw, plan, out, args.x264, args.crf),
            "final": lambda: run_final(plan, out),
            "dump": lambda: dump_frames(plan, raw),
        }
        steps[args.step]()
        return
    if args.long:
        _memory_by_length()
        return
    if args.preview:
        with tempfile.TemporaryDirectory(prefix="studio-bench-") as scratch:
            preview_speed(make_workload(Path(scratch), args.seconds))
        return
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as scratch:
        work = Path(scratch)
        make_workload(work, args.seconds)
        seconds = max(1, round(args.seconds / SHOT_SECONDS)) * SHOT_SECONDS
        base = ["--work", str(work)]
        print(f"W1: {SIZE[0]}x{SIZE[1]} {FPS} fps, {seconds:g} s, {os.cpu_count()} cores")
        measure([*base, "--step", "dump"])
        rows: dict[str, dict[str, Any]] = {}
        ratios: dict[str, float] = {}
        pairs = [("encoder", "engine", x264, f"{x264}") for x264 in ("medium", "veryfast")]
        pairs.append(("encoder", "final", "final", "final"))
        for reference, step, x264, label in pairs:
            runs: dict[str, list[dict[str, Any]]] = {reference: [], step: []}
            for _ in range(max(1, args.repeat)):
                for name in (reference, step):
                    runs[name].append(measure([*base, "--step", name, "--x264", x264]))
            ratios[label] = statistics.median(
                b["wall"] / a["wall"] for a, b in zip(runs[reference], runs[step], strict=True)
            )
            for name in (reference, step):
                key = "final" if name == "final" else f"{name}/{x264}"
                rows[key] = _median_row(runs[name])
                rows[key]["ssim"] = ssim(work / f"{name}-{x264}.mp4", work / "frames.yuv")
            if x264 == "medium" and not args.skip_moviepy:
                rows["moviepy/medium"] = measure([*base, "--step", "moviepy", "--x264", x264])
                rows["moviepy/medium"]["ssim"] = ssim(
                    work / f"moviepy-{x264}.mp4", work / "frames.yuv"
                )
        _report(rows, ratios, seconds, args.repeat)
        preview_speed(work / "w1.json")


def _memory_by_length() -> None:
    """Memory must not grow with the plan: frames stream, layers are dropped behind the playhead."""
    peaks = {}
    for seconds in (60.0, 600.0):
        with tempfile.TemporaryDirectory(prefix="studio-bench-") as scratch:
            work = Path(scratch)
            make_workload(work, seconds)
            row = measure(["--work", str(work), "--step", "final", "--x264", "final"])
            peaks[seconds] = row["rss_mb"]
            print(
                f"final export of {seconds:g} s: {row['wall']:.1f} s wall, "
                f"{seconds / row['wall']:.2f}x realtime, peak RSS {row['rss_mb']:.0f} MB"
            )
    print(f"10-minute / 1-minute peak RSS: {peaks[600.0] / peaks[60.0]:.2f} (target about 1.0)")


def preview_speed(plan_path: Path, size: tuple[int, int] = PREVIEW_SIZE) -> None:
    """The preview's frame time as the app plays it: RGB frames at ``size`` from one prefetching
    compositor, every frame of the plan in order, each asked for at its time on a wall clock
    (plan seconds = wall seconds; layers prepared on the way count too). A frame that takes
    longer than 1/fps is a dropped frame in the app."""
    from studio.pipeline.compositor import Compositor

    timeline = _timeline(plan_path)
    times = []
    with Compositor(timeline, *size, prefetch=True) as compositor:
        clock = time.perf_counter()
        for index in range(timeline.frame_count):
            time.sleep(max(0.0, clock + timeline.time_of(index) - time.perf_counter()))
            started = time.perf_counter()
            compositor.frame_rgb(timeline.time_of(index))
            times.append((time.perf_counter() - started) * 1000)
    budget = 1000 / timeline.fps
    late = [index for index, spent in enumerate(times) if spent > budget]
    worst = max(range(len(times)), key=times.__getitem__)
    ordered = sorted(times)
    print(
        f"preview frame at {size[0]}x{size[1]}, played in real time: mean "
        f"{statistics.fmean(times):.1f} ms, p95 {ordered[int(len(times) * 0.95)]:.1f} ms, worst "
        f"{times[worst]:.1f} ms (frame {worst}) over {len(times)} frames; {len(late)} over the "
        f"{budget:.0f} ms a frame has {late[:5]} (target: mean < 15 ms)"
    )


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median wall time of repeated runs, the highest peak RSS, and the last run's extras."""
    return {
        **runs[-1],
        "wall": statistics.median(run["wall"] for run in runs),
        "rss_mb": max(run["rss_mb"] for run in runs),
    }


def _report(
    rows: dict[str, dict[str, Any]], ratios: dict[str, float], seconds: float, repeat: int
) -> None:
    if repeat > 1:
        print(f"medians of {repeat} interleaved runs; ratios are medians of per-pair ratios")
    print(f"{'method':<18}{'wall s':>8}{'fps':>8}{'x realtime':>12}{'peak RSS MB':>13}{'SSIM':>9}")
    for name, row in rows.items():
        fps = seconds * FPS / row["wall"]
        print(
            f"{name:<18}{row['wall']:>8.1f}{fps:>8.1f}{seconds / row['wall']:>12.2f}"
            f"{row['rss_mb']:>13.0f}{row.get('ssim', float('nan')):>9.4f}"
        )
    print()
    for preset, target in (("medium", 1.10), ("veryfast", 1.25)):
        print(f"engine / encoder alone at {preset}: {ratios[preset]:.3f} (target <= {target})")
    print(f"final export / encoder alone at its settings: {ratios['final']:.3f} (target <= 1.25)")
    if "moviepy/medium" in rows:
        speedup = rows["moviepy/medium"]["wall"] / rows["engine/medium"]["wall"]
        print(f"MoviePy / engine at medium: {speedup:.2f}x faster (target >= 3.5)")
    final, reference = rows["final"], rows["engine/medium"]["ssim"]
    print(
        f"final export: {seconds / final['wall']:.2f}x realtime (target >= 2) with "
        f"{final.get('encoder', '?')}; SSIM {final['ssim']:.4f} vs libx264 medium crf 20 "
        f"{reference:.4f} (target >= {reference - 0.005:.4f})"
    )


if __name__ == "__main__":
    main()
