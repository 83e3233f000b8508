"""`studio render` and `studio frame` as a user runs them, seed examples included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.spec import CameraMovement, Position, TransitionType
from tests.conftest import PRODUCTION_EXAMPLE, SHORTS_EXAMPLE
from tests.media import pattern_image, probe, tone_wav, write_json
from tests.pipeline.plans import production, shot


def studio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_seed_production_example_renders(tmp_path: Path) -> None:
    out = tmp_path / "seed.mp4"
    result = studio("render", str(PRODUCTION_EXAMPLE), "-o", str(out), "--preset", "draft")
    assert result.returncode == 0, result.stderr
    assert "placeholder" not in result.stderr, "the generated shot is painted, not a card"
    info = probe(out)
    assert (info.width, info.height, info.frames) == (960, 540, 3600)
    assert info.duration == pytest.approx(120, abs=0.1)


@pytest.mark.slow
def test_seed_shorts_example_renders(tmp_path: Path) -> None:
    out = tmp_path / "short.mp4"
    result = studio(
        "render", str(SHORTS_EXAMPLE), "-o", str(out), "--preset", "draft", "--progress", "json"
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "done"
    assert events[-2]["frames"] == events[-2]["total"] == 900
    info = probe(out)
    assert (info.width, info.height, info.frames) == (540, 960, 900)


def test_frame_of_the_shorts_example_shows_the_hook(tmp_path: Path) -> None:
    out = tmp_path / "hook.png"
    result = studio(
        "frame",
        str(SHORTS_EXAMPLE),
        "--at",
        "3.5",
        "--size",
        "270x480",
        "--no-generate",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    rgb = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert rgb.shape == (480, 270, 3)
    magenta = (rgb[..., 0] > 180) & (rgb[..., 1] < 110) & (rgb[..., 2] > 180)
    assert magenta.sum() > 50, "the emphasis words are drawn in the highlight colour"


@pytest.mark.slow
def test_every_movement_transition_position_and_script_renders(tmp_path: Path) -> None:
    pattern_image(tmp_path / "photo.jpg", 800, 600, seed=3)
    tone_wav(tmp_path / "voice.wav", 1.0)
    movements = list(CameraMovement)
    transitions = [TransitionType.CUT, *TransitionType]
    positions = list(Position)
    texts = [
        "Crème brûlée — Ñandú",
        "مرحبا بالعالم",
        "שלום עולם",
        "你好，世界",
        "こんにちは",
        "Family 👨‍👩‍👧 flag 🇯🇵 fire 🔥",
        "⚠️ 📉",
        "Zürich ½ ß",
        "Привет мир",
        "नमस्ते",
    ]
    shots = [
        shot(
            f"s{i}",
            i * 1.0,
            (i + 1) * 1.0,
            "photo",
            movement,
            transitions[i % len(transitions)] if i else None,
            0.4,
            overlays=[(texts[i % len(texts)], positions[i % len(positions)])],
        )
        for i, movement in enumerate(movements)
    ]
    plan = write_json(
        tmp_path / "all.json", production(shots, float(len(movements)), style="neo_glow")
    )
    out = tmp_path / "all.mp4"
    result = studio("render", str(plan), "--assets", str(tmp_path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    info = probe(out)
    assert (info.width, info.height, info.frames) == (320, 180, 30 * len(movements))


def test_missing_media_names_the_shot_and_file(tmp_path: Path) -> None:
    plan = write_json(tmp_path / "p.json", production([shot("hero", 0, 1, "sunset")], 1.0))
    out = tmp_path / "x.mp4"
    result = studio("render", str(plan), "--assets", str(tmp_path), "-o", str(out))
    assert result.returncode == 2
    assert "shot 'hero': asset 'sunset' not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    result = studio(
        "render", str(plan), "--assets", str(tmp_path), "-o", str(out), "--placeholders"
    )
    assert result.returncode == 0, result.stderr
    assert "placeholder" in result.stderr
    assert probe(out).frames == 30


def test_bad_arguments_are_exit_2(tmp_path: Path) -> None:
    result = studio("render", str(PRODUCTION_EXAMPLE), "-o", str(tmp_path / "x.mov"))
    assert result.returncode == 2
    assert "must be an .mp4" in result.stderr
    result = studio(
        "render",
        str(PRODUCTION_EXAMPLE),
        "--assets",
        str(tmp_path / "nope"),
        "-o",
        str(tmp_path / "x.mp4"),
    )
    assert result.returncode == 2
    assert "not a folder" in result.stderr
    result = studio("frame", str(SHORTS_EXAMPLE), "--at", "99", "-o", str(tmp_path / "f.png"))
    assert result.returncode == 2
    assert "outside the plan" in result.stderr
    result = studio("render", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2
    assert "cannot read the file" in result.stderr


def test_brand_kit_adds_the_logo_and_caption_colours(tmp_path: Path) -> None:
    pattern_image(tmp_path / "photo.png", 640, 360)
    Image.new("RGBA", (200, 100), (0, 255, 0, 255)).save(tmp_path / "logo.png")
    kit = write_json(
        tmp_path / "kit.json",
        {
            "primary_color": "#112233",
            "secondary_color": "#FFDD00",
            "logo_asset_id": "logo",
        },
    )
    plan = write_json(tmp_path / "p.json", production([shot("s", 0, 2, "photo")], 2.0))
    out = tmp_path / "f.png"
    result = studio(
        "frame",
        str(plan),
        "--assets",
        str(tmp_path),
        "--brand-kit",
        str(kit),
        "--at",
        "1",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    rgb = np.asarray(Image.open(out).convert("RGB")).astype(int)
    green = (rgb[..., 1] > 200) & (rgb[..., 0] < 80) & (rgb[..., 2] < 80)
    ys, xs = np.nonzero(green)
    assert green.sum() > 300, "the logo is drawn"
    assert xs.min() > 320 * 0.7, "at the top right"
    assert ys.max() < 180 * 0.3
