"""How long a line takes to say: measured with the voice when one is available, else estimated.

The estimate is a syllable rate measured with the bundled Piper voice (joe, en-US) on a few
public-domain sentences: 4.1-5.2 syllables per second (5.0 fits best), plus a
pause after each sentence. ``VoiceClock`` asks the media provider for the actual speech, whose
files the render then reuses from the cache, so planned beats and rendered audio agree.
"""

from __future__ import annotations

from typing import Protocol

from studio.pipeline.media import MediaProvider
from studio.planning.text import split_sentences, syllables

SYLLABLES_PER_SECOND = 5.0
SENTENCE_PAUSE = 0.35


def estimate_seconds(text: str) -> float:
    """Speaking time from the measured syllable rate; at least a short breath for any word."""
    sentences = max(1, len(split_sentences(text)))
    return max(0.4, syllables(text) / SYLLABLES_PER_SECOND + SENTENCE_PAUSE * (sentences - 1))


class SpeechClock(Protocol):
    """Tells how many seconds a line of narration lasts."""

    measured: bool

    def seconds(self, text: str) -> float: ...


class RateClock:
    """The estimate alone: used when no voice can be run (or planning must be instant)."""

    measured = False

    def seconds(self, text: str) -> float:
        return estimate_seconds(text)


class VoiceClock:
    """The voice's own measured duration per line, falling back to the estimate per line."""

    def __init__(self, provider: MediaProvider, voice_id: str = "default", language: str = "en"):
        self.provider = provider
        self.voice_id = voice_id
        self.language = language
        self.measured = True
        self._known: dict[str, float] = {}

    def seconds(self, text: str) -> float:
        if text not in self._known:
            speech = self.provider.speech(text, self.voice_id, self.language)
            self._known[text] = speech.seconds if speech else estimate_seconds(text)
        return self._known[text]
