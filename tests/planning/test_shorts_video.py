"""Shorts from a video: transcription (OpenAI against a fake server, subtitles, offline), highlight
cuts that land on the right frames, and plans that keep the speaker's own voice."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from studio.pipeline.generate.voice import synthesize
from studio.planning.highlights import score_highlights, sentence_loudness
from studio.planning.hooks import suggest_hooks
from studio.planning.material import load_material
from studio.planning.shorts import plan_variants
from studio.planning.transcribe import (
    TranscriptionError,
    TranscriptionUnavailable,
    transcribe_offline,
)
from studio.spec import ShortsFormat, SourceType, parse_document
from tests.media import FFMPEG, decode_frames, probe

SENTENCES = [
    ("Welcome back to the channel.", 0.5, 2.5),
    ("Nobody tells you this about sleep.", 3.2, 5.6),
    ("Most people get it wrong from the very first night.", 6.0, 8.8),
    ("Here are three things that actually work.", 9.6, 11.5),
]
"""What the fake recogniser hears in the test video, and when."""
LOUD = (6.0, 8.8)
SIZE = (320, 240)
LUMA_PER_SECOND = 20
KEY = "sk-test-transcribe-0123456789"


def time_coded_video(path: Path, seconds: float = 12.0) -> Path:
    """Grey frames whose brightness tells the time (20 levels a second), and a tone that is
    four times louder during the third sentence."""
    width, height = SIZE
    subprocess.run(
        [
            FFMPEG, "-v", "error", "-y",
            "-f", "lavfi", "-i",
            f"nullsrc=size={width}x{height}:rate=30:duration={seconds},"
            f"geq=lum='16+T*{LUMA_PER_SECOND}':cb=128:cr=128",
            "-f", "lavfi", "-i",
            f"aevalsrc='0.1*sin(2*PI*440*t)*(1+3*between(t,{LOUD[0]},{LOUD[1]}))'"
            f":s=44100:d={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def source_time(frame: bytes) -> float:
    """The source time a decoded frame of the time-coded video shows."""
    width, height = SIZE
    luma = np.frombuffer(frame[: width * height], np.uint8)
    return (float(np.median(luma)) - 16) / LUMA_PER_SECOND


def verbose_json() -> dict[str, object]:
    words = []
    for text, start, end in SENTENCES:
        tokens = text.rstrip(".").split()
        step = (end - start) / len(tokens)
        words += [
            {
                "word": token,
                "start": round(start + i * step, 3),
                "end": round(start + (i + 1) * step, 3),
            }
            for i, token in enumerate(tokens)
        ]
    segments = [
        {
            "id": i, "seek": 0, "start": start, "end": end, "text": f" {text}", "tokens": [1],
            "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.2,
            "no_speech_prob": 0.01,
        }
        for i, (text, start, end) in enumerate(SENTENCES)
    ]  # fmt: skip
    text = " ".join(text for text, _, _ in SENTENCES)
    return {
        "task": "transcribe",
        "language": "english",
        "duration": 12.0,
        "text": text,
        "words": words,
        "segments": segments,
    }


@dataclass
class Fake:
    port: int = 0
    status: int = 200
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.bodies.append(body)
            state.paths.append(self.path)
            if state.status != 200:
                answer = json.dumps({"error": {"message": "no", "type": "x"}}).encode()
            else:
                answer = json.dumps(verbose_json()).encode()
            self.send_response(state.status if self.path == "/v1/audio/transcriptions" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return time_coded_video(tmp_path_factory.mktemp("video") / "talk.mp4")


@pytest.fixture
def keyed(fake: Fake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Fake:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{fake.port}/v1")
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    return fake


def test_openai_transcription_times_each_sentence(keyed: Fake, video: Path) -> None:
    material = load_material(str(video), "video")
    assert keyed.paths == ["/v1/audio/transcriptions"]
    body = keyed.bodies[0]
    assert b"whisper-1" in body
    assert b"verbose_json" in body
    assert b"word" in body
    assert b"segment" in body
    assert b"ftyp" in body, "the extracted sound is uploaded as an M4A file"
    assert material.transcript is not None
    assert material.transcript.recogniser == "OpenAI whisper-1"
    got = [(s.text, s.start, s.end) for s in material.sentences]
    assert [text for text, _, _ in got] == [text for text, _, _ in SENTENCES]
    for (_, start, end), (_, want_start, want_end) in zip(got, SENTENCES, strict=True):
        assert start == pytest.approx(want_start, abs=0.01)
        assert end == pytest.approx(want_end, abs=0.01)
    load_material(str(video), "video")
    assert len(keyed.bodies) == 1, "the second reading comes from the cache"


def test_the_loud_sentence_and_the_pauses_score(keyed: Fake, video: Path) -> None:
    material = load_material(str(video), "video")
    levels = sentence_loudness(video, material.sentences)
    assert levels[2] == max(levels)
    highlights = score_highlights(material.sentences, levels)
    assert any(reason.startswith("energy (+") for reason in highlights[2].reasons)
    assert any(reason.startswith("pause") for reason in highlights[3].reasons)


def test_video_variant_cuts_the_hook_and_keeps_the_voice(
    keyed: Fake, video: Path, tmp_path: Path
) -> None:
    material = load_material(str(video), "video")
    hooks = suggest_hooks(material, 2)
    assert hooks[0].text == "Here are three things that actually work."
    assets = tmp_path / "assets"
    formats = [ShortsFormat.VERTICAL_9_16, ShortsFormat.SQUARE_1_1]
    plans = plan_variants(material, hooks[:1], formats, 8, None, assets_dir=assets)
    assert [plan.variant_id for plan in plans] == ["h1-9_16", "h1-1_1"]
    plan = plans[0]
    assert parse_document(plan.model_dump(mode="json")).warnings == []
    source = plan.visual_plan.source
    assert source.type is SourceType.TALKING_HEAD
    clip = assets / f"{source.asset_id}.mp4"
    assert clip.is_file()
    info = probe(clip)
    assert info.audio is not None
    assert plan.duration_seconds <= 8
    assert info.duration == pytest.approx(plan.duration_seconds, abs=0.05)
    lines = plan.script.lines
    assert lines[0].start_time == 0
    assert lines[0].text == hooks[0].text
    assert all(a.end_time == b.start_time for a, b in itertools.pairwise(lines))
    assert lines[-1].end_time == plan.duration_seconds
    frames = decode_frames(clip, *SIZE)
    assert source_time(frames[0]) == pytest.approx(9.6 - 0.15, abs=0.1), "opens on the hook"
    second = lines[1]
    assert second.text == "Nobody tells you this about sleep."
    at = round(second.start_time * 30)
    assert source_time(frames[at]) == pytest.approx(3.2, abs=0.15), "the second cut lands"
    assert plans[1].visual_plan.source == source, "every format shares the clip"


def test_subtitles_beside_the_video_are_read_without_a_key(video: Path, tmp_path: Path) -> None:
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(video.read_bytes())
    (tmp_path / "clip.srt").write_text(
        "1\n00:00:03,200 --> 00:00:05,600\n<i>Nobody tells you</i> this about sleep.\n\n"
        "2\n00:00:06,000 --> 00:00:08,800\nMost people get it wrong\nfrom the very first night.\n",
        encoding="utf-8",
    )
    material = load_material(str(copy), "video")
    assert material.transcript is not None
    assert material.transcript.recogniser == "subtitles clip.srt"
    assert [(s.text, s.start, s.end) for s in material.sentences] == [
        ("Nobody tells you this about sleep.", 3.2, 5.6),
        ("Most people get it wrong from the very first night.", 6.0, 8.8),
    ]
    (plan,) = plan_variants(
        material, suggest_hooks(material, 1), [ShortsFormat.VERTICAL_9_16], 30, None,
        assets_dir=tmp_path / "assets",
    )  # fmt: skip
    assert parse_document(plan.model_dump(mode="json")).warnings == []


def test_an_outage_falls_back_to_subtitles(keyed: Fake, video: Path, tmp_path: Path) -> None:
    keyed.status = 503
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(video.read_bytes())
    (tmp_path / "clip.vtt").write_text(
        "WEBVTT\n\n00:03.200 --> 00:05.600 align:start\nNobody tells you this about sleep.\n",
        encoding="utf-8",
    )
    material = load_material(str(copy), "video")
    assert material.transcript is not None
    assert material.transcript.recogniser == "subtitles clip.vtt"
    assert "unavailable" in material.notes[0]


def test_a_rejected_key_is_an_error_naming_it(keyed: Fake, video: Path) -> None:
    keyed.status = 401
    with pytest.raises(TranscriptionError, match="OPENAI_API_KEY"):
        load_material(str(video), "video")


def test_no_key_no_subtitles_and_no_offline_model_says_what_to_do(video: Path) -> None:
    with pytest.raises(TranscriptionUnavailable) as caught:
        load_material(str(video), "video", language="fr")
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message
    assert ".srt/.vtt" in message
    assert "talk.mp4" in message


def test_offline_recogniser_hears_the_bundled_voice(tmp_path: Path) -> None:
    speech = synthesize(
        "Nobody tells you this about sleep. Here are three things that work.",
        tmp_path / "speech.wav",
        "default",
        "en",
    )
    clip = tmp_path / "spoken.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "color=size=160x120:rate=15",
         "-i", str(speech.path), "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip)],
        check=True,
    )  # fmt: skip
    transcript = transcribe_offline(clip)
    heard = [word.word for word in transcript.words]
    assert {"nobody", "sleep", "three"} <= set(heard)
    assert all(0 <= w.start < w.end <= speech.seconds + 0.2 for w in transcript.words)
    assert len(transcript.sentences) == 2, "the pause between the sentences splits them"
    assert transcript.sentences[0].text.startswith("Nobody")


def studio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "shorts", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_video_variants_and_unavailable_transcription(video: Path, tmp_path: Path) -> None:
    unavailable = studio(
        "variants", str(video), "--from", "video", "--language", "fr", "-o", str(tmp_path / "x")
    )
    assert unavailable.returncode == 2
    assert "OPENAI_API_KEY" in unavailable.stderr
    assert not (tmp_path / "x").exists()
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(video.read_bytes())
    (tmp_path / "clip.srt").write_text(
        "1\n00:00:09,600 --> 00:00:11,500\nHere are three things that actually work.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = studio("variants", str(copy), "--from", "video", "--duration", "10", "-o", str(out))
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "h1-9_16.json").read_text(encoding="utf-8"))
    assert (out / "assets" / f"{plan['visual_plan']['source']['asset_id']}.mp4").is_file()
    assert f"--assets {out / 'assets'}" in result.stdout
    assert "subtitles clip.srt" in result.stderr
