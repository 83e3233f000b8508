"""Choose the font size, and turn wrapped lines into a canvas with every run and plate placed.

The canvas is measured from the glyphs alone (shaped metrics, and the rasterised ink at the ends
of each line), never from colours or plates, so every colour or highlight state of the same
caption gets a sprite of the same size with the words in the same place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from studio.pipeline.text import fonts
from studio.pipeline.text.effects import Effects, Rect, effects_for, margins
from studio.pipeline.text.layout import (
    Line,
    Run,
    Token,
    analyse,
    arrange,
    ellipsize,
    token_box,
    wrap,
)
from studio.pipeline.text.style import TextStyle

AA = 1
"""Pixels of slack around the ink: glyphs are drawn at fractional pen positions."""


@dataclass(frozen=True)
class Placed:
    """A run at its pen origin (x, baseline y), with the x extent of each span inside it."""

    run: Run
    x: float
    y: float
    segments: tuple[tuple[int, float, float], ...]


@dataclass(frozen=True)
class Layout:
    size: int
    lines: int
    runs: tuple[Placed, ...]
    plates: tuple[tuple[int, Rect], ...]
    """Where each span's highlight plate goes, whether or not that span has one."""
    box: Rect | None
    width: int
    height: int
    effects: Effects


def _segments(run: Run, x: float, size: int) -> tuple[tuple[int, float, float], ...]:
    """Span extents in visual order; the ends follow the ink, inner cuts the shaped advance."""
    m = fonts.measure(run.font, run.text, run.rtl, size)
    cuts = [
        fonts.measure(run.font, run.text[:offset], run.rtl, size).advance
        for offset, _ in run.spans[1:]
    ]
    if run.rtl:
        edges = [x + m.advance - cut for cut in cuts]
        order = [span for _, span in reversed(run.spans)]
        edges.reverse()
    else:
        edges = [x + cut for cut in cuts]
        order = [span for _, span in run.spans]
    bounds = [x + m.left, *edges, x + m.right]
    return tuple((span, bounds[i], bounds[i + 1]) for i, span in enumerate(order))


def _extent(rects: Sequence[Rect]) -> Rect:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )


def _side_reach(fx: Effects, reserve: bool) -> tuple[int, int]:
    """How far past the ink the canvas reaches on the left and right."""
    left, _, right, _ = margins(fx)
    plate = fx.plate_pad_x if reserve else 0
    return max(left, fx.box_pad, plate) + AA, max(right, fx.box_pad, plate) + AA


def _visual_runs(line: Line, size: int) -> list[tuple[Run, float]]:
    return [
        (run, pen + offset)
        for token, reverse, pen in line.placed
        for run, offset in token_box(token, reverse, size)[1]
    ]


def _ends(line: Line, size: int, exact: bool) -> tuple[float, float]:
    """A line's left and right ink edge; ``exact`` rasterises the two end runs to find them."""
    if not exact:
        return line.box.left, line.box.right
    runs = _visual_runs(line, size)
    (first, x_first), (last, x_last) = runs[0], runs[-1]
    left = x_first + fonts.ink(first.font, first.text, first.rtl, size)[0]
    right = x_last + fonts.ink(last.font, last.text, last.rtl, size)[1]
    return left, right


