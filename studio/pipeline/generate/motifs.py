"""The motifs of offline pictures, each painting itself onto a shared canvas, back to front.

Everything is float RGB in [0, 1] (lights may go above 1 until the picture is finished). Opaque
silhouettes are drawn as anti-aliased uint8 coverage masks (``cv2.LINE_AA``) and blended in, since
OpenCV only anti-aliases 8-bit drawing; soft things (glows, bokeh) are made at a fraction of the
size and scaled up, which is both smooth and cheap. Lights are also added to ``Canvas.glow``, which
the finishing pass blurs into bloom, so windows, stars and signs glow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
WHITE = np.ones(3, np.float32)


@dataclass
class Canvas:
    """The picture being painted, its colours and the seeded randomness that lays it out."""

    rng: np.random.Generator
    width: int
    height: int
    sky_top: F32
    sky_bottom: F32
    highlight: F32
    accent: F32
    primary: F32
    horizon: int
    """Row where the sky meets land or water: where the sky glows and where water reflects."""
    image: F32 = field(init=False)
    glow: F32 = field(init=False)
    """Light sources only, so bloom blooms lamps and stars and not every bright surface."""
    orb: tuple[float, float, float] | None = None
    """Sun or moon as x, y and radius, for the glitter path on water."""

    def __post_init__(self) -> None:
        self.image = np.zeros((self.height, self.width, 3), np.float32)
        self.glow = np.zeros_like(self.image)

    @property
    def unit(self) -> float:
        """The shorter side: sizes scale with it so portrait and landscape share proportions."""
        return float(min(self.width, self.height))

    @property
    def haze(self) -> F32:
        """Colour of the air at the horizon, which far silhouettes fade into."""
        return np.asarray(self.sky_bottom * 0.8 + self.highlight * 0.2, np.float32)

    @property
    def shadow(self) -> F32:
        """Colour of the nearest silhouettes: nearly black, tinted by the sky."""
        return np.asarray(self.sky_top * 0.3 + 0.01, np.float32)


def rgb(colour: tuple[int, int, int]) -> F32:
    """An 8-bit RGB triple as canvas floats."""
    return np.asarray(colour, np.float32) / np.float32(255.0)


def smoothstep(low: float, high: float, x: F32) -> F32:
    t = np.clip((x - low) / (high - low), 0.0, 1.0)
    return np.asarray(t * t * (3.0 - 2.0 * t), np.float32)


def mix(a: F32, b: F32, t: float) -> F32:
    return np.asarray(a + (b - a) * t, np.float32)


def _odd(size: float) -> int:
    return max(1, int(size) | 1)


def noise(
    rng: np.random.Generator, height: int, width: int, cell: float, octaves: int, stretch: float
) -> F32:
    """Fractal value noise in [0, 1], features ``cell`` px tall and ``stretch`` times as wide."""
    total = np.zeros((height, width), np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        size = max(cell / 2**octave, 1.5)
        rows = max(2, round(height / size) + 1)
        cols = max(2, round(width / (size * stretch)) + 1)
        grid = rng.random((rows, cols), dtype=np.float32)
        total += amplitude * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        amplitude *= 0.5
    low, high = float(total.min()), float(total.max())
    return np.asarray((total - low) / max(high - low, 1e-6), np.float32)


def ridge(rng: np.random.Generator, width: int, cell: float, roughness: float) -> F32:
    """A 1-D fractal profile in [-1, 1]; linear pieces keep the kinks that rock and trees have."""
    x = np.arange(width, dtype=np.float32)
    total = np.zeros(width, np.float32)
    amplitude, weight = 1.0, 0.0
    for octave in range(6):
        step = max(cell / 2**octave, 2.0)
        points = rng.uniform(-1.0, 1.0, int(width / step) + 2)
        total += amplitude * np.interp(x / step, np.arange(len(points)), points).astype(np.float32)
        weight += amplitude
        amplitude *= roughness
    return np.asarray(total / weight, np.float32)


def coverage(
    polygons: list[NDArray[np.float64]], height: int, width: int
) -> tuple[int, int, F32] | None:
    """Anti-aliased coverage of ``polygons`` as (top, left, mask) cropped to their bounding box."""
    points = np.concatenate(polygons)
    top = max(0, math.floor(points[:, 1].min()) - 1)
    left = max(0, math.floor(points[:, 0].min()) - 1)
    bottom = min(height, math.ceil(points[:, 1].max()) + 2)
    right = min(width, math.ceil(points[:, 0].max()) + 2)
    if top >= bottom or left >= right:
        return None
    mask = np.zeros((bottom - top, right - left), np.uint8)
    shifted = [np.round((p - (left, top)) * 16).astype(np.int32) for p in polygons]
    for polygon in shifted:
        cv2.fillPoly(mask, [polygon], 255, cv2.LINE_AA, 4)
    return top, left, np.asarray(mask, np.float32) / 255.0


def lay(c: Canvas, covered: tuple[int, int, F32] | None, colour: F32) -> None:
    """Paint an opaque silhouette; it also hides the lights behind it from the bloom."""
    if covered is None:
        return
    top, left, mask = covered
    rows, cols = slice(top, top + mask.shape[0]), slice(left, left + mask.shape[1])
    alpha = mask[..., None]
    c.image[rows, cols] += (colour - c.image[rows, cols]) * alpha
    c.glow[rows, cols] *= 1.0 - alpha


def under(
    line: F32, height: int, extra: list[NDArray[np.float64]] | None = None
) -> list[NDArray[np.float64]]:
    """The polygon of everything below ``line`` (a y per column), plus ``extra`` shapes on it."""
    width = len(line)
    xs = np.arange(-2, width + 2, dtype=np.float64)
    ys = np.concatenate([[line[0]] * 2, line, [line[-1]] * 2]).astype(np.float64)
    edge = np.array([[width + 2, height + 2], [-2, height + 2]], np.float64)
    return [np.vstack([np.column_stack([xs, ys]), edge]), *(extra or [])]


def soft_light(c: Canvas, x: float, y: float, radius: float, colour: F32, strength: float) -> None:
    """Add a Gaussian pool of light, computed at 1/8 size since it has no detail to lose."""
    small_w, small_h = max(2, c.width // 8), max(2, c.height // 8)
    sx = (np.arange(small_w, dtype=np.float32) + 0.5) * c.width / small_w - x
    sy = (np.arange(small_h, dtype=np.float32) + 0.5) * c.height / small_h - y
    falloff = np.exp(-(sx[None, :] ** 2 + sy[:, None] ** 2) / (radius * radius))
    size = (c.width, c.height)
    light = cv2.resize(falloff.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    c.image += light[..., None] * (colour * strength)


def mist(c: Canvas, top: float, bottom: float, strength: float) -> None:
    """Haze thickening downwards from ``top`` to ``bottom``: what puts distance between layers."""
    first, last = max(0, int(top)), min(c.height, int(bottom))
    if last <= first:
        return
    ramp = np.linspace(0.0, 1.0, last - first, dtype=np.float32)[:, None] ** 1.5 * strength
    patches = noise(c.rng, last - first, c.width, c.unit * 0.06, 4, 4.0)
    fog = (ramp * (0.5 + patches))[..., None]
    c.image[first:last] += (c.haze - c.image[first:last]) * fog
    c.image[last:] += (c.haze - c.image[last:]) * strength
    c.glow[first:] *= 1.0 - strength * 0.5


def sky(c: Canvas, warmth: float) -> None:
    """Gradient from the style's colours, a glow along the horizon, cloud banks and thin streaks.

    Clouds are added light (lit from below by the glow) so they show on the darkest skies too,
    and their darker cores are what keep a bright sky from being one flat wash.
    """
    y = np.arange(c.height, dtype=np.float32)[:, None] / max(c.horizon, 1)
    t = np.clip(y, 0.0, 1.0) ** 1.4
    gradient = c.sky_top + (c.sky_bottom - c.sky_top) * t[..., None]
    band = np.exp(-(((y - 1.0) / (0.22 + 0.2 * warmth)) ** 2))[..., None]
    c.image[:] = gradient + band * c.highlight * (0.25 + 0.45 * warmth)
    banks = noise(c.rng, c.height, c.width, c.unit * 0.25, 6, 3.0)
    streaks = noise(c.rng, c.height, c.width, c.unit * 0.025, 3, 12.0)
    density = smoothstep(0.42, 0.78, banks * 0.8 + streaks * 0.2)[..., None]
    lit = mix(c.primary, c.highlight, 0.55) * (0.16 + 0.12 * warmth)
    c.image += density * lit * (0.6 + band)
    c.image *= 1.0 - 0.4 * smoothstep(0.45, 0.1, banks)[..., None]
    c.image += (
        (smoothstep(0.55, 0.9, streaks) * 0.1)[..., None]
        * mix(c.primary, c.highlight, 0.6)
        * (0.5 + band)
    )


def stars(c: Canvas, nebula: float) -> None:
    """A starfield with cross glints on the brightest, and a nebula band in the palette's hues."""
    rows = max(1, c.horizon)
    count = int(c.width * rows / 700)
    ys = c.rng.integers(0, rows, count)
    xs = c.rng.integers(0, c.width, count)
    magnitude = c.rng.random(count, dtype=np.float32) ** 8
    tint = np.where(c.rng.random(count)[:, None] < 0.5, c.accent, c.highlight)
    colours = mix(WHITE, tint, 0.3) * (0.35 + 2.5 * magnitude)[:, None]
    field_ = np.zeros((rows, c.width, 3), np.float32)
    np.add.at(field_, (ys, xs), colours.astype(np.float32))
    field_ = np.asarray(cv2.GaussianBlur(field_, (3, 3), 0.6), np.float32)
    bright = np.where(field_ > 0.4, field_, 0.0).astype(np.float32)
    spike = _odd(c.unit * 0.025)
    glints = cv2.GaussianBlur(bright, (spike, 1), 0) + cv2.GaussianBlur(bright, (1, spike), 0)
    if nebula > 0:
        n1 = noise(c.rng, rows, c.width, c.unit * 0.4, 6, 1.6)
        n2 = noise(c.rng, rows, c.width, c.unit * 0.6, 3, 1.0)
        filaments = noise(c.rng, rows, c.width, c.unit * 0.3, 4, 1.3)
        wisps = (1.0 - np.abs(2.0 * filaments - 1.0)) ** 3
        dust = noise(c.rng, rows, c.width, c.unit * 0.1, 4, 1.0)
        angle = c.rng.uniform(-0.6, 0.6)
        yy, xx = np.mgrid[0:rows, 0 : c.width].astype(np.float32)
        across = (yy - rows * 0.45) * math.cos(angle) - (xx - c.width / 2) * math.sin(angle)
        band = np.exp(-((across / (c.unit * 0.32)) ** 2)) * nebula
        density = smoothstep(0.3, 0.85, n1) * band
        hue = n2[..., None]
        cloud = c.highlight * (1.0 - hue) + c.accent * hue
        c.image[:rows] += (density * (0.35 + 0.9 * wisps))[..., None] * cloud * 0.8
        c.image[:rows] *= 1.0 - (0.35 * smoothstep(0.6, 0.85, dust) * density)[..., None]
        field_ *= 1.0 + 1.5 * band[..., None]
    c.image[:rows] += field_ + glints * 0.5
    c.glow[:rows] += bright + glints


