"""A look's picture effects, each prepared once so the per-frame cost is a LUT or two adds.

Grade is three lookup tables on Y, U and V (contrast, brightness, saturation and tint are each a
function of one plane's value), so it costs the same on a photo (once) and a video frame. The
vignette and grain are fixed maps applied to luma per frame; bloom works on still images only,
where it is computed once per shot.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from studio.pipeline.styles import Look
from studio.pipeline.yuv import U8, Planes, u8

GRAIN_FRAMES = 6


class Grade:
    """Contrast, brightness, saturation and tint as lookup tables on each I420 plane."""

    def __init__(self, look: Look) -> None:
        levels = np.arange(256, dtype=np.float32)
        self.identity = (
            look.contrast == 1.0
            and look.brightness == 0.0
            and look.saturation == 1.0
            and look.tint == (0.0, 0.0)
        )
        self.y = _lut(126.0 + (levels - 126.0) * look.contrast + look.brightness, 16, 235)
        chroma = 128.0 + (levels - 128.0) * look.saturation
        self.u = _lut(chroma + look.tint[0], 16, 240)
        self.v = _lut(chroma + look.tint[1], 16, 240)

    def apply(self, planes: Planes) -> Planes:
        if self.identity:
            return planes
        return Planes(
            u8(cv2.LUT(planes.y, self.y)),
            u8(cv2.LUT(planes.u, self.u)),
            u8(cv2.LUT(planes.v, self.v)),
        )


def _lut(values: NDArray[np.float32], low: int, high: int) -> U8:
    return np.clip(np.round(values), low, high).astype(np.uint8)


def bloom(rgb: U8, strength: float) -> U8:
    """Glow around bright areas: the highlights, blurred wide, added back on top."""
    if strength <= 0:
        return rgb
    highlights = cv2.subtract(rgb, np.full_like(rgb, 170))
    sigma = max(2.0, 0.02 * max(rgb.shape[:2]))
    halo = cv2.GaussianBlur(highlights, (0, 0), sigma)
    return u8(cv2.addWeighted(rgb, 1.0, halo, strength * 1.5, 0))


class Finish:
    """Vignette and grain over the whole frame, prepared for one output size."""

    def __init__(self, look: Look, width: int, height: int) -> None:
        self.gain: U8 | None = None
        self.lift: U8 | None = None
        if look.vignette > 0:
            ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
            radius = np.sqrt(((xs / width - 0.5) / 0.5) ** 2 + ((ys / height - 0.5) / 0.5) ** 2)
            edge = np.clip((radius - 0.55) / 0.9, 0, 1)
            gain = 1.0 - look.vignette * edge * edge * (3 - 2 * edge)
            self.gain = np.round(gain * 255).astype(np.uint8)
            self.lift = np.round(16 * (1 - gain)).astype(np.uint8)
        self.grain: list[tuple[U8, U8]] = []
        if look.grain > 0:
            rng = np.random.default_rng(7)
            for _ in range(GRAIN_FRAMES):
                noise = rng.normal(0, look.grain, (height, width)).astype(np.float32)
                self.grain.append(
                    (
                        np.clip(noise, 0, 255).astype(np.uint8),
                        np.clip(-noise, 0, 255).astype(np.uint8),
                    )
                )

    def apply(self, planes: Planes, frame_index: int) -> None:
        """Darken the corners and add grain, in place on the luma plane."""
        if self.gain is not None and self.lift is not None:
            y = cv2.multiply(planes.y, self.gain, scale=1 / 255)
            planes.y = u8(cv2.add(y, self.lift))
        if self.grain:
            brighter, darker = self.grain[frame_index % len(self.grain)]
            planes.y = u8(cv2.subtract(cv2.add(planes.y, brighter), darker))
