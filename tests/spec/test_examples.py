"""The seed's own example documents are valid, unchanged, with the warnings a creator should see."""

from __future__ import annotations

import pytest

from studio.spec import ProductionPlan, ShortsFormat, ShortsPlan, SourceType, load_document
from studio.spec.documents import DocumentKind
from tests.conftest import EXAMPLES, PRODUCTION_EXAMPLE, REPO, SHORTS_EXAMPLE

SHARED_EXAMPLES = REPO.parent / "shared" / "spec" / "examples"


def test_production_example_is_valid_and_warns_about_the_uncovered_time() -> None:
    document = load_document(PRODUCTION_EXAMPLE)
    assert document.kind is DocumentKind.PRODUCTION_PLAN
    plan = document.model
    assert isinstance(plan, ProductionPlan)
    assert plan.duration_seconds == 120
    assert (plan.resolution.width, plan.resolution.height, plan.resolution.fps) == (1920, 1080, 30)
    shot = plan.shots()[0]
    assert shot.source.type is SourceType.USER_IMAGE_OR_GENERATED
    assert shot.camera.movement.value == "slow_push_in"
    assert [str(w) for w in document.warnings] == [
        "warning: visual_plan: shots cover 5 s of 120 s; uncovered time (5-120 s) is filled by "
        "extending the shot before it, its camera move continuing (the first shot fills any "
        "time before it)"
    ]


def test_shorts_example_is_valid_and_renders_at_1080x1920_30fps() -> None:
    document = load_document(SHORTS_EXAMPLE)
    plan = document.model
    assert isinstance(plan, ShortsPlan)
    assert plan.format is ShortsFormat.VERTICAL_9_16
    assert plan.format.size == (1080, 1920)
    assert plan.fps == 30
    assert plan.script.lines[0].emojis == ["⚠️", "📉"]
    assert plan.visual_plan.captions_style.highlight_color == "#FF2EF5"
    assert [p.path for p in document.warnings] == ["script.lines"]


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="shared/ is not beside this checkout")
@pytest.mark.parametrize("name", ["production_plan.seed.json", "shorts_plan.seed.json"])
def test_shipped_examples_are_the_seed_examples_byte_for_byte(name: str) -> None:
    assert (EXAMPLES / name).read_bytes() == (SHARED_EXAMPLES / name).read_bytes()


def test_models_round_trip_to_equal_documents() -> None:
    for path in (PRODUCTION_EXAMPLE, SHORTS_EXAMPLE):
        model = load_document(path).model
        again = type(model).model_validate_json(model.model_dump_json())
        assert again == model


def test_every_shorts_format_has_an_even_size() -> None:
    for fmt in ShortsFormat:
        width, height = fmt.size
        assert width % 2 == 0
        assert height % 2 == 0