def orb(c: Canvas, x: float, y: float, radius: float, moon: bool) -> None:
    """Sun or moon: a soft-edged disc with a halo; the moon gets a cratered face."""
    colour = mix(c.primary, c.accent, 0.15) if moon else mix(WHITE, c.highlight, 0.45)
    soft_light(c, x, y, radius * 10, c.highlight, 0.18 if moon else 0.35)
    soft_light(c, x, y, radius * 3, colour, 0.25 if moon else 0.6)
    top, bottom = max(0, int(y - radius) - 2), min(c.height, int(y + radius) + 3)
    left, right = max(0, int(x - radius) - 2), min(c.width, int(x + radius) + 3)
    if top >= bottom or left >= right:
        return
    yy, xx = np.mgrid[top:bottom, left:right].astype(np.float32)
    disc = np.clip(radius - np.hypot(xx - x, yy - y) + 0.5, 0.0, 1.0)[..., None]
    face = colour * (1.6 if not moon else 1.0)
    if moon:
        craters = noise(c.rng, bottom - top, right - left, radius * 0.5, 4, 1.0)
        face = face * (0.75 + 0.3 * craters[..., None])
    c.image[top:bottom, left:right] += (face - c.image[top:bottom, left:right]) * disc
    c.orb = (x, y, radius)


