"""The audio mix, measured on real ffmpeg output: placement, loops, fades, ducking, loudness."""

from __future__ import annotations

import re
import subprocess
import tracemalloc
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from studio.pipeline.audio import (
    SAMPLE_RATE,
    AudioError,
    DuckSettings,
    decode_audio,
    encode_audio_file,
    loudnorm_filter,
    mix_to_file,
)
from studio.pipeline.timeline import AudioClip, AudioRole
from tests.media import loudness

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
VIDEO_FRAME = 1 / 30
AUDIBLE = 1e-3
Samples = NDArray[np.float64]


def write_wav(path: Path, samples: Samples, rate: int) -> Path:
    """A 16-bit WAV of mono (n,) or multichannel (n, c) samples in [-1, 1]."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(frames.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(frames, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def times(seconds: float, rate: int) -> Samples:
    return np.arange(round(seconds * rate)) / rate


def voice_wav(path: Path, seconds: float = 2.0, rate: int = 44_100, level: float = 0.5) -> Path:
    """Speech stand-in: 220 + 440 Hz, amplitude-modulated at 3 Hz down to silence (syllables)."""
    t = times(seconds, rate)
    carrier = 0.5 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 440 * t))
    return write_wav(path, level * carrier * 0.5 * (1 + np.sin(2 * np.pi * 3 * t)), rate)


def music_wav(path: Path, seconds: float = 5.0, rate: int = 22_050, level: float = 0.3) -> Path:
    """Music stand-in: a C major chord."""
    t = times(seconds, rate)
    chord = np.sin(2 * np.pi * np.outer(t, [261.63, 329.63, 392.0])).mean(axis=1)
    return write_wav(path, level * chord, rate)


def read_raw(path: Path) -> NDArray[np.float32]:
    return np.fromfile(path, dtype="<f4").reshape(-1, 2)


def section(audio: NDArray[np.float32], start: float, end: float) -> NDArray[np.float32]:
    return audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]


def rms_db(audio: NDArray[np.float32]) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(audio, dtype=np.float64))) + 1e-12))


def meter(path: Path, raw: bool = False) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) read by ffmpeg's ebur128 meter."""
    measured = loudness(path, raw)
    return measured["integrated"], measured["true_peak"]


def first_audible(audio: NDArray[np.float32]) -> float:
    return float(np.flatnonzero(np.abs(audio).max(axis=1) > AUDIBLE)[0]) / SAMPLE_RATE


def last_audible(audio: NDArray[np.float32]) -> float:
    return float(np.flatnonzero(np.abs(audio).max(axis=1) > AUDIBLE)[-1] + 1) / SAMPLE_RATE


# Decoding


def test_decode_resamples_and_duplicates_mono_at_full_level(tmp_path: Path) -> None:
    for rate in (44_100, 22_050):
        t = times(1.0, rate)
        audio = decode_audio(
            write_wav(tmp_path / f"{rate}.wav", 0.5 * np.sin(880 * np.pi * t), rate)
        )
        assert audio.dtype == np.float32
        assert audio.shape == (SAMPLE_RATE, 2)
        np.testing.assert_array_equal(audio[:, 0], audio[:, 1])
        assert abs(float(np.abs(audio).max()) - 0.5) < 0.01


def test_decode_keeps_stereo_channels_apart(tmp_path: Path) -> None:
    t = times(0.5, 48_000)
    left = 0.4 * np.sin(2 * np.pi * 440 * t)
    audio = decode_audio(write_wav(tmp_path / "s.wav", np.stack([left, 0 * t], axis=1), 48_000))
    assert abs(float(np.abs(audio[:, 0]).max()) - 0.4) < 0.01
    assert float(np.abs(audio[:, 1]).max()) < 1e-4


def test_a_text_file_named_wav_is_an_audio_error_naming_it(tmp_path: Path) -> None:
    fake = tmp_path / "not-really-sound.wav"
    fake.write_text("hello, I am a text file\n", encoding="utf-8")
    with pytest.raises(AudioError, match=r"not-really-sound\.wav"):
        decode_audio(fake)


def test_a_file_without_audio_is_an_audio_error_naming_it(tmp_path: Path) -> None:
    picture = tmp_path / "picture.png"
    Image.new("RGB", (16, 16), (200, 10, 10)).save(picture)
    with pytest.raises(AudioError, match=r"picture\.png.*no audio stream"):
        decode_audio(picture)


def test_mixing_a_missing_file_names_it(tmp_path: Path) -> None:
    clip = AudioClip(tmp_path / "gone.mp3", 0.0, AudioRole.SFX)
    with pytest.raises(AudioError, match=r"gone\.mp3"):
        mix_to_file([clip], 1.0, tmp_path / "mix.f32", None)


# Placement, loops, fades, gain


