"""The offline Cinema planner on real public-domain texts (tests/data), held to its rules."""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from skimage import data as samples

from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.generate.visuals import motifs_for
from studio.pipeline.media import AssetResolver
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
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.planning.text import read_script
from studio.planning.timing import BREATH, SCENE_PAUSE
from studio.planning.visual_prompts import FEELING_WORDS, FRAMING_WORDS, STYLE_LOOKS
from studio.spec import parse_document
from studio.spec.common import KNOWN_MOODS, KNOWN_STYLES
from studio.spec.production import Mode, ProductionPlan
from tests.media import make_clip, tone_wav

DATA = Path(__file__).parent.parent / "data"
TEXTS = sorted(path.name for path in DATA.iterdir() if path.suffix in (".txt", ".md"))


def script(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def plan_of(name: str, clock: SpeechClock | None = None, **options: Any) -> ProductionPlan:
    return plan_production(PlanRequest(script(name), **options), clock or RateClock())


def speech_seconds(plan: ProductionPlan, clock: SpeechClock) -> float:
    return sum(clock.seconds(line.text) for line in plan.audio_plan.voice.lines)


def assert_well_formed(plan: ProductionPlan, raw: str, offline: bool = True) -> None:
    """What every plan must be: valid, the script said once, shots that tile and vary."""
    document = parse_document(plan.model_dump(mode="json"))
    assert not document.warnings, [str(w) for w in document.warnings]
    assert narration_problems(plan, raw) == []
    beats = plan.beats()
    assert [line.text for line in plan.audio_plan.voice.lines] == [b.voiceover_text for b in beats]
    shots = sorted(plan.shots(), key=lambda shot: shot.start_time)
    assert shots[0].start_time == 0
    assert shots[-1].end_time == pytest.approx(plan.duration_seconds, abs=0.002)
    for before, after in itertools.pairwise(shots):
        assert after.start_time == pytest.approx(before.end_time, abs=0.002), "shots tile"
        assert after.camera.movement != before.camera.movement, "never the same move twice"
    for shot in shots:
        assert 1.5 <= shot.end_time - shot.start_time <= 10.0, shot.shot_id
    titles = {scene.title for scene in plan.script.scenes}
    for beat in beats if offline else []:
        assert beat.on_screen_text
        assert beat.on_screen_text in titles or len(beat.on_screen_text.split()) <= 6
    track = plan.audio_plan.music.tracks[0]
    assert (track.start_time, track.end_time) == (0.0, plan.duration_seconds)


@pytest.mark.parametrize("name", TEXTS)
def test_every_text_plans_into_a_valid_film_saying_each_sentence_once(name: str) -> None:
    clock = RateClock()
    plan = plan_of(name, clock)
    assert_well_formed(plan, script(name))
    speech = speech_seconds(plan, clock)
    assert speech <= plan.duration_seconds <= speech * 1.15
    measured = [clock.seconds(beat.voiceover_text) for beat in plan.beats()]
    assert max(measured) <= 8.5
    assert sum(3 <= s <= 8 for s in measured) >= 0.8 * len(measured), measured
    assert plan.audio_plan.music.mood in KNOWN_MOODS


@pytest.mark.parametrize("name", ["sonnet_18.txt", "the_road_not_taken.txt"])
def test_the_real_voice_times_the_beats_and_its_lines_are_kept_for_the_render(name: str) -> None:
    clock = VoiceClock(LocalMedia())
    plan = plan_of(name, clock)
    assert_well_formed(plan, script(name))
    speech = speech_seconds(plan, clock)
    assert speech > 20
    assert speech <= plan.duration_seconds <= speech * 1.15
    for beat in plan.beats():
        assert beat.end_time - beat.start_time >= clock.seconds(beat.voiceover_text)
    render_side = LocalMedia()
    for line in plan.audio_plan.voice.lines:
        render_side.speech(line.text, plan.audio_plan.voice.voice_id, "en")
    assert all(made.reused for made in render_side.log), "the render speaks nothing again"


def test_headings_are_scene_titles_and_never_narrated() -> None:
    plan = plan_of("lincoln_two_speeches.md")
    titles = [scene.title for scene in plan.script.scenes]
    assert titles == ["At Gettysburg, 1863", "The Second Inaugural, 1865"]
    spoken = normalise(" ".join(line.text for line in plan.audio_plan.voice.lines))
    assert "second inaugural" not in spoken
    assert "at gettysburg" not in spoken
    assert plan.script.scenes[1].beats[0].on_screen_text == "The Second Inaugural, 1865"
    first_of_second = plan.visual_plan.scenes[1].shots[0]
    assert first_of_second.transition is not None
    assert first_of_second.transition.type.value == "fade_black"
    inside = plan.visual_plan.scenes[0].shots[1]
    assert inside.transition is not None
    assert inside.transition.type.value != "fade_black"


def test_the_poem_title_is_a_heading_and_the_request_title_names_an_untitled_film() -> None:
    poem = plan_of("the_road_not_taken.txt")
    assert poem.script.scenes[0].title == "The Road Not Taken"
    assert not normalise(poem.audio_plan.voice.lines[0].text).startswith("the road not taken")
    speech = plan_of("gettysburg_address.txt", title="Gettysburg, 1863")
    assert speech.script.scenes[0].title == "Gettysburg, 1863"
    assert speech.beats()[0].on_screen_text == "Gettysburg, 1863"
    assert narration_problems(speech, script("gettysburg_address.txt")) == []


def test_emphasis_marks_are_not_spoken_or_shown() -> None:
    plan = plan_of("walden_where_i_lived.txt")
    spoken = " ".join(line.text for line in plan.audio_plan.voice.lines)
    assert "somewhat hastily concluded" in spoken
    assert "_" not in spoken
    assert not any("_" in beat.on_screen_text for beat in plan.beats())


def test_on_screen_text_is_a_key_phrase_of_its_beat() -> None:
    plan = plan_of("gettysburg_address.txt")
    for beat in plan.beats():
        assert normalise(beat.on_screen_text) in normalise(beat.voiceover_text)
    shown = [b.on_screen_text for b in plan.beats()]
    assert "Four score and seven years ago" in shown
    assert any("civil war" in text for text in shown)
    for scene in plan.visual_plan.scenes:
        for shot in scene.shots:
            beat = next(b for b in plan.beats() if b.start_time <= shot.start_time < b.end_time)
            overlays = [o.text for o in shot.overlays if o.type == "text"]
            assert overlays == ([beat.on_screen_text] if shot.start_time == beat.start_time else [])


def make_photos(folder: Path, names: list[str]) -> list[AssetInfo]:
    pictures = [samples.astronaut(), samples.coffee(), samples.chelsea(), samples.rocket()]
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names):
        Image.fromarray(pictures[number % len(pictures)]).save(folder / name)
    return [AssetInfo(Path(name).stem, "image", Path(name).stem, 512, 512) for name in names]