def _pine(rng: np.random.Generator, x: float, base: float, height: float) -> NDArray[np.float64]:
    """A fir: tiers of branches zig-zagging out and in, wider towards the ground."""
    width = height * rng.uniform(0.3, 0.42)
    tiers = int(rng.integers(4, 7))
    left: list[tuple[float, float]] = []
    for tier in range(1, tiers + 1):
        y = base - height + height * 0.92 * tier / tiers
        half = width / 2 * tier / tiers * rng.uniform(0.85, 1.1)
        left += [(x - half, y), (x - half * 0.45, y - height * 0.02)]
    trunk = [(x - width * 0.04, base + 2), (x + width * 0.04, base + 2)]
    right = [(2 * x - px, py) for px, py in reversed(left)]
    return np.array([(x, base - height), *left, *trunk, *right], np.float64)


def mountains(c: Canvas, base: float, layers: int, step_down: bool) -> None:
    """Ridges from far to near, each darker and less hazy, with mist pooling in front of each.

    The far ones rise from ``base``; with ``step_down`` (no water in front) nearer ones step down
    the frame to its bottom edge. Firs on the nearer ridges make it read as a forest.
    """
    ground = c.height - base
    for index in range(layers):
        depth = index / max(layers - 1, 1)
        foot = base + ground * 0.75 * depth**1.3 if step_down else base
        lift = c.height * (0.3 - 0.17 * depth) * (1.0 if step_down else 0.5)
        profile = ridge(c.rng, c.width, c.width * (0.55 - 0.3 * depth), 0.5 + 0.1 * depth)
        profile /= max(float(np.abs(profile).max()), 1e-6)
        peaks = 1.0 - np.abs(profile) if depth < 0.5 else 0.5 + 0.5 * profile
        line = np.asarray(foot - lift * (0.3 + 0.7 * peaks) - lift * 0.35 * depth, np.float32)
        extra: list[NDArray[np.float64]] = []
        if depth > 0.3:
            size = c.unit * (0.06 + 0.14 * depth) * (1.0 if step_down else 0.35)
            x = float(c.rng.uniform(-size, 0))
            while x < c.width + size:
                column = int(np.clip(x, 0, c.width - 1))
                height = size * c.rng.uniform(0.55, 1.3)
                extra.append(_pine(c.rng, x, float(line[column]) + size * 0.15, height))
                x += size * c.rng.uniform(0.12, 0.45)
        colour = mix(c.haze, c.shadow, 0.4 + 0.58 * depth)
        covered = coverage(under(line, c.height, extra), c.height, c.width)
        lay(c, covered, colour)
        if index < layers - 1:
            mist(c, float(line.mean()), float(foot) + ground * 0.2, 0.45 * (1.0 - depth * 0.6))
        elif covered is not None:
            _undergrowth(c, covered)


