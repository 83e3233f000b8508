"""Pitched voices and the mixing desk of the offline music: envelopes, filters, reverb, loudness.

Every voice renders a whole note at once with numpy (closed-form phases, no per-sample loops), so a
bed of hundreds of notes takes a fraction of a second. Envelopes always open and close with a
raised-cosine ramp, because a note that starts or stops on a non-zero sample is heard as a click.
The mix helpers treat a loop as a circle: what rings past its end lands on its start.
"""

from __future__ import annotations

import math
import os
import tempfile
import wave
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SR = 48_000
PEAK = 10 ** (-1.1 / 20)
"""Output ceiling, just under -1 dBFS so that rounding to 16 bits cannot cross it."""
Audio = NDArray[np.float32]
Signal = NDArray[np.float64]
Rng = np.random.Generator
Voice = Callable[[float, int, Rng], Audio]
"""``(frequency, gate in samples, rng)`` to a note: its gate plus the voice's own release."""
_TAU = 2.0 * np.pi


def samples(seconds: float) -> int:
    return max(1, round(seconds * SR))


def envelope(
    n: int, attack: float, release: float, decay: float = 0.0, floor: float = 0.0
) -> Signal:
    """Raised-cosine attack and release around an optional exponential decay towards ``floor``."""
    t = np.arange(n) / SR
    env = np.ones(n) if decay <= 0 else floor + (1.0 - floor) * np.exp(-t / decay)
    a = min(n, samples(attack))
    env[:a] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    r = min(n, samples(release))
    env[n - r :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, r + 1) / r)
    return env


def _phase(
    freq: float, n: int, start: float = 0.0, wobble: Iterable[tuple[float, float]] = ()
) -> Signal:
    """Phase in cycles; each ``(depth, rate)`` adds a sinusoidal pitch drift (vibrato, wow)."""
    t = np.arange(n) / SR
    cycles = start + freq * t
    for depth, rate in wobble:
        cycles += freq * depth * (1.0 - np.cos(_TAU * rate * t)) / (_TAU * rate)
    return cycles


def _saw(cycles: Signal, freq: float) -> Signal:
    """A saw with polyBLEP corners: the buzz of a saw without the aliasing hiss of a naive one."""
    dt = min(freq / SR, 0.5)
    t = cycles % 1.0
    y = 2.0 * t - 1.0
    low = t < dt
    x = t[low] / dt
    y[low] -= 2.0 * x - x * x - 1.0
    high = t > 1.0 - dt
    x = (t[high] - 1.0) / dt
    y[high] -= x * x + 2.0 * x + 1.0
    return y


def _stereo(left: Signal, right: Signal, gain: Signal) -> Audio:
    out: Audio = (np.stack([left, right], axis=1) * gain[:, None]).astype(np.float32)
    return out


def _mono(signal: Signal) -> Audio:
    return signal.astype(np.float32)


def _detuned(freq: float, n: int, rng: Rng, cents: float, vibrato: float = 0.0) -> list[Signal]:
    """Three saws a few cents apart (the chorus of an analogue pad), free-running phases."""
    out = []
    for c in (-cents, 0.0, cents):
        f = freq * 2 ** (c / 1200)
        wobble = ((vibrato, 4.6 + rng.random()),) if vibrato else ()
        out.append(_saw(_phase(f, n, rng.random(), wobble), f))
    return out


def supersaw(freq: float, gate: int, rng: Rng) -> Audio:
    """The wide synthwave/pop pad; the mix low-passes it, so its saws only add warmth."""
    n = gate + samples(0.45)
    a, b, c = _detuned(freq, n, rng, 9.0)
    return _stereo(a + 0.6 * b, c + 0.6 * b, 0.35 * envelope(n, 0.06, 0.45))


