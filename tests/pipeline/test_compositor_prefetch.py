"""The preview's compositor prepares the next shot on a worker thread (``prefetch=True``)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from studio.pipeline import compositor as compositor_module
from studio.pipeline.assemble import assemble
from studio.pipeline.compositor import Compositor
from studio.pipeline.layers.visual import VisualLayer
from studio.pipeline.sources import MediaError
from studio.pipeline.timeline import Timeline, VideoLayer
from studio.spec import CameraMovement, ProductionPlan, TransitionType, parse_document
from tests.media import pattern_image
from tests.pipeline.plans import production, shot


def _timeline(tmp_path: Path, last_asset: str = "c") -> Timeline:
    """Three 2-second photo shots at 320x180: a crossfade into the second, a cut to the third."""
    for name, seed in (("a", 1), ("b", 2), ("c", 3)):
        pattern_image(tmp_path / f"{name}.png", seed=seed)
    data = production(
        [
            shot("one", 0, 2, "a", CameraMovement.PUSH_IN),
            shot("two", 2, 4, "b", CameraMovement.PAN_LEFT, TransitionType.CROSSFADE),
            shot("three", 4, 6, last_asset, CameraMovement.PUSH_IN),
        ],
        6.0,
        320,
        180,
    )
    plan = parse_document(data).model
    assert isinstance(plan, ProductionPlan)
    return assemble(plan, tmp_path).timeline


def test_frames_with_prefetch_are_the_frames_without(tmp_path: Path) -> None:
    """Played through, with a seek back after the third shot was prepared ahead (the user
    scrubbing), every frame is the plain compositor's."""
    timeline = _timeline(tmp_path)
    order = [*range(0, 150), *range(20, timeline.frame_count)]
    with Compositor(timeline, prefetch=True) as ahead, Compositor(timeline) as plain:
        for index in order:
            t = timeline.time_of(index)
            mine, theirs = ahead.planes(t, index), plain.planes(t, index)
            for plane in ("y", "u", "v"):
                assert np.array_equal(getattr(mine, plane), getattr(theirs, plane)), (index, plane)


def test_the_next_shots_are_prepared_off_the_playing_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline = _timeline(tmp_path)
    made: dict[str, str] = {}

    class Watched(VisualLayer):
        def __init__(self, layer: VideoLayer, *args: object, **kwargs: object) -> None:
            made[layer.layer_id] = threading.current_thread().name
            super().__init__(layer, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compositor_module, "VisualLayer", Watched)
    with Compositor(timeline, prefetch=True) as compositor:
        for index in range(timeline.frame_count):
            compositor.planes(timeline.time_of(index), index)
    assert made["one"] == threading.current_thread().name, "nothing to prepare it ahead of"
    assert made["two"].startswith("studio-shot-prepare")
    assert made["three"].startswith("studio-shot-prepare")


def test_a_broken_photo_prepared_ahead_still_names_its_shot(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg at all")
    timeline = _timeline(tmp_path, last_asset="broken")
    with Compositor(timeline, prefetch=True) as compositor:
        for index in range(110):  # up to 3.7 s: the broken shot is being prepared by now
            compositor.planes(timeline.time_of(index), index)
        entering = timeline.time_of(120)  # 4.0 s, where it enters
        with pytest.raises(MediaError, match=r"shot 'three': .*broken\.jpg"):
            compositor.planes(entering, 120)
