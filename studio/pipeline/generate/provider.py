"""The offline media provider: voice, music, visuals and sound effects made on this machine.

Everything it makes is cached by a hash of what determines it (generator version, voice, text,
mood, length, prompt, style, size), so rendering a plan again reuses unchanged lines and beds
instead of making them again. Each call is logged as made or reused, which is what
``cinema.generate_assets`` reports.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_cache_dir

from studio.pipeline.generate.music import compose
from studio.pipeline.generate.sfx import SFX_NAMES, make_sfx
from studio.pipeline.generate.visuals import paint
from studio.pipeline.generate.voice import synthesize
from studio.pipeline.media import Speech
from studio.pipeline.timeline import WordTiming

GENERATOR_VERSION = "1"
"""Bumped when a generator's output changes, so old cache entries are not reused."""


def default_cache_dir() -> Path:
    """``STUDIO_CACHE_DIR``, else the platform's per-user cache folder."""
    override = os.environ.get("STUDIO_CACHE_DIR")
    return Path(override) if override else Path(user_cache_dir("studio")) / "media"


def _key(*parts: object) -> str:
    text = json.dumps([GENERATOR_VERSION, *parts], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Made:
    """One piece of media the provider supplied, and whether it was made now or reused."""

    kind: str
    what: str
    path: Path
    reused: bool


@dataclass
class LocalMedia:
    """Implements ``MediaProvider`` with the offline generators, caching in ``cache``."""

    cache: Path = field(default_factory=default_cache_dir)
    log: list[Made] = field(default_factory=list)

    def _slot(self, kind: str, key: str, suffix: str) -> Path:
        folder = self.cache / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{key}{suffix}"

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        path = self._slot("voice", _key("voice", voice_id, language, text), ".wav")
        timings = path.with_suffix(".json")
        reused = path.exists() and timings.exists()
        if reused:
            stored = json.loads(timings.read_text(encoding="utf-8"))
            speech = Speech(
                path,
                float(stored["seconds"]),
                tuple(WordTiming(w["word"], w["start"], w["end"]) for w in stored["words"]),
            )
        else:
            speech = synthesize(text, path, voice_id, language)
            words = [{"word": w.word, "start": w.start, "end": w.end} for w in speech.words]
            timings.write_text(json.dumps({"seconds": speech.seconds, "words": words}), "utf-8")
        self.log.append(Made("voice", text[:60], path, reused))
        return speech

    def music(self, mood: str, seconds: float) -> Path | None:
        path = self._slot("music", _key("music", mood, round(seconds, 3)), ".wav")
        reused = path.exists()
        if not reused:
            compose(mood, seconds, path)
        self.log.append(Made("music", f"{mood}, {seconds:g} s", path, reused))
        return path

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        """A painted still; ``motion`` is ignored (the compositor's camera move animates it)."""
        path = self._slot("visual", _key("visual", prompt, style, width, height), ".png")
        reused = path.exists()
        if not reused:
            paint(prompt, style, width, height, path)
        self.log.append(Made("visual", prompt[:60] or style, path, reused))
        return path

    def sfx(self, name: str) -> Path | None:
        if name not in SFX_NAMES:
            return None
        path = self._slot("sfx", _key("sfx", name), ".wav")
        reused = path.exists()
        if not reused:
            make_sfx(name, path)
        self.log.append(Made("sfx", name, path, reused))
        return path
