"""Draw Studio's app icon and write every file the platforms want, into resources/icons/.

A white play triangle on a rounded square filled with the brand gradient (the theme's cyan to
magenta, studio/ui/theme.py). It is drawn in code so it can be redrawn at any size and its
outputs are reproducible: run ``.venv/bin/python scripts/make_icon.py`` after changing it and
commit the files it writes. The square leaves a transparent margin of about a tenth on each side,
the grid macOS icons are drawn on; Windows and Linux show the same file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZE = 1024
SUPERSAMPLE = 4  # drawn four times larger, then shrunk: smooth edges without an antialiasing API
CYAN = (0, 240, 255)  # theme.CYAN
MAGENTA = (255, 46, 245)  # theme.MAGENTA
MARGIN = 100 / 1024  # macOS's icon grid: an 824 px square on a 1024 px canvas
CORNER = 185 / 824  # corner radius as a fraction of the square's side
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def gradient(side: int) -> Image.Image:
    """A square running diagonally from cyan (top left) to magenta (bottom right)."""
    ramp = np.add.outer(np.arange(side), np.arange(side)) / (2 * (side - 1))
    start, end = np.array(CYAN, float), np.array(MAGENTA, float)
    pixels = start + ramp[..., None] * (end - start)
    return Image.fromarray(pixels.round().astype(np.uint8))


def rounded_triangle(
    draw: ImageDraw.ImageDraw, corners: list[tuple[float, float]], r: float
) -> None:
    """A filled triangle with round corners of radius r: shrunk so each side lies r further in,
    then grown back by r (a disc at each corner and a 2r-wide stroke along each side)."""
    cx = sum(x for x, _ in corners) / 3
    cy = sum(y for _, y in corners) / 3
    inner = []
    for x, y in corners:
        dx, dy = x - cx, y - cy
        length = (dx * dx + dy * dy) ** 0.5
        # Pulling a corner toward the centre by 2r keeps every side r further in (the triangle is
        # equilateral, so its inradius is half the centre-to-corner distance).
        inner.append((x - dx / length * 2 * r, y - dy / length * 2 * r))
    draw.polygon(inner, fill="white")
    for index, (x, y) in enumerate(inner):
        draw.ellipse((x - r, y - r, x + r, y + r), fill="white")
        draw.line([(x, y), inner[(index + 1) % 3]], fill="white", width=round(2 * r))


def draw_icon() -> Image.Image:
    """The icon at SIZE px, RGBA with a transparent margin."""
    big = SIZE * SUPERSAMPLE
    left = round(big * MARGIN)
    side = big - 2 * left
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (left, left, left + side - 1, left + side - 1), radius=round(side * CORNER), fill=255
    )
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    canvas.paste(gradient(side), (left, left))
    canvas.putalpha(mask)

    # An equilateral triangle pointing right, centred on its centroid (which looks centred).
    centre = big / 2
    reach = side * 0.30  # centroid to corner
    corners = [
        (centre + reach, centre),
        (centre - reach / 2, centre - reach * 3**0.5 / 2),
        (centre - reach / 2, centre + reach * 3**0.5 / 2),
    ]
    rounded_triangle(ImageDraw.Draw(canvas), corners, r=side * 0.035)
    return canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    icon = draw_icon()
    icon.save(ICONS / "studio.png", optimize=True)
    icon.resize((256, 256), Image.Resampling.LANCZOS).save(ICONS / "studio-256.png", optimize=True)
    icon.save(ICONS / "studio.ico", sizes=[(size, size) for size in ICO_SIZES])
    icon.save(ICONS / "studio.icns")
    for name in ("studio.png", "studio-256.png", "studio.ico", "studio.icns"):
        print(f"make_icon: wrote {ICONS / name}")


if __name__ == "__main__":
    main()