def strings(freq: float, gate: int, rng: Rng) -> Audio:
    """A string-section stand-in: slow bow-like swell, vibrato, detuned saws left and right."""
    n = gate + samples(0.9)
    a, b, c = _detuned(freq, n, rng, 6.0, vibrato=0.0025)
    return _stereo(a + 0.5 * b, c + 0.5 * b, 0.35 * envelope(n, 0.35, 0.9))


def sine_pad(freq: float, gate: int, rng: Rng) -> Audio:
    """Soft pad of near-sines, detuned between the ears for gentle movement without buzz."""
    n = gate + samples(1.6)
    channels = []
    for cents in (-3.0, 3.0):
        c = _phase(
            freq * 2 ** (cents / 1200), n, rng.random(), ((0.0015, 0.3 + 0.2 * rng.random()),)
        )
        channels.append(
            np.sin(_TAU * c) + 0.18 * np.sin(2 * _TAU * c) + 0.05 * np.sin(3 * _TAU * c)
        )
    return _stereo(channels[0], channels[1], 0.5 * envelope(n, 0.8, 1.6))


def bell(freq: float, gate: int, rng: Rng) -> Audio:
    """FM bell (inharmonic 3.5 ratio) whose brightness fades faster than its body."""
    n = samples(2.8)
    t = np.arange(n) / SR
    index = 1.6 * np.exp(-t / 0.35)
    body = np.sin(_TAU * freq * t + index * np.sin(_TAU * 3.5 * freq * t))
    shimmer = 0.25 * np.sin(_TAU * 2.76 * freq * t) * np.exp(-t / 0.4)
    return _mono((body + shimmer) * envelope(n, 0.003, 0.3, decay=0.9))


def rhodes(freq: float, gate: int, rng: Rng) -> Audio:
    """Electric-piano tine (FM 1:1) with tape wow and flutter, the lo-fi wobble."""
    n = gate + samples(0.35)
    wobble = ((0.0035, 0.55), (0.0008, 6.5))
    c = _phase(freq, n, 0.0, wobble)
    t = np.arange(n) / SR
    index = 0.3 + 1.1 * np.exp(-t / 0.25)
    tone = np.sin(_TAU * c + index * np.sin(_TAU * c)) + 0.1 * np.sin(_TAU * 14 * c) * np.exp(
        -t / 0.03
    )
    return _mono(0.6 * tone * envelope(n, 0.004, 0.35, decay=1.6, floor=0.15))


def _partials(freq: float, n: int, count: int, tilt: float, decay: float, stretch: float) -> Signal:
    """Harmonics whose upper partials die away first: how struck and plucked strings sound."""
    t = np.arange(n) / SR
    out = np.zeros(n)
    for k in range(1, count + 1):
        f = k * freq * math.sqrt(1.0 + stretch * k * k)
        if f > 16_000:
            break
        out += np.sin(_TAU * f * t) * np.exp(-t * k**0.8 / decay) / k**tilt
    return out


def piano(freq: float, gate: int, rng: Rng) -> Audio:
    n = gate + samples(0.3)
    tone = _partials(freq, n, 10, 1.4, 1.8, 0.0004)
    return _mono(0.5 * tone * envelope(n, 0.003, 0.3))


def pluck(freq: float, gate: int, rng: Rng) -> Audio:
    n = min(gate, samples(0.45)) + samples(0.06)
    tone = _partials(freq, n, 12, 1.0, 0.28, 0.0)
    return _mono(0.45 * tone * envelope(n, 0.002, 0.06))


def saw_pluck(freq: float, gate: int, rng: Rng) -> Audio:
    """Short saw blip of the synthwave arpeggio; the mix's low-pass rounds it off."""
    n = gate + samples(0.03)
    tone = _saw(_phase(freq, n, rng.random()), freq)
    return _mono(0.4 * tone * envelope(n, 0.002, 0.03, decay=0.16, floor=0.1))