def beat_of(plan: ProductionPlan, asset_id: str) -> str:
    shot = next(s for s in plan.shots() if s.source.asset_id == asset_id)
    beat = next(b for b in plan.beats() if b.start_time <= shot.start_time < b.end_time)
    return beat.voiceover_text.lower()


def test_every_photo_is_used_once_and_named_photos_land_on_their_words(tmp_path: Path) -> None:
    names = ["IMG_0001.jpg", "battle-field.jpg", "a.jpg", "nations.png", "Liberty.jpg", "b.jpg"]
    assets = make_photos(tmp_path, names)
    plan = plan_of("gettysburg_address.txt", assets=tuple(assets), style="film_noir")
    assert_well_formed(plan, script("gettysburg_address.txt"))
    used = [shot.source.asset_id for shot in plan.shots() if shot.source.asset_id]
    assert sorted(used) == sorted(asset.asset_id for asset in assets), "each once"
    assert "battle-field" in beat_of(plan, "battle-field")
    assert "nation" in beat_of(plan, "nations")
    assert "liberty" in beat_of(plan, "Liberty")
    unnamed = [
        s.start_time for a in ("IMG_0001", "a", "b") for s in plan.shots() if s.source.asset_id == a
    ]
    assert unnamed == sorted(unnamed), "files without telling names keep their order"
    generated = [shot for shot in plan.shots() if shot.source.type.value == "generated"]
    assert generated
    assert all("black and white" in (s.source.generation_prompt or "") for s in generated)
    assert all(s.source.type.value == "user_image" for s in plan.shots() if s.source.asset_id)


