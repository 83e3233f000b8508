"""Offline pictures: exact sizes, stable per prompt, distinct across prompts, detailed all over."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from studio.pipeline.generate.visuals import MOTIFS, motifs_for, paint, render

SEED_PROMPT = (
    "Cyberpunk city, neon lights, main character silhouette walking through rain, "
    "cinematic wide shot"
)
PROMPTS = (
    SEED_PROMPT,
    "Neo glow background, creator talking to camera",
    "a calm ocean at sunset",
    "misty pine forest in the mountains at dawn",
    "deep space nebula with stars",
    "city at night by the ocean",
    "abstract gradient shapes",
    "a person standing on a hill under the stars at night",
)
STYLES = ("neo_glow", "film_noir", "warm_documentary", "clean_minimal", "bold_pop")


def _read(path: Path) -> NDArray[np.uint8]:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, f"{path} is not a readable picture"
    return np.asarray(image, np.uint8)


def _tile_detail(rgb: NDArray[np.uint8]) -> list[float]:
    """Mid-scale detail of each tile of a 3x3 grid: what a gradient (or grain) alone lacks.

    At a quarter of the size grain averages away; what differs from a 2-pixel blur there is
    structure some 8 pixels across in the picture itself.
    """
    height, width = rgb.shape[:2]
    small = cv2.resize(rgb, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    band = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 2.0))
    rows, cols = band.shape
    return [
        float(band[i * rows // 3 : (i + 1) * rows // 3, j * cols // 3 : (j + 1) * cols // 3].mean())
        for i in range(3)
        for j in range(3)
    ]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920), (320, 180)])
def test_paint_writes_a_png_of_exactly_the_size_asked(
    tmp_path: Path, width: int, height: int
) -> None:
    out = tmp_path / "shot.png"
    assert paint(SEED_PROMPT, "neo_glow", width, height, out) == out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _read(out).shape == (height, width, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["shot.png"]


@pytest.mark.parametrize(("width", "height"), [(17, 9), (1, 1), (5, 300), (300, 5)])
def test_odd_and_tiny_sizes_still_paint(width: int, height: int) -> None:
    for prompt in PROMPTS:
        assert render(prompt, "neo_glow", width, height).shape == (height, width, 3)


def test_a_size_below_one_pixel_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        render(SEED_PROMPT, "neo_glow", 0, 100)


def test_paint_replaces_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    out.write_bytes(b"stale")
    paint("a calm ocean at sunset", "warm_documentary", 64, 36, out)
    assert _read(out).shape == (36, 64, 3)


def test_same_prompt_and_style_give_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    paint(SEED_PROMPT, "neo_glow", 320, 180, first)
    paint(SEED_PROMPT, "neo_glow", 320, 180, second)
    assert first.read_bytes() == second.read_bytes()


def test_different_prompts_give_clearly_different_pictures() -> None:
    pictures = [render(prompt, "neo_glow", 320, 180).astype(np.float32) for prompt in PROMPTS]
    for a, b in itertools.combinations(pictures, 2):
        assert float(np.abs(a - b).mean()) > 12


def test_a_reworded_prompt_with_the_same_motifs_is_laid_out_afresh() -> None:
    a = render("city at night", "neo_glow", 320, 180).astype(np.float32)
    b = render("a city by night", "neo_glow", 320, 180).astype(np.float32)
    assert motifs_for("city at night") == motifs_for("a city by night")
    assert float(np.abs(a - b).mean()) > 8


def test_motifs_follow_the_prompt_words() -> None:
    assert "city" in motifs_for(SEED_PROMPT)
    assert "figure" in motifs_for(SEED_PROMPT)
    assert "ocean" in motifs_for("a calm ocean at sunset")
    assert "sun" in motifs_for("a calm ocean at sunset")
    assert set(motifs_for("city at night by the ocean")) >= {"city", "space", "ocean"}
    assert "forest" in motifs_for("Tall TREES in a quiet valley")
    assert motifs_for("Neo glow background, creator talking to camera") == ("abstract", "figure")
    assert motifs_for("") == ("abstract",)
    assert motifs_for("quarterly numbers") == ("abstract",)
    assert set(motifs_for(" ".join(PROMPTS))) <= set(MOTIFS)


def test_a_lone_sun_sets_over_the_sea() -> None:
    assert motifs_for("sunrise") == ("sun", "ocean")


@pytest.mark.parametrize(("width", "height"), [(640, 360), (360, 640)])
@pytest.mark.parametrize("style", STYLES)
def test_every_part_of_the_frame_has_detail(width: int, height: int, style: str) -> None:
    flat = np.linspace(0, 200, width)[None, :, None] * np.ones((height, 1, 3))
    flat += np.random.default_rng(0).normal(0, 1.6, (height, width, 1))
    baseline = max(_tile_detail(np.clip(flat, 0, 255).astype(np.uint8)))
    for prompt in PROMPTS:
        tiles = _tile_detail(render(prompt, style, width, height))
        assert min(tiles) > max(1.0, 2 * baseline), (prompt, [round(t, 2) for t in tiles])


def _hues(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """OpenCV hues (0-180) of the pixels that are neither dark nor washed out."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    vivid = (hsv[..., 1] > 90) & (hsv[..., 2] > 60)
    return np.asarray(hsv[..., 0][vivid], np.uint8)


def test_neo_glow_shows_its_magenta_and_cyan() -> None:
    hue = _hues(render(SEED_PROMPT, "neo_glow", 640, 360))
    pixels = 640 * 360
    assert np.count_nonzero((hue > 135) & (hue < 165)) > 0.05 * pixels
    assert np.count_nonzero((hue > 80) & (hue < 100)) > 0.005 * pixels


@pytest.mark.parametrize("prompt", PROMPTS)
def test_film_noir_is_greyscale(prompt: str) -> None:
    rgb = render(prompt, "film_noir", 320, 180).astype(np.int16)
    assert int((rgb.max(axis=2) - rgb.min(axis=2)).max()) <= 2


def test_unknown_styles_paint_in_neo_glow_colours() -> None:
    hue = _hues(render(SEED_PROMPT, "no_such_style", 320, 180))
    assert np.count_nonzero((hue > 135) & (hue < 165)) > 0.05 * 320 * 180