def spiccato(freq: float, gate: int, rng: Rng) -> Audio:
    """Short bowed low-string note for ostinatos."""
    n = min(gate, samples(0.3)) + samples(0.05)
    a, b, c = _detuned(freq, n, rng, 7.0)
    return _stereo(a + 0.5 * b, c + 0.5 * b, 0.3 * envelope(n, 0.01, 0.05, decay=0.14, floor=0.2))


def bass(freq: float, gate: int, rng: Rng) -> Audio:
    """Saw plus sine sub, softly saturated so it reads on small speakers too."""
    n = gate + samples(0.05)
    c = _phase(freq, n)
    tone = np.tanh(1.6 * (0.5 * _saw(c, freq) + np.sin(_TAU * c)))
    return _mono(0.5 * tone * envelope(n, 0.004, 0.05, decay=0.25, floor=0.55))


def sub(freq: float, gate: int, rng: Rng) -> Audio:
    """Round sine bass with a hint of second harmonic, for the quiet moods."""
    n = gate + samples(0.15)
    c = _phase(freq, n)
    tone = np.sin(_TAU * c) + 0.15 * np.sin(2 * _TAU * c)
    return _mono(0.5 * tone * envelope(n, 0.02, 0.15, decay=0.6, floor=0.4))


VOICES: dict[str, Voice] = {
    v.__name__: v
    for v in (
        supersaw,
        strings,
        sine_pad,
        bell,
        rhodes,
        piano,
        pluck,
        saw_pluck,
        spiccato,
        bass,
        sub,
    )
}