def test_more_photos_than_beats_still_uses_every_photo(tmp_path: Path) -> None:
    names = [f"photo_{n:02}.jpg" for n in range(12)]
    assets = make_photos(tmp_path, names)
    plan = plan_of("sonnet_18.txt", assets=tuple(assets))
    used = sorted(shot.source.asset_id or "" for shot in plan.shots() if shot.source.asset_id)
    assert used == sorted(asset.asset_id for asset in assets)
    assert_well_formed(plan, script("sonnet_18.txt"))


def test_clips_portraits_and_music_are_placed_for_what_they_are() -> None:
    assets = (
        AssetInfo("tall", "image", "tall", 1080, 1920),
        AssetInfo("host_talking", "video", "host_talking", 1920, 1080, 6.0),
        AssetInfo("waves", "video", "waves", 1920, 1080, 4.0),
        AssetInfo("theme", "audio", "theme"),
    )
    plan = plan_of("sonnet_18.txt", assets=assets)
    assert_well_formed(plan, script("sonnet_18.txt"))
    by_asset = {s.source.asset_id: s for s in plan.shots() if s.source.asset_id}
    assert set(by_asset) == {"tall", "host_talking", "waves"}
    assert by_asset["tall"].camera.framing.value in ("medium_shot", "close_up")
    assert by_asset["host_talking"].source.type.value == "talking_head"
    assert by_asset["host_talking"].camera.framing.value == "medium_shot"
    assert by_asset["waves"].source.type.value == "user_video"
    assert plan.audio_plan.music.tracks[0].asset_id == "theme"


@pytest.mark.parametrize("style", KNOWN_STYLES)
def test_the_style_sets_the_look_and_the_script_sets_what_is_painted(style: str) -> None:
    for feeling in FEELING_WORDS.values():
        for framing in FRAMING_WORDS.values():
            words = f"{framing}, {feeling}; {STYLE_LOOKS[style]}"
            assert motifs_for(words) == ("abstract",), words
    plan = plan_of("the_road_not_taken.txt", style=style)
    prompt = plan.shots()[0].source.generation_prompt or ""
    assert "forest" in motifs_for(prompt), "a yellow wood is painted as woods"
    assert STYLE_LOOKS[style] in prompt


def test_no_two_generated_shots_share_a_prompt() -> None:
    for mode in Mode:
        plan = plan_of("gettysburg_address.txt", mode=mode)
        prompts = [s.source.generation_prompt for s in plan.shots()]
        assert len(set(prompts)) == len(prompts)


def test_pro_mode_cuts_finer_than_simple() -> None:
    simple = plan_of("gettysburg_address.txt")
    pro = plan_of("gettysburg_address.txt", mode=Mode.PRO)
    assert len(pro.shots()) > len(simple.shots())
    assert_well_formed(pro, script("gettysburg_address.txt"))
    lengths = [shot.end_time - shot.start_time for shot in pro.shots()]
    assert 2 <= statistics.median(lengths) <= 4
    assert max(len(simple.shots()), 1) <= len(simple.beats()) * 2


def test_same_input_same_plan(tmp_path: Path) -> None:
    assets = tuple(make_photos(tmp_path, ["woods.jpg", "x.jpg"]))
    first = plan_of("the_road_not_taken.txt", assets=assets, mode=Mode.PRO).model_dump_json()
    again = plan_of("the_road_not_taken.txt", assets=assets, mode=Mode.PRO).model_dump_json()
    assert again == first


def test_music_mood_follows_the_prevailing_feeling_else_the_style() -> None:
    assert plan_of("gettysburg_address.txt").audio_plan.music.mood == "epic"
    mixed = plan_of("the_road_not_taken.txt", style="bold_pop")
    assert mixed.audio_plan.music.mood == "upbeat", "no feeling prevails: the style's music"


def test_runtime_limit_fails_with_the_numbers() -> None:
    limit = r"the narration alone takes [\d.]+ s, over max_runtime_seconds 30 s: shorten"
    with pytest.raises(PlanError, match=limit):
        plan_of("gettysburg_address.txt", max_runtime_seconds=30)


