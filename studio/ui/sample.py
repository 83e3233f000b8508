"""The sample production a new user can start from: a short script and a few pictures.

The pictures are drawn here (neon city shapes on gradients) rather than shipped, so the sample
costs no download and no licence; the planner places them and generates the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from studio.ui.cinema.productions_model import NewProduction

RGB = tuple[int, int, int]
SAMPLE = NewProduction(
    title="The Night Courier",
    style="neo_glow",
    mode="simple",
    script="""# The city after midnight

The city never really sleeps. Neon signs hum above the wet streets, and somewhere a courier
starts her last run of the night.

# The bridge

She crosses the old bridge as the rain stops. Every light on the river seems to follow her.

# Morning

The sun rises over the harbour. The package is delivered, and the city finally rests.
""",
)
PICTURES: tuple[tuple[str, tuple[RGB, RGB], RGB], ...] = (
    ("neon_street.jpg", ((10, 12, 40), (120, 20, 140)), (0, 240, 255)),
    ("rain_bridge.jpg", ((5, 20, 35), (20, 90, 130)), (255, 46, 245)),
    ("harbour_sunrise.jpg", ((40, 20, 50), (250, 150, 80)), (255, 220, 120)),
)


def _picture(
    size: tuple[int, int],
    top: tuple[int, ...],
    bottom: tuple[int, ...],
    glow: tuple[int, int, int],
    seed: int,
) -> Image.Image:
    width, height = size
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    sky = (1 - ramp) * np.array(top) + ramp * np.array(bottom)
    image = Image.fromarray(np.repeat(sky, width, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    skyline = height * 0.62
    x = 0
    while x < width:
        building = int(rng.integers(width // 24, width // 9))
        top_y = int(skyline - rng.integers(0, int(height * 0.35)))
        draw.rectangle([x, top_y, x + building, height], fill=(8, 8, 16))
        for _ in range(int(rng.integers(2, 7))):
            wx = int(rng.integers(x + 4, max(x + 6, x + building - 8)))
            wy = int(rng.integers(top_y + 6, height - 10))
            draw.rectangle([wx, wy, wx + 5, wy + 8], fill=glow)
        x += building + int(rng.integers(2, 10))
    glow_layer = image.filter(ImageFilter.GaussianBlur(6))
    return Image.blend(image, glow_layer, 0.35)


def sample_pictures(folder: Path, size: tuple[int, int] = (1280, 720)) -> list[Path]:
    """Draw the sample's pictures into ``folder``; their paths, ready to import."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for seed, (name, (top, bottom), glow) in enumerate(PICTURES):
        path = folder / name
        if not path.exists():
            _picture(size, top, bottom, glow, seed).save(path, "JPEG", quality=90)
        made.append(path)
    return made
