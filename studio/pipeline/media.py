"""Finding the files a plan names, and the providers that make what no file supplies.

A plan's ``asset_id`` X resolves to ``DIR/X.*`` in the assets folder. Whatever does not resolve
(a generated shot, a voice line with no recording, music for a mood) is asked of a
``MediaProvider``; the default provider makes nothing, so the assembler falls back to a visible
placeholder or silence and says so in a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from studio.pipeline.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from studio.pipeline.timeline import WordTiming

AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"}


class AssetResolver:
    """Maps asset ids to files in one folder (``--assets DIR``)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def find(self, asset_id: str | None, suffixes: set[str] | None = None) -> Path | None:
        """The file ``DIR/<asset_id>.*`` (of one of ``suffixes`` when given), or None."""
        if not asset_id or self.folder is None or "/" in asset_id or "\\" in asset_id:
            return None
        matches = sorted(
            path
            for path in self.folder.glob(f"{_glob_escape(asset_id)}.*")
            if path.is_file()
            and path.stem == asset_id
            and (suffixes is None or path.suffix.lower() in suffixes)
        )
        return matches[0] if matches else None

    def find_visual(self, asset_id: str | None) -> Path | None:
        return self.find(asset_id, IMAGE_SUFFIXES | VIDEO_SUFFIXES)

    def find_audio(self, asset_id: str | None) -> Path | None:
        return self.find(asset_id, AUDIO_SUFFIXES | VIDEO_SUFFIXES)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


@dataclass(frozen=True)
class Speech:
    """A synthesised line: its audio file and, when the voice knows them, word timings."""

    path: Path
    seconds: float
    words: tuple[WordTiming, ...] = ()


class MediaProvider(Protocol):
    """Makes media a plan needs but does not supply. Each method returns None when it cannot."""

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None: ...

    def music(self, mood: str, seconds: float) -> Path | None: ...

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        """A picture for the prompt at about ``width`` x ``height``.

        ``motion`` says the shot wants footage: a video clip is preferred, but a still image is
        still an acceptable answer (the assembler tells them apart by the file's suffix).
        """
        ...

    def sfx(self, name: str) -> Path | None: ...


class NoMedia:
    """The provider that makes nothing: placeholders and silence, each with a warning."""

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        return None

    def music(self, mood: str, seconds: float) -> Path | None:
        return None

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        return None

    def sfx(self, name: str) -> Path | None:
        return None
