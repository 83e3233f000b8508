"""The Timeline: what to show and play at every instant, as plain data in seconds.

Production Plans and Shorts Plans both compile to a Timeline (see ``assemble``), so one compositor,
one mixer and one encoder serve Cinema, Shorts, the preview and the export. Nothing here touches
files or pixels: a Timeline is cheap to build, compare and print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from studio.spec.common import CameraMovement, Framing, Position, TransitionType

RGB = tuple[int, int, int]


class SourceKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    PLACEHOLDER = "placeholder"
    """Nothing resolved: a visible card naming what is missing (never a crash)."""


@dataclass(frozen=True)
class VisualSource:
    kind: SourceKind
    path: Path | None = None
    label: str = ""
    """What a placeholder card says (the shot id and the missing asset or prompt)."""


@dataclass(frozen=True)
class VideoLayer:
    """One shot on screen from ``start`` to ``end`` (after the coverage rule filled any gap)."""

    layer_id: str
    start: float
    end: float
    source: VisualSource
    movement: CameraMovement = CameraMovement.STATIC
    framing: Framing = Framing.MEDIUM_SHOT
    transition: TransitionType = TransitionType.CUT
    transition_seconds: float = 0.0
    """How this layer enters over the one before it, centred on ``start``."""


class TextRole(StrEnum):
    OVERLAY = "overlay"
    CAPTION = "caption"
    HOOK = "hook"


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class TextLayer:
    """Text on screen; captions carry word timings so the active word can be highlighted."""

    start: float
    end: float
    text: str
    role: TextRole
    position: Position = Position.BOTTOM_CENTER
    words: tuple[WordTiming, ...] = ()
    emphasis_words: tuple[str, ...] = ()
    emojis: tuple[str, ...] = ()
    uppercase: bool = False


@dataclass(frozen=True)
class ImageLayer:
    """A logo or sticker drawn over the picture, ``scale`` being its width over the frame's."""

    start: float
    end: float
    path: Path
    position: Position = Position.TOP_RIGHT
    scale: float = 0.12
    opacity: float = 1.0


class AudioRole(StrEnum):
    VOICE = "voice"
    MUSIC = "music"
    SFX = "sfx"


@dataclass(frozen=True)
class AudioClip:
    """A sound file placed on the timeline.

    It plays from ``start`` (timeline seconds) for ``length`` seconds, or for the file's own
    length when ``length`` is None. ``loop`` repeats the file to fill ``length``; fades are in
    seconds at each end of the placed clip.
    """

    path: Path
    start: float
    role: AudioRole
    length: float | None = None
    gain_db: float = 0.0
    loop: bool = False
    fade_in: float = 0.0
    fade_out: float = 0.0


@dataclass(frozen=True)
class Palette:
    """Colours of text and captions, from the plan, else the brand kit, else the style."""

    primary: RGB = (255, 255, 255)
    highlight: RGB = (255, 46, 245)
    accent: RGB = (0, 240, 255)


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    fps: float
    duration: float
    style: str
    video: tuple[VideoLayer, ...] = ()
    text: tuple[TextLayer, ...] = ()
    images: tuple[ImageLayer, ...] = ()
    audio: tuple[AudioClip, ...] = ()
    duck_music: bool = True
    palette: Palette = field(default_factory=Palette)
    caption_look: str = "bold"

    @property
    def frame_count(self) -> int:
        """Exactly round(duration x fps) frames, frame i showing time i / fps."""
        return round(self.duration * self.fps)

    def time_of(self, frame: int) -> float:
        return frame / self.fps
