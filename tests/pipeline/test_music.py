"""Offline music beds and sound effects: exact lengths, seamless loops, loudness, determinism."""

from __future__ import annotations

import argparse
import re
import subprocess
import time
import tracemalloc
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from numpy.typing import NDArray

from studio.commands import music as music_command
from studio.pipeline.generate.music import MOODS, compose, plan_bed
from studio.pipeline.generate.sfx import LENGTHS, SFX_NAMES, make_sfx

SR = 48_000
PEAK_LIMIT = 32768 * 10 ** (-1 / 20)
BED_SECONDS = 12.0


def _read(path: Path) -> NDArray[np.float64]:
    with wave.open(str(path), "rb") as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (SR, 2, 2)
        data = reader.readframes(reader.getnframes())
    return np.frombuffer(data, dtype="<i2").reshape(-1, 2).astype(np.float64)


@pytest.fixture(scope="module")
def beds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One 12 s bed per mood, shared by the tests that only read them."""
    folder = tmp_path_factory.mktemp("beds")
    return {mood: compose(mood, BED_SECONDS, folder / f"{mood}.wav") for mood in MOODS}


def _seam_is_clean(x: NDArray[np.float64], bar_frames: float) -> None:
    """The jump from the last sample to the first is an ordinary step, and a 10 ms window across
    the wrapped seam is no rougher (high-frequency energy) than the bed's other windows, bar
    lines included: a click would stand far above them."""
    w = 240

    def roughness(window: NDArray[np.float64]) -> float:
        return float(np.mean(np.diff(window) ** 2))

    for channel in x.T:
        assert abs(channel[0] - channel[-1]) <= np.percentile(np.abs(np.diff(channel)), 99.9)
        seam = roughness(np.concatenate([channel[-w:], channel[:w]]))
        windows = [roughness(channel[i : i + 2 * w]) for i in range(0, len(channel) - 2 * w, w)]
        lines = [round(k * bar_frames) for k in range(1, round(len(channel) / bar_frames))]
        at_lines = [roughness(channel[p - w : p + w]) for p in lines if w <= p <= len(channel) - w]
        assert seam <= 1.5 * max([float(np.percentile(windows, 99)), *at_lines]) + 1.0


@pytest.mark.parametrize("seconds", [0.25, 7.3, 20.0, 45.0001])
def test_length_is_exact_to_the_sample_and_built_from_whole_bars(
    tmp_path: Path, seconds: float
) -> None:
    path = compose("upbeat", seconds, tmp_path / "bed.wav")
    x = _read(path)
    assert len(x) == round(seconds * SR)
    bed = plan_bed("upbeat", seconds)
    assert 0 <= bed.loops * bed.loop_frames - bed.frames < bed.loops
    assert bed.bars >= 1
    assert bed.bpm == pytest.approx(bed.bars * 4 * 60 * SR / bed.loop_frames)
    # The tempo (120 BPM, 2 s bars) moves only as far as whole bars need: half a bar per loop.
    if seconds >= 2:
        assert abs(bed.loops * bed.bars * 2.0 - seconds) <= bed.loops * 1.0 + 1e-9
    _seam_is_clean(x, bed.loop_frames / bed.bars)


@pytest.mark.parametrize("mood", list(MOODS))
def test_every_mood_loops_seamlessly(beds: dict[str, Path], mood: str) -> None:
    bed = plan_bed(mood, BED_SECONDS)
    _seam_is_clean(_read(beds[mood]), bed.loop_frames / bed.bars)


def test_a_broken_seam_is_caught() -> None:
    """The seam check is not vacuous: a bed cut mid-note fails it."""
    t = np.arange(SR * 4) / SR
    tone = 8000 * np.sin(2 * np.pi * 220 * t) * (1 + 0.1 * np.sin(2 * np.pi * 2 * t))
    cut = np.stack([tone, tone], axis=1)[: SR * 4 - 37]
    with pytest.raises(AssertionError):
        _seam_is_clean(cut, SR)


def _onset_envelope(x: NDArray[np.float64]) -> NDArray[np.float64]:
    hop = 480
    mono = x.mean(axis=1)
    n = len(mono) // hop
    energy = np.log10(1e-9 + np.sum(mono[: n * hop].reshape(n, hop) ** 2, axis=1))
    flux = np.maximum(np.diff(energy, append=energy[0]), 0.0)
    centred: NDArray[np.float64] = flux - flux.mean()
    return centred


def _autocorrelation(flux: NDArray[np.float64]) -> NDArray[np.float64]:
    spectrum = np.fft.rfft(flux, 2 * len(flux))
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[: len(flux)]
    normalised: NDArray[np.float64] = ac / ac[0]
    return normalised


def _tempo(x: NDArray[np.float64]) -> float:
    ac = _autocorrelation(_onset_envelope(x))
    lags = np.arange(len(ac)) * 0.01
    usable = (lags >= 0.3) & (lags <= 1.0)
    return float(60 / lags[usable][np.argmax(ac[usable])])


def _centroid(x: NDArray[np.float64]) -> float:
    power = np.abs(np.fft.rfft(x.mean(axis=1))) ** 2
    return float(np.sum(np.fft.rfftfreq(len(x), 1 / SR) * power) / np.sum(power))


def test_moods_sound_different(beds: dict[str, Path]) -> None:
    upbeat, synthwave = _read(beds["upbeat"]), _read(beds["dark_synthwave"])
    assert _tempo(upbeat) == pytest.approx(plan_bed("upbeat", BED_SECONDS).bpm, rel=0.03)
    assert _tempo(synthwave) == pytest.approx(plan_bed("dark_synthwave", BED_SECONDS).bpm, rel=0.03)
    # Calm has no beat: at upbeat's beat period its onsets barely correlate at all.
    beat = round(100 * 60 / plan_bed("upbeat", BED_SECONDS).bpm)
    calm_ac = _autocorrelation(_onset_envelope(_read(beds["calm"])))
    upbeat_ac = _autocorrelation(_onset_envelope(upbeat))
    assert calm_ac[beat] < 0.5 * upbeat_ac[beat]
    assert _centroid(synthwave) > 1.5 * _centroid(_read(beds["lofi"]))


def test_same_seed_same_bytes_other_seed_other_music(tmp_path: Path) -> None:
    first = compose("lofi", 6.0, tmp_path / "a.wav", seed=3).read_bytes()
    again = compose("lofi", 6.0, tmp_path / "b.wav", seed=3).read_bytes()
    other = compose("lofi", 6.0, tmp_path / "c.wav", seed=4).read_bytes()
    assert first == again
    assert first != other


def test_unknown_mood_is_composed_as_cinematic(tmp_path: Path) -> None:
    assert plan_bed("polka", 5.0).mood == "cinematic"
    assert plan_bed("Dark Synthwave", 5.0).mood == "dark_synthwave"
    unknown = compose("polka", 3.0, tmp_path / "a.wav").read_bytes()
    assert unknown == compose("cinematic", 3.0, tmp_path / "b.wav").read_bytes()


def _integrated_loudness(path: Path) -> float:
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path),
         "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    match = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    assert match, summary
    return float(match.group(1))


@pytest.mark.parametrize("mood", list(MOODS))
def test_level_peak_and_width(beds: dict[str, Path], mood: str) -> None:
    x = _read(beds[mood])
    assert np.max(np.abs(x)) <= PEAK_LIMIT
    assert -24.0 <= _integrated_loudness(beds[mood]) <= -12.0
    left, right = x.T
    assert not np.array_equal(left, right)
    assert np.corrcoef(left, right)[0, 1] < 0.995


def test_a_ten_minute_bed_needs_little_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        path = compose("corporate", 600.0, tmp_path / "long.wav")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    assert elapsed < 20
    with wave.open(str(path), "rb") as reader:
        assert reader.getnframes() == 600 * SR
        head = np.frombuffer(reader.readframes(SR), dtype="<i2").reshape(-1, 2)
        reader.setpos(reader.getnframes() - SR)
        tail = np.frombuffer(reader.readframes(SR), dtype="<i2").reshape(-1, 2)
    joined = np.concatenate([tail, head]).astype(np.float64)
    bed = plan_bed("corporate", 600.0)
    _seam_is_clean(np.roll(joined, -SR, axis=0), bed.loop_frames / bed.bars)


@pytest.mark.parametrize("name", SFX_NAMES)
def test_sound_effects_have_their_length_and_sound(tmp_path: Path, name: str) -> None:
    path = make_sfx(name, tmp_path / f"{name}.wav")
    x = _read(path)
    assert len(x) == round(LENGTHS[name] * SR)
    assert np.max(np.abs(x)) <= PEAK_LIMIT
    assert np.sqrt(np.mean(x**2)) > 32768 * 10 ** (-40 / 20)
    assert path.read_bytes() == make_sfx(name, tmp_path / "again.wav").read_bytes()
    assert len(_read(make_sfx(name, tmp_path / "long.wav", seconds=1.5))) == 1.5 * SR


def test_expected_effect_lengths() -> None:
    assert LENGTHS == {"whoosh": 0.6, "hit": 1.0, "riser": 2.0, "pop": 0.15, "click": 0.05}


def test_unknown_effect_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="whoosh, hit, riser, pop, click"):
        make_sfx("boing", tmp_path / "x.wav")
    assert not list(tmp_path.iterdir())


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="studio")
    music_command.register(parser.add_subparsers())
    args = parser.parse_args(["music", *argv])
    result: int = args.run(args)
    return result


def test_cli_writes_the_bed_and_says_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bed.wav"
    assert _cli(["--mood", "upbeat", "--duration", "30", "-o", str(out), "--seed", "2"]) == 0
    assert capsys.readouterr().out == f"{out}: 30.0 s of upbeat at 120 BPM in C major\n"
    assert len(_read(out)) == 30 * SR


@pytest.mark.parametrize(
    ("duration", "name", "message"),
    [
        ("0", "bed.wav", "--duration"),
        ("-3", "bed.wav", "--duration"),
        ("3601", "bed.wav", "--duration"),
        ("nan", "bed.wav", "--duration"),
        ("5", "bed.mp3", "-o"),
    ],
)
def test_cli_rejects_bad_input_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], duration: str, name: str, message: str
) -> None:
    out = tmp_path / name
    assert _cli(["--mood", "calm", "--duration", duration, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
