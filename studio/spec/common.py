"""Building blocks shared by every spec document: the base model, bounded types and vocabularies.

Closed vocabularies (what the renderer must implement exactly) are enums; open vocabularies (styles,
moods, emotions, caption looks) are plain strings whose known values are listed in the JSON Schema,
because a planner or a creator may name a look the renderer does not know yet: it falls back to a
default look instead of rejecting the plan.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_LINE_CHARS = 5_000
"""The longest voiceover line, caption, overlay or description a plan may carry."""

MAX_SCRIPT_CHARS = 200_000
"""The longest raw script: about three hours of narration."""

MAX_ID_CHARS = 200


class SpecModel(BaseModel):
    """Base of every spec object: immutable, strict about unknown keys, no NaN or infinity.

    Unknown keys are rejected rather than ignored so a typo such as ``start_tme`` is reported with
    its path instead of silently rendering with a default.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        str_strip_whitespace=False,
        validate_default=True,
        use_enum_values=False,
    )


def _known(values: tuple[str, ...], doc: str) -> dict[str, Any]:
    return {"description": f"{doc} Known values: {', '.join(values)}.", "examples": list(values)}


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_CHARS),
    Field(description="An identifier, unique within its document."),
]
LineText = Annotated[str, StringConstraints(max_length=MAX_LINE_CHARS)]
ShortText = Annotated[str, StringConstraints(max_length=500)]
ScriptText = Annotated[str, StringConstraints(max_length=MAX_SCRIPT_CHARS)]
Color = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"),
    Field(description="A colour as #RRGGBB.", examples=["#00F0FF"]),
]
Seconds = Annotated[float, Field(ge=0, le=86_400, description="Seconds from the start.")]
PositiveSeconds = Annotated[float, Field(gt=0, le=86_400, description="A length in seconds.")]
LanguageTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"),
    Field(description="A BCP 47 language tag such as en, pt-BR or zh-Hans."),
]
Emoji = Annotated[str, StringConstraints(min_length=1, max_length=32)]
GainDb = Annotated[float, Field(ge=-60, le=12, description="Gain in decibels.")]

KNOWN_STYLES = ("neo_glow", "clean_minimal", "film_noir", "warm_documentary", "bold_pop")
KNOWN_EMOTIONS = (
    "neutral",
    "mysterious",
    "hopeful",
    "tense",
    "joyful",
    "sad",
    "urgent",
    "calm",
    "epic",
)
KNOWN_MOODS = (
    "dark_synthwave",
    "upbeat",
    "calm",
    "cinematic",
    "lofi",
    "corporate",
    "epic",
    "none",
)
KNOWN_CAPTION_LOOKS = ("bold_caps", "clean", "outline", "highlight_box", "karaoke")

Style = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(
        json_schema_extra=_known(KNOWN_STYLES, "A named look; unknown looks render as neo_glow.")
    ),
]
Emotion = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(json_schema_extra=_known(KNOWN_EMOTIONS, "How a beat should feel; unknown is neutral.")),
]
Mood = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(json_schema_extra=_known(KNOWN_MOODS, "Music mood; unknown moods play as cinematic.")),
]
CaptionLook = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    Field(json_schema_extra=_known(KNOWN_CAPTION_LOOKS, "On-screen text look; unknown is clean.")),
]


class CameraMovement(StrEnum):
    """How the virtual camera moves over a shot's source during the shot."""

    STATIC = "static"
    SLOW_PUSH_IN = "slow_push_in"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    KEN_BURNS = "ken_burns"
    HANDHELD = "handheld"


class Framing(StrEnum):
    """How tight the shot starts: it sets the starting crop of the source."""

    WIDE_SHOT = "wide_shot"
    MEDIUM_SHOT = "medium_shot"
    CLOSE_UP = "close_up"
    EXTREME_CLOSE_UP = "extreme_close_up"


class Position(StrEnum):
    """Where an overlay sits inside the format's safe area."""

    TOP_LEFT = "top_left"
    TOP_CENTER = "top_center"
    TOP_RIGHT = "top_right"
    CENTER_LEFT = "center_left"
    CENTER = "center"
    CENTER_RIGHT = "center_right"
    BOTTOM_LEFT = "bottom_left"
    BOTTOM_CENTER = "bottom_center"
    BOTTOM_RIGHT = "bottom_right"


class SourceType(StrEnum):
    """Where a shot's pictures come from.

    The compound values are the seed's placeholders: use the asset when it resolves, otherwise
    generate from the prompt.
    """

    USER_IMAGE = "user_image"
    USER_VIDEO = "user_video"
    GENERATED = "generated"
    STOCK = "stock"
    TALKING_HEAD = "talking_head"
    BROLL = "broll"
    USER_IMAGE_OR_GENERATED = "user_image_or_generated"
    TALKING_HEAD_OR_BROLL_OR_GENERATED = "talking_head_or_broll_or_generated"

    @property
    def needs_asset(self) -> bool:
        """True when the plan is unusable without an asset id (nothing to generate from)."""
        return self in (SourceType.USER_IMAGE, SourceType.USER_VIDEO)

    @property
    def may_generate(self) -> bool:
        """True when a missing asset is made from the generation prompt instead."""
        return self in (
            SourceType.GENERATED,
            SourceType.USER_IMAGE_OR_GENERATED,
            SourceType.TALKING_HEAD_OR_BROLL_OR_GENERATED,
        )


class TransitionType(StrEnum):
    """How a shot enters over the previous one."""

    CUT = "cut"
    CROSSFADE = "crossfade"
    FADE_BLACK = "fade_black"
    SLIDE_LEFT = "slide_left"
    SLIDE_UP = "slide_up"
    WHIP = "whip"


class Source(SpecModel):
    """The pictures behind a shot: an asset from the library, or a prompt to generate from."""

    type: SourceType
    asset_id: Identifier | None = None
    generation_prompt: LineText | None = None


class Transition(SpecModel):
    """How a shot enters. Absent means the style's default (a short crossfade)."""

    type: TransitionType = TransitionType.CROSSFADE
    duration: float = Field(default=0.5, ge=0, le=5, description="Seconds of overlap.")