def test_runtime_limit_tightens_pauses_before_failing() -> None:
    natural = plan_of("gettysburg_address.txt")
    tight = plan_of("gettysburg_address.txt", max_runtime_seconds=natural.duration_seconds - 2)
    assert tight.duration_seconds <= natural.duration_seconds - 2
    assert tight.constraints.max_runtime_seconds == natural.duration_seconds - 2
    assert_well_formed(tight, script("gettysburg_address.txt"))


def test_a_longer_target_holds_longer_and_a_shorter_one_is_a_limit() -> None:
    natural = plan_of("sonnet_18.txt").duration_seconds
    plan = plan_of("sonnet_18.txt", target_seconds=natural + 12)
    assert plan.duration_seconds == pytest.approx(natural + 12, abs=0.01)
    assert_well_formed(plan, script("sonnet_18.txt"))
    with pytest.raises(PlanError, match="over the target duration 10 s"):
        plan_of("sonnet_18.txt", target_seconds=10)
    with pytest.raises(PlanError, match="target duration 700 s is over max_runtime_seconds"):
        plan_of("sonnet_18.txt", target_seconds=700)


def test_a_script_of_headings_only_is_refused() -> None:
    with pytest.raises(PlanError, match="no sentences"):
        plan_production(PlanRequest("# Only a heading\n\n"), RateClock())


def test_every_sentence_is_in_order_even_split_inside_a_sentence() -> None:
    plan = plan_of("walden_where_i_lived.txt")
    sentences = [
        s
        for section in read_script(script("walden_where_i_lived.txt"))
        for s in section.sentences()
    ]
    longest = max(sentences, key=len)
    assert len(longest.split()) > 60
    spread = [b for b in plan.beats() if normalise(b.voiceover_text) in normalise(longest)]
    assert len(spread) >= 3, "a long sentence is cut at its clauses across beats"


def test_locked_timing_keeps_every_beat_time_and_the_shots_still_cover_the_film() -> None:
    plan = plan_of("lincoln_two_speeches.md")
    data = plan.model_dump(mode="json")
    data["constraints"]["lock_script_timing"] = True
    for scene in data["script"]["scenes"]:
        for beat in scene["beats"]:
            beat["start_time"] = round(beat["start_time"] + 0.4, 3)
            beat["end_time"] = round(beat["end_time"] - 0.2, 3)
    locked = ProductionPlan.model_validate(data)
    replanned = replan_visuals(locked, PlanRequest(locked.script.raw_text, mode=Mode.PRO))
    times = [(b.start_time, b.end_time) for b in replanned.beats()]
    assert times == [(b.start_time, b.end_time) for b in locked.beats()]
    assert replanned.script == locked.script
    assert replanned.audio_plan.voice == locked.audio_plan.voice
    assert replanned.constraints.lock_script_timing
    assert len(replanned.shots()) > len(plan.shots())
    assert_well_formed(replanned, locked.script.raw_text)


class WordClock:
    """A stand-in voice: a second a word."""

    measured = True

    def seconds(self, text: str) -> float:
        return float(len(text.split()))


def test_retime_moves_guessed_beats_to_measured_speech_keeping_shot_shares() -> None:
    plan = plan_of("sonnet_18.txt", mode=Mode.PRO)
    data = plan.model_dump(mode="json")
    for scene in data["script"]["scenes"] + data["visual_plan"]["scenes"]:
        for item in scene.get("beats", []) + scene.get("shots", []):
            item["start_time"], item["end_time"] = item["start_time"] / 2, item["end_time"] / 2
    data["audio_plan"]["music"]["tracks"][0]["end_time"] = plan.duration_seconds / 2
    squeezed = ProductionPlan.model_validate(data | {"duration_seconds": plan.duration_seconds / 2})
    fixed = retime(squeezed, RateClock())
    assert fixed.duration_seconds == pytest.approx(plan.duration_seconds, abs=0.01)
    moved = [b.start_time for b in fixed.beats()] + [s.start_time for s in fixed.shots()]
    natural = [b.start_time for b in plan.beats()] + [s.start_time for s in plan.shots()]
    assert moved == pytest.approx(natural, abs=0.01), "shots keep their share of their beat"
    assert_well_formed(fixed, script("sonnet_18.txt"))


