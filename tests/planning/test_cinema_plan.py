"""The offline Cinema planner on real public-domain texts (tests/data), held to the rules."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from PIL import Image
from skimage import data as samples

from studio.pipeline.generate.provider import LocalMedia
from studio.planning.assets import scan_assets
from studio.planning.cinema import (
    AssetInfo,
    PlanError,
    PlanRequest,
    plan_production,
    replan_visuals,
    retime,
)
from studio.planning.coverage import narration_problems, normalise
from studio.planning.pace import RateClock, VoiceClock
from studio.planning.text import read_script
from studio.spec import parse_document
from studio.spec.production import Mode, ProductionPlan

DATA = Path(__file__).parent.parent / "data"
TEXTS = sorted(path.name for path in DATA.iterdir() if path.suffix in (".txt", ".md"))


def script(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def plan_of(name: str, **options: object) -> ProductionPlan:
    return plan_production(PlanRequest(script(name), **options), RateClock())  # type: ignore[arg-type]


def assert_well_formed(plan: ProductionPlan, raw: str) -> None:
    document = parse_document(plan.model_dump(mode="json"))
    assert not document.warnings, [str(w) for w in document.warnings]
    assert narration_problems(plan, raw) == []
    shots = sorted(plan.shots(), key=lambda shot: shot.start_time)
    assert shots[0].start_time == 0
    assert shots[-1].end_time == pytest.approx(plan.duration_seconds, abs=0.01)
    for before, after in itertools.pairwise(shots):
        assert after.start_time == pytest.approx(before.end_time, abs=0.002), "shots tile"
        assert after.camera.movement != before.camera.movement, "never the same move twice"
    for shot in shots:
        assert 1.5 <= shot.end_time - shot.start_time <= 10.0, shot.shot_id
    for beat in plan.beats():
        assert beat.on_screen_text
        assert len(beat.on_screen_text.split()) <= 6


@pytest.mark.parametrize("name", TEXTS)
def test_every_text_plans_into_a_valid_film_saying_each_sentence_once(name: str) -> None:
    plan = plan_of(name)
    assert_well_formed(plan, script(name))
    sentences = [s for section in read_script(script(name)) for s in section.sentences()]
    assert len(plan.beats()) <= len(sentences) * 3
    assert len(plan.audio_plan.voice.lines) == len(plan.beats())
    moves = {shot.camera.movement for shot in plan.shots()}
    assert len(moves) >= min(4, len(plan.shots())), "camera moves vary"


def test_headings_are_scene_titles_and_never_narrated() -> None:
    plan = plan_of("lincoln_two_speeches.md")
    titles = [scene.title for scene in plan.script.scenes]
    assert titles == ["At Gettysburg, 1863", "The Second Inaugural, 1865"]
    spoken = normalise(" ".join(line.text for line in plan.audio_plan.voice.lines))
    assert "second inaugural" not in spoken
    assert "at gettysburg" not in spoken
    assert plan.script.scenes[1].beats[0].on_screen_text == "The Second Inaugural, 1865"
    second_scene_first_shot = plan.visual_plan.scenes[1].shots[0]
    assert second_scene_first_shot.transition is not None
    assert second_scene_first_shot.transition.type.value == "fade_black"


def test_the_poem_title_is_a_heading_and_its_lines_run_on() -> None:
    plan = plan_of("the_road_not_taken.txt")
    assert plan.script.scenes[0].title == "The Road Not Taken"
    assert not normalise(plan.audio_plan.voice.lines[0].text).startswith("the road not taken")


@pytest.mark.parametrize("name", ["gettysburg_address.txt", "the_road_not_taken.txt"])
def test_duration_is_within_15_percent_of_the_measured_speech(name: str) -> None:
    clock = VoiceClock(LocalMedia())
    plan = plan_production(PlanRequest(script(name)), clock)
    speech = sum(clock.seconds(line.text) for line in plan.audio_plan.voice.lines)
    assert speech > 10
    assert speech <= plan.duration_seconds <= speech * 1.15
    for beat in plan.beats():
        assert beat.end_time - beat.start_time >= clock.seconds(beat.voiceover_text), beat.beat_id
    assert_well_formed(plan, script(name))


def make_photos(folder: Path, names: list[str]) -> None:
    pictures = [samples.astronaut(), samples.coffee(), samples.chelsea(), samples.rocket()]
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names):
        Image.fromarray(pictures[number % len(pictures)]).save(folder / name)


def test_every_photo_is_used_once_and_named_photos_land_on_their_words(tmp_path: Path) -> None:
    make_photos(tmp_path, ["battle-field.jpg", "nation.png", "a.jpg", "b.jpg", "c.jpg"])
    assets, skipped = scan_assets(tmp_path)
    assert skipped == []
    plan = plan_of("gettysburg_address.txt", assets=tuple(assets))
    used = [shot.source.asset_id for shot in plan.shots() if shot.source.asset_id]
    assert sorted(used) == ["a", "b", "battle-field", "c", "nation"], "each once"
    beats = plan.beats()

    def beat_text(shot_id: str) -> str:
        shot = next(s for s in plan.shots() if s.shot_id == shot_id)
        return next(b for b in beats if b.start_time <= shot.start_time < b.end_time).voiceover_text

    for asset_id, word in (("nation", "nation"), ("battle-field", "battle-field")):
        shot = next(s for s in plan.shots() if s.source.asset_id == asset_id)
        assert word in beat_text(shot.shot_id).lower()
    generated = [shot for shot in plan.shots() if shot.source.type.value == "generated"]
    assert generated
    assert all("neon" in (s.source.generation_prompt or "") for s in generated)


def test_more_photos_than_beats_still_uses_every_photo(tmp_path: Path) -> None:
    names = [f"photo_{n:02}.jpg" for n in range(9)]
    make_photos(tmp_path, names)
    assets, _ = scan_assets(tmp_path)
    plan = plan_of("sonnet_18.txt", assets=tuple(assets))
    used = sorted(shot.source.asset_id or "" for shot in plan.shots() if shot.source.asset_id)
    assert used == sorted(Path(name).stem for name in names)
    assert_well_formed(plan, script("sonnet_18.txt"))


def test_portrait_photo_in_a_wide_frame_is_framed_closer() -> None:
    portrait = AssetInfo("tall", "image", "tall", 1080, 1920)
    plan = plan_of("sonnet_18.txt", assets=(portrait,))
    shot = next(s for s in plan.shots() if s.source.asset_id == "tall")
    assert shot.camera.framing.value in ("medium_shot", "close_up")


def test_user_music_is_the_track_and_mood_follows_the_text(tmp_path: Path) -> None:
    plan = plan_of("gettysburg_address.txt", assets=(AssetInfo("song", "audio", "song"),))
    track = plan.audio_plan.music.tracks[0]
    assert track.asset_id == "song"
    assert (track.start_time, track.end_time) == (0.0, plan.duration_seconds)
    assert plan_of("sonnet_18.txt").audio_plan.music.mood != "none"


def test_pro_mode_cuts_finer_than_simple() -> None:
    simple = plan_of("gettysburg_address.txt")
    pro = plan_of("gettysburg_address.txt", mode=Mode.PRO)
    assert len(pro.shots()) > len(simple.shots())
    assert_well_formed(pro, script("gettysburg_address.txt"))


def test_same_input_same_plan() -> None:
    first = plan_of("the_road_not_taken.txt").model_dump_json()
    assert plan_of("the_road_not_taken.txt").model_dump_json() == first


def test_runtime_limit_fails_with_the_numbers() -> None:
    limit = r"narration alone takes [\d.]+ s, over max_runtime_seconds 30 s"
    with pytest.raises(PlanError, match=limit):
        plan_of("gettysburg_address.txt", max_runtime_seconds=30)


def test_runtime_limit_tightens_pauses_before_failing() -> None:
    natural = plan_of("gettysburg_address.txt").duration_seconds
    tight = plan_of("gettysburg_address.txt", max_runtime_seconds=natural - 2)
    assert tight.duration_seconds <= natural - 2


def test_a_longer_target_holds_longer() -> None:
    natural = plan_of("sonnet_18.txt").duration_seconds
    plan = plan_of("sonnet_18.txt", target_seconds=natural + 12)
    assert plan.duration_seconds == pytest.approx(natural + 12, abs=0.05)
    assert_well_formed(plan, script("sonnet_18.txt"))


def test_an_empty_script_is_refused() -> None:
    with pytest.raises(PlanError, match="no sentences"):
        plan_production(PlanRequest("# Only a heading\n\n"), RateClock())


def test_locked_timing_keeps_every_beat_time() -> None:
    plan = plan_of("lincoln_two_speeches.md")
    data = plan.model_dump(mode="json")
    data["constraints"]["lock_script_timing"] = True
    for scene in data["script"]["scenes"]:
        for beat in scene["beats"]:
            beat["end_time"] = round(beat["end_time"] + 0.5, 3)
    locked = ProductionPlan.model_validate(data)
    replanned = replan_visuals(locked, PlanRequest(locked.script.raw_text, mode=Mode.PRO))
    times = [(b.start_time, b.end_time) for b in replanned.beats()]
    assert times == [(b.start_time, b.end_time) for b in locked.beats()]
    assert replanned.constraints.lock_script_timing
    assert len(replanned.shots()) > len(plan.shots())


def test_retime_moves_guessed_beats_to_measured_speech() -> None:
    plan = plan_of("sonnet_18.txt")
    data = plan.model_dump(mode="json")
    for scene in data["script"]["scenes"]:
        for beat in scene["beats"]:
            beat["start_time"], beat["end_time"] = beat["start_time"] / 2, beat["end_time"] / 2
    squeezed = ProductionPlan.model_validate(data | {"duration_seconds": plan.duration_seconds / 2})
    fixed = retime(squeezed, RateClock())
    assert fixed.duration_seconds == pytest.approx(plan.duration_seconds, abs=0.05)
    assert [b.start_time for b in fixed.beats()] == [b.start_time for b in plan.beats()]


def test_plan_json_is_what_validate_reads(tmp_path: Path) -> None:
    plan = plan_of("gettysburg_address.txt")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.model_dump(mode="json")), encoding="utf-8")
    assert ProductionPlan.model_validate_json(path.read_text(encoding="utf-8")) == plan
