"""Draw a fitted layout: glyph coverage and per-pixel colour, colour emoji, then the effects."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from studio.pipeline.text import fonts
from studio.pipeline.text.effects import U8, Rect, compose
from studio.pipeline.text.fit import Layout, Placed, fit
from studio.pipeline.text.style import RGB, Span, TextMetrics, TextSprite, TextStyle

EMPTY = 2
"""Side of the transparent sprite for text with nothing to draw, so blending never sees 0 x 0."""


def _spans(content: str | Sequence[Span]) -> tuple[Span, ...]:
    return (Span(content),) if isinstance(content, str) else tuple(content)


def _layout(
    content: str | Sequence[Span], style: TextStyle, max_width: int, max_height: int
) -> Layout | None:
    """Span content reserves room for highlight plates, so all its states share one canvas."""
    spans = _spans(content)
    reserve = not isinstance(content, str)
    return fit(tuple(s.text for s in spans), style, max_width, max_height, reserve)


def measure_text(
    content: str | Sequence[Span], style: TextStyle, max_width: int, max_height: int
) -> TextMetrics:
    """The size ``render_text`` would produce for the same arguments, without drawing."""
    layout = _layout(content, style, max_width, max_height)
    if layout is None:
        return TextMetrics(EMPTY, EMPTY, style.size_px, 0)
    return TextMetrics(layout.width, layout.height, layout.size, layout.lines)


def render_text(
    content: str | Sequence[Span], style: TextStyle, max_width: int, max_height: int
) -> TextSprite:
    """Text fitted into ``max_width`` x ``max_height`` as a straight-alpha RGBA sprite.

    The sprite is deterministic and its size and glyph positions depend only on the text, never
    on span colours or plates.
    """
    spans = _spans(content)
    layout = _layout(content, style, max_width, max_height)
    if layout is None:
        return TextSprite(np.zeros((EMPTY, EMPTY, 4), np.uint8), style.size_px, 0)
    shape = (layout.height, layout.width)
    alpha = np.zeros(shape, np.uint8)
    fill = np.zeros((*shape, 3), np.uint8)
    emoji = np.zeros((*shape, 4), np.uint8)
    colours = [style.color if span.color is None else span.color for span in spans]
    for placed in layout.runs:
        if placed.run.font == fonts.EMOJI:
            _paste_emoji(emoji, placed, layout.size)
        else:
            _draw_run(alpha, fill, placed, layout.size, colours)
    plates: list[tuple[Rect, RGB]] = []
    for span, rect in layout.plates:
        colour = spans[span].box_color
        if colour is not None:
            plates.append((rect, colour))
    rgba = compose(style, layout.effects, fill, alpha, emoji, layout.box, plates, layout.size)
    return TextSprite(rgba, layout.size, layout.lines)


def _region(shape: tuple[int, ...], x0: float, y0: float, x1: float, y1: float) -> tuple[int, ...]:
    """An integer box around a float one, one pixel wider each side, clipped to the canvas."""
    h, w = shape[:2]
    return (
        max(0, math.floor(x0) - 1),
        max(0, math.floor(y0) - 1),
        min(w, math.ceil(x1) + 1),
        min(h, math.ceil(y1) + 1),
    )


def _draw_run(alpha: U8, fill: U8, placed: Placed, size: int, colours: list[RGB]) -> None:
    """Rasterise one shaped run and colour its pixels by the span each column belongs to."""
    run = placed.run
    m = fonts.measure(run.font, run.text, run.rtl, size)
    x0, y0, x1, y1 = _region(
        alpha.shape, placed.x + m.left, placed.y + m.top, placed.x + m.right, placed.y + m.bottom
    )
    if x1 <= x0 or y1 <= y0:
        return
    image = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(image).text(
        (placed.x - x0, placed.y - y0),
        run.text,
        fill=255,
        font=fonts.font(run.font, size),
        anchor="ls",
        direction="rtl" if run.rtl else "ltr",
        stroke_width=fonts.stroke(run.font, size),
        stroke_fill=255,
    )
    mask = np.asarray(image, dtype=np.uint8)
    region = alpha[y0:y1, x0:x1]
    np.maximum(region, mask, out=region)
    inked = mask > 0
    columns = np.arange(x0, x1, dtype=np.float32) + 0.5
    for index, (span, _, right) in enumerate(placed.segments):
        last = index == len(placed.segments) - 1
        left = placed.segments[index - 1][2] if index else -math.inf
        mine = (columns >= left) & ((columns < right) | last)
        fill[y0:y1, x0:x1][inked & mine[None, :]] = colours[span]


def _paste_emoji(canvas: U8, placed: Placed, size: int) -> None:
    """Composite a premultiplied emoji bitmap over the emoji layer."""
    bitmap, dx, dy = fonts.emoji_bitmap(placed.run.text, size)
    left, top = round(placed.x + dx), round(placed.y + dy)
    h, w = canvas.shape[:2]
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(w, left + bitmap.shape[1]), min(h, top + bitmap.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    source = bitmap[y0 - top : y1 - top, x0 - left : x1 - left].astype(np.float32)
    below = canvas[y0:y1, x0:x1].astype(np.float32)
    mixed = source + below * (1.0 - source[..., 3:4] / 255.0)
    canvas[y0:y1, x0:x1] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
