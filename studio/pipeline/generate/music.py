"""Loopable background music composed on this machine: 48 kHz stereo 16-bit WAV beds.

A bed is a whole number of bars, with the tempo nudged so those bars fill the requested length to
the sample. One loop is rendered on a circle: every note, echo and reverb tail that rings past the
end is folded back onto the start, so the last sample flows into the first exactly as the music
would continue. Beds longer than about half a minute repeat that loop (written tile by tile, so a
ten-minute bed needs no more memory than one loop).

Each mood is a tempo, a key, a four-bar chord progression and a band of parts (see ``MOODS``); a
mood the table does not know is composed as ``cinematic``. The seed varies the melodies, the
arpeggio order, chord voicings and optional notes; the same mood, length and seed always give the
same bytes. Beds are mixed to about -16 LUFS with peaks under -1 dBFS.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from studio.pipeline.generate import instruments as ins
from studio.pipeline.generate.instruments import SR, Audio, Rng, place, samples
from studio.pipeline.generate.sfx import HITS, vinyl

DEFAULT_MOOD = "cinematic"
TARGET_LUFS = -16.0
MAX_LOOP_SECONDS = 32.0
"""Longer beds repeat a loop of at most this length: bounded memory, and still 8-16 bars."""
_LEAD = samples(0.25)
"""Room before time zero for the (zero-phase) mix filters' pre-ringing, folded back like a tail."""
_NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_VELOCITY = {"X": 1.0, "x": 0.75, "u": 0.75, "o": 0.4}


@dataclass(frozen=True)
class Part:
    """One instrument's line. ``pattern`` has 16 steps per bar (several bars may follow):
    ``X`` accent, ``x`` hit, ``o`` ghost, ``u`` octave up (bass), ``?`` a hit the seed decides,
    ``.`` rest. ``role`` says where pitches come from: ``hit`` (a drum), ``chord``, ``arp``,
    ``bass``, ``melody`` or ``texture`` (vinyl noise). ``enter`` is the fraction of the loop
    after which the part joins (how a bed builds)."""

    sound: str
    pattern: str
    role: str = "hit"
    octave: int = 4
    level: float = 1.0
    pan: float = 0.0
    spread: float = 0.0
    send: float = 0.15
    band: tuple[float, float] = (20.0, 20_000.0)
    enter: float = 0.0
    pump: float = 0.0
    echo: float = 0.0
    strum: float = 0.0


@dataclass(frozen=True)
class Mood:
    """A style of bed: its tempo, key, harmony, band and room."""

    bpm: float
    tonic: int
    """Pitch class of the key's root, 0 = C."""
    minor: bool
    progression: tuple[int, ...]
    """Scale degrees from 0, one chord per bar; the last one always ends the loop."""
    parts: tuple[Part, ...]
    sevenths: bool = False
    swing: float = 0.0
    """Fraction of a sixteenth by which off-beat sixteenths are late."""
    room: float = 1.8
    """Reverb time in seconds (to -60 dB)."""
    wet: float = 0.25
    """Level of the reverb return; each part's ``send`` says how much of it goes there."""
    air: float = 16_000.0
    """Master low-pass: lo-fi wants a dull top, the others only lose ultrasonic fizz."""

    @property
    def key(self) -> str:
        return f"{_NOTE_NAMES[self.tonic]} {'minor' if self.minor else 'major'}"


_ONE = "X..............."
_BACKBEAT = "....X.......X..."
_FOUR = "X...X...X...X..."
_OFFBEAT = "..x...x...x...x."
_SIXTEENTHS = "xoxoxoxoxoxoxoxo"

