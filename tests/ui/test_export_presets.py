"""The export presets and the plan they retarget (no Qt needed)."""

from __future__ import annotations

import pytest

from studio.pipeline.export_presets import (
    EXPORT_PRESETS,
    export_file_name,
    export_preset,
    retarget_plan,
)
from studio.spec import ProductionPlan, parse_document
from tests.pipeline.plans import production, shot


def test_the_four_presets_have_the_platform_sizes() -> None:
    table = {key: (p.width, p.height, p.aspect) for key, p in EXPORT_PRESETS.items()}
    assert table == {
        "youtube_16_9": (1920, 1080, "16:9"),
        "vertical_9_16": (1080, 1920, "9:16"),
        "square_1_1": (1080, 1080, "1:1"),
        "portrait_4_5": (1080, 1350, "4:5"),
    }


@pytest.mark.parametrize("key", sorted(EXPORT_PRESETS))
def test_a_retargeted_plan_validates_at_the_presets_size_and_keeps_the_rest(key: str) -> None:
    plan = production([shot("a", 0, 2, None), shot("b", 2, 3, "photo")], 3.0, fps=24)
    preset = EXPORT_PRESETS[key]

    retargeted = retarget_plan(plan, preset)

    model = parse_document(retargeted).model
    assert isinstance(model, ProductionPlan)
    assert (model.resolution.width, model.resolution.height) == (preset.width, preset.height)
    assert model.resolution.fps == 24
    assert retargeted["visual_plan"] == plan["visual_plan"]
    assert plan["resolution"] == {"width": 320, "height": 180, "fps": 24}, "input untouched"


def test_an_unknown_preset_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"'imax'.*youtube_16_9"):
        export_preset("imax")


def test_the_file_name_is_the_title_and_preset_made_safe() -> None:
    preset = EXPORT_PRESETS["square_1_1"]
    assert export_file_name("My film", preset) == "My film - square_1_1.mp4"
    assert export_file_name('a/b: "c"?', preset) == "a b c - square_1_1.mp4"
    assert export_file_name("...", preset) == "film - square_1_1.mp4"
