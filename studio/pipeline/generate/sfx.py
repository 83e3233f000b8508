"""One-shot sounds made on this machine: the sound effects, and the drum kit of the music beds.

Effects are written as 48 kHz stereo 16-bit WAV with peaks at -1 dBFS.

Each effect has a natural length (``LENGTHS``); asking for another stretches its shape to fit, so
a 1.2 s whoosh is a slower whoosh rather than a 0.6 s one followed by silence. The noise is seeded
by the effect's name, so the same request always gives the same bytes (and caches well).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.pipeline.generate.instruments import (
    PEAK,
    SR,
    Audio,
    Rng,
    Signal,
    band,
    envelope,
    place,
    reverb_ir,
    samples,
    to_pcm16,
    write_wav,
)

SFX_NAMES = ("whoosh", "hit", "riser", "pop", "click")
LENGTHS = {"whoosh": 0.6, "hit": 1.0, "riser": 2.0, "pop": 0.15, "click": 0.05}
"""Natural length of each effect in seconds."""
MAX_SECONDS = 30.0


def make_sfx(name: str, out: Path, seconds: float | None = None) -> Path:
    """Write the effect ``name`` to ``out``; ``seconds`` overrides its natural length."""
    if name not in SFX_NAMES:
        raise ValueError(f"unknown sound effect {name!r}; known: {', '.join(SFX_NAMES)}")
    length = LENGTHS[name] if seconds is None else seconds
    if not 0 < length <= MAX_SECONDS:
        raise ValueError(
            f"a sound effect lasts more than 0 and at most {MAX_SECONDS:g} s, got {length}"
        )
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    audio = _MAKERS[name](samples(length), length / LENGTHS[name], rng)
    audio *= PEAK / max(float(np.max(np.abs(audio))), 1e-9)
    return write_wav(out, [to_pcm16(audio.astype(np.float32))])


def _swept_noise(centre: Signal, octaves: float, rng: Rng) -> Signal:
    """Noise through a band-pass that follows ``centre`` (Hz per sample), built frame by frame
    in the frequency domain (random phases, 50% overlapping Hann frames sum to unity)."""
    size, hop = 1024, 512
    frames = len(centre) // hop + 2
    freqs = np.maximum(np.fft.rfftfreq(size, 1 / SR), 1.0)
    at = np.interp(np.arange(frames) * hop, np.arange(len(centre)), centre)
    shape = np.exp(-0.5 * (np.log2(freqs[None, :] / at[:, None]) / octaves) ** 2)
    spectrum = shape * np.exp(2j * np.pi * rng.random(shape.shape))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size)
    blocks = np.fft.irfft(spectrum, n=size, axis=1) * window
    out = np.zeros((frames + 1) * hop)
    out[: frames * hop] += blocks[:, :hop].reshape(-1)
    out[hop:] += blocks[:, hop:].reshape(-1)
    noise: Signal = out[hop : hop + len(centre)] * np.sqrt(size)
    return noise


def _stereo(left: Signal, right: Signal) -> Audio:
    return np.stack([left, right], axis=1).astype(np.float32)


def _whoosh(n: int, scale: float, rng: Rng) -> Audio:
    """Air rushing past: a band of noise swept up and back down, travelling left to right."""
    u = np.arange(n) / n
    centre = 300 * 2 ** (3.2 * np.sin(np.pi * u) ** 2)
    body = np.sin(np.pi * u**0.8) ** 2
    near, far = (_swept_noise(centre, 0.7, rng) for _ in range(2))
    left = (0.8 * near + 0.2 * far) * np.cos(u * np.pi / 2)
    right = (0.8 * near - 0.2 * far) * np.sin(u * np.pi / 2)
    return _stereo(left * body, right * body)


def _hit(n: int, scale: float, rng: Rng) -> Audio:
    """A trailer impact: a pitch-dropping boom, a noise crack on top, and a short room."""
    t = np.arange(n) / SR
    freq = 45 + 80 * np.exp(-t / (0.05 * scale))
    boom = np.tanh(1.8 * np.sin(2 * np.pi * np.cumsum(freq) / SR)) * np.exp(-t / (0.3 * scale))
    crack = band(rng.standard_normal(n), 300, 9000) * np.exp(-t / (0.025 * scale))
    dry = (boom + 0.5 * crack) * envelope(n, 0.001, 0.05 * scale)
    room = reverb_ir(0.9 * scale, rng).astype(np.float64)
    size = 1 << (n + len(room)).bit_length()
    wet = np.fft.irfft(
        np.fft.rfft(dry, size)[:, None] * np.fft.rfft(room, size, axis=0), size, axis=0
    )
    fade = envelope(n, 0.0, 0.1 * scale)[:, None]
    return ((dry[:, None] + 0.12 * wet[:n]) * fade).astype(np.float32)


def _riser(n: int, scale: float, rng: Rng) -> Audio:
    """Tension building: noise whose band climbs from 300 Hz to 7 kHz over a gliding, pulsing
    tone, both swelling to the end."""
    u = np.arange(n) / n
    swell = u**2 * envelope(n, 0.0, 0.03)
    centre = 300 * (7000 / 300) ** u
    pulse = 0.6 + 0.4 * np.sin(2 * np.pi * np.cumsum(4 + 12 * u) / SR)
    tone = np.sin(2 * np.pi * np.cumsum(150 * 4**u) / SR) * pulse
    left, right = (_swept_noise(centre, 1.0, rng) for _ in range(2))
    return _stereo((left + 0.3 * tone) * swell, (right + 0.3 * tone) * swell)


def _pop(n: int, scale: float, rng: Rng) -> Audio:
    """A bubble pop: a sine flicking upwards in pitch, over in a few tens of milliseconds."""
    t = np.arange(n) / SR
    freq = 350 + 750 * (1 - np.exp(-t / (0.02 * scale)))
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / (0.03 * scale))
    tick = band(rng.standard_normal(n), 2000, 8000) * np.exp(-t / (0.002 * scale))
    mono = (body + 0.15 * tick) * envelope(n, 0.001, 0.01 * scale)
    return _stereo(mono, mono)


def _click(n: int, scale: float, rng: Rng) -> Audio:
    """A UI click: a tight noise tick with a short 2.2 kHz ring."""
    t = np.arange(n) / SR
    tick = band(rng.standard_normal(n), 2000, 10000) * np.exp(-t / (0.003 * scale))
    ring = np.sin(2 * np.pi * 2200 * t) * np.exp(-t / (0.008 * scale))
    mono = (tick + 0.6 * ring) * envelope(n, 0.0002, 0.005 * scale)
    return _stereo(mono, mono)


_MAKERS: dict[str, Callable[[int, float, Rng], Audio]] = {
    "whoosh": _whoosh,
    "hit": _hit,
    "riser": _riser,
    "pop": _pop,
    "click": _click,
}


def _swept_sine(n: int, start: float, end: float, sweep: float) -> Signal:
    """Sine gliding exponentially from ``start`` to ``end`` Hz: the thump of a drum skin."""
    t = np.arange(n) / SR
    freq = end + (start - end) * np.exp(-t / sweep)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR)


def _drum(n: int, start: float, end: float, sweep: float, decay: float) -> Signal:
    return _swept_sine(n, start, end, sweep) * envelope(n, 0.0015, 0.03, decay=decay)


def _noise(
    rng: Rng, n: int, low: float, high: float, decay: float, attack: float = 0.0005
) -> Signal:
    return band(rng.standard_normal(n), low, high) * envelope(n, attack, 0.01, decay=decay)


def _normalised(x: Signal) -> Audio:
    return (x / max(float(np.max(np.abs(x))), 1e-9)).astype(np.float32)


def kick(rng: Rng) -> Audio:
    n = samples(0.45)
    return _normalised(_drum(n, 160, 46, 0.03, 0.16) + 0.25 * _noise(rng, n, 0, 5000, 0.004))


def soft_kick(rng: Rng) -> Audio:
    n = samples(0.4)
    return _normalised(_drum(n, 120, 50, 0.025, 0.12) + 0.06 * _noise(rng, n, 0, 2500, 0.004))


def snare(rng: Rng) -> Audio:
    n = samples(0.3)
    body = _drum(n, 240, 185, 0.02, 0.05)
    return _normalised(0.5 * body + _noise(rng, n, 1500, 9000, 0.07))


def soft_snare(rng: Rng) -> Audio:
    n = samples(0.3)
    return _normalised(0.6 * _drum(n, 220, 170, 0.02, 0.05) + _noise(rng, n, 800, 5000, 0.08))


def gated_snare(rng: Rng) -> Audio:
    """An 80s snare: its own dense ambience, chopped off by a gate (with a 20 ms fade)."""
    n = samples(0.3)
    tail = band(rng.standard_normal(n), 700, 7000) * np.exp(-np.arange(n) / SR / 0.5)
    hit = 0.5 * _drum(n, 240, 185, 0.02, 0.06) + _noise(rng, n, 1200, 9000, 0.05)
    return _normalised((hit + 0.35 * tail) * envelope(n, 0.0008, 0.02))


def clap(rng: Rng) -> Audio:
    """Three quick bursts then a short tail, as several hands never clap at quite the same time."""
    n = samples(0.3)
    t = np.arange(n) / SR
    env = np.zeros(n)
    for onset, tau, gain in (
        (0.0, 0.003, 1.0),
        (0.011, 0.003, 0.9),
        (0.022, 0.004, 0.8),
        (0.03, 0.08, 0.6),
    ):
        lag = t - onset
        env += gain * np.clip(lag / 0.0005, 0.0, 1.0) * np.exp(-np.maximum(lag, 0.0) / tau)
    return _normalised(band(rng.standard_normal(n), 900, 5000) * env * envelope(n, 0.0, 0.02))


def hat(rng: Rng) -> Audio:
    return _normalised(_noise(rng, samples(0.12), 7000, 0, 0.03))


def open_hat(rng: Rng) -> Audio:
    return _normalised(_noise(rng, samples(0.45), 6500, 0, 0.16))


def shaker(rng: Rng) -> Audio:
    return _normalised(_noise(rng, samples(0.12), 4500, 12000, 0.035, attack=0.01))


def tom(rng: Rng) -> Audio:
    n = samples(0.9)
    return _normalised(_drum(n, 170, 95, 0.06, 0.3) + 0.2 * _noise(rng, n, 200, 2500, 0.08))


def low_tom(rng: Rng) -> Audio:
    """The big, slow-decaying drum of trailers; it leans on the reverb for size."""
    n = samples(1.3)
    return _normalised(_drum(n, 120, 58, 0.08, 0.45) + 0.2 * _noise(rng, n, 100, 1800, 0.1))


HITS: dict[str, Callable[[Rng], Audio]] = {
    h.__name__: h
    for h in (
        kick,
        soft_kick,
        snare,
        soft_snare,
        gated_snare,
        clap,
        hat,
        open_hat,
        shaker,
        tom,
        low_tom,
    )
}
"""The drum kit of the music beds; each call draws fresh noise, so repeated hits can vary."""


def vinyl(frames: int, rng: Rng) -> Audio:
    """Record hiss and sparse soft crackles; the part's band-pass gives the hiss its colour."""
    out = (0.05 * rng.standard_normal((frames, 2))).astype(np.float32)
    crackle = band(rng.standard_normal(samples(0.002)), 1000, 6000)
    for start in rng.integers(0, frames, size=max(1, round(frames / SR * 3))):
        place(out, int(start), np.outer(crackle * rng.uniform(0.2, 1.0), rng.uniform(0.3, 1.0, 2)))
    return out