def _undergrowth(c: Canvas, covered: tuple[int, int, F32]) -> None:
    """Mottled light on the nearest ground, so the bottom of the frame is not a black band."""
    top, left, mask = covered
    rows, cols = mask.shape
    mottle = noise(c.rng, rows, cols, c.unit * 0.05, 4, 2.5)
    shade = (mask * smoothstep(0.45, 0.9, mottle))[..., None]
    c.image[top : top + rows, left : left + cols] += shade * mix(c.haze, c.highlight, 0.3) * 0.12


def _windows(
    c: Canvas, box: tuple[int, int, int, int], depth: float, tint: F32, facade: F32
) -> None:
    """A grid of windows, some lit in the building's tint; unlit glass catches a little sky."""
    x0, y0, x1, y1 = box
    pitch_x = max(3, round(c.unit * 0.011 * (0.55 + 0.7 * depth)))
    pitch_y = max(4, round(pitch_x * 1.5))
    cols, rows = (x1 - x0 - pitch_x // 2) // pitch_x, (y1 - y0 - pitch_y) // pitch_y
    if cols < 1 or rows < 1:
        return
    lit = c.rng.random((rows, cols)) < c.rng.uniform(0.12, 0.55)
    lit &= c.rng.random((rows, 1)) > 0.15
    level = c.rng.uniform(0.45, 1.0, (rows, cols)) * (0.45 + 0.55 * depth)
    cells = np.where(lit[..., None], tint * level[..., None], c.haze * 0.12 + facade * 0.2)
    tile = np.zeros((pitch_y, pitch_x, 1), np.float32)
    tile[: max(1, pitch_y // 2), : max(1, (pitch_x * 5) // 9)] = 1.0
    pane = np.repeat(np.repeat(cells.astype(np.float32), pitch_y, 0), pitch_x, 1)
    pane *= np.tile(tile, (rows, cols, 1))
    top, left = y0 + pitch_y // 2, x0 + (x1 - x0 - cols * pitch_x) // 2 + pitch_x // 5
    pane = pane[: c.height - top, : c.width - left]
    area = (slice(top, top + pane.shape[0]), slice(left, left + pane.shape[1]))
    c.image[area] += pane
    c.glow[area] += pane * (pane.max(axis=2, keepdims=True) > 0.3) * 0.6


def _sign(c: Canvas, x: int, y: int, scale: float, colour: F32) -> None:
    """A vertical neon sign: dark panel, bright tube outline and a few glyph bars."""
    w, h = max(3, round(c.unit * 0.016 * scale)), max(8, round(c.unit * c.rng.uniform(0.06, 0.14)))
    x1, y1 = min(c.width - 1, x + w), min(c.height - 1, y + h)
    cv2.rectangle(c.image, (x, y), (x1, y1), (0.0, 0.0, 0.0), -1)
    for target, gain in ((c.image, 1.3), (c.glow, 1.6)):
        cv2.rectangle(target, (x, y), (x1, y1), (colour * gain).tolist(), max(1, w // 6))
        for bar in range(y + w // 2, y1 - w // 2, max(3, w)):
            cv2.line(target, (x + w // 3, bar), (x1 - w // 3, bar), (colour * gain).tolist(), 1)


def _roof(c: Canvas, x: int, top: int, width: int, reach: float, facade: F32) -> None:
    """What breaks a flat skyline: a setback storey, or a mast with a beacon, or nothing."""
    roof = c.rng.random()
    if roof < 0.3:
        inset, step = width // 5, max(2, round(width * 0.35))
        c.image[max(0, top - step) : top, max(0, x + inset) : max(0, x + width - inset)] = facade
    elif roof < 0.5:
        mast = slice(max(0, x + width // 2), max(0, x + width // 2 + max(1, width // 20)))
        tip = max(0, top - round(reach * 0.08))
        c.image[tip:top, mast] = facade
        red = np.array([1.0, 0.25, 0.2], np.float32)
        c.glow[tip : tip + 2, mast] += red if c.rng.random() < 0.5 else c.accent


def city(c: Canvas, baseline: int, neon: float) -> None:
    """Three rows of towers, far to near, with lit windows, rooftop beacons and neon signs."""
    span = baseline * (0.75 if c.height > c.width else 1.0)
    tints = [mix(c.primary, np.array([1.0, 0.8, 0.55], np.float32), 0.6), c.accent, c.highlight]
    for depth in (0.0, 0.5, 1.0):
        scale = 0.5 + 0.6 * depth
        facade = mix(c.haze, c.shadow, 0.35 + 0.63 * depth)
        x = -int(c.rng.uniform(0, c.unit * 0.05))
        while x < c.width:
            bw = max(3, round(c.unit * c.rng.uniform(0.05, 0.13) * scale))
            tall = c.rng.uniform(0.3 - 0.15 * depth, 0.6 - 0.12 * depth)
            tall *= 1.5 if c.rng.random() < 0.15 else 1.0
            top = int(baseline - span * tall * 0.85)
            x0, x1 = max(0, x), min(c.width, x + bw)
            c.image[top:baseline, x0:x1] = facade
            c.glow[top:baseline, x0:x1] = 0.0
            _roof(c, x, top, bw, span * scale, facade)
            tint = tints[int(c.rng.choice(3, p=[0.6, 0.2, 0.2]))]
            _windows(c, (x0, top, x1, baseline), depth, tint, facade)
            if depth > 0 and c.rng.random() < 0.4 * neon and x0 + 4 < x1:
                sign = c.accent if c.rng.random() < 0.5 else c.highlight
                sx = int(c.rng.integers(x0, max(x0 + 1, x1 - 2)))
                _sign(c, sx, top + round((baseline - top) * c.rng.uniform(0.05, 0.4)), scale, sign)
            x += bw + round(bw * c.rng.uniform(0.0, 0.5) * (1.2 - depth))
        if depth < 1.0:
            mist(c, baseline - span * 0.3, baseline + c.unit * 0.05, 0.5 - 0.25 * depth)
    if baseline >= c.height:
        street = mix(c.highlight, c.accent, float(c.rng.random()))
        soft_light(c, c.width * 0.5, c.height * 1.05, c.width * 0.45, street, 0.35)


def planet(c: Canvas) -> None:
    """A planet's limb across the bottom of the frame, banded, with a glowing atmosphere."""
    radius = max(c.width, c.height) * 0.9
    cx, cy = c.width * c.rng.uniform(0.3, 0.7), c.height * 0.82 + radius
    top = max(0, int(cy - radius) - int(c.unit * 0.05))
    yy, xx = np.mgrid[top : c.height, 0 : c.width].astype(np.float32)
    distance = np.hypot(xx - cx, yy - cy)
    disc = np.clip(radius - distance + 0.5, 0.0, 1.0)[..., None]
    bands = noise(c.rng, c.height - top, c.width, c.unit * 0.04, 4, 8.0)[..., None]
    lit = np.clip((cy - yy) / radius, 0.0, 1.0)[..., None] ** 3
    surface = c.shadow * (0.6 + 0.9 * bands) + mix(c.accent, c.highlight, 0.3) * lit * bands * 0.8
    rim = np.exp(-(((distance - radius) / (c.unit * 0.012)) ** 2))[..., None]
    region = c.image[top:]
    region += (surface - region) * disc
    region += rim * c.accent * 0.9
    c.glow[top:] *= 1.0 - disc
    c.glow[top:] += rim * c.accent * 0.6


def ocean(c: Canvas) -> None:
    """Water below the horizon mirroring what is above it, broken by waves in perspective.

    Waves are sums of sinusoids in world space projected onto the screen, each faded out where it
    would be finer than a pixel, so the far water goes glassy instead of aliasing.
    """
    hz = c.horizon
    rows = c.height - hz
    if rows <= 1 or hz <= 0:
        return
    d = np.arange(1, rows + 1, dtype=np.float32)[:, None]
    depth = rows / d
    xw = (np.arange(c.width, dtype=np.float32)[None, :] - c.width / 2) / rows * depth
    slope_x = np.zeros((rows, c.width), np.float32)
    slope_z = np.zeros((rows, c.width), np.float32)
    for kz in np.geomspace(5.0, 160.0, 14) * c.rng.uniform(0.85, 1.15, 14):
        kx = kz * c.rng.uniform(-0.4, 0.4)
        fade = np.exp(-((kz * rows / d**2 / 1.5) ** 2) - (kx * depth / rows / 1.5) ** 2)
        wave = np.cos(kx * xw + kz * depth + c.rng.uniform(0, 2 * np.pi)) * (fade / kz**0.4)
        slope_x += wave * kx / kz
        slope_z += wave
    slope_x /= 2.0
    slope_z /= 2.0
    nearness = d / rows
    ys = hz - d + slope_z * c.unit * 0.05 * (nearness + 0.05) - 1
    jitter = cv2.GaussianBlur(c.rng.standard_normal((rows, 1)).astype(np.float32), (1, 3), 0)
    xs = np.arange(c.width, dtype=np.float32)[None, :] + slope_x * c.unit * 0.03 * nearness
    xs = xs + jitter * c.unit * 0.004
    ys = np.clip(ys, 0, hz - 1).astype(np.float32)
    reflected = cv2.remap(c.image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    lights = cv2.remap(c.glow, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    far = np.exp(-nearness / 0.2)[..., None]
    reflected = _smear(np.minimum(reflected, 1.0), far, c.unit)
    lights = _smear(np.asarray(lights, np.float32), far, c.unit)
    streaks = noise(c.rng, rows, c.width, 2.5, 2, 24.0)[..., None]
    broken = 0.55 + 0.9 * streaks
    fresnel = (0.85 - 0.45 * nearness)[..., None]
    water = mix(c.shadow, c.haze, 0.15)
    sheen = smoothstep(0.05, 0.5, slope_z)[..., None]
    surface = water + (reflected * broken - water) * fresnel + sheen * c.haze * 0.2
    lights *= broken
    if c.orb is not None:
        ox, _, radius = c.orb
        path = np.exp(-(((np.arange(c.width) - ox)[None, :] / (radius * 1.5 + d * 0.6)) ** 2))
        sparkle = smoothstep(0.25, 0.6, slope_z) * streaks[..., 0]
        glitter = (sparkle * path)[..., None] * mix(WHITE, c.highlight, 0.4)
        surface += glitter * 1.2
        lights += glitter * 0.8
    c.image[hz:] = surface + lights * 0.6
    c.glow[hz:] = lights * 0.5
    c.image[max(0, hz - 1) : hz + 2] += c.haze * 0.15


def _smear(layer: F32, far: F32, unit: float) -> F32:
    """Stretch a reflection downwards, far more near the horizon, where waves smear the sun or a
    window into a column instead of mirroring a copy. The long smear is done at 1/8 height."""
    rows, width = layer.shape[:2]
    near = cv2.GaussianBlur(layer, (1, _odd(unit * 0.03)), 0)
    short = max(2, rows // 8)
    sigma = unit * 0.06 / 8
    small = cv2.resize(layer, (width, short), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (1, _odd(sigma * 6)), 0, sigmaY=sigma)
    streaked = cv2.resize(small, (width, rows), interpolation=cv2.INTER_LINEAR)
    return np.asarray(near + (streaked - near) * far, np.float32)


def bokeh(c: Canvas, count: int, size: float, blur: float, strength: float) -> None:
    """Out-of-focus lights: discs with brighter rims, spread by a jittered grid so none clump."""
    scale = 2 if blur < 0.01 else 4
    small_w, small_h = max(2, c.width // scale), max(2, c.height // scale)
    layer = np.zeros((small_h, small_w, 3), np.float32)
    across = max(1, round(math.sqrt(count * small_w / small_h)))
    down = max(1, math.ceil(count / across))
    colours = [c.highlight, c.accent, mix(c.primary, c.highlight, 0.5), c.primary]
    for cell in c.rng.permutation(across * down)[:count]:
        gx, gy = (cell % across + c.rng.random()) / across, (cell // across + c.rng.random()) / down
        radius = max(1, round(c.unit / scale * size * c.rng.uniform(0.4, 1.3)))
        colour = colours[int(c.rng.integers(0, 4))] * c.rng.uniform(0.3, 1.0)
        centre = (round(gx * small_w), round(gy * small_h))
        cv2.circle(layer, centre, radius, (colour * 0.55).tolist(), -1)
        cv2.circle(layer, centre, radius, colour.tolist(), max(1, radius // 8))
    sigma = max(0.6, c.unit / scale * blur)
    blurred = cv2.GaussianBlur(layer, (0, 0), sigma)
    light = cv2.resize(blurred, (c.width, c.height), interpolation=cv2.INTER_CUBIC)
    c.image += light * strength
    c.glow += light * strength * 0.4


def backdrop(c: Canvas) -> None:
    """A diagonal wash with light leaks and thin glowing arcs: the abstract picture's ground."""
    angle = c.rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0 : c.height, 0 : c.width].astype(np.float32)
    t = ((xx - c.width / 2) * math.cos(angle) + (yy - c.height / 2) * math.sin(angle)) / max(
        c.width, c.height
    ) + 0.5
    # Bright styles leave added light no headroom, so their wash and leaks are dimmed.
    luma = float(c.sky_bottom @ np.array([0.3, 0.6, 0.1], np.float32))
    room = 1.0 - 0.7 * luma
    dark = mix(c.sky_top, c.shadow, 0.5)
    c.image[:] = (dark + (c.sky_bottom - dark) * np.clip(t, 0, 1)[..., None]) * (
        0.8 / max(luma, 0.8)
    )
    texture = noise(c.rng, c.height, c.width, c.unit * 0.3, 5, 1.0)[..., None]
    c.image *= 0.75 + 0.5 * texture
    for colour in (c.highlight, c.accent, c.highlight):
        x, y = c.rng.uniform(-0.1, 1.1) * c.width, c.rng.uniform(-0.1, 1.1) * c.height
        strength = c.rng.uniform(0.25, 0.5) * room
        soft_light(c, x, y, c.unit * c.rng.uniform(0.3, 0.6), colour, strength)
    arcs = np.zeros((c.height, c.width), np.uint8)
    for _ in range(int(c.rng.integers(3, 6))):
        centre = (int(c.rng.uniform(0, c.width) * 16), int(c.rng.uniform(0, c.height) * 16))
        axes = int(c.unit * c.rng.uniform(0.25, 0.7) * 16)
        start = float(c.rng.uniform(0, 360))
        cv2.ellipse(arcs, centre, (axes, axes), 0, start, start + 120, 255, 2, cv2.LINE_AA, 4)
    line = cv2.GaussianBlur(np.asarray(arcs, np.float32) / 255.0, (0, 0), 0.7)[..., None]
    tube = mix(c.accent, c.primary, 0.3)
    c.image += line * tube * 0.5
    c.glow += line * tube * 0.7


def _ellipse(centre: tuple[float, float], axes: tuple[float, float]) -> NDArray[np.float64]:
    """An ellipse as a polygon, in the same units as its arguments (OpenCV's needs integers)."""
    scale = 10_000
    points = cv2.ellipse2Poly(
        (round(centre[0] * scale), round(centre[1] * scale)),
        (round(axes[0] * scale), round(axes[1] * scale)),
        0,
        0,
        360,
        5,
    )
    return np.asarray(points, np.float64) / scale


def _bust(x: float, top: float, size: float) -> list[NDArray[np.float64]]:
    """Outline of head, neck and shoulders, in proportions of a real bust ``size`` px tall."""
    t = np.linspace(0.0, 1.0, 20)[:, None]
    p0, p1, p2, p3 = np.array([(0.055, 0.34), (0.14, 0.41), (0.26, 0.40), (0.32, 0.5)])
    curve = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
    right = np.vstack([curve, [(0.34, 0.62), (0.35, 0.8), (0.36, 1.05)]])
    left = right[::-1] * (-1, 1)
    neck = np.array([(-0.05, 0.22), (0.05, 0.22), (0.06, 0.36), (-0.06, 0.36)])
    head = _ellipse((0.0, 0.16), (0.11, 0.14))
    ears = [_ellipse((side * 0.105, 0.175), (0.023, 0.038)) for side in (-1, 1)]
    shapes = [np.vstack([left, right]), neck, head, *ears]
    return [np.asarray(shape * size + (x, top), np.float64) for shape in shapes]


def figure(c: Canvas, x: float, size: float) -> None:
    """A head-and-shoulders silhouette rising from the bottom edge, backlit and rim-lit."""
    top = c.height - size
    soft_light(c, x, top + size * 0.2, size * 0.55, c.highlight, 0.45)
    covered = coverage(_bust(x, top, size), c.height, c.width)
    if covered is None:
        return
    ctop, cleft, mask = covered
    shift = max(1, round(size * 0.012))
    light = np.zeros((*mask.shape, 3), np.float32)
    for dx, colour in ((shift, c.accent), (-shift, c.highlight)):
        moved = np.roll(mask, (shift, dx), axis=(0, 1))
        edge = cv2.GaussianBlur(np.clip(mask - moved, 0, 1), (0, 0), max(0.8, shift / 2))
        light += edge[..., None] * colour * 1.4
    lay(c, covered, c.shadow * 0.5)
    rows, cols = slice(ctop, ctop + mask.shape[0]), slice(cleft, cleft + mask.shape[1])
    c.image[rows, cols] += light
    c.glow[rows, cols] += light * 0.6