MOODS: dict[str, Mood] = {
    "dark_synthwave": Mood(100, 9, True, (0, 5, 2, 6), room=2.2, wet=0.58, parts=(
        Part("supersaw", _ONE, "chord", 3, 0.35, send=0.35, band=(180, 2200), pump=0.5),
        Part("saw_pluck", _SIXTEENTHS, "arp", 4, 0.7, echo=0.4, band=(250, 3800)),
        Part("bass", "x.x.x.u.x.x.x.u.", "bass", 1, 0.75, band=(35, 700), pump=0.3, send=0.0),
        Part("kick", "X.......X.......X.......X.....x.", level=1.3, send=0.02),
        Part("gated_snare", _BACKBEAT, level=0.8, send=0.12),
        Part("hat", _OFFBEAT, level=0.5, pan=0.3),
    )),
    "upbeat": Mood(120, 0, False, (0, 4, 5, 3), room=1.4, wet=0.5, parts=(
        Part("pluck", "x..x..x.?.x.x.?.", "melody", 5, 0.3, pan=-0.2, echo=0.25),
        Part("pluck", "..x...x...x...x.", "chord", 4, 0.18, pan=0.25, band=(200, 8000)),
        Part("supersaw", _ONE, "chord", 3, 0.16, send=0.3, band=(250, 3000), pump=0.6),
        Part("bass", "..X...X...X...X.", "bass", 2, 0.5, band=(35, 900), send=0.0),
        Part("kick", _FOUR, level=0.55, send=0.02),
        Part("clap", _BACKBEAT, level=0.45, send=0.2),
        Part("open_hat", _OFFBEAT, level=0.25, pan=0.2),
        Part("hat", _SIXTEENTHS, level=0.18, pan=-0.3),
    )),
    "calm": Mood(70, 5, False, (0, 5, 3, 4), sevenths=True, room=3.5, wet=0.77, air=12_000, parts=(
        Part("sine_pad", _ONE, "chord", 3, 0.5, send=0.4, band=(60, 6000)),
        Part("bell", "x.......?...?...?.......?.......", "melody", 5, 0.25, spread=0.6, send=0.6),
        Part("sub", "X.......x.......", "bass", 2, 0.6, band=(30, 400), send=0.0),
    )),
    "epic": Mood(90, 2, True, (0, 5, 2, 6), room=3.0, wet=0.68, parts=(
        Part("strings", _ONE, "chord", 2, 0.45, send=0.35, band=(50, 2500)),
        Part("spiccato", _SIXTEENTHS, "arp", 2, 0.75, band=(60, 2500), send=0.2),
        Part("strings", _ONE, "chord", 4, 0.25, send=0.4, band=(200, 6000), enter=0.5),
        Part("low_tom", "X.........X.....X.........X...x.", level=0.85, send=0.35),
        Part("tom", "......x.....x.x.", level=0.7, pan=0.2, send=0.35),
    )),
    "lofi": Mood(80, 3, False, (1, 4, 0, 5), sevenths=True, swing=0.33, room=1.0, wet=0.58,
                 air=4500, parts=(
        Part("rhodes", "X.....x.........", "chord", 3, 0.4, send=0.2, spread=0.3),
        Part("sub", "X.........x.....", "bass", 2, 0.45, band=(30, 500), send=0.0),
        Part("soft_kick", "X.....x...X.....", level=1.0, send=0.03),
        Part("soft_snare", _BACKBEAT, level=0.45, send=0.15),
        Part("hat", "x.xox.xox.xox.xo", level=0.7, pan=0.25),
        Part("vinyl", "X", "texture", level=0.08, band=(400, 6000), send=0.0),
    )),
    "inspirational": Mood(100, 7, False, (0, 3, 5, 4), room=2.5, wet=0.6, parts=(
        Part("piano", "x.x.x.x.x.x.x.x.", "arp", 3, 0.45, send=0.3, spread=0.3),
        Part("strings", _ONE, "chord", 3, 0.2, send=0.35, band=(150, 3000), enter=0.25),
        Part("sub", "X.......X.......", "bass", 2, 0.35, band=(30, 500), send=0.0, enter=0.25),
        Part("kick", _FOUR, level=0.85, send=0.03, enter=0.5),
        Part("clap", _BACKBEAT, level=0.55, send=0.25, enter=0.5),
        Part("shaker", _SIXTEENTHS, level=0.25, pan=0.25, enter=0.75),
        Part("pluck", "x..x..x.x..?..?.", "melody", 5, 0.35, pan=-0.2, echo=0.2, enter=0.75),
    )),
    "cinematic": Mood(75, 0, True, (0, 5, 3, 4), room=3.2, wet=0.7, parts=(
        Part("strings", _ONE, "chord", 3, 0.4, send=0.35, band=(50, 1800)),
        Part("piano", "X.......?.......x.......?.......", "melody", 4, 0.3, send=0.45, spread=0.3),
        Part("bass", "x.x.x.x.x.x.x.x.", "bass", 2, 0.45, band=(30, 400), send=0.05),
        Part("low_tom", "X...............X.........x.....", level=0.7, send=0.4),
    )),
    "corporate": Mood(110, 2, False, (0, 5, 3, 4), room=1.5, wet=0.6, parts=(
        Part("pluck", "x.x..x.x..x.x.x.", "chord", 4, 0.16, pan=0.3, strum=0.008),
        Part("pluck", "x..x..x...x.?...", "melody", 5, 0.22, pan=-0.2, echo=0.2),
        Part("strings", _ONE, "chord", 3, 0.12, send=0.3, band=(200, 3500)),
        Part("bass", "x.x.x.x.x.x.x.x.", "bass", 2, 0.4, band=(35, 800), send=0.0),
        Part("kick", _FOUR, level=0.65, send=0.02),
        Part("clap", _BACKBEAT, level=0.4, send=0.2),
        Part("shaker", _SIXTEENTHS, level=0.12, pan=0.2),
    )),
}  # fmt: skip


