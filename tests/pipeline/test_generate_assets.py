"""A plan with no media at all becomes a complete, voiced, scored, illustrated video."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.pipeline.generate.assets import generate_assets
from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.timeline import SourceKind, TextRole
from studio.spec import ShortsPlan, parse_document
from tests.conftest import SHORTS_EXAMPLE
from tests.media import decode_audio, loudness, probe, write_json


def _short(lines: list[dict[str, object]]) -> ShortsPlan:
    data = json.loads(SHORTS_EXAMPLE.read_text(encoding="utf-8"))
    data["duration_seconds"] = 6
    data["script"]["lines"] = lines
    plan = parse_document(data).model
    assert isinstance(plan, ShortsPlan)
    return plan


def test_every_gap_is_filled_and_reused_the_second_time(tmp_path: Path) -> None:
    plan = _short(
        [
            {
                "start_time": 0.0,
                "end_time": 3.0,
                "text": "You’re wasting your content like this...",
            },
            {"start_time": 3.0, "end_time": 6.0, "text": "Post once, remix it ten times."},
        ]
    )
    media = LocalMedia(tmp_path / "cache")
    first = generate_assets(plan, None, media)
    timeline = first.assembly.timeline
    assert timeline.video[0].source.kind is SourceKind.IMAGE
    roles = sorted(clip.role.value for clip in timeline.audio)
    assert roles == ["music", "voice", "voice"]
    assert {item.kind for item in first.made} == {"visual", "voice", "music"}
    assert not any(item.reused for item in first.made)
    assert not first.assembly.warnings
    hook = next(t for t in timeline.text if t.role is TextRole.HOOK)
    assert [w.word for w in hook.words][:2] == ["You’re", "wasting"]
    assert hook.words[-1].end <= 3.0 + 1e-6, "the hook follows the voice's own timings"
    again = generate_assets(plan, None, media)
    assert all(item.reused for item in again.made)
    assert first.summary == "4 made, 0 reused from the cache"


@pytest.mark.slow
def test_a_plan_with_no_media_renders_voiced_and_scored(tmp_path: Path) -> None:
    data = json.loads(SHORTS_EXAMPLE.read_text(encoding="utf-8"))
    data["duration_seconds"] = 8
    plan = write_json(tmp_path / "short.json", data)
    out = tmp_path / "short.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(plan), "-o", str(out), "--preset", "draft"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "placeholder" not in result.stderr
    assert "silent" not in result.stderr
    info = probe(out)
    assert (info.width, info.height, info.frames) == (540, 960, 240)
    audio = decode_audio(out)
    second = 48_000
    speech, bed = audio[: 2 * second], audio[5 * second : 7 * second]
    assert np.sqrt(np.mean(speech**2)) > np.sqrt(np.mean(bed**2)), "voice over a ducked bed"
    assert np.sqrt(np.mean(bed**2)) > 0.01, "music plays after the voice"
    assert loudness(out)["integrated"] == pytest.approx(-14, abs=1)
