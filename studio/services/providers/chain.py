"""Ask providers in order, so an outage of a networked one falls back to offline media.

A rejected or missing key is not an outage: it propagates, because only the user can fix it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from studio.pipeline.generate.provider import LocalMedia, default_cache_dir
from studio.pipeline.media import MediaProvider, Speech
from studio.services.providers.errors import ProviderUnavailable
from studio.services.providers.openai_media import OpenAIMedia
from studio.services.providers.pexels import PexelsMedia

T = TypeVar("T")


class ChainMedia:
    """Implements ``MediaProvider`` by asking each provider in turn; ``notes`` lists outages."""

    def __init__(self, providers: Sequence[MediaProvider]) -> None:
        self.providers = list(providers)
        self.notes: list[str] = []

    def _first(self, ask: Callable[[MediaProvider], T | None]) -> T | None:
        for provider in self.providers:
            try:
                result = ask(provider)
            except ProviderUnavailable as error:
                self.notes.append(f"{type(provider).__name__}: {error}; trying the next provider")
                continue
            if result is not None:
                return result
        return None

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        return self._first(lambda p: p.speech(text, voice_id, language))

    def music(self, mood: str, seconds: float) -> Path | None:
        return self._first(lambda p: p.music(mood, seconds))

    def visual(self, prompt: str, style: str, width: int, height: int) -> Path | None:
        return self._first(lambda p: p.visual(prompt, style, width, height))

    def sfx(self, name: str) -> Path | None:
        return self._first(lambda p: p.sfx(name))


def media_from_env(cache: Path | None = None) -> ChainMedia:
    """OpenAI, then Pexels (each only when its key is set), then offline ``LocalMedia``.

    Keys come from ``OPENAI_API_KEY`` (with optional ``OPENAI_BASE_URL``) and
    ``PEXELS_API_KEY``. Environment variables are the interim: keyring-based secrets come later.
    """
    folder = cache or default_cache_dir()
    providers: list[MediaProvider] = []
    openai_key = os.environ.get("OPENAI_API_KEY")
    if openai_key:
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        providers.append(OpenAIMedia(openai_key, folder / "openai", base_url=base_url))
    pexels_key = os.environ.get("PEXELS_API_KEY")
    if pexels_key:
        providers.append(PexelsMedia(pexels_key, folder / "pexels"))
    providers.append(LocalMedia(folder))
    return ChainMedia(providers)