def place(
    lines: Sequence[Sequence[Token]],
    rtl: bool,
    style: TextStyle,
    size: int,
    reserve: bool,
    exact: bool = False,
) -> Layout:
    """Align the lines, place every run, and size the canvas to hold the ink and its effects.

    Fitting compares sizes with the shaped boxes; the chosen layout is placed again ``exact``, so
    lines centre on their visible ink and the crop is tight.
    """
    fx = effects_for(style, size)
    space = _space(style, size)
    cap = -fonts.measure(fonts.chain(style.weight)[0], "H", False, size).top
    arranged = [arrange(line, rtl, size, space) for line in lines]
    ends = [_ends(line, size, exact) for line in arranged]
    block = max(right - left for left, right in ends)
    placed: list[Placed] = []
    plates: list[tuple[int, Rect]] = []
    inks: list[Rect] = []
    bands: list[tuple[float, float]] = []
    for index, (line, (ink_left, ink_right)) in enumerate(zip(arranged, ends, strict=True)):
        base = float(round(index * size * style.line_spacing))
        shift = {
            "left": -ink_left,
            "center": (block - ink_right + ink_left) / 2 - ink_left,
            "right": block - ink_right,
        }[style.align]
        top, bottom = base + min(line.box.top, -cap), base + max(line.box.bottom, 0.0)
        bands.append((top, bottom))
        extents: dict[int, tuple[float, float]] = {}
        for run, pen in _visual_runs(line, size):
            x = shift + pen
            segments = _segments(run, x, size)
            placed.append(Placed(run, x, base, segments))
            for span, x0, x1 in segments:
                low, high = extents.get(span, (x0, x1))
                extents[span] = (min(low, x0), max(high, x1))
        for span, (x0, x1) in sorted(extents.items()):
            px, py = fx.plate_pad_x, fx.plate_pad_y
            plates.append((span, (x0 - px, top - py, x1 + px, bottom + py)))
        top_ink, bottom_ink = base + line.box.top, base + line.box.bottom
        inks.append((shift + ink_left, top_ink, shift + ink_right, bottom_ink))
    ink = _extent(inks)
    box: Rect | None = None
    if style.box_color is not None and style.box_opacity > 0:
        pad = fx.box_pad
        box = (ink[0] - pad, bands[0][0] - pad, ink[2] + pad, bands[-1][1] + pad)
    left, top, right, bottom = margins(fx)
    areas = [(ink[0] - left - AA, ink[1] - top - AA, ink[2] + right + AA, ink[3] + bottom + AA)]
    areas += [box] if box is not None else []
    areas += [rect for _, rect in plates] if reserve else []
    x0, y0, x1, y1 = _extent(areas)
    ox, oy = math.floor(x0), math.floor(y0)
    return Layout(
        size=size,
        lines=len(arranged),
        runs=tuple(
            Placed(p.run, p.x - ox, p.y - oy, tuple((s, a - ox, b - ox) for s, a, b in p.segments))
            for p in placed
        ),
        plates=tuple((s, (a - ox, b - oy, c - ox, d - oy)) for s, (a, b, c, d) in plates),
        box=None if box is None else (box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy),
        width=math.ceil(x1) - ox,
        height=math.ceil(y1) - oy,
        effects=fx,
    )


def _space(style: TextStyle, size: int) -> float:
    """The gap between words; an outline eats into it, so the gap grows by the outline width."""
    space = fonts.measure(fonts.chain(style.weight)[0], " ", False, size).advance
    return space + effects_for(style, size).outline


def fit(
    texts: tuple[str, ...], style: TextStyle, max_width: int, max_height: int, reserve: bool
) -> Layout | None:
    """The largest size from ``style.size_px`` down to ``style.min_size_px`` at which the text fits
    ``max_lines``, ``max_width`` and ``max_height``; at the minimum it is truncated with an
    ellipsis instead. ``None`` for text with nothing to draw.

    The search is a binary search over whole pixel sizes, so fitting costs about seven layouts.
    """
    if style.size_px < 1:
        raise ValueError(f"size_px must be at least 1, not {style.size_px}")
    tokens, rtl = analyse(texts, style.weight, style.uppercase)
    if not tokens:
        return None
    low = max(1, min(style.min_size_px, style.size_px))
    max_lines = max(1, style.max_lines)

    def avail(size: int) -> float:
        left, right = _side_reach(effects_for(style, size), reserve)
        return max_width - left - right - 1

    def attempt(size: int) -> list[list[Token]] | None:
        lines = wrap(tokens, rtl, size, _space(style, size), avail(size), emergency=False)
        if lines is None or len(lines) > max_lines:
            return None
        layout = place(lines, rtl, style, size, reserve)
        return lines if layout.width <= max_width and layout.height <= max_height else None

    size, best = style.size_px, attempt(style.size_px)
    lo, hi = low, style.size_px - 1 if best is None else low - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        found = attempt(mid)
        if found is not None:
            size, best, lo = mid, found, mid + 1
        else:
            hi = mid - 1
    if best is None:
        size, best = low, _truncated(tokens, rtl, style, low, avail(low), max_height, reserve)
    return place(best, rtl, style, size, reserve, exact=True)


def _truncated(
    tokens: Sequence[Token],
    rtl: bool,
    style: TextStyle,
    size: int,
    avail: float,
    max_height: int,
    reserve: bool,
) -> list[list[Token]]:
    """At the minimum size: split over-long words, keep the lines that fit, end with an ellipsis.

    If even one line is taller than ``max_height`` that line is still returned: the text stays
    readable and the caller sees the overflow in the sprite's height.
    """
    space = _space(style, size)
    lines = wrap(tokens, rtl, size, space, avail, emergency=True) or []
    count = min(max(1, style.max_lines), len(lines))
    while count > 1 and place(lines[:count], rtl, style, size, reserve).height > max_height:
        count -= 1
    if count < len(lines):
        last = ellipsize(
            lines[count - 1],
            style.weight,
            lambda line: arrange(line, rtl, size, space).width <= avail,
        )
        lines = [*lines[: count - 1], last]
    return lines