def test_a_voice_is_placed_within_a_video_frame_and_reported_as_one_span(tmp_path: Path) -> None:
    voice = voice_wav(tmp_path / "voice.wav")
    out = tmp_path / "mix.f32"
    result = mix_to_file([AudioClip(voice, 1.5, AudioRole.VOICE)], 5.0, out, DuckSettings())
    audio = read_raw(out)
    assert audio.shape == (5 * SAMPLE_RATE, 2)
    assert result.seconds == 5.0
    assert not result.silent
    assert abs(first_audible(audio) - 1.5) <= VIDEO_FRAME
    assert abs(last_audible(audio) - 3.5) <= VIDEO_FRAME
    [(start, end)] = result.voice_spans
    assert abs(start - 1.5) <= VIDEO_FRAME
    assert abs(end - 3.5) <= VIDEO_FRAME


def test_a_looping_clip_fills_its_length_and_a_plain_one_stops(tmp_path: Path) -> None:
    music = music_wav(tmp_path / "music.wav", seconds=2.0)
    looped, plain = tmp_path / "looped.f32", tmp_path / "plain.f32"
    mix_to_file([AudioClip(music, 0.0, AudioRole.MUSIC, 7.0, loop=True)], 9.0, looped, None)
    mix_to_file([AudioClip(music, 0.0, AudioRole.MUSIC, 7.0)], 9.0, plain, None)
    looping = read_raw(looped)
    for start in np.arange(0.0, 7.0, 0.25):
        assert rms_db(section(looping, start, start + 0.25)) > -20
    assert abs(last_audible(looping) - 7.0) <= VIDEO_FRAME
    assert abs(last_audible(read_raw(plain)) - 2.0) <= VIDEO_FRAME


def test_fades_shape_both_ends_and_gain_scales(tmp_path: Path) -> None:
    music = music_wav(tmp_path / "music.wav", seconds=3.0)
    out, quieter = tmp_path / "fades.f32", tmp_path / "quieter.f32"
    clip = AudioClip(music, 0.0, AudioRole.MUSIC, fade_in=0.5, fade_out=0.5)
    mix_to_file([clip], 3.0, out, None)
    mix_to_file([AudioClip(music, 0.0, AudioRole.MUSIC, gain_db=-6.0206)], 3.0, quieter, None)
    audio = read_raw(out)
    middle = rms_db(section(audio, 1.0, 2.0))
    assert rms_db(section(audio, 0.0, 0.01)) < middle - 25
    assert rms_db(section(audio, 2.99, 3.0)) < middle - 25
    assert abs(rms_db(section(audio, 0.2, 0.3)) - (middle + 20 * np.log10(0.5))) < 1.0
    assert abs(rms_db(section(read_raw(quieter), 1.0, 2.0)) - (middle - 6.02)) < 0.05


def test_clips_past_the_end_are_cut(tmp_path: Path) -> None:
    voice = voice_wav(tmp_path / "voice.wav")
    out = tmp_path / "mix.f32"
    clips = [AudioClip(voice, 3.0, AudioRole.VOICE), AudioClip(voice, 4.5, AudioRole.SFX)]
    result = mix_to_file(clips, 4.0, out, None)
    assert out.stat().st_size == 4 * SAMPLE_RATE * 2 * 4
    assert abs(last_audible(read_raw(out)) - 4.0) <= VIDEO_FRAME
    [(_, end)] = result.voice_spans
    assert end == 4.0


# Ducking


def _music_under_voice(tmp_path: Path, duck: DuckSettings | None) -> NDArray[np.float32]:
    """The music part of a mix (the mix minus the same voice mixed alone)."""
    voice = AudioClip(voice_wav(tmp_path / "voice.wav"), 2.0, AudioRole.VOICE)
    music = AudioClip(music_wav(tmp_path / "music.wav"), 0.0, AudioRole.MUSIC, 6.0, loop=True)
    mix_to_file([voice, music], 6.0, tmp_path / "mix.f32", duck)
    mix_to_file([voice], 6.0, tmp_path / "voice.f32", duck)
    return read_raw(tmp_path / "mix.f32") - read_raw(tmp_path / "voice.f32")


def test_music_ducks_under_the_voice_and_comes_back(tmp_path: Path) -> None:
    music = _music_under_voice(tmp_path, DuckSettings())
    before = rms_db(section(music, 0.5, 1.9))
    during = rms_db(section(music, 2.0, 4.0))
    after = rms_db(section(music, 5.2, 6.0))
    assert during <= before - 9.0
    assert abs(after - before) < 0.5


def test_without_ducking_the_music_keeps_its_level(tmp_path: Path) -> None:
    music = _music_under_voice(tmp_path, None)
    assert abs(rms_db(section(music, 2.0, 4.0)) - rms_db(section(music, 0.5, 1.9))) < 0.2


