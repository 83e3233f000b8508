"""Offline pictures for generated shots: procedural scenes from the prompt, in the film's style.

Without an image API a shot's ``generation_prompt`` still needs a picture worth a camera move, so
the prompt's words pick motifs (city, space, ocean, forest, sun, abstract, figure; see
``motifs_for``) and ``motifs`` paints them back to front in the colours of the style's ``Look``.
The layout comes from a generator seeded by a hash of the style and prompt, so a prompt always gives
the same picture (the provider caches by it) and different prompts give different pictures.

The finish is deliberately light: the compositor applies the look's grade, vignette, grain and
bloom to every frame, so here there is only the glow of the picture's own lights, a soft highlight
roll-off and a touch of monochrome grain that keeps wide gradients from banding once encoded.
Output is always PNG, lossless so the push-ins the camera makes resample clean pixels.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from studio.pipeline.generate import motifs as m
from studio.pipeline.styles import Look, look_for

MOTIFS = ("space", "sun", "forest", "city", "ocean", "abstract", "figure")
"""Every motif, in the order they are painted (back to front)."""


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


_KEYWORDS: dict[str, frozenset[str]] = {
    "space": _vocabulary(
        "night midnight space star starry starfield galaxy nebula cosmos cosmic universe "
        "astronaut planet moon moonlight moonlit milky"
    ),
    "sun": _vocabulary("sun sunny sunset sunrise dawn dusk golden sunlight sundown"),
    "forest": _vocabulary(
        "forest tree wood woods woodland nature mountain hill valley jungle pine wilderness "
        "landscape outdoor hike hiking camp camping park countryside"
    ),
    "city": _vocabulary(
        "city cities skyline cyberpunk urban downtown street building skyscraper metropolis "
        "town rooftop neon tokyo"
    ),
    "ocean": _vocabulary(
        "ocean sea beach water wave coast coastal shore lake harbor harbour bay island surf "
        "seaside sail sailing boat"
    ),
    "abstract": _vocabulary(
        "abstract background glow bokeh gradient creator talking studio minimal pattern shape"
    ),
    "figure": _vocabulary(
        "character person people creator silhouette man woman girl boy guy host speaker "
        "presenter figure hero someone protagonist vlogger influencer portrait talking"
    ),
}
"""Words that call for each motif (plurals are matched by dropping a final 's')."""
_SCENERY = frozenset({"space", "sun", "forest", "city", "ocean"})
_GROUND = frozenset({"forest", "city", "ocean"})
_NIGHT = _vocabulary("night midnight moon moonlight moonlit dark neon cyberpunk")
_NEON = _vocabulary("neon cyberpunk synthwave futuristic retrowave")
_CLOSE_UP = _vocabulary("creator talking host speaker presenter vlogger portrait influencer")
_GRAIN = 1.6 / 255
"""Grain in 8-bit steps: enough to dither gradients, well under what the looks add per frame."""


def _words(prompt: str) -> frozenset[str]:
    """Lower-case words of the prompt, each also without a plural 's' so 'trees' finds 'tree'."""
    words = re.findall(r"[a-z]+", prompt.lower())
    return frozenset(words) | {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}


def motifs_for(prompt: str) -> tuple[str, ...]:
    """The motifs ``paint`` draws for ``prompt``, in painting order.

    A prompt naming no scenery gets the abstract composition; a sun with no ground sets over the
    sea, since a lone disc in an empty sky makes a poor picture.
    """
    words = _words(prompt)
    found = {motif for motif, keys in _KEYWORDS.items() if words & keys}
    if not found & _SCENERY:
        found.add("abstract")
    if "sun" in found and not found & _GROUND:
        found.add("ocean")
    return tuple(motif for motif in MOTIFS if motif in found)


def _seed(prompt: str, style: str) -> int:
    digest = hashlib.sha256(f"{style}\n{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _horizon(chosen: set[str], height: int, portrait: bool) -> int:
    """Where land or water meets the sky; lower in portrait frames, which have more sky."""
    if "ocean" in chosen:
        share = 0.6 if portrait else 0.55
    elif "forest" in chosen:
        share = 0.62 if portrait else 0.58
    elif "city" in chosen:
        share = 0.8
    else:
        share = 1.0
    return round(height * share)


def _scene(c: m.Canvas, chosen: set[str], words: frozenset[str]) -> None:
    """Sky, then everything on the horizon far to near, then water mirroring all of it."""
    night = bool(words & _NIGHT) or ("space" in chosen and "sun" not in chosen)
    ground = chosen & _GROUND
    m.sky(c, 1.0 if "sun" in chosen else 0.35)
    if "space" in chosen:
        m.stars(c, 0.45 if ground else 1.0)
    elif night:
        m.stars(c, 0.0)
    x = c.width * c.rng.uniform(0.3, 0.7)
    if "sun" in chosen:
        radius = c.unit * 0.075
        m.orb(c, x, c.horizon - radius * c.rng.uniform(0.2, 0.9), radius, moon=False)
    elif night and ground:
        m.orb(c, x, c.horizon * c.rng.uniform(0.25, 0.45), c.unit * 0.045, moon=True)
    elif ground & {"ocean", "forest"}:
        m.orb(c, x, c.horizon * c.rng.uniform(0.45, 0.7), c.unit * 0.06, moon=False)
    if "forest" in chosen:
        water = "ocean" in chosen
        m.mountains(c, c.horizon, 3 if water else 4, step_down=not water)
    if "city" in chosen:
        neon = 1.0 if words & _NEON else 0.35
        m.city(c, c.horizon if "ocean" in chosen else c.height, neon)
    if "space" in chosen and not ground:
        m.planet(c)
    if "ocean" in chosen:
        m.ocean(c)
    if "abstract" in chosen:
        m.bokeh(c, 12, 0.09, 0.025, 0.3)


def _abstract(c: m.Canvas) -> None:
    """Light leaks and arcs behind three depths of bokeh, dust in front: detail in every corner."""
    m.backdrop(c)
    m.bokeh(c, 60, 0.03, 0.004, 0.5)
    m.bokeh(c, 20, 0.07, 0.012, 0.4)
    m.bokeh(c, 7, 0.15, 0.03, 0.3)
    m.stars(c, 0.0)


def _finish(c: m.Canvas, look: Look) -> NDArray[np.uint8]:
    """Bloom the lights, roll off highlights, match the look's saturation, add grain."""
    small = (max(2, c.width // 4), max(2, c.height // 4))
    lights = cv2.resize(
        c.glow + np.maximum(c.image - 0.9, 0.0), small, interpolation=cv2.INTER_AREA
    )
    near = cv2.GaussianBlur(lights, (0, 0), max(0.5, c.unit * 0.004))
    wide = cv2.GaussianBlur(lights, (0, 0), max(1.0, c.unit * 0.02))
    bloom = cv2.resize(near * 0.7 + wide * 0.6, (c.width, c.height), interpolation=cv2.INTER_LINEAR)
    image = c.image + bloom
    excess = np.maximum(image - 0.8, 0.0)
    image += 0.2 * np.tanh(excess / 0.2) - excess
    if look.saturation < 1.0:
        grey = image @ np.array([0.299, 0.587, 0.114], np.float32)
        image = grey[..., None] + (image - grey[..., None]) * max(look.saturation, 0.0)
    image += c.rng.standard_normal((c.height, c.width, 1), dtype=np.float32) * _GRAIN
    return np.asarray(np.clip(image * 255.0 + 0.5, 0, 255), np.uint8)


def render(prompt: str, style: str, width: int, height: int) -> NDArray[np.uint8]:
    """The picture ``paint`` saves, as an RGB array of ``height`` x ``width``."""
    if width < 1 or height < 1:
        raise ValueError(f"picture size must be positive, got {width}x{height}")
    look = look_for(style)
    chosen = set(motifs_for(prompt))
    words = _words(prompt)
    portrait = height > width
    palette = look.palette
    c = m.Canvas(
        rng=np.random.default_rng(_seed(prompt, style)),
        width=width,
        height=height,
        sky_top=m.rgb(look.background[0]),
        sky_bottom=m.rgb(look.background[1]),
        highlight=m.rgb(palette.highlight),
        accent=m.rgb(palette.accent),
        primary=m.rgb(palette.primary),
        horizon=_horizon(chosen, height, portrait),
    )
    if chosen & _SCENERY:
        _scene(c, chosen, words)
    else:
        _abstract(c)
    if "figure" in chosen:
        close = bool(words & _CLOSE_UP)
        size = height * ((0.45 if close else 0.34) if portrait else (0.66 if close else 0.5))
        alone = portrait or not chosen & _SCENERY
        x = width * (0.5 if alone else float(c.rng.choice([0.3, 0.7])))
        m.figure(c, x, size)
    return _finish(c, look)


def paint(prompt: str, style: str, width: int, height: int, out: Path) -> Path:
    """Paint ``prompt`` in ``style`` at exactly ``width`` x ``height`` to ``out`` (PNG); return it.

    Written to a temporary file beside ``out`` and renamed over it, so a cache never holds half a
    picture.
    """
    rgb = render(prompt, style, width, height)
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise OSError(f"cannot encode a {width}x{height} PNG")
    descriptor, name = tempfile.mkstemp(suffix=".png", prefix=".visual-", dir=out.parent)
    temporary: Path | None = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data.tobytes())
        os.replace(name, out)
        temporary = None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return out
