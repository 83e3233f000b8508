"""Named looks: colour grade, glow, vignette, grain, text treatment and default transition.

A look is plain numbers so the compositor can precompute everything it implies once per shot.
Unknown style names render as neo_glow (the spec keeps styles open for planners and plugins).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from studio.pipeline.timeline import RGB, Palette
from studio.spec import Transition, TransitionType


@dataclass(frozen=True)
class TextLook:
    """How one role of text (overlay, caption, hook) is drawn; sizes are fractions of the frame."""

    size: float
    """Font size over the frame's shorter side."""
    weight: Literal["bold", "extrabold", "black"] = "black"
    outline: float = 0.0
    """Outline width over the font size."""
    shadow: float = 0.0
    """Shadow opacity; its offset and blur scale with the font size."""
    glow: float = 0.0
    """Glow strength, tinted with the palette's accent."""
    max_lines: int = 3


@dataclass(frozen=True)
class Look:
    name: str
    contrast: float = 1.0
    brightness: float = 0.0
    """Added to luma, in 8-bit steps."""
    saturation: float = 1.0
    tint: tuple[float, float] = (0.0, 0.0)
    """Added to U (towards blue) and V (towards red), in 8-bit steps."""
    vignette: float = 0.0
    """How dark the corners get, 0 (none) to 1 (black)."""
    grain: float = 0.0
    """Luma noise amplitude in 8-bit steps."""
    bloom: float = 0.0
    """Strength of the glow around bright areas of still images."""
    palette: Palette = field(default_factory=Palette)
    background: tuple[RGB, RGB] = ((10, 10, 30), (60, 20, 80))
    """Top and bottom colours of placeholder cards."""
    overlay: TextLook = TextLook(size=0.06, outline=0.06, shadow=0.6)
    caption: TextLook = TextLook(size=0.055, outline=0.10, shadow=0.5, max_lines=2)
    hook: TextLook = TextLook(size=0.085, outline=0.10, shadow=0.6, max_lines=4)
    transition: Transition = field(
        default_factory=lambda: Transition(type=TransitionType.CROSSFADE, duration=0.5)
    )


LOOKS: dict[str, Look] = {
    look.name: look
    for look in (
        Look(
            "neo_glow",
            contrast=1.12,
            brightness=-4,
            saturation=1.2,
            tint=(5.0, 4.0),
            vignette=0.35,
            bloom=0.35,
            palette=Palette((255, 255, 255), (255, 46, 245), (0, 240, 255)),
            background=((8, 6, 28), (70, 10, 90)),
            overlay=TextLook(size=0.06, outline=0.04, glow=0.9, shadow=0.4),
            caption=TextLook(size=0.055, outline=0.08, glow=0.7, shadow=0.4, max_lines=2),
            hook=TextLook(size=0.085, outline=0.08, glow=1.0, shadow=0.5, max_lines=4),
        ),
        Look(
            "film_noir",
            contrast=1.3,
            brightness=-6,
            saturation=0.0,
            vignette=0.55,
            grain=6.0,
            palette=Palette((245, 245, 245), (232, 197, 71), (255, 255, 255)),
            background=((5, 5, 5), (60, 60, 60)),
            overlay=TextLook(size=0.055, weight="extrabold", shadow=0.9),
            caption=TextLook(size=0.05, weight="extrabold", shadow=0.9, max_lines=2),
            transition=Transition(type=TransitionType.FADE_BLACK, duration=0.8),
        ),
        Look(
            "warm_documentary",
            contrast=1.05,
            brightness=2,
            saturation=1.05,
            tint=(-6.0, 5.0),
            vignette=0.2,
            grain=2.0,
            palette=Palette((255, 250, 240), (255, 184, 76), (255, 214, 153)),
            background=((40, 24, 12), (120, 72, 36)),
            overlay=TextLook(size=0.055, weight="extrabold", shadow=0.8),
            caption=TextLook(size=0.05, weight="extrabold", shadow=0.8, max_lines=2),
            transition=Transition(type=TransitionType.CROSSFADE, duration=0.8),
        ),
        Look("clean_minimal", transition=Transition(type=TransitionType.CROSSFADE, duration=0.4)),
        Look(
            "bold_pop",
            contrast=1.15,
            saturation=1.35,
            vignette=0.1,
            palette=Palette((255, 255, 255), (255, 221, 0), (255, 60, 60)),
            background=((255, 60, 60), (255, 190, 0)),
            overlay=TextLook(size=0.07, outline=0.14, shadow=0.3),
            caption=TextLook(size=0.065, outline=0.14, shadow=0.3, max_lines=2),
            hook=TextLook(size=0.095, outline=0.14, shadow=0.4, max_lines=4),
            transition=Transition(type=TransitionType.WHIP, duration=0.3),
        ),
    )
}


def look_for(style: str) -> Look:
    """The look named ``style``, or neo_glow for a name Studio does not know."""
    return LOOKS.get(style, LOOKS["neo_glow"])
