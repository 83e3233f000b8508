"""Outline, shadow, glow and background plates, composited under the glyphs.

Layers stack, bottom to top: glow, box plate, span plates, shadow, outline, text, emoji. They are
blended as premultiplied float and converted to straight alpha once at the end, so soft edges
never pick up dark fringes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from studio.pipeline.text.style import RGB, TextStyle

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
Rect = tuple[float, float, float, float]
"""x0, y0, x1, y1 in pixels; x1 and y1 are exclusive edges."""


@dataclass(frozen=True)
class Effects:
    """A style's effect sizes at the size text is actually drawn.

    The style's pixel sizes are meant for ``style.size_px``; when fitting shrinks the text, they
    shrink with it so a small caption keeps the look of a large one.
    """

    outline: int
    shadow_dx: int
    shadow_dy: int
    shadow_blur: int
    shadow_opacity: float
    glow: int
    glow_strength: float
    box_pad: int
    plate_pad_x: int
    plate_pad_y: int


def _scaled(value: int, scale: float) -> int:
    return 0 if value == 0 else int(math.copysign(max(1, round(abs(value) * scale)), value))


def effects_for(style: TextStyle, size: int) -> Effects:
    scale = size / style.size_px
    shadow = style.shadow_opacity > 0
    glow = style.glow_strength > 0
    box = style.box_color is not None and style.box_opacity > 0
    return Effects(
        outline=_scaled(max(0, style.outline_px), scale),
        shadow_dx=_scaled(style.shadow_offset[0], scale) if shadow else 0,
        shadow_dy=_scaled(style.shadow_offset[1], scale) if shadow else 0,
        shadow_blur=_scaled(max(0, style.shadow_blur), scale) if shadow else 0,
        shadow_opacity=min(1.0, style.shadow_opacity),
        glow=_scaled(max(0, style.glow_radius), scale) if glow else 0,
        glow_strength=style.glow_strength,
        box_pad=_scaled(max(0, style.box_padding_px), scale) if box else 0,
        plate_pad_x=max(_scaled(style.box_padding_px, scale), round(size * 0.1), 1),
        plate_pad_y=max(1, round(size * 0.07)),
    )


def margins(fx: Effects) -> tuple[int, int, int, int]:
    """How far glow, shadow and outline reach past the ink: left, top, right, bottom."""
    reach = max(fx.outline, fx.glow)
    left = top = right = bottom = reach
    if fx.shadow_opacity > 0:
        spread = fx.outline + fx.shadow_blur
        left, right = max(left, spread - fx.shadow_dx), max(right, spread + fx.shadow_dx)
        top, bottom = max(top, spread - fx.shadow_dy), max(bottom, spread + fx.shadow_dy)
    return left, top, right, bottom


def _blur(alpha: U8, radius: int) -> F32:
    """A Gaussian whose kernel ends at ``radius`` (3 sigma), so margins hold all of it."""
    size = 2 * radius + 1
    source = alpha.astype(np.float32) * np.float32(1 / 255)
    return np.asarray(cv2.GaussianBlur(source, (size, size), radius / 3.0), dtype=np.float32)


def _shift(alpha: F32, dx: int, dy: int) -> F32:
    h, w = alpha.shape
    out = np.zeros_like(alpha)
    if abs(dx) < w and abs(dy) < h:
        out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = alpha[
            max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    return out


def rounded_rect(shape: tuple[int, int], rect: Rect, radius: float) -> F32:
    """Anti-aliased coverage of a rounded rectangle, from its exact signed distance."""
    h, w = shape
    x0, y0, x1, y1 = rect
    radius = max(0.0, min(radius, (x1 - x0) / 2, (y1 - y0) / 2))
    cols = np.arange(w, dtype=np.float32) + 0.5
    rows = np.arange(h, dtype=np.float32) + 0.5
    qx = np.abs(cols - (x0 + x1) / 2) - ((x1 - x0) / 2 - radius)
    qy = np.abs(rows - (y0 + y1) / 2) - ((y1 - y0) / 2 - radius)
    qx2, qy2 = np.maximum(qx, 0)[None, :], np.maximum(qy, 0)[:, None]
    inside = np.minimum(np.maximum(qx[None, :], qy[:, None]), 0)
    distance = np.sqrt(qx2 * qx2 + qy2 * qy2) + inside - radius
    coverage: F32 = np.clip(0.5 - distance, 0.0, 1.0).astype(np.float32)
    return coverage


class _Stack:
    """Premultiplied colour planes built front to back, the top layer first.

    ``transmit`` is how much of whatever lies below still shows through, so a layer costs one
    weight, one transmittance and three colour passes over float planes, which cv2 does fastest.
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        self.colour = [np.zeros(shape, np.float32) for _ in range(3)]
        self.transmit = np.ones(shape, np.float32)

    def under(
        self, alpha: F32, colour: RGB | None = None, straight: list[F32] | None = None
    ) -> None:
        """Slide a layer of constant ``colour``, or per-pixel ``straight`` 0..255 colour, under."""
        weight = cv2.multiply(alpha, self.transmit)
        for index in range(3):
            if straight is not None:
                tint = cv2.multiply(weight, straight[index], scale=1 / 255.0)
                self.colour[index] = _f32(cv2.add(self.colour[index], tint))
            elif colour is not None:
                scale = colour[index] / 255.0
                self.colour[index] = _f32(cv2.scaleAdd(weight, scale, self.colour[index]))
        self.transmit = _f32(cv2.subtract(self.transmit, weight))

    def straight(self) -> U8:
        alpha = 1.0 - self.transmit
        safe = np.maximum(alpha, np.float32(1e-6))
        channels = [cv2.convertScaleAbs(cv2.divide(p, safe), alpha=255.0) for p in self.colour]
        channels.append(cv2.convertScaleAbs(alpha, alpha=255.0))
        return np.asarray(cv2.merge(channels), dtype=np.uint8)


