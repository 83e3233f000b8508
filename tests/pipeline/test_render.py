"""Rendered files checked the way a user's player and a loudness meter would check them."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from pathlib import Path

import numpy as np
import pytest

from studio.pipeline.assemble import assemble
from studio.pipeline.compositor import Compositor
from studio.pipeline.render import RenderCancelled, RenderProgress, render
from studio.pipeline.sources import MediaError
from studio.pipeline.timeline import Timeline
from studio.pipeline.yuv import Planes
from studio.spec import (
    CameraMovement,
    Position,
    ProductionPlan,
    ShortsPlan,
    TransitionType,
    parse_document,
)
from tests.media import (
    decode_audio,
    decode_frames,
    loudness,
    make_clip,
    pattern_image,
    probe,
    tone_wav,
)
from tests.pipeline.plans import production, shot


def _timeline(data: dict[str, object], assets: Path) -> Timeline:
    plan = parse_document(data).model
    assert isinstance(plan, ProductionPlan)
    return assemble(plan, assets).timeline


@pytest.fixture
def narrated(tmp_path: Path) -> Timeline:
    """4 s, two photo shots with a crossfade, an overlay, a voice line at 1.0 s, music."""
    pattern_image(tmp_path / "a.png", seed=1)
    pattern_image(tmp_path / "b.png", seed=2)
    tone_wav(tmp_path / "voice.wav", 1.5, frequency=300, amplitude=0.5)
    tone_wav(tmp_path / "music.wav", 1.0, frequency=110, amplitude=0.2)
    data = production(
        [
            shot("one", 0, 2, "a", CameraMovement.PUSH_IN, overlays=[("Hello", Position.TOP_LEFT)]),
            shot("two", 2, 4, "b", CameraMovement.PAN_LEFT, TransitionType.CROSSFADE),
        ],
        4.0,
        beats=[{"beat_id": "b1", "start_time": 1.0, "end_time": 3.0}],
        voice_lines=[{"beat_id": "b1", "text": "Hello there", "asset_id": "voice"}],
        music=[{"track_id": "m", "start_time": 0, "end_time": 4, "asset_id": "music"}],
    )
    return _timeline(data, tmp_path)


def test_output_is_a_clean_mp4(narrated: Timeline, tmp_path: Path) -> None:
    out = tmp_path / "out" / "film.mp4"
    result = render(narrated, out, encoder="libx264")
    info = probe(out)
    assert (info.width, info.height) == (320, 180)
    assert info.fps == "30"
    assert info.frames == 120 == result.frames
    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert "bt709" in info.colour
    assert info.audio is not None
    assert "aac" in info.audio
    assert "48000 Hz" in info.audio
    assert "stereo" in info.audio
    assert sorted(p.name for p in out.parent.iterdir()) == ["film.mp4"]


def test_loudness_is_normalised(narrated: Timeline, tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    render(narrated, out, encoder="libx264")
    measured = loudness(out)
    assert measured["integrated"] == pytest.approx(-14.0, abs=1.0)
    assert measured["true_peak"] <= -1.0 + 0.2


def test_voice_starts_on_its_beat(tmp_path: Path) -> None:
    pattern_image(tmp_path / "a.png")
    tone_wav(tmp_path / "voice.wav", 1.0, frequency=500, amplitude=0.5)
    data = production(
        [shot("one", 0, 3, "a")],
        3.0,
        beats=[{"beat_id": "b1", "start_time": 1.2, "end_time": 2.5}],
        voice_lines=[{"beat_id": "b1", "text": "Now", "asset_id": "voice"}],
    )
    out = tmp_path / "sync.mp4"
    render(_timeline(data, tmp_path), out, encoder="libx264")
    audio = decode_audio(out)
    onset = int(np.argmax(np.abs(audio) > 0.5 * np.abs(audio).max())) / 48_000
    assert onset == pytest.approx(1.2, abs=1 / 30)


def test_preview_frame_is_the_export_frame(narrated: Timeline, tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    render(narrated, out, encoder="libx264")
    frames = decode_frames(out, 320, 180)
    with Compositor(narrated) as compositor:
        for index in (10, 45, 60, 100):
            preview = compositor.planes(narrated.time_of(index), index)
            exported = Planes.from_bytes(frames[index], 320, 180)
            error = np.abs(preview.y.astype(int) - exported.y.astype(int))
            psnr = 10 * np.log10(255**2 / max(1e-9, float((error**2).mean())))
            assert psnr > 35, f"frame {index}: {psnr:.1f} dB"


def test_export_frames_match_frames_made_one_at_a_time(narrated: Timeline) -> None:
    """The export reuses a still's last warp while the camera has barely moved; a frame made from
    scratch must look the same."""
    with Compositor(narrated) as export:
        streamed = [
            export.planes(narrated.time_of(i), i).y.astype(int) for i in range(narrated.frame_count)
        ]
    for index in range(0, narrated.frame_count, 3):
        with Compositor(narrated) as single:
            alone = single.planes(narrated.time_of(index), index).y.astype(int)
        error = np.abs(streamed[index] - alone)
        assert error.mean() < 0.5, f"frame {index}: mean difference {error.mean():.2f}"
        assert np.percentile(error, 99.9) < 16, f"frame {index}: edges moved"


def test_cancel_stops_within_a_second_and_leaves_nothing(tmp_path: Path) -> None:
    pattern_image(tmp_path / "a.png")
    data = production([shot("one", 0, 60, "a", CameraMovement.KEN_BURNS)], 60.0)
    timeline = _timeline(data, tmp_path)
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def on_progress(progress: RenderProgress) -> None:
        if progress.frames_done >= 30 and not cancel.is_set():
            cancel.set()
            cancelled_at.append(progress.elapsed)

    out = tmp_path / "out" / "long.mp4"
    with pytest.raises(RenderCancelled) as caught:
        render(timeline, out, encoder="libx264", on_progress=on_progress, cancel=cancel)
    assert "cancelled at frame" in str(caught.value)
    assert list(out.parent.iterdir()) == []


def test_a_corrupt_photo_names_the_shot_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg at all")
    data = production([shot("hero", 0, 1, "broken")], 1.0)
    out = tmp_path / "out" / "x.mp4"
    with pytest.raises(MediaError, match=r"shot 'hero': .*broken\.jpg: not a readable image"):
        render(_timeline(data, tmp_path), out, encoder="libx264")
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


def test_a_corrupt_photo_in_a_later_shot_names_that_shot(tmp_path: Path) -> None:
    pattern_image(tmp_path / "a.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg at all")
    data = production([shot("intro", 0, 1, "a"), shot("hero", 1, 2, "broken")], 2.0, 160, 90)
    out = tmp_path / "out" / "x.mp4"
    with pytest.raises(MediaError, match=r"shot 'hero': .*broken\.jpg: not a readable image"):
        render(_timeline(data, tmp_path), out, encoder="libx264")
    assert list(out.parent.iterdir()) == []


def test_progress_reports_frames_and_eta(narrated: Timeline, tmp_path: Path) -> None:
    seen: list[RenderProgress] = []
    render(narrated, tmp_path / "p.mp4", encoder="libx264", on_progress=seen.append)
    assert seen[-1].frames_done == seen[-1].total == 120
    assert seen[-1].eta_seconds == 0
    assert all(a.frames_done <= b.frames_done for a, b in itertools.pairwise(seen))


def test_draft_renders_at_half_size(narrated: Timeline, tmp_path: Path) -> None:
    out = tmp_path / "draft.mp4"
    render(narrated, out, preset="draft", encoder="libx264")
    info = probe(out)
    assert (info.width, info.height, info.frames) == (160, 90, 120)


def test_a_clip_shot_loops_and_a_talking_head_keeps_its_voice(tmp_path: Path) -> None:
    make_clip(tmp_path / "me.mp4", 320, 240, 1.0)
    short = {
        "short_id": "s",
        "variant_id": "v",
        "format": "1_1",
        "duration_seconds": 2.5,
        "hook": {"text": "Watch this"},
        "visual_plan": {"source": {"type": "talking_head", "asset_id": "me"}},
    }
    plan = parse_document(short).model
    assert isinstance(plan, ShortsPlan)
    timeline = assemble(plan, tmp_path).timeline
    assert [a.path.name for a in timeline.audio] == ["me.mp4"]
    small = dataclasses.replace(timeline, width=240, height=240, text=())
    out = tmp_path / "head.mp4"
    render(small, out, encoder="libx264")
    info = probe(out)
    assert (info.width, info.frames) == (240, 75)
    frames = decode_frames(out, 240, 240)
    first, looped = (Planes.from_bytes(frames[i], 240, 240).y.astype(int) for i in (5, 35))
    assert np.abs(first - looped).mean() < 4, "frame 35 is frame 5 again: the 1 s clip loops"
    assert loudness(out)["integrated"] == pytest.approx(-14, abs=1)


def test_ntsc_frame_rate_is_exact(tmp_path: Path) -> None:
    pattern_image(tmp_path / "a.png")
    data = production([shot("one", 0, 2, "a")], 2.0, 160, 90, fps=29.97)
    out = tmp_path / "ntsc.mp4"
    render(_timeline(data, tmp_path), out, encoder="libx264")
    info = probe(out)
    assert info.fps == "29.97"
    assert info.frames == round(2.0 * 29.97) == 60
