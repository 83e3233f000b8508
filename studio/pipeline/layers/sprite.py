"""RGBA pictures (text, logos) prepared for blending straight onto I420 planes.

The sprite is converted once to premultiplied Y, U, V and the inverse alpha at full and half
resolution, so a blend is two saturating byte operations per plane over the sprite's box only.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.pipeline.yuv import U8, Planes, rgb_to_yuv_full, subsample, u8


class Sprite:
    def __init__(self, rgba: U8) -> None:
        h, w = rgba.shape[:2]
        rgba = rgba[: h - h % 2, : w - w % 2]
        self.width, self.height = rgba.shape[1], rgba.shape[0]
        alpha = rgba[..., 3]
        y, u, v = rgb_to_yuv_full(np.ascontiguousarray(rgba[..., :3]))
        self.alpha = alpha
        self.alpha_half = subsample(alpha)
        self.y = u8(cv2.multiply(y, alpha, scale=1 / 255))
        self.u = subsample(u8(cv2.multiply(u, alpha, scale=1 / 255)))
        self.v = subsample(u8(cv2.multiply(v, alpha, scale=1 / 255)))

    def blend(self, frame: Planes, x: int, y: int, opacity: float = 1.0) -> None:
        """Draw over ``frame`` in place with the top-left corner at (x, y), both even."""
        for plane, colour, alpha, factor in (
            (frame.y, self.y, self.alpha, 1),
            (frame.u, self.u, self.alpha_half, 2),
            (frame.v, self.v, self.alpha_half, 2),
        ):
            left, top = x // factor, y // factor
            h, w = alpha.shape
            x0, y0 = max(0, left), max(0, top)
            x1, y1 = min(plane.shape[1], left + w), min(plane.shape[0], top + h)
            if x0 >= x1 or y0 >= y1:
                continue
            crop = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
            a, c = alpha[crop], colour[crop]
            if opacity < 1.0:
                a = u8(cv2.multiply(a, np.full_like(a, int(opacity * 255)), scale=1 / 255))
                c = u8(cv2.multiply(c, np.full_like(c, int(opacity * 255)), scale=1 / 255))
            box = plane[y0:y1, x0:x1]
            keep = cv2.multiply(box, cv2.bitwise_not(a), scale=1 / 255)
            plane[y0:y1, x0:x1] = cv2.add(keep, c)
