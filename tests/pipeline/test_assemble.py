"""Plans compile to the Timeline the module docstring of assemble promises."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from studio.pipeline.assemble import AssembleError, assemble
from studio.pipeline.media import NoMedia
from studio.pipeline.timeline import AudioRole, SourceKind, TextRole
from studio.spec import ProductionPlan, ShortsPlan, TransitionType, parse_document
from tests.media import make_clip, pattern_image, tone_wav


def _production(data: dict[str, Any]) -> ProductionPlan:
    plan = parse_document(data).model
    assert isinstance(plan, ProductionPlan)
    return plan


def _shorts(data: dict[str, Any]) -> ShortsPlan:
    plan = parse_document(data).model
    assert isinstance(plan, ShortsPlan)
    return plan


def test_seed_production_fills_the_film_and_warns(production_data: dict[str, Any]) -> None:
    assembly = assemble(_production(production_data))
    timeline = assembly.timeline
    assert (timeline.width, timeline.height, timeline.fps, timeline.frame_count) == (
        1920,
        1080,
        30,
        3600,
    )
    (shot,) = timeline.video
    assert (shot.start, shot.end) == (0.0, 120.0)
    assert shot.source.kind is SourceKind.PLACEHOLDER
    assert "Cyberpunk city" in shot.source.label
    overlay = [t for t in timeline.text if t.role is TextRole.OVERLAY]
    assert [t.text for t in overlay] == ["In a city of endless light..."]
    assert not [t for t in timeline.text if t.role is TextRole.CAPTION], "no duplicate caption"
    assert any("no visual generator" in w for w in assembly.warnings)
    assert any("voice line for 'beat_1'" in w for w in assembly.warnings)
    assert timeline.duck_music


def test_assets_resolve_and_shots_enter_with_transitions(
    tmp_path: Path, production_data: dict[str, Any]
) -> None:
    pattern_image(tmp_path / "optional_asset_uuid.jpg")
    pattern_image(tmp_path / "second.png", seed=2)
    tone_wav(tmp_path / "narration.wav", 2.0)
    tone_wav(tmp_path / "song.wav", 4.0, frequency=220)
    shots = production_data["visual_plan"]["scenes"][0]["shots"]
    shots.append(
        {
            **shots[0],
            "shot_id": "shot_2",
            "start_time": 10.0,
            "end_time": 20.0,
            "source": {"type": "user_image", "asset_id": "second"},
            "transition": {"type": "fade_black", "duration": 1.0},
        }
    )
    production_data["audio_plan"]["voice"]["lines"][0]["asset_id"] = "narration"
    production_data["audio_plan"]["music"]["tracks"][0]["asset_id"] = "song"
    production_data["script"]["scenes"][0]["beats"][0]["voiceover_text"] = "Different words."
    production_data["audio_plan"]["voice"]["lines"][0]["text"] = "Different words here."
    timeline = assemble(_production(production_data), tmp_path).timeline
    first, second = timeline.video
    assert first.source.path == tmp_path / "optional_asset_uuid.jpg"
    assert (first.start, first.end) == (0.0, 10.0), "the gap 5-10 s extends shot 1"
    assert (second.start, second.end, second.transition) == (10.0, 120.0, TransitionType.FADE_BLACK)
    assert second.transition_seconds == 1.0
    voice = [a for a in timeline.audio if a.role is AudioRole.VOICE]
    music = [a for a in timeline.audio if a.role is AudioRole.MUSIC]
    assert voice[0].start == 0.0
    assert voice[0].path == tmp_path / "narration.wav"
    assert music[0].loop
    assert music[0].length == 120.0
    captions = [t for t in timeline.text if t.role is TextRole.CAPTION]
    assert " ".join(c.text for c in captions) == "Different words here."
    assert captions[0].words[0].start == 0.0
    assert captions[-1].words[-1].end == pytest.approx(5.0)


class ClipsForMotion(NoMedia):
    """Answers a request for footage with a clip and anything else with a still."""

    def __init__(self, folder: Path) -> None:
        self.clip = make_clip(folder / "stock.mp4", 320, 180, 1.0)
        self.still = pattern_image(folder / "painted.png")
        self.asked: dict[str, bool] = {}

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        self.asked[prompt] = motion
        return self.clip if motion else self.still


def test_stock_shots_ask_for_footage_and_become_video(
    tmp_path: Path, production_data: dict[str, Any]
) -> None:
    shots = production_data["visual_plan"]["scenes"][0]["shots"]
    shots[0]["source"] = {"type": "stock", "generation_prompt": "ocean waves"}
    shots.append(
        {
            **shots[0],
            "shot_id": "shot_2",
            "start_time": 10.0,
            "end_time": 20.0,
            "source": {"type": "generated", "generation_prompt": "a painted lighthouse"},
        }
    )
    provider = ClipsForMotion(tmp_path)
    plan = _production(production_data)
    first, second = assemble(plan, None, provider).timeline.video
    assert provider.asked == {"ocean waves": True, "a painted lighthouse": False}
    assert (first.source.kind, first.source.path) == (SourceKind.VIDEO, provider.clip)
    assert (second.source.kind, second.source.path) == (SourceKind.IMAGE, provider.still)


@pytest.mark.parametrize(
    ("source_type", "kind"),
    [("broll", SourceKind.VIDEO), ("talking_head_or_broll_or_generated", SourceKind.IMAGE)],
)
def test_a_short_asks_for_footage_only_for_broll(
    tmp_path: Path, shorts_data: dict[str, Any], source_type: str, kind: SourceKind
) -> None:
    shorts_data["visual_plan"]["source"]["type"] = source_type
    provider = ClipsForMotion(tmp_path)
    timeline = assemble(_shorts(shorts_data), None, provider).timeline
    assert [layer.source.kind for layer in timeline.video] == [kind]
    voice = [a for a in timeline.audio if a.role is AudioRole.VOICE]
    assert all(a.path != provider.clip for a in voice), "stock sound is never the voice"


def test_a_missing_user_image_names_the_shot(production_data: dict[str, Any]) -> None:
    shot = production_data["visual_plan"]["scenes"][0]["shots"][0]
    shot["source"] = {"type": "user_image", "asset_id": "holiday"}
    plan = _production(production_data)
    with pytest.raises(AssembleError, match="shot 'shot_1': asset 'holiday' not found"):
        assemble(plan, Path("."))
    assembly = assemble(plan, Path("."), allow_placeholders=True)
    assert assembly.timeline.video[0].source.kind is SourceKind.PLACEHOLDER
    assert any("placeholder" in w for w in assembly.warnings)


def test_seed_shorts_opens_on_the_hook_without_a_duplicate_caption(
    shorts_data: dict[str, Any],
) -> None:
    timeline = assemble(_shorts(shorts_data)).timeline
    assert (timeline.width, timeline.height, timeline.fps) == (1080, 1920, 30)
    assert timeline.frame_count == 900
    hooks = [t for t in timeline.text if t.role is TextRole.HOOK]
    assert len(hooks) == 1
    assert (hooks[0].start, hooks[0].end) == (0.0, 4.0)
    assert hooks[0].uppercase
    assert hooks[0].emphasis_words == ("wasting", "content")
    assert not [t for t in timeline.text if t.role is TextRole.CAPTION]
    assert timeline.palette.primary == (0, 240, 255)
    assert timeline.palette.highlight == (255, 46, 245)


def test_shorts_captions_carry_emojis_and_word_timings(shorts_data: dict[str, Any]) -> None:
    shorts_data["script"]["lines"].append(
        {
            "start_time": 4.0,
            "end_time": 8.0,
            "text": "Post once, then remix it into ten clips.",
            "emojis": ["🚀"],
        }
    )
    timeline = assemble(_shorts(shorts_data)).timeline
    captions = [t for t in timeline.text if t.role is TextRole.CAPTION]
    assert captions[-1].emojis == ("🚀",)
    words = [w for c in captions for w in c.words]
    assert [w.word for w in words][:2] == ["Post", "once,"]
    assert words[0].start == 4.0
    assert words[-1].end == pytest.approx(8.0)
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(words))