@dataclass(frozen=True)
class BedPlan:
    """How a bed of a given length is laid out: ``loops`` repeats of ``bars`` bars."""

    mood: str
    bpm: float
    key: str
    bars: int
    loops: int
    loop_frames: int
    frames: int


def mood_name(mood: str) -> str:
    """The ``MOODS`` entry a mood name selects ("Dark Synthwave" works); unknown means cinematic."""
    name = mood.strip().lower().replace("-", "_").replace(" ", "_")
    return name if name in MOODS else DEFAULT_MOOD


def plan_bed(mood: str, seconds: float) -> BedPlan:
    """Bars, loop and tempo for ``seconds`` of ``mood``; the tempo moves as little as it can."""
    frames = round(seconds * SR)
    if not math.isfinite(seconds) or frames < 1:
        raise ValueError(f"a music bed needs a positive length, got {seconds} s")
    name = mood_name(mood)
    spec = MOODS[name]
    bar = 240.0 / spec.bpm
    most = max(1, int(MAX_LOOP_SECONDS // bar))
    if seconds <= most * bar * 1.05:
        bars, loops = max(1, round(seconds / bar)), 1
    else:

        def misfit(n: int) -> tuple[float, bool, float, int]:
            error = abs(max(1, round(seconds / (n * bar))) * n * bar - seconds) / seconds
            return max(error, 0.02), n % 4 != 0, error, -n

        bars = min(range(max(1, most // 2), most + 1), key=misfit)
        loops = max(1, round(seconds / (bars * bar)))
    loop_frames = -(-frames // loops)
    bpm = bars * 4 * 60 * SR / loop_frames
    return BedPlan(name, bpm, spec.key, bars, loops, loop_frames, frames)


def compose(mood: str, seconds: float, out: Path, seed: int = 0) -> Path:
    """Write ``seconds`` of ``mood`` (exactly ``round(seconds * 48000)`` frames) to ``out``."""
    bed = plan_bed(mood, seconds)
    return ins.write_wav(out, _tiles(ins.to_pcm16(_render_loop(bed, seed)), bed))


class _Score:
    """Where bars, steps and chords of one loop fall in samples."""

    def __init__(self, mood: Mood, frames: int, bars: int) -> None:
        self.mood = mood
        self.frames = frames
        self.bars = bars
        self.step = frames / (bars * 16)
        chords = [mood.progression[b % len(mood.progression)] for b in range(bars)]
        chords[-1] = mood.progression[-1] if bars > 1 else chords[-1]
        self.chords = chords

    def at(self, bar: int, step: int) -> int:
        late = self.mood.swing if step % 2 else 0.0
        return round((bar * 16 + step + late) * self.step)

    def pitch(self, degree: int, octave: int) -> int:
        scale = _MINOR if self.mood.minor else _MAJOR
        return 12 * (octave + 1) + self.mood.tonic + 12 * (degree // 7) + scale[degree % 7]

    def chord(self, bar: int, octave: int, size: int) -> list[int]:
        return [self.pitch(self.chords[bar] + 2 * i, octave) for i in range(size)]


@dataclass(frozen=True)
class _Event:
    bar: int
    start: int
    gate: int
    velocity: float
    mark: str
    index: int
    """Position among the pattern cycle's hits: which melody or arpeggio note it plays."""


def _events(score: _Score, part: Part, rng: Rng) -> list[_Event]:
    """The part's hits over the loop; each lasts until the pattern's next hit."""
    pattern = "".join(c if c != "?" else "x" if rng.random() < 0.5 else "." for c in part.pattern)
    hits = [i for i, c in enumerate(pattern) if c != "."]
    if not hits:
        return []
    cycle = len(pattern)
    gaps = {h: (hits[(k + 1) % len(hits)] - h - 1) % cycle + 1 for k, h in enumerate(hits)}
    per_bar = max(1, cycle // 16)
    events = []
    for bar in range(math.ceil(part.enter * score.bars - 1e-9), score.bars):
        offset = (bar % per_bar) * 16
        for index, hit in enumerate(hits):
            if offset <= hit < offset + 16:
                step = hit - offset
                gate = max(1, round(gaps[hit] * score.step * 0.95))
                velocity = _VELOCITY.get(pattern[hit], 0.75) * (1 + 0.06 * rng.uniform(-1, 1))
                events.append(_Event(bar, score.at(bar, step), gate, velocity, pattern[hit], index))
    return events


def _voicings(score: _Score, part: Part, size: int, rng: Rng) -> list[list[int]]:
    """A chord per bar, each inversion chosen to move as little as possible from the last."""
    centre = 12 * (part.octave + 1) + 7
    chosen: list[list[int]] = []
    for bar in range(score.bars):
        root = score.chord(bar, part.octave, size)
        options = [
            [p + shift for p in sorted(root[r:] + [q + 12 for q in root[:r]])]
            for r in range(size)
            for shift in (-12, 0)
        ]
        near = [o for o in options if abs(sum(o) / size - centre) <= 9] or options
        if chosen:
            previous = chosen[-1]
            chosen.append(
                min(near, key=lambda o: sum(abs(a - b) for a, b in zip(o, previous, strict=True)))
            )
        else:
            chosen.append(near[int(rng.integers(len(near)))])
    return chosen


def _pan(sound: Audio, pan: float) -> Audio:
    if sound.ndim == 1:
        angle = (np.clip(pan, -1, 1) + 1) * np.pi / 4
        return np.outer(sound, [np.cos(angle), np.sin(angle)]).astype(np.float32)
    return (sound * np.array([min(1.0, 1 - pan), min(1.0, 1 + pan)], dtype=np.float32)).astype(
        np.float32
    )


def _pitches(score: _Score, part: Part, events: list[_Event], rng: Rng) -> list[list[int]]:
    """The MIDI notes each event plays, by the part's role."""
    size = 4 if score.mood.sevenths and part.role == "chord" else 3
    if part.role == "bass":
        return [
            [score.pitch(score.chords[e.bar], part.octave) + 12 * (e.mark == "u")] for e in events
        ]
    if part.role == "chord":
        voiced = _voicings(score, part, size, rng)
        return [voiced[e.bar] for e in events]
    if part.role == "arp":
        voiced = _voicings(score, part, size, rng)
        span = 2 * size
        orders = [
            list(range(span)),
            list(range(span - 1, -1, -1)),
            list(range(span)) + list(range(span - 2, 0, -1)),
            [i for k in range(span - 1) for i in (k, k + 1)],
        ]
        order = orders[int(rng.integers(len(orders)))]
        tones = [[*v, *(p + 12 for p in v)] for v in voiced]
        counts: dict[int, int] = {}
        picked = []
        for e in events:
            k = counts.get(e.bar, 0)
            counts[e.bar] = k + 1
            picked.append([tones[e.bar][order[k % len(order)]]])
        return picked
    steps = rng.choice([-2, -1, 0, 1, 2], size=len(part.pattern))
    motif = np.clip(int(rng.integers(2, 5)) + np.cumsum(steps), 0, 2 * size - 1)
    notes = []
    for e in events:
        chord = score.chord(e.bar, part.octave, size)
        tone = int(motif[e.index])
        notes.append([chord[tone % size] + 12 * (tone // size)])
    return notes


def _render_part(score: _Score, part: Part, rng: Rng) -> Audio:
    """The part's notes or hits placed around the loop, before its filter, echo and level."""
    if part.role == "texture":
        return vinyl(score.frames, rng)
    out = np.zeros((score.frames, 2), dtype=np.float32)
    events = _events(score, part, rng)
    if part.role == "hit":
        variants = [_pan(HITS[part.sound](rng), part.pan) for _ in range(3)]
        for k, e in enumerate(events):
            place(out, e.start, variants[k % 3] * e.velocity)
        return out
    voice = ins.VOICES[part.sound]
    cache: dict[tuple[int, int], Audio] = {}
    for e, notes in zip(events, _pitches(score, part, events, rng), strict=True):
        pan = part.pan + part.spread * rng.uniform(-1, 1)
        for i, midi in enumerate(notes):
            key = (midi, e.gate)
            if key not in cache:
                cache[key] = voice(440.0 * 2 ** ((midi - 69) / 12), e.gate, rng)
            place(
                out,
                e.start + samples(part.strum) * i if part.strum else e.start,
                _pan(cache[key], pan) * e.velocity,
            )
    return out


def _duck(score: _Score, rng: Rng) -> ins.Signal:
    """How far the kick pushes the pumping parts down (0..1) at each sample: the sidechain feel."""
    curve = ins.envelope(samples(0.4), 0.006, 0.1, decay=0.1)
    amount = np.zeros(score.frames, dtype=np.float32)
    for part in score.mood.parts:
        if part.sound in ("kick", "soft_kick"):
            for e in _events(score, part, rng):
                place(amount, e.start, curve)
    return np.minimum(amount, 1.0).astype(np.float64)


def _render_loop(bed: BedPlan, seed: int) -> Audio:
    """One loop, mixed in the frequency domain: each part filtered, sent to the room, mastered."""
    mood = MOODS[bed.mood]
    rng = np.random.default_rng([seed % 2**64, zlib.crc32(bed.mood.encode())])
    score = _Score(mood, bed.loop_frames, bed.bars)
    ir = ins.reverb_ir(mood.room, rng)
    size = ins.fast_length(bed.loop_frames + len(ir) + 2 * _LEAD)
    freqs = np.fft.rfftfreq(size, 1 / SR)
    duck = _duck(score, rng) if any(p.pump for p in mood.parts) else None
    dry = np.zeros((len(freqs), 2), dtype=np.complex64)
    send = np.zeros_like(dry)
    for part in mood.parts:
        audio = _render_part(score, part, rng)
        if duck is not None and part.pump:
            audio *= (1 - part.pump * duck).astype(np.float32)[:, None]
        if part.echo:
            audio = ins.ping_pong(audio, part.echo, round(score.step * 3))
        spectrum = np.fft.rfft(audio, n=size, axis=0) * (
            ins.band_gain(freqs, *part.band) * part.level
        )
        dry += spectrum
        send += spectrum * part.send
    del spectrum
    dry += send * np.fft.rfft(ir, n=size, axis=0) * mood.wet
    del send
    dry *= ins.band_gain(freqs, 25.0, mood.air)
    weighted = ins.fold(
        np.fft.irfft(dry * ins.k_weighting(freqs), n=size, axis=0), bed.loop_frames, _LEAD
    )
    gain = 10 ** ((TARGET_LUFS - ins.loudness(weighted)) / 20)
    mix = ins.fold(np.fft.irfft(dry, n=size, axis=0), bed.loop_frames, _LEAD)
    return ins.soft_clip(mix * np.float32(gain))


def _tiles(loop: NDArray[np.int16], bed: BedPlan) -> Iterator[NDArray[np.int16]]:
    """The loop ``loops`` times; when that is a few frames too long, the first tiles each drop
    their last frame (one sample, inaudible) so the final tile still flows into the first."""
    short = bed.loops * bed.loop_frames - bed.frames
    for i in range(bed.loops):
        yield loop[:-1] if i < short else loop
