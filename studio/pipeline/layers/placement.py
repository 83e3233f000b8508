"""Where overlays go: nine positions inside a safe area that depends on the frame's shape.

Vertical frames keep clear of the platforms' interface (the caption and buttons along the bottom
and right of TikTok, Reels and Shorts, the status bar at the top); wide frames keep the broadcast
title-safe margins.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.spec.common import Position


@dataclass(frozen=True)
class Rect:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def safe_area(width: int, height: int) -> Rect:
    """The part of the frame where text is never hidden by a player's interface."""
    ratio = height / width
    if ratio >= 1.5:  # 9:16
        left, top, right, bottom = 0.06, 0.12, 0.14, 0.22
    elif ratio >= 1.0:  # 1:1 and 4:5
        left, top, right, bottom = 0.06, 0.08, 0.08, 0.12
    else:  # 16:9 and wider
        left, top, right, bottom = 0.06, 0.08, 0.06, 0.08
    return Rect(
        int(width * left), int(height * top), int(width * (1 - right)), int(height * (1 - bottom))
    )


def column(position: Position) -> str:
    return position.value.split("_")[-1] if "_" in position.value else "center"


def row(position: Position) -> str:
    return position.value.split("_")[0] if "_" in position.value else "center"


def text_box(area: Rect, position: Position, height_share: float) -> tuple[int, int]:
    """The largest text block allowed at ``position``: side columns get less width."""
    share = 0.92 if column(position) == "center" else 0.6
    return int(area.width * share), int(area.height * height_share)


def place(size: tuple[int, int], position: Position, area: Rect) -> tuple[int, int]:
    """Top-left corner (even, for I420 chroma) of a block of ``size`` at ``position``."""
    w, h = size
    x = _align(column(position), area.left, area.right, w)
    y = _align(row(position), area.top, area.bottom, h)
    return x // 2 * 2, y // 2 * 2


def _align(where: str, low: int, high: int, length: int) -> int:
    """Start of a block of ``length`` at the low edge, the high edge or centred between them."""
    if where in ("left", "top"):
        return low
    if where in ("right", "bottom"):
        return high - length
    return low + (high - low - length) // 2
