"""What is said in a video, as timed words and sentences, so highlights can be cut and captioned.

Recognisers, tried in this order:

1. OpenAI's ``whisper-1`` with word and segment timestamps, when ``OPENAI_API_KEY`` is set
   (``OPENAI_BASE_URL`` is honoured, so an OpenAI-compatible server works too). The sound is
   extracted first as 16 kHz mono AAC at 24 kbit/s, so about two hours fit the API's 25 MB limit.
   An outage (timeout, rate limit, server error) falls through to the next recogniser with a
   note; a rejected key is an error, because only the creator can fix it.
2. A subtitles file beside the video (same stem, ``.srt`` or ``.vtt``): the creator's own words.
   Word times are estimated inside each cue, in proportion to the words' lengths.
3. PocketSphinx, offline. Its PyPI wheel (``pocketsphinx``, BSD licence) ships the CMU US English
   acoustic model, language model and dictionary inside the package, so nothing is downloaded
   at run time. It is English only, less accurate than Whisper and gives no punctuation, so its
   sentences are cut at pauses. (The other offline recognisers on PyPI, such as faster-whisper,
   vosk and moonshine, fetch their models from a hub at run time.)

When none applies (no key, no subtitles, a language other than English), ``transcribe`` raises
``TranscriptionUnavailable`` saying what to do. Transcripts from a recogniser are cached by the
file's content, so ``studio shorts hooks`` then ``studio shorts variants`` transcribe once.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import openai
import pocketsphinx  # type: ignore[import-untyped]
import regex  # type: ignore[import-untyped]

from studio.pipeline.captions import estimate_word_timings
from studio.pipeline.generate.provider import default_cache_dir
from studio.planning.text import split_sentences

OPENAI_MODEL = "whisper-1"
OPENAI_LIMIT_BYTES = 25 * 1024 * 1024
SAMPLE_RATE = 16_000
SUBTITLE_SUFFIXES = (".srt", ".vtt")
OFFLINE_LANGUAGES = frozenset({"en"})
PAUSE_BREAK_SECONDS = 0.25
"""A silence this long ends a sentence when the recogniser gives no punctuation."""
MAX_SENTENCE_WORDS = 25
UTTERANCE_SECONDS = 30.0
"""Offline decoding works on pieces of at most this length, cut at the quietest moment."""
CACHE_VERSION = "1"
UNAVAILABLE = (
    "no speech recogniser for this video: set OPENAI_API_KEY (whisper-1) or put a .srt/.vtt "
    "subtitles file with the same name beside the video"
)

_NOT_ALNUM = regex.compile(r"[^\p{L}\p{N}]+")
_CUE_TIME = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
)
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")


class TranscriptionError(Exception):
    """The speech could not be read; the message names the file and what to do."""


class TranscriptionUnavailable(TranscriptionError):
    """No recogniser applies to this video (see the module docstring)."""


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class TimedSentence:
    """A sentence and when it is said, in seconds of the source video."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    sentences: tuple[TimedSentence, ...]
    words: tuple[TimedWord, ...]
    recogniser: str
    notes: tuple[str, ...] = ()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content, read in chunks (videos can be large)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sidecar_for(video: Path) -> Path | None:
    """The subtitles file beside the video (same stem, .srt or .vtt), if there is one."""
    for suffix in SUBTITLE_SUFFIXES:
        for candidate in (video.with_suffix(suffix), video.with_suffix(suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


def transcribe(video: Path, language: str = "en") -> Transcript:
    """The video's speech by the first recogniser that applies (see the module docstring)."""
    notes: list[str] = []
    key = os.environ.get("OPENAI_API_KEY")
    if key:
        try:
            return _cached(video, "openai", lambda: transcribe_openai(video, key, language))
        except _Outage as outage:
            notes.append(f"OpenAI transcription is unavailable ({outage}); trying the next way")
    sidecar = sidecar_for(video)
    if sidecar is not None:
        return replace(read_subtitles(sidecar), notes=tuple(notes))
    if language.split("-", maxsplit=1)[0].lower() in OFFLINE_LANGUAGES:
        transcript = _cached(video, "pocketsphinx", lambda: transcribe_offline(video))
        return replace(transcript, notes=tuple(notes))
    raise TranscriptionUnavailable(
        f"{video}: {UNAVAILABLE} (the offline recogniser knows English only, not {language!r})"
    )


class _Outage(Exception):
    """The networked recogniser could not answer now; another way may still work."""


def _cached(video: Path, method: str, make: Callable[[], Transcript]) -> Transcript:
    folder = default_cache_dir() / "transcripts"
    path = folder / f"{method}-{CACHE_VERSION}-{file_digest(video)[:32]}.json"
    if path.is_file():
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
    transcript = make()
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(asdict(transcript), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
    return transcript


def _from_json(data: Any) -> Transcript:
    """A cached transcript; anything malformed raises ValueError, KeyError or TypeError."""
    if not isinstance(data, dict):
        raise TypeError("not a transcript")
    return Transcript(
        tuple(
            TimedSentence(str(s["text"]), float(s["start"]), float(s["end"]))
            for s in data["sentences"]
        ),
        tuple(TimedWord(str(w["word"]), float(w["start"]), float(w["end"])) for w in data["words"]),
        str(data["recogniser"]),
    )


def extract_audio(video: Path, out: Path, args: list[str]) -> Path:
    """The video's first audio stream as 16 kHz mono in the format ``args`` asks for."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(video),
        "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), *args, str(out),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace")
        if "matches no streams" in stderr or "does not contain any stream" in stderr:
            raise TranscriptionError(f"{video}: the video has no sound to transcribe")
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise TranscriptionError(f"{video}: cannot read its sound: {lines[-1] if lines else ''}")
    return out


def transcribe_openai(video: Path, api_key: str, language: str = "en") -> Transcript:
    """Whisper's words and segments for the video, via the OpenAI SDK."""
    with tempfile.TemporaryDirectory(prefix="studio-transcribe-") as folder:
        audio = extract_audio(video, Path(folder) / "speech.m4a", ["-c:a", "aac", "-b:a", "24k"])
        size = audio.stat().st_size
        if size > OPENAI_LIMIT_BYTES:
            raise TranscriptionError(
                f"{video}: its sound is {size // 1024 // 1024} MB even compressed, over the "
                "25 MB the transcription API accepts: cut the video shorter first"
            )
        client = openai.OpenAI(
            api_key=api_key, base_url=os.environ.get("OPENAI_BASE_URL") or None, timeout=600
        )
        try:
            with audio.open("rb") as handle:
                result = client.audio.transcriptions.create(
                    model=OPENAI_MODEL,
                    file=handle,
                    response_format="verbose_json",
                    timestamp_granularities=["word", "segment"],
                    language=language.split("-", maxsplit=1)[0].lower(),
                )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise TranscriptionError(
                f"OpenAI rejected the API key (HTTP {error.status_code}): check OPENAI_API_KEY"
            ) from None
        except (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
        ) as error:
            raise _Outage(type(error).__name__) from None
        except openai.APIStatusError as error:
            raise TranscriptionError(
                f"{video}: the transcription service refused it (HTTP {error.status_code})"
            ) from None
    words = [TimedWord(w.word.strip(), w.start, w.end) for w in result.words or ()]
    if not words:
        for segment in result.segments or ():
            words += _estimated(segment.text, segment.start, segment.end)
    text = result.text or " ".join(w.word for w in words)
    return Transcript(
        tuple(align_sentences(split_sentences(text), words)), tuple(words), f"OpenAI {OPENAI_MODEL}"
    )


def _estimated(text: str, start: float, end: float) -> list[TimedWord]:
    return [TimedWord(w.word, w.start, w.end) for w in estimate_word_timings(text, start, end)]


def _alnum(text: str) -> str:
    return str(_NOT_ALNUM.sub("", text.casefold()))


def align_sentences(sentences: list[str], words: list[TimedWord]) -> list[TimedSentence]:
    """Each sentence timed by the words it covers.

    Sentences and words are matched through their letters and digits alone, so punctuation,
    spacing and a recogniser's different tokenisation ("3.50" as one word or two) do not matter;
    when the two disagree in length, positions are scaled from one to the other.
    """
    ends: list[int] = []
    total = 0
    for word in words:
        total += len(_alnum(word.word))
        ends.append(total)
    lengths = [len(_alnum(sentence)) for sentence in sentences]
    wanted = sum(lengths)
    if not words or total == 0 or wanted == 0:
        return []
    scale = total / wanted
    timed: list[TimedSentence] = []
    cursor = 0
    previous_end = 0.0
    for sentence, length in zip(sentences, lengths, strict=True):
        if length == 0:
            continue
        first = min(bisect.bisect_right(ends, cursor * scale), len(words) - 1)
        last = min(bisect.bisect_right(ends, (cursor + length - 0.5) * scale), len(words) - 1)
        cursor += length
        start = max(words[first].start, previous_end)
        end = max(words[max(first, last)].end, start + 0.05)
        timed.append(TimedSentence(sentence, round(start, 3), round(end, 3)))
        previous_end = end
    return timed


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )


def read_subtitles(path: Path) -> Transcript:
    """An .srt or .vtt file as a transcript; word times are estimated within each cue."""
    try:
        raw = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        raise TranscriptionError(f"{path}: cannot read the subtitles: {error.strerror}") from None
    words: list[TimedWord] = []
    texts: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip().split("\n")
        timing = next((i for i, line in enumerate(lines) if _CUE_TIME.search(line)), None)
        if timing is None:
            continue
        found = _CUE_TIME.search(lines[timing])
        assert found is not None
        start = _seconds(*found.groups()[:4])
        end = _seconds(*found.groups()[4:])
        text = " ".join(_TAG.sub("", line).strip() for line in lines[timing + 1 :])
        text = " ".join(text.split())
        if text and end > start:
            texts.append(text)
            words += _estimated(text, start, end)
    if not words:
        raise TranscriptionError(f"{path}: no timed subtitles found (expected SRT or WebVTT cues)")
    sentences = align_sentences(split_sentences(" ".join(texts)), words)
    return Transcript(tuple(sentences), tuple(words), f"subtitles {path.name}")


def _utterances(samples: np.ndarray[tuple[int], np.dtype[np.int16]]) -> list[tuple[int, int]]:
    """Pieces of at most ``UTTERANCE_SECONDS``, each cut at its quietest 100 ms."""
    limit = int(UTTERANCE_SECONDS * SAMPLE_RATE)
    window = SAMPLE_RATE // 10
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(samples) - start > limit:
        search = samples[start + limit * 2 // 3 : start + limit].astype(np.float32)
        frames = len(search) // window
        energy = (search[: frames * window].reshape(frames, window) ** 2).mean(axis=1)
        cut = start + limit * 2 // 3 + int(np.argmin(energy)) * window + window // 2
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(samples)))
    return pieces


def transcribe_offline(video: Path) -> Transcript:
    """PocketSphinx's words for the video (US English); sentences are cut at pauses."""
    with tempfile.TemporaryDirectory(prefix="studio-transcribe-") as folder:
        raw = extract_audio(video, Path(folder) / "speech.raw", ["-f", "s16le"]).read_bytes()
    samples = np.frombuffer(raw, np.int16)
    decoder = pocketsphinx.Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    frame_rate = float(decoder.config["frate"])
    words: list[TimedWord] = []
    for first, last in _utterances(samples):
        decoder.start_utt()
        decoder.process_raw(samples[first:last].tobytes(), full_utt=True)
        decoder.end_utt()
        offset = first / SAMPLE_RATE
        for segment in decoder.seg():
            word = re.sub(r"\(\d+\)$", "", str(segment.word))
            if _FILLER.match(word):
                continue
            start = offset + segment.start_frame / frame_rate
            end = offset + (segment.end_frame + 1) / frame_rate
            words.append(TimedWord(word, round(start, 3), round(end, 3)))
    return Transcript(tuple(sentences_at_pauses(words)), tuple(words), "PocketSphinx (offline)")


def sentences_at_pauses(words: list[TimedWord]) -> list[TimedSentence]:
    """Unpunctuated words as sentences: a long pause or a long run of words ends one."""
    groups: list[list[TimedWord]] = []
    for word in words:
        if (
            not groups
            or word.start - groups[-1][-1].end >= PAUSE_BREAK_SECONDS
            or len(groups[-1]) >= MAX_SENTENCE_WORDS
        ):
            groups.append([])
        groups[-1].append(word)
    sentences = []
    for group in groups:
        spoken = ["I" if w.word == "i" else re.sub(r"^i'", "I'", w.word) for w in group]
        text = " ".join(spoken)
        sentences.append(
            TimedSentence(text[:1].upper() + text[1:] + ".", group[0].start, group[-1].end)
        )
    return sentences
