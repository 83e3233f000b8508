"""The virtual camera: which window of a source each output frame shows.

A window is a centre, a width (in source pixels) and a tilt. It starts from the cover-fit crop of
the output's aspect ratio around the subject, tightened by the framing, and moves with eased
motion over the shot. Windows are sub-pixel: an integer crop steps visibly and costs the encoder
more bits (shared/design/RENDER-PERFORMANCE.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from studio.spec.common import CameraMovement, Framing

FRAMING_ZOOM = {
    Framing.WIDE_SHOT: 1.0,
    Framing.MEDIUM_SHOT: 1.08,
    Framing.CLOSE_UP: 1.3,
    Framing.EXTREME_CLOSE_UP: 1.6,
}

PAN_ZOOM = 1.15
"""Pans and tilts zoom in this much so the window has room to travel."""

# (zoom at start, zoom at end) for each movement; pans and tilts travel at PAN_ZOOM.
_ZOOMS = {
    CameraMovement.STATIC: (1.0, 1.0),
    CameraMovement.SLOW_PUSH_IN: (1.0, 1.08),
    CameraMovement.PUSH_IN: (1.0, 1.22),
    CameraMovement.PULL_OUT: (1.22, 1.0),
    CameraMovement.PAN_LEFT: (PAN_ZOOM, PAN_ZOOM),
    CameraMovement.PAN_RIGHT: (PAN_ZOOM, PAN_ZOOM),
    CameraMovement.TILT_UP: (PAN_ZOOM, PAN_ZOOM),
    CameraMovement.TILT_DOWN: (PAN_ZOOM, PAN_ZOOM),
    CameraMovement.KEN_BURNS: (1.04, 1.2),
    CameraMovement.HANDHELD: (1.06, 1.06),
}


def ease(p: float) -> float:
    """Ease in and out (smoothstep): motion starts and settles gently, never jerks."""
    p = min(1.0, max(0.0, p))
    return p * p * (3.0 - 2.0 * p)


def max_zoom(movement: CameraMovement, framing: Framing) -> float:
    """The tightest zoom a shot reaches, which sets how much source resolution it needs."""
    return FRAMING_ZOOM[framing] * max(_ZOOMS[movement])


@dataclass(frozen=True)
class Window:
    cx: float
    cy: float
    width: float
    angle: float = 0.0
    """Degrees, counter-clockwise."""


def cover_width(src_w: float, src_h: float, out_w: int, out_h: int) -> float:
    """Width of the largest window of the output's aspect ratio that fits inside the source."""
    return min(src_w, src_h * out_w / out_h)


def window_at(
    movement: CameraMovement,
    framing: Framing,
    progress: float,
    seconds: float,
    focus: tuple[float, float],
    src_size: tuple[float, float],
    out_size: tuple[int, int],
) -> Window:
    """Where the camera looks at ``progress`` (0..1 through the shot, ``seconds`` into it)."""
    src_w, src_h = src_size
    out_w, out_h = out_size
    aspect = out_h / out_w
    base = cover_width(src_w, src_h, out_w, out_h)
    p = ease(progress)
    start_zoom, end_zoom = _ZOOMS[movement]
    zoom = FRAMING_ZOOM[framing] * (start_zoom + (end_zoom - start_zoom) * p)
    width = base / zoom
    height = width * aspect
    fx, fy = focus[0] * src_w, focus[1] * src_h
    # Travel: how far the centre may move from the subject and still stay inside the source.
    room_x = max(0.0, (src_w - width) / 2)
    room_y = max(0.0, (src_h - height) / 2)
    cx, cy, angle = fx, fy, 0.0
    travel_x = min(room_x, width * 0.12)
    travel_y = min(room_y, height * 0.12)
    if movement is CameraMovement.PAN_LEFT:
        cx = fx + travel_x * (1 - 2 * p)
    elif movement is CameraMovement.PAN_RIGHT:
        cx = fx - travel_x * (1 - 2 * p)
    elif movement is CameraMovement.TILT_UP:
        cy = fy + travel_y * (1 - 2 * p)
    elif movement is CameraMovement.TILT_DOWN:
        cy = fy - travel_y * (1 - 2 * p)
    elif movement is CameraMovement.KEN_BURNS:
        cx = src_w / 2 + (fx - src_w / 2) * p
        cy = src_h / 2 + (fy - src_h / 2) * p
    elif movement is CameraMovement.HANDHELD:
        cx += width * 0.006 * (math.sin(seconds * 1.7) + 0.6 * math.sin(seconds * 4.3 + 1.0))
        cy += height * 0.006 * (math.sin(seconds * 1.3 + 2.0) + 0.5 * math.sin(seconds * 3.7))
        angle = 0.35 * math.sin(seconds * 0.9 + 0.5)
    cx = min(max(cx, width / 2), src_w - width / 2) if src_w >= width else src_w / 2
    cy = min(max(cy, height / 2), src_h - height / 2) if src_h >= height else src_h / 2
    return Window(cx, cy, width, angle)


def inverse_matrix(
    window: Window, out_w: int, out_h: int, scale: float = 1.0
) -> NDArray[np.float64]:
    """The 2x3 matrix taking output pixel centres to source coordinates (WARP_INVERSE_MAP).

    ``scale`` maps the window into a resampled plane (0.5 for chroma of I420).
    """
    k = window.width * scale / out_w
    theta = math.radians(window.angle)
    cos, sin = math.cos(theta) * k, math.sin(theta) * k
    cx, cy = window.cx * scale, window.cy * scale
    half_w, half_h = out_w / 2, out_h / 2
    # src = C + R * k * (dst + 0.5 - half) - 0.5, with pixel centres at integer coordinates.
    return np.array(
        [
            [cos, -sin, cx - 0.5 + cos * (0.5 - half_w) - sin * (0.5 - half_h)],
            [sin, cos, cy - 0.5 + sin * (0.5 - half_w) + cos * (0.5 - half_h)],
        ]
    )