def band(x: Signal, low: float = 0.0, high: float = 0.0, taps: int = 127) -> Signal:
    """Windowed-sinc band-pass (0 leaves an edge open), centred so it adds no delay."""
    m = np.arange(taps) - taps // 2
    kernel = np.zeros(taps)
    kernel[taps // 2] = 1.0
    if high:
        kernel = 2 * high / SR * np.sinc(2 * high / SR * m)
    if low:
        kernel = kernel - 2 * low / SR * np.sinc(2 * low / SR * m)
    return np.convolve(x, kernel * np.hamming(taps))[taps // 2 : taps // 2 + len(x)]


def place(buffer: NDArray[np.float32], start: int, sound: NDArray[np.floating]) -> None:
    """Add ``sound`` into the circular ``buffer`` from ``start``, wrapping past its end.

    This is what makes a rendered loop seamless: whatever rings over the end of the loop
    carries on at its start, exactly as it would when the loop is played again.
    """
    length = len(buffer)
    pos = start % length
    done = 0
    while done < len(sound):
        count = min(len(sound) - done, length - pos)
        buffer[pos : pos + count] += sound[done : done + count]
        done += count
        pos = 0


def reverb_ir(seconds: float, rng: Rng) -> Audio:
    """Stereo room response: decorrelated noise decaying to -60 dB at ``seconds``, highs first."""
    n = samples(seconds)
    t = np.arange(n) / SR
    tau = seconds / 6.9
    channels = []
    for _ in range(2):
        noise = rng.standard_normal(n)
        low = band(noise, 0, 2500)
        channels.append(low * np.exp(-t / tau) + (noise - low) * np.exp(-t / (0.45 * tau)))
    ir = np.stack(channels, axis=1) * envelope(n, 0.02, 0.05)[:, None]
    ir = np.concatenate([np.zeros((samples(0.012), 2)), ir])
    out: Audio = (ir / np.sqrt(np.sum(ir**2) / 2)).astype(np.float32)
    return out


def fast_length(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n: numpy's FFT can take ten times longer on awkward sizes."""
    best = 1 << max(0, (n - 1).bit_length())
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three
            while size < n:
                size *= 2
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def to_pcm16(audio: Audio) -> NDArray[np.int16]:
    return np.round(np.clip(audio, -PEAK, PEAK) * 32767.0).astype("<i2")


def write_wav(out: Path, chunks: Iterable[NDArray[np.int16]]) -> Path:
    """Stream stereo 48 kHz 16-bit chunks to ``out`` through a temporary file and a rename, so a
    reader never sees a half-written file and long beds never sit in memory whole."""
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(suffix=".wav", prefix=".audio-", dir=out.parent)
        with os.fdopen(descriptor, "wb") as handle, wave.open(handle, "wb") as writer:
            writer.setnchannels(2)
            writer.setsampwidth(2)
            writer.setframerate(SR)
            for chunk in chunks:
                writer.writeframes(np.ascontiguousarray(chunk).tobytes())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from other apps
        os.replace(temporary, out)
        temporary = None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return out


def ping_pong(audio: Audio, feedback: float, delay: int) -> Audio:
    """Echoes left and right in turn, rolled around the loop so they wrap like the notes do."""
    mono = audio.mean(axis=1)
    out = audio.copy()
    for k in range(1, 7):
        out[:, k % 2] += 0.7 * feedback**k * np.roll(mono, k * delay)
    return out


def band_gain(freqs: NDArray[np.floating], low: float, high: float) -> NDArray[np.float32]:
    """Zero-phase 12 dB/octave band-pass as gains per FFT bin (a column, for stereo spectra)."""
    f = np.maximum(freqs, 1e-3)
    gain: NDArray[np.float32] = (1 / np.sqrt((1 + (low / f) ** 4) * (1 + (f / high) ** 4))).astype(
        np.float32
    )
    return gain[:, None]


def fold(y: NDArray[np.floating], frames: int, lead: int) -> Audio:
    """Wrap a linear result onto the loop's circle: tails after it onto its start, and the
    last ``lead`` samples (a zero-phase filter's pre-ringing, before time 0) onto its end."""
    count = -(-len(y) // frames)
    padded = np.zeros((count * frames, y.shape[1]), dtype=np.float32)
    padded[: len(y)] = np.roll(y, lead, axis=0)
    out: Audio = np.roll(padded.reshape(count, frames, -1).sum(axis=0), -lead, axis=0)
    return out


_K_WEIGHTING = (
    (
        (1.53512485958697, -2.69169618940638, 1.19839281085285),
        (1, -1.69065929318241, 0.73248077421585),
    ),
    ((1, -2, 1), (1, -1.99004745483398, 0.99007225036621)),
)
"""ITU-R BS.1770 pre-filter and RLB high-pass at 48 kHz: the weighting ffmpeg's ebur128 uses."""


def k_weighting(freqs: NDArray[np.floating]) -> NDArray[np.float32]:
    """The BS.1770 K-weighting's magnitude per FFT bin (a column, for stereo spectra)."""
    z = np.exp(-2j * np.pi * freqs / SR)
    gain = np.ones(len(freqs))
    for b, a in _K_WEIGHTING:
        gain *= np.abs(b[0] + b[1] * z + b[2] * z * z) / np.abs(a[0] + a[1] * z + a[2] * z * z)
    return gain.astype(np.float32)[:, None]


def loudness(weighted: Audio) -> float:
    """Integrated loudness in LUFS (BS.1770 gating) of a K-weighted loop, blocks wrapping round."""
    power = np.sum(weighted.astype(np.float64) ** 2, axis=1)
    block, hop = samples(0.4), samples(0.1)
    total = np.concatenate([[0.0], np.cumsum(np.resize(power, len(power) + block))])
    starts = np.arange(0, len(power), hop)
    energy = (total[starts + block] - total[starts]) / block
    loud = energy[energy > 10 ** ((-70 + 0.691) / 10)]
    if len(loud) == 0:
        return -70.0
    return float(-0.691 + 10 * np.log10(np.mean(loud[loud > 0.1 * np.mean(loud)])))


def soft_clip(x: Audio, knee: float = 0.5) -> Audio:
    """Leave the body alone and round peaks into ``PEAK``: saturation rather than a hard clip."""
    magnitude = np.abs(x)
    over = magnitude > knee
    span = PEAK - knee
    x[over] = np.sign(x[over]) * (knee + span * np.tanh((magnitude[over] - knee) / span))
    return x
