"""Networked providers against a fake OpenAI/Pexels server on 127.0.0.1; no real network."""

from __future__ import annotations

import base64
import io
import json
import struct
import threading
import wave
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest

from studio.pipeline.media import Speech
from studio.services.providers.chain import ChainMedia, media_from_env
from studio.services.providers.errors import ProviderUnavailable, RejectedKey
from studio.services.providers.openai_media import OpenAIMedia, image_size, openai_voice
from studio.services.providers.pexels import ATTRIBUTION, VIDEO_ATTRIBUTION, PexelsMedia
from tests.media import make_clip, probe

KEY = "sk-test-secret-0123456789"
WAV_SECONDS = 0.75
PHOTO = b"\xff\xd8\xff\xe0fake-jpeg-bytes"


def make_wav() -> bytes:
    rate = 24000
    t = np.arange(int(rate * WAV_SECONDS)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return buffer.getvalue()


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\xff\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


WAV = make_wav()
PNG = make_png()


@dataclass
class Fake:
    """What the fake server answers, and the requests it saw."""

    port: int = 0
    status: int = 200
    failures_left: int = 0
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    clip: bytes = b""
    has_videos: bool = True

    def fail(self, status: int, times: int = 1_000_000) -> None:
        self.status, self.failures_left = status, times


def make_handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(body)

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            fake.requests.append((method, self.path, self.headers.get("Authorization")))
            if fake.failures_left > 0:
                fake.failures_left -= 1
                error = json.dumps({"error": {"message": "nope", "type": "x"}}).encode()
                self._send(fake.status, error, "application/json")
            elif self.path == "/v1/audio/speech":
                self._send(200, WAV, "audio/wav")
            elif self.path == "/v1/images/generations":
                data = {"created": 0, "data": [{"b64_json": base64.b64encode(PNG).decode()}]}
                self._send(200, json.dumps(data).encode(), "application/json")
            elif self.path.startswith("/v1/search"):
                photo = {
                    "id": 1,
                    "url": "https://www.pexels.com/photo/1/",
                    "photographer": "Ada Lens",
                    "photographer_url": "https://www.pexels.com/@ada",
                    "src": {"large2x": f"http://127.0.0.1:{fake.port}/photos/1.jpg"},
                }
                empty = "query=nothing" in self.path
                body = json.dumps({"photos": [] if empty else [photo]}).encode()
                self._send(200, body, "application/json")
            elif self.path == "/photos/1.jpg":
                self._send(200, PHOTO, "image/jpeg")
            elif self.path.startswith("/videos/search"):
                videos = video_results(fake.port) if fake.has_videos else []
                self._send(200, json.dumps({"videos": videos}).encode(), "application/json")
            elif self.path.startswith("/video-files/"):
                self._send(200, fake.clip, "video/mp4")
            else:
                self._send(404, b"{}", "application/json")

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return Handler


def video_results(port: int) -> list[dict[str, object]]:
    """A Pexels ``videos[]``: landscape in six files (one unsized, one WebM), then portrait."""

    def rendition(file_id: int, width: int | None, height: int | None, kind: str) -> object:
        link = f"http://127.0.0.1:{port}/video-files/{file_id}.mp4"
        return {
            "id": file_id,
            "quality": "hd",
            "file_type": kind,
            "width": width,
            "height": height,
            "link": link,
        }

    landscape = {
        "id": 10,
        "url": "https://www.pexels.com/video/10/",
        "user": {"name": "Vic Reel", "url": "https://www.pexels.com/@vic"},
        "duration": 8,
        "video_files": [
            rendition(105, None, None, "video/mp4"),
            rendition(101, 640, 360, "video/mp4"),
            rendition(106, 1920, 1080, "video/webm"),
            rendition(103, 1920, 1080, "video/mp4"),
            rendition(104, 3840, 2160, "video/mp4"),
            rendition(102, 1280, 720, "video/mp4"),
        ],
    }
    portrait = {
        "id": 20,
        "url": "https://www.pexels.com/video/20/",
        "user": {"name": "Tall Frame", "url": "https://www.pexels.com/@tall"},
        "duration": 5,
        "video_files": [
            rendition(201, 1080, 1920, "video/mp4"),
            rendition(202, 540, 960, "video/mp4"),
        ],
    }
    return [landscape, portrait]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real MP4 (320x180, 1 s) for the fake to serve as every video file."""
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", 320, 180, 1.0).read_bytes()


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def openai_media(fake: Fake, cache: Path, **kwargs: object) -> OpenAIMedia:
    base = f"http://127.0.0.1:{fake.port}/v1"
    return OpenAIMedia(KEY, cache, base_url=base, timeout=5, max_retries=2, **kwargs)  # type: ignore[arg-type]


def pexels_media(fake: Fake, cache: Path) -> PexelsMedia:
    base = f"http://127.0.0.1:{fake.port}"
    return PexelsMedia(KEY, cache, base_url=base, timeout=5, max_retries=2, backoff=0.001)


class Offline:
    """A stub offline provider: always has something."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        return Speech(self.folder / "offline.wav", 1.0)

    def music(self, mood: str, seconds: float) -> Path | None:
        return self.folder / "music.wav"

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        return self.folder / "offline.png"

    def sfx(self, name: str) -> Path | None:
        return None


def test_speech_writes_wav_with_measured_duration_and_words(fake: Fake, tmp_path: Path) -> None:
    media = openai_media(fake, tmp_path)
    text = "Hello there, this is the narrator"
    speech = media.speech(text, "neo_narrator_01", "en")
    assert speech is not None
    assert speech.path.read_bytes() == WAV
    assert speech.seconds == pytest.approx(WAV_SECONDS)
    assert len(speech.words) == len(text.split())
    assert speech.words[-1].end == pytest.approx(WAV_SECONDS)
    assert fake.requests == [("POST", "/v1/audio/speech", f"Bearer {KEY}")]
    again = media.speech(text, "neo_narrator_01", "en")
    assert again == speech
    assert len(fake.requests) == 1


def test_visual_decodes_png_and_caches(fake: Fake, tmp_path: Path) -> None:
    media = openai_media(fake, tmp_path)
    path = media.visual("a lighthouse", "watercolor", 1920, 1080)
    assert path is not None
    assert path.read_bytes() == PNG
    assert media.visual("a lighthouse", "watercolor", 1920, 1080) == path
    assert len(fake.requests) == 1
    assert media.music("calm", 3) is None
    assert media.sfx("whoosh") is None


def test_openai_accepts_a_legacy_httpx_client(fake: Fake, tmp_path: Path) -> None:
    with httpx.Client() as client:
        media = openai_media(fake, tmp_path, http_client=client)
        assert media.visual("x", "y", 100, 100) is not None


def test_voice_and_size_mapping() -> None:
    assert openai_voice("default") == "onyx"
    assert openai_voice("neo_narrator_01") == "onyx"
    assert openai_voice("creator_voice_or_ai") == "alloy"
    assert openai_voice("nova") == "nova"
    assert image_size(1920, 1080) == "1536x1024"
    assert image_size(1080, 1920) == "1024x1536"
    assert image_size(512, 512) == "1024x1024"


def test_openai_retries_429_then_succeeds(fake: Fake, tmp_path: Path) -> None:
    fake.fail(429, times=2)
    path = openai_media(fake, tmp_path).visual("a", "b", 10, 10)
    assert path is not None
    assert path.read_bytes() == PNG
    assert len(fake.requests) == 3


def test_openai_500_is_unavailable_and_chain_falls_back(fake: Fake, tmp_path: Path) -> None:
    fake.fail(500)
    media = openai_media(fake, tmp_path)
    with pytest.raises(ProviderUnavailable):
        media.visual("a", "b", 10, 10)
    assert len(fake.requests) == 3
    chain = ChainMedia([media, Offline(tmp_path)])
    assert chain.visual("a", "b", 10, 10) == tmp_path / "offline.png"
    speech = chain.speech("hi", "default", "en")
    assert speech is not None
    assert speech.path == tmp_path / "offline.wav"
    assert len(chain.notes) == 2
    assert "OpenAIMedia" in chain.notes[0]
    assert chain.music("calm", 2) == tmp_path / "music.wav"


@pytest.mark.parametrize("status", [401, 403])
def test_openai_rejected_key(fake: Fake, tmp_path: Path, status: int) -> None:
    fake.fail(status)
    chain = ChainMedia([openai_media(fake, tmp_path), Offline(tmp_path)])
    with pytest.raises(RejectedKey) as caught:
        chain.speech("hi", "default", "en")
    assert "OPENAI_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(fake.requests) == 1


def test_pexels_downloads_photo_with_attribution(fake: Fake, tmp_path: Path) -> None:
    media = pexels_media(fake, tmp_path)
    path = media.visual("misty  mountain lake", "cinematic", 1920, 1080)
    assert path is not None
    assert path.read_bytes() == PHOTO
    credit = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert credit["photographer"] == "Ada Lens"
    assert credit["photographer_url"] == "https://www.pexels.com/@ada"
    assert credit["attribution"] == ATTRIBUTION
    search = fake.requests[0]
    assert search[1].startswith("/v1/search?")
    params = httpx.URL(search[1]).params
    assert params["query"] == "misty mountain lake"
    assert params["orientation"] == "landscape"
    assert params["per_page"] == "5"
    assert search[2] == KEY
    assert fake.requests[1] == ("GET", "/photos/1.jpg", None)
    assert media.visual("misty mountain lake", "other", 1920, 1080) == path
    assert len(fake.requests) == 2
    assert media.speech("x", "default", "en") is None


def test_pexels_no_results_is_none(fake: Fake, tmp_path: Path) -> None:
    assert pexels_media(fake, tmp_path).visual("nothing", "s", 10, 20) is None


def test_pexels_retries_429_then_succeeds(fake: Fake, tmp_path: Path) -> None:
    fake.fail(429, times=2)
    assert pexels_media(fake, tmp_path).visual("lake", "s", 10, 10) is not None
    assert len(fake.requests) == 4


def test_pexels_500_falls_back_in_chain(fake: Fake, tmp_path: Path) -> None:
    fake.fail(500)
    media = pexels_media(fake, tmp_path)
    with pytest.raises(ProviderUnavailable):
        media.visual("lake", "s", 10, 10)
    assert len(fake.requests) == 3
    chain = ChainMedia([media, Offline(tmp_path)])
    assert chain.visual("lake", "s", 10, 10) == tmp_path / "offline.png"
    assert chain.notes
    assert "PexelsMedia" in chain.notes[0]


def test_pexels_rejected_key(fake: Fake, tmp_path: Path) -> None:
    fake.fail(401)
    with pytest.raises(RejectedKey) as caught:
        pexels_media(fake, tmp_path).visual("lake", "s", 10, 10)
    assert "PEXELS_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value)


def test_media_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("PEXELS_API_KEY", raising=False)
    names = [type(p).__name__ for p in media_from_env(tmp_path).providers]
    assert names == ["LocalMedia"]
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PEXELS_API_KEY", KEY)
    chain = media_from_env(tmp_path)
    providers = chain.providers
    assert [type(p).__name__ for p in providers] == ["OpenAIMedia", "PexelsMedia", "LocalMedia"]
    assert chain.footage == [providers[1]]
    first = providers[0]
    assert isinstance(first, OpenAIMedia)
    assert str(first.client.base_url).startswith("http://127.0.0.1:9/v1")


def test_pexels_video_downloads_clip_with_attribution(
    fake: Fake, clip: bytes, tmp_path: Path
) -> None:
    fake.clip = clip
    media = pexels_media(fake, tmp_path)
    path = media.visual("ocean  waves", "cinematic", 1920, 1080, motion=True)
    assert path is not None
    assert path.suffix == ".mp4"
    assert path.read_bytes() == clip
    assert (probe(path).width, probe(path).height) == (320, 180)
    credit = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert credit == {
        "provider": "pexels",
        "videographer": "Vic Reel",
        "videographer_url": "https://www.pexels.com/@vic",
        "url": "https://www.pexels.com/video/10/",
        "attribution": VIDEO_ATTRIBUTION,
    }
    search = fake.requests[0]
    assert search[1].startswith("/videos/search?")
    params = httpx.URL(search[1]).params
    assert (params["query"], params["orientation"], params["per_page"]) == (
        "ocean waves",
        "landscape",
        "5",
    )
    assert search[2] == KEY
    assert fake.requests[1] == ("GET", "/video-files/103.mp4", None)
    assert media.visual("ocean waves", "other", 1920, 1080, motion=True) == path
    assert len(fake.requests) == 2, "the cached clip is reused without asking again"
    still = media.visual("ocean waves", "cinematic", 1920, 1080)
    assert still is not None
    assert still.read_bytes() == PHOTO
    assert [r[1].split("?")[0] for r in fake.requests[2:]] == ["/v1/search", "/photos/1.jpg"]


@pytest.mark.parametrize(
    ("width", "height", "chosen"),
    [
        (1920, 1080, 103),  # the exact size, not the WebM of the same size nor the 4K
        (1280, 720, 102),  # the smallest that covers 720 lines
        (854, 480, 102),  # 640x360 is too small; 1280x720 is the smallest larger
        (7680, 4320, 104),  # nothing covers 8K: the largest there is
        (1080, 1920, 201),  # a portrait frame takes the portrait video
        (540, 960, 202),
    ],
)
def test_pexels_video_picks_the_file_for_the_frame(
    fake: Fake, clip: bytes, tmp_path: Path, width: int, height: int, chosen: int
) -> None:
    fake.clip = clip
    path = pexels_media(fake, tmp_path).visual("waves", "s", width, height, motion=True)
    assert path is not None
    assert fake.requests[-1] == ("GET", f"/video-files/{chosen}.mp4", None)


def test_pexels_video_falls_back_to_photo(fake: Fake, tmp_path: Path) -> None:
    fake.has_videos = False
    path = pexels_media(fake, tmp_path).visual("lake", "s", 1080, 1920, motion=True)
    assert path is not None
    assert path.read_bytes() == PHOTO
    credit = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert credit["attribution"] == ATTRIBUTION
    paths = [r[1].split("?")[0] for r in fake.requests]
    assert paths == ["/videos/search", "/v1/search", "/photos/1.jpg"]


def test_pexels_video_retries_429_then_succeeds(fake: Fake, clip: bytes, tmp_path: Path) -> None:
    fake.clip = clip
    fake.fail(429, times=2)
    path = pexels_media(fake, tmp_path).visual("waves", "s", 1280, 720, motion=True)
    assert path is not None
    assert path.read_bytes() == clip
    assert len(fake.requests) == 4


def test_chain_asks_the_footage_provider_first_for_motion(
    fake: Fake, clip: bytes, tmp_path: Path
) -> None:
    fake.clip = clip
    pexels = pexels_media(fake, tmp_path / "pexels")
    chain = ChainMedia(
        [openai_media(fake, tmp_path / "openai"), pexels, Offline(tmp_path)], [pexels]
    )
    clip_path = chain.visual("waves", "s", 1920, 1080, motion=True)
    assert clip_path is not None
    assert clip_path.read_bytes() == clip
    assert not [r for r in fake.requests if r[1] == "/v1/images/generations"]
    still = chain.visual("waves", "s", 1920, 1080)
    assert still is not None
    assert still.read_bytes() == PNG, "without motion the generator keeps its place"
