"""Speech and images from OpenAI, cached so re-rendering a plan never pays twice.

The SDK does its own retries with exponential backoff; what still fails is mapped to
``RejectedKey`` (fix the key) or ``ProviderUnavailable`` (fall back to the next provider).
"""

from __future__ import annotations

import base64
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar, cast

import httpx
import httpx2
import openai

from studio.pipeline.captions import estimate_word_timings
from studio.pipeline.media import Speech
from studio.services.providers._cache import cache_slot, write_atomic
from studio.services.providers.errors import ProviderUnavailable, RejectedKey

PROVIDER = "openai"
ENV_VAR = "OPENAI_API_KEY"
TTS_MODEL = "gpt-4o-mini-tts"
IMAGE_MODEL = "gpt-image-1"
OPENAI_VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"}
)
VOICE_MAP = {"default": "onyx", "neo_narrator_01": "onyx", "creator_voice_or_ai": "alloy"}

T = TypeVar("T")


def openai_voice(voice_id: str) -> str:
    """The OpenAI voice for a plan's voice id: mapped, passed through, else the narrator."""
    if voice_id in OPENAI_VOICES:
        return voice_id
    return VOICE_MAP.get(voice_id, "onyx")


def image_size(width: int, height: int) -> str:
    """The supported size nearest the requested shape."""
    if width > height:
        return "1536x1024"
    if height > width:
        return "1024x1536"
    return "1024x1024"


def wav_seconds(path: Path) -> float:
    """The duration a WAV header declares."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        return wav.getnframes() / rate if rate else 0.0


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
        raise RejectedKey(PROVIDER, ENV_VAR, error.status_code) from None
    except (
        openai.APITimeoutError,
        openai.APIConnectionError,
        openai.RateLimitError,
        openai.InternalServerError,
    ) as error:
        raise ProviderUnavailable(f"{PROVIDER} is unavailable: {type(error).__name__}") from None


class OpenAIMedia:
    """Implements ``MediaProvider`` with OpenAI speech and images; no music or sound effects."""

    def __init__(
        self,
        api_key: str,
        cache: Path,
        base_url: str | None = None,
        timeout: float = 30,
        max_retries: int = 3,
        http_client: httpx.Client | httpx2.Client | None = None,
    ) -> None:
        """``http_client`` may be a legacy ``httpx`` client: the SDK (built on httpx2) adapts it."""
        self.cache = cache
        self.client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=cast("httpx2.Client | None", http_client),
        )

    def _call(self, request: Callable[[], T]) -> T:
        with _mapped_errors():
            return request()

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        voice = openai_voice(voice_id)
        path = cache_slot(self.cache, "voice", ".wav", PROVIDER, TTS_MODEL, voice, text)
        if not path.exists():
            response = self._call(
                lambda: self.client.audio.speech.create(
                    model=TTS_MODEL, voice=voice, input=text, response_format="wav"
                )
            )
            write_atomic(path, response.content)
        seconds = wav_seconds(path)
        return Speech(path, seconds, estimate_word_timings(text, 0.0, seconds))

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        """A generated still; ``motion`` is ignored (the image API makes no clips)."""
        size = image_size(width, height)
        full_prompt = f"{prompt}, {style} style"
        path = cache_slot(self.cache, "visual", ".png", PROVIDER, IMAGE_MODEL, full_prompt, size)
        if path.exists():
            return path
        response = self._call(
            lambda: self.client.images.generate(model=IMAGE_MODEL, prompt=full_prompt, size=size)
        )
        encoded = response.data[0].b64_json if response.data else None
        if not encoded:
            return None
        write_atomic(path, base64.b64decode(encoded))
        return path

    def music(self, mood: str, seconds: float) -> Path | None:
        return None

    def sfx(self, name: str) -> Path | None:
        return None
