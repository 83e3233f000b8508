"""The Production Plan: the build spec of one Cinema film (seed spec, section 1).

Field names and nesting follow the seed exactly so its example validates unchanged. Fields the seed
does not show (a shot's transition, a voice line's recorded asset, a track's gain) are optional
additions with defaults, so any seed-shaped document stays valid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from studio.spec.common import (
    CameraMovement,
    Emotion,
    Framing,
    GainDb,
    Identifier,
    LanguageTag,
    LineText,
    Mood,
    Position,
    PositiveSeconds,
    ScriptText,
    Seconds,
    ShortText,
    Source,
    SpecModel,
    Style,
    Transition,
)


class Mode(StrEnum):
    """Simple plans are made for the creator; pro plans are edited shot by shot."""

    SIMPLE = "simple"
    PRO = "pro"


class Resolution(SpecModel):
    """Output frame size and rate. Sizes are even because H.264 4:2:0 needs even dimensions."""

    width: int = Field(ge=16, le=7680)
    height: int = Field(ge=16, le=7680)
    fps: float = Field(gt=0, le=120)

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"must be even (H.264 4:2:0 needs even sizes), got {value}")
        return value


class Beat(SpecModel):
    """A moment of the script: what is said and shown between two times."""

    beat_id: Identifier
    start_time: Seconds
    end_time: Seconds
    voiceover_text: LineText = ""
    on_screen_text: LineText = ""
    emotion: Emotion = "neutral"


class ScriptScene(SpecModel):
    scene_id: Identifier
    title: ShortText = ""
    description: LineText = ""
    beats: list[Beat] = Field(default_factory=list, max_length=2_000)


class Script(SpecModel):
    raw_text: ScriptText = ""
    language: LanguageTag = "en"
    scenes: list[ScriptScene] = Field(default_factory=list, max_length=500)


class Camera(SpecModel):
    movement: CameraMovement = CameraMovement.STATIC
    framing: Framing = Framing.MEDIUM_SHOT


class TextOverlay(SpecModel):
    """Text drawn over a shot for its whole length, inside the format's safe area."""

    type: Literal["text"] = "text"
    text: LineText
    position: Position = Position.BOTTOM_CENTER


class ImageOverlay(SpecModel):
    """A picture (logo, sticker) drawn over a shot, sized as a fraction of the frame width."""

    type: Literal["image"]
    asset_id: Identifier
    position: Position = Position.TOP_RIGHT
    scale: float = Field(default=0.15, gt=0, le=1)


Overlay = Annotated[TextOverlay | ImageOverlay, Field(discriminator="type")]


class Shot(SpecModel):
    shot_id: Identifier
    start_time: Seconds
    end_time: Seconds
    source: Source
    camera: Camera = Field(default_factory=Camera)
    overlays: list[Overlay] = Field(default_factory=list, max_length=50)
    transition: Transition | None = Field(
        default=None, description="How this shot enters; absent means the style's default."
    )


class VisualScene(SpecModel):
    scene_id: Identifier
    shots: list[Shot] = Field(default_factory=list, max_length=2_000)


class VisualPlan(SpecModel):
    global_style: Style = "neo_glow"
    scenes: list[VisualScene] = Field(default_factory=list, max_length=500)


class VoiceLine(SpecModel):
    """A narrated line, placed at its beat's start time."""

    beat_id: Identifier
    text: LineText
    asset_id: Identifier | None = Field(
        default=None, description="A recorded take to use instead of synthesised speech."
    )


class Voice(SpecModel):
    voice_id: Identifier = "default"
    language: LanguageTag = "en"
    lines: list[VoiceLine] = Field(default_factory=list, max_length=5_000)


class MusicTrack(SpecModel):
    track_id: Identifier
    start_time: Seconds
    end_time: Seconds
    asset_id: Identifier | None = Field(
        default=None, description="A music file to use instead of music made for the mood."
    )
    gain_db: GainDb = -12.0


class Music(SpecModel):
    mood: Mood = "cinematic"
    tracks: list[MusicTrack] = Field(default_factory=list, max_length=100)


class SoundEffect(SpecModel):
    sfx_id: Identifier
    start_time: Seconds
    name: ShortText = Field(default="", description="What it is (whoosh, hit, riser).")
    asset_id: Identifier | None = None
    gain_db: GainDb = 0.0


class AudioPlan(SpecModel):
    voice: Voice = Field(default_factory=Voice)
    music: Music = Field(default_factory=Music)
    sfx: list[SoundEffect] = Field(default_factory=list, max_length=1_000)


class Constraints(SpecModel):
    lock_script_timing: bool = False
    max_runtime_seconds: PositiveSeconds = 600.0


class ProductionPlan(SpecModel):
    """Everything downstream (asset generation, assembly, render) reads this document."""

    production_id: Identifier
    mode: Mode = Mode.SIMPLE
    style: Style = "neo_glow"
    duration_seconds: PositiveSeconds
    resolution: Resolution
    script: Script = Field(default_factory=Script)
    visual_plan: VisualPlan
    audio_plan: AudioPlan = Field(default_factory=AudioPlan)
    constraints: Constraints = Field(default_factory=Constraints)

    def shots(self) -> list[Shot]:
        """Every shot of every scene, in document order."""
        return [shot for scene in self.visual_plan.scenes for shot in scene.shots]

    def beats(self) -> list[Beat]:
        """Every beat of every scene, in document order."""
        return [beat for scene in self.script.scenes for beat in scene.beats]
