"""Ask providers in order, so an outage of a networked one falls back to offline media.

A rejected or missing key is not an outage: it propagates, because only the user can fix it.
A shot that wants footage asks the footage providers (stock video) first, so a generated still
does not win over a clip only because its provider comes earlier in the chain.
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
    """Implements ``MediaProvider`` by asking each provider in turn; ``notes`` lists outages.

    ``footage`` are those of ``providers`` that can supply video clips: they move to the front
    when ``visual`` is asked for motion.
    """

    def __init__(
        self, providers: Sequence[MediaProvider], footage: Sequence[MediaProvider] = ()
    ) -> None:
        self.providers = list(providers)
        self.footage = list(footage)
        self.notes: list[str] = []

    def _first(
        self,
        ask: Callable[[MediaProvider], T | None],
        order: Sequence[MediaProvider] | None = None,
    ) -> T | None:
        for provider in self.providers if order is None else order:
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

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        order = self.providers
        if motion:
            order = sorted(self.providers, key=lambda p: p not in self.footage)
        return self._first(lambda p: p.visual(prompt, style, width, height, motion=motion), order)

    def sfx(self, name: str) -> Path | None:
        return self._first(lambda p: p.sfx(name))


def media_from_env(cache: Path | None = None) -> ChainMedia:
    """OpenAI, then Pexels (each only when its key is set), then offline ``LocalMedia``.

    Pexels is also the footage provider, asked first for shots that want video.

    Keys come from ``OPENAI_API_KEY`` (with optional ``OPENAI_BASE_URL``) and
    ``PEXELS_API_KEY``. Environment variables are the interim: keyring-based secrets come later.
    """
    folder = cache or default_cache_dir()
    providers: list[MediaProvider] = []
    openai_key = os.environ.get("OPENAI_API_KEY")
    if openai_key:
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        providers.append(OpenAIMedia(openai_key, folder / "openai", base_url=base_url))
    footage: list[MediaProvider] = []
    pexels_key = os.environ.get("PEXELS_API_KEY")
    if pexels_key:
        footage.append(PexelsMedia(pexels_key, folder / "pexels"))
    providers.extend(footage)
    providers.append(LocalMedia(folder))
    return ChainMedia(providers, footage)