def test_block_size_does_not_change_a_sample(tmp_path: Path) -> None:
    voice = voice_wav(tmp_path / "voice.wav")
    clips = [
        AudioClip(voice, 0.33, AudioRole.VOICE, fade_in=0.1),
        AudioClip(voice, 3.1, AudioRole.VOICE, length=1.2, fade_out=0.3),
        AudioClip(music_wav(tmp_path / "m.wav", 1.3), 0.0, AudioRole.MUSIC, 5.9, -3.0, True, 1, 1),
        AudioClip(voice, 2.71, AudioRole.SFX, gain_db=-9.0),
    ]
    results = {}
    for block in (0.7, 0.73, 1000.0):
        out = tmp_path / f"{block}.f32"
        results[block] = (mix_to_file(clips, 6.0, out, DuckSettings(), block), read_raw(out))
    whole, audio = results[1000.0]
    for result, blocks in (results[0.7], results[0.73]):
        assert np.allclose(blocks, audio, atol=1e-5, rtol=0)
        assert result.voice_spans == whole.voice_spans


# Loudness


@pytest.mark.parametrize(
    ("name", "gain_db", "clicks"),
    [("quiet", -20.0, False), ("loud", 0.5, False), ("quiet-with-clicks", -20.0, True)],
)
def test_the_encoded_mix_meets_minus_14_lufs_and_minus_1_dbtp(
    tmp_path: Path, name: str, gain_db: float, clicks: bool
) -> None:
    """Clicks near full scale over a quiet mix stop a linear gain; loudnorm must still comply."""
    voice = voice_wav(tmp_path / "voice.wav", level=0.8)
    music = music_wav(tmp_path / "m.wav", level=0.6)
    clips = [
        AudioClip(voice, 1.0, AudioRole.VOICE, gain_db=gain_db),
        AudioClip(voice, 4.0, AudioRole.VOICE, gain_db=gain_db),
        AudioClip(music, 0.0, AudioRole.MUSIC, 8.0, gain_db, loop=True),
    ]
    if clicks:
        impulses = np.zeros(8 * SAMPLE_RATE)
        impulses[:: SAMPLE_RATE // 2] = 0.9
        clips.append(AudioClip(write_wav(tmp_path / "c.wav", impulses, 48_000), 0, AudioRole.SFX))
    raw, encoded = tmp_path / f"{name}.f32", tmp_path / f"{name}.m4a"
    mix_to_file(clips, 8.0, raw, DuckSettings())
    before, before_peak = meter(raw, raw=True)
    if name == "loud":
        assert before_peak > -1.0
    else:
        assert abs(before - -30.0) < 1.0
    filter_ = loudnorm_filter(raw)
    assert filter_ is not None
    assert re.fullmatch(
        r"(alimiter=limit=[\d.]+:attack=1:release=60:level=false:latency=true,)?"
        r"loudnorm=I=-14:TP=-1:LRA=11:measured_I=-?[\d.]+:measured_TP=-?[\d.]+"
        r":measured_LRA=[\d.]+:measured_thresh=-?[\d.]+:offset=-?[\d.]+:linear=true"
        r",aresample=48000",
        filter_,
    )
    assert filter_.startswith("alimiter") == clicks, "peaks are limited only when they must be"
    encode_audio_file(raw, encoded, filter_)
    integrated, true_peak = meter(encoded)
    print(
        f"{name}: raw {before:.1f} LUFS / {before_peak:.1f} dBTP -> "
        f"{integrated:.1f} LUFS / {true_peak:.1f} dBTP"
    )
    assert abs(integrated - -14.0) <= 1.0
    assert true_peak <= -1.0 + 0.1
    info = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(encoded)], capture_output=True, text=True, check=False
    )
    assert re.search(r"Audio: aac.*48000 Hz, stereo", info.stderr), info.stderr


def test_a_silent_mix_is_silent_and_not_normalised(tmp_path: Path) -> None:
    quiet = write_wav(tmp_path / "zero.wav", np.zeros(22_050), 22_050)
    out = tmp_path / "mix.f32"
    result = mix_to_file([AudioClip(quiet, 0.5, AudioRole.MUSIC)], 2.0, out, DuckSettings())
    assert result.silent
    assert result.voice_spans == []
    assert loudnorm_filter(out) is None
    nothing = mix_to_file([], 1.0, tmp_path / "empty.f32", None)
    assert nothing.silent
    assert loudnorm_filter(nothing.path) is None


# Memory


def test_a_ten_minute_mix_holds_one_block_not_ten_minutes(tmp_path: Path) -> None:
    music = AudioClip(music_wav(tmp_path / "m.wav"), 0.0, AudioRole.MUSIC, 600.0, loop=True)
    voice = AudioClip(voice_wav(tmp_path / "v.wav"), 300.0, AudioRole.VOICE)
    out = tmp_path / "long.f32"
    tracemalloc.start()
    try:
        result = mix_to_file([music, voice], 600.0, out, DuckSettings(), block_seconds=10.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    ten_minutes = 600 * SAMPLE_RATE * 2 * 4
    assert out.stat().st_size == ten_minutes
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert peak < ten_minutes / 4
    assert len(result.voice_spans) == 1
