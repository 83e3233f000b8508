"""The Shorts Plan: one hook-first short variant (seed spec, section 2)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from studio.spec.common import (
    CaptionLook,
    Color,
    Emoji,
    GainDb,
    Identifier,
    LanguageTag,
    LineText,
    Mood,
    PositiveSeconds,
    Seconds,
    ShortText,
    Source,
    SpecModel,
)

DEFAULT_SHORTS_FPS = 30.0


class ShortsFormat(StrEnum):
    """Aspect ratio of a short; each renders at one fixed size (see ``size``)."""

    VERTICAL_9_16 = "9_16"
    SQUARE_1_1 = "1_1"
    PORTRAIT_4_5 = "4_5"
    LANDSCAPE_16_9 = "16_9"

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in pixels."""
        return _FORMAT_SIZES[self]


_FORMAT_SIZES = {
    ShortsFormat.VERTICAL_9_16: (1080, 1920),
    ShortsFormat.SQUARE_1_1: (1080, 1080),
    ShortsFormat.PORTRAIT_4_5: (1080, 1350),
    ShortsFormat.LANDSCAPE_16_9: (1920, 1080),
}


class Hook(SpecModel):
    """The first words on screen; emphasis words are drawn in the highlight colour."""

    text: LineText = Field(min_length=1)
    emphasis_words: list[ShortText] = Field(default_factory=list, max_length=50)
    on_screen_style: CaptionLook = "bold_caps"


class ScriptLine(SpecModel):
    start_time: Seconds
    end_time: Seconds
    text: LineText = Field(description="What the voice says.")
    caption: LineText = Field(default="", description="What the captions show; empty means text.")
    emojis: list[Emoji] = Field(default_factory=list, max_length=20)


class ShortsScript(SpecModel):
    lines: list[ScriptLine] = Field(default_factory=list, max_length=2_000)


class CaptionsStyle(SpecModel):
    """Word-timed caption look; a colour left out comes from the brand kit."""

    font_style: CaptionLook = "bold"
    primary_color: Color | None = None
    highlight_color: Color | None = None


class ShortsVisualPlan(SpecModel):
    source: Source
    captions_style: CaptionsStyle = Field(default_factory=CaptionsStyle)


class ShortsVoice(SpecModel):
    voice_id: Identifier = "default"
    language: LanguageTag = "en"
    asset_id: Identifier | None = Field(
        default=None, description="The creator's recorded voice instead of synthesised speech."
    )


class ShortsMusic(SpecModel):
    mood: Mood = "upbeat"
    duck_under_voice: bool = True
    asset_id: Identifier | None = None
    gain_db: GainDb = -12.0


class ShortsAudioPlan(SpecModel):
    voice: ShortsVoice = Field(default_factory=ShortsVoice)
    music: ShortsMusic = Field(default_factory=ShortsMusic)


class PublishSuggestions(SpecModel):
    title: ShortText = ""
    caption: LineText = ""
    hashtags: list[ShortText] = Field(default_factory=list, max_length=30)


class ShortsPlan(SpecModel):
    short_id: Identifier
    variant_id: Identifier
    format: ShortsFormat = ShortsFormat.VERTICAL_9_16
    duration_seconds: PositiveSeconds
    fps: float = Field(default=DEFAULT_SHORTS_FPS, gt=0, le=120)
    hook: Hook
    script: ShortsScript = Field(default_factory=ShortsScript)
    visual_plan: ShortsVisualPlan
    audio_plan: ShortsAudioPlan = Field(default_factory=ShortsAudioPlan)
    publish_suggestions: PublishSuggestions = Field(default_factory=PublishSuggestions)