def test_retime_brings_shots_within_bounds_and_keeps_the_creators_file() -> None:
    first, second = "The harbour wakes early. Boats slide out into the grey light.", "Gulls follow."
    raw = f"{first}\n\n{second}"
    shot = {"camera": {"movement": "ken_burns", "framing": "medium_shot"}}
    guessed = {
        "production_id": "llm",
        "duration_seconds": 6,
        "resolution": {"width": 640, "height": 360, "fps": 30},
        "script": {
            "raw_text": raw,
            "scenes": [
                {
                    "scene_id": "s1",
                    "beats": [
                        {
                            "beat_id": "b1",
                            "start_time": 0,
                            "end_time": 4,
                            "voiceover_text": first,
                        },
                        {
                            "beat_id": "b2",
                            "start_time": 4,
                            "end_time": 6,
                            "voiceover_text": second,
                        },
                    ],
                }
            ],
        },
        "visual_plan": {
            "scenes": [
                {
                    "scene_id": "s1",
                    "shots": [
                        {
                            "shot_id": "a",
                            "start_time": 0,
                            "end_time": 0.3,
                            "source": {"type": "user_image", "asset_id": "boats"},
                            **shot,
                        },
                        {
                            "shot_id": "b",
                            "start_time": 0.3,
                            "end_time": 6,
                            "source": {"type": "generated", "generation_prompt": "harbour"},
                            **shot,
                        },
                    ],
                }
            ]
        },
        "audio_plan": {
            "voice": {
                "lines": [
                    {
                        "beat_id": "b1",
                        "text": "The harbour wakes early. Boats slide out into the grey light.",
                    },
                    {"beat_id": "b2", "text": second},
                ]
            },
            "music": {"tracks": [{"track_id": "m", "start_time": 0, "end_time": 6}]},
        },
    }
    clock = WordClock()
    fixed = retime(ProductionPlan.model_validate(guessed), clock)
    speech = sum(clock.seconds(line.text) for line in fixed.audio_plan.voice.lines)
    assert fixed.duration_seconds == pytest.approx(speech + BREATH + SCENE_PAUSE)
    assert fixed.shots()[0].source.asset_id == "boats", "the file outlives the merge"
    assert_well_formed(fixed, raw, offline=False)
    assert fixed.duration_seconds > 10
    assert len(fixed.shots()) == 2, "the long shot is cut in two"


def test_an_assets_folder_is_read_as_the_render_will_find_it(tmp_path: Path) -> None:
    folder = tmp_path / "assets"
    make_photos(folder, ["nation.jpg", "nation.png", "field.png"])
    sideways = Image.fromarray(samples.coffee()).resize((300, 200))
    exif = sideways.getexif()
    exif[0x0112] = 6
    sideways.save(folder / "portrait.jpg", exif=exif)
    (folder / "broken.jpg").write_bytes(b"not a picture")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    (folder / "nested").mkdir()
    tone_wav(folder / "theme.wav", seconds=1.0)
    make_clip(folder / "host_talking.mp4", 320, 180, 1.0)
    found, skipped = scan_assets(folder)
    by_id = {asset.asset_id: asset for asset in found}
    assert list(by_id) == ["field", "host_talking", "nation", "portrait", "theme"]
    assert len(skipped) == 2
    assert any("broken.jpg: not usable" in line for line in skipped)
    assert any("nation.png: another file is already named 'nation'" in line for line in skipped)
    assert (by_id["portrait"].width, by_id["portrait"].height) == (200, 300)
    assert by_id["portrait"].orientation == "portrait"
    assert by_id["host_talking"].kind == "video"
    assert by_id["host_talking"].seconds == pytest.approx(1.0, abs=0.1)
    assert by_id["host_talking"].talking_head
    assert by_id["theme"].kind == "audio"
    resolver = AssetResolver(folder)
    for asset in found:
        find = resolver.find_audio if asset.kind == "audio" else resolver.find_visual
        assert find(asset.asset_id) is not None, asset.asset_id