def _f32(array: object) -> F32:
    return np.asarray(array, dtype=np.float32)


def _unit(plane: U8) -> F32:
    """Bytes to coverage in 0..1."""
    return np.multiply(plane, np.float32(1 / 255), dtype=np.float32)


def compose(
    style: TextStyle,
    fx: Effects,
    fill: U8,
    text_alpha: U8,
    emoji: U8,
    box: Rect | None,
    plates: list[tuple[Rect, RGB]],
    size: int,
) -> U8:
    """Stack the effects under the glyphs and return straight-alpha RGBA.

    ``fill`` is the straight text colour per pixel, ``text_alpha`` the glyph coverage, ``emoji``
    premultiplied colour glyphs; outline, shadow and glow follow the emoji's silhouette too.
    """
    h, w = text_alpha.shape
    stack = _Stack((h, w))
    if emoji[..., 3].any():
        stack.colour = [_unit(emoji[..., c]) for c in range(3)]
        stack.transmit = 1.0 - _unit(emoji[..., 3])
    stack.under(_unit(text_alpha), straight=[c.astype(np.float32) for c in cv2.split(fill)])
    silhouette = np.maximum(text_alpha, emoji[..., 3])
    outlined = silhouette
    covers = [(rounded_rect((h, w), rect, size * 0.22), colour) for rect, colour in plates]
    if fx.outline:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * fx.outline + 1,) * 2)
        outlined = np.asarray(cv2.dilate(silhouette, kernel), dtype=np.uint8)
        outline = _unit(outlined)
        for cover, _ in covers:
            # A word on a plate needs no outline: between bold letters it would hide the plate.
            outline = outline * (1.0 - cover)
        stack.under(outline, style.outline_color)
    # Highlight plates sit right under the word, above shadow and glow, so an active word's
    # plate reads as one clean shape.
    for cover, colour in reversed(covers):
        stack.under(cover, colour)
    if fx.shadow_opacity > 0:
        shadow = _blur(outlined, fx.shadow_blur) if fx.shadow_blur else _unit(outlined)
        shadow = _shift(shadow, fx.shadow_dx, fx.shadow_dy) * np.float32(fx.shadow_opacity)
        stack.under(shadow, style.shadow_color)
    if box is not None and style.box_color is not None:
        plate = rounded_rect((h, w), box, max(fx.box_pad, size * 0.3))
        stack.under(plate * np.float32(min(1.0, style.box_opacity)), style.box_color)
    if fx.glow:
        glow = np.minimum(_blur(silhouette, fx.glow) * np.float32(fx.glow_strength), 1.0)
        stack.under(glow, style.glow_color)
    return stack.straight()
