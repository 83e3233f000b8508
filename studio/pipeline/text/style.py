"""The text engine's inputs and output: a style, coloured spans, and the finished sprite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

RGB = tuple[int, int, int]
Weight = Literal["bold", "extrabold", "black"]
Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextStyle:
    """How text looks. Effect sizes are output pixels at ``size_px``; when fitting shrinks the
    text, they shrink in proportion so the look holds.

    ``line_spacing`` is the baseline-to-baseline distance in multiples of ``size_px`` (like CSS
    ``line-height``); a line's glyphs are about ``1.2 * size_px`` tall.
    """

    size_px: int
    color: RGB = (255, 255, 255)
    weight: Weight = "black"
    uppercase: bool = False
    align: Align = "center"
    line_spacing: float = 1.15
    max_lines: int = 3
    min_size_px: int = 12
    outline_px: int = 0
    outline_color: RGB = (0, 0, 0)
    shadow_offset: tuple[int, int] = (0, 0)
    shadow_blur: int = 0
    shadow_color: RGB = (0, 0, 0)
    shadow_opacity: float = 0.0
    glow_radius: int = 0
    glow_color: RGB = (0, 240, 255)
    glow_strength: float = 0.0
    box_color: RGB | None = None
    box_opacity: float = 0.0
    box_padding_px: int = 0


@dataclass(frozen=True)
class Span:
    """A piece of the text with its own colour or highlight plate; spans never move words."""

    text: str
    color: RGB | None = None
    box_color: RGB | None = None


@dataclass(frozen=True)
class TextSprite:
    """Straight-alpha RGBA, cropped to the text plus its effects (and room for span plates)."""

    rgba: npt.NDArray[np.uint8]
    size_px: int
    lines: int


@dataclass(frozen=True)
class TextMetrics:
    """What ``render_text`` would produce, without drawing it."""

    width: int
    height: int
    size_px: int
    lines: int
