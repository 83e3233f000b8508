"""Shorts variants from an idea, a script and a production: valid, gap-free, exact, on brand."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from studio.planning.hooks import suggest_hooks
from studio.planning.material import load_material
from studio.planning.pace import RateClock
from studio.planning.shorts import plan_variants, speakable, tile
from studio.planning.text import words
from studio.spec import BrandKit, ShortsFormat, ShortsPlan, SourceType, parse_document
from tests.conftest import PRODUCTION_EXAMPLE
from tests.media import loudness, probe, write_json
from tests.pipeline.plans import production

GETTYSBURG = """The Gettysburg Address

Four score and seven years ago our fathers brought forth on this continent, a new nation, \
conceived in Liberty, and dedicated to the proposition that all men are created equal.

Now we are engaged in a great civil war, testing whether that nation, or any nation so conceived \
and so dedicated, can long endure. We are met on a great battle-field of that war. We have come \
to dedicate a portion of that field, as a final resting place for those who here gave their lives \
that that nation might live. It is altogether fitting and proper that we should do this.

But, in a larger sense, we can not dedicate\u2014we can not consecrate\u2014we can not \
hallow\u2014this ground. The brave men, living and dead, who struggled here, have consecrated \
it, far above our poor power to add or detract. The world will little note, nor long remember \
what we say here, but it can never forget what they did here. It is for us the living, rather, \
to be dedicated here to the unfinished work which they who fought here have thus far so nobly \
advanced. It is rather for us to be here dedicated to the great task remaining before \
us\u2014that from these honored dead we take increased devotion to that cause for which they \
gave the last full measure of devotion\u2014that we here highly resolve that these dead shall \
not have died in vain\u2014that this nation, under God, shall have a new birth of \
freedom\u2014and that government of the people, by the people, for the people, shall not \
perish from the earth.
"""
"""Abraham Lincoln, 1863 (the Bliss copy); public domain."""

VERTICAL, SQUARE = ShortsFormat.VERTICAL_9_16, ShortsFormat.SQUARE_1_1


class WordClock:
    """Half a second per word: round numbers to check the timing rules against."""

    measured = False

    def seconds(self, text: str) -> float:
        return 0.5 * len(words(text))


def flat(text: str) -> str:
    return " ".join(w.lower() for w in words(text))


def check(plan: ShortsPlan, duration: float) -> None:
    """What every variant must be: valid with no warning, gap-free, exact, publishable."""
    document = parse_document(plan.model_dump(mode="json"))
    assert document.warnings == [], document.warnings
    lines = plan.script.lines
    assert plan.duration_seconds == duration
    assert lines[0].start_time == 0
    for before, after in itertools.pairwise(lines):
        assert before.end_time == after.start_time
    assert lines[-1].end_time == duration
    assert all(line.end_time > line.start_time for line in lines)
    assert all(len(line.emojis) <= 2 for line in lines)
    assert flat(lines[0].text).startswith(flat(plan.hook.text.removesuffix("...")))
    publish = plan.publish_suggestions
    assert 0 < len(publish.title) <= 100
    assert publish.caption
    assert 3 <= len(publish.hashtags) <= 8
    assert ("#shorts" in publish.hashtags) == (plan.format is VERTICAL)
    assert plan.audio_plan.music.duck_under_voice


def test_tile_times_lines_drops_what_does_not_fit_and_holds_the_last() -> None:
    lines = tile(["one two", "three four five six", "seven " * 40, "eight"], 10.0, WordClock())
    assert [text for text, _, _ in lines] == ["one two", "three four five six"]
    assert lines[0][:2] == ("one two", 0.0)
    assert lines[0][2] == pytest.approx(1.0 + 0.3 + 0.6)
    assert lines[1][2] == 10.0
    with_cta = tile(["one two"], 10.0, WordClock(), cta="Follow for more.")
    assert [text for text, _, _ in with_cta] == ["one two", "Follow for more."]
    assert with_cta[-1][2] == 10.0


def test_long_sentences_are_said_in_clause_lines() -> None:
    last = GETTYSBURG.strip().split("\n")[-1]
    sentence = last[last.index("It is rather") :]
    lines = speakable(sentence)
    assert len(lines) > 2
    assert all(len(words(line)) <= 25 for line in lines)
    assert flat(" ".join(lines)) == flat(sentence)


def test_variants_from_an_idea() -> None:
    material = load_material("sleep better", "idea")
    hooks = suggest_hooks(material, 2)
    plans = plan_variants(material, hooks, [VERTICAL, SQUARE], 30, RateClock())
    assert [plan.variant_id for plan in plans] == ["h1-9_16", "h1-1_1", "h2-9_16", "h2-1_1"]
    assert len({plan.short_id for plan in plans}) == 1
    for plan in plans:
        check(plan, 30)
        texts = [line.text for line in plan.script.lines]
        assert texts[0] == plan.hook.text
        assert any(text.startswith("First") for text in texts)
        assert any(text.startswith("Third") for text in texts)
        assert texts[-1] == "Follow for more on sleeping better."
        assert plan.visual_plan.source.type is SourceType.GENERATED
        assert "sleeping better" in (plan.visual_plan.source.generation_prompt or "")
        assert "#sleepbetter" in plan.publish_suggestions.hashtags
        assert plan.visual_plan.captions_style.primary_color == "#FFFFFF"
        assert plan.visual_plan.captions_style.highlight_color == "#FF2EF5"
    assert plan_variants(material, hooks, [VERTICAL, SQUARE], 30, RateClock()) == plans
    sleepy = [line for line in plans[0].script.lines if "sleep" in line.text.lower()]
    assert all(line.emojis for line in sleepy)
    assert any("\U0001f634" in line.emojis for line in sleepy)
    assert [] in [line.emojis for line in plans[0].script.lines], "no emoji when nothing fits"


def test_variants_from_a_script_follow_the_hook_in_order(tmp_path: Path) -> None:
    script = tmp_path / "gettysburg.md"
    script.write_text(GETTYSBURG, encoding="utf-8")
    material = load_material(str(script), "script")
    assert material.topic.phrase == "Gettysburg Address"
    hooks = suggest_hooks(material, 3)
    plans = plan_variants(material, hooks, [VERTICAL], 45, RateClock())
    speech = flat(GETTYSBURG.split("\n", 1)[1])
    for plan in plans:
        check(plan, 45)
        spoken = [line.text for line in plan.script.lines if line.text != "Follow for more."]
        assert len(spoken) >= 3
        for text in spoken:
            assert flat(text.removesuffix("...")) in speech
        body = flat(" ".join(spoken[1:]))
        assert body in f"{speech} {speech}", (
            "after the hook, the script in order (then from the top)"
        )
    assert {plan.short_id for plan in plans} == {plans[0].short_id}


def beat(beat_id: str, start: float, end: float, text: str, emotion: str) -> dict[str, Any]:
    return {
        "beat_id": beat_id,
        "start_time": start,
        "end_time": end,
        "voiceover_text": text,
        "emotion": emotion,
    }


def picture(shot_id: str, start: float, end: float) -> dict[str, Any]:
    return {
        "shot_id": shot_id,
        "start_time": start,
        "end_time": end,
        "source": {"type": "user_image", "asset_id": f"photo_{shot_id}"},
    }


def test_variants_from_a_production_use_its_strongest_beats(tmp_path: Path) -> None:
    beats = [
        beat("b1", 0, 6, "The valley was quiet that spring.", "calm"),
        beat("b2", 6, 12, "Then the river rose faster than anyone had seen.", "tense"),
        beat("b3", 12, 18, "Why did nobody warn the village?", "mysterious"),
        beat("b4", 18, 24, "The mayor filed the weekly report.", "neutral"),
        beat("b5", 24, 30, "They rebuilt every house in 3 months.", "hopeful"),
    ]
    shots = [picture(f"s{i}", i * 6, i * 6 + 6) for i in range(5)]
    path = write_json(tmp_path / "flood.json", production(shots, 30, beats=beats))
    material = load_material(str(path), "production")
    hooks = suggest_hooks(material, 1)
    assert hooks[0].text == "Why did nobody warn the village?"
    (plan,) = plan_variants(material, hooks, [VERTICAL], 8, RateClock())
    check(plan, 8)
    assert plan.visual_plan.source.asset_id == "photo_s2", "the hook's beat gives the picture"
    texts = [line.text for line in plan.script.lines]
    assert texts[0] == hooks[0].text
    order = [b["voiceover_text"] for b in beats]
    said = [t for t in texts[1:] if t in order]
    assert said == sorted(said, key=order.index), "beats keep the film's order"
    assert "The mayor filed the weekly report." not in texts, "the weakest beat is left out"
    assert plan.audio_plan.music.mood in ("dark_synthwave", "epic", "upbeat")


def test_the_seed_production_becomes_a_valid_short() -> None:
    material = load_material(str(PRODUCTION_EXAMPLE), "production")
    plans = plan_variants(material, suggest_hooks(material, 1), [VERTICAL], 20, RateClock())
    check(plans[0], 20)
    assert plans[0].visual_plan.source.generation_prompt == (
        "Cyberpunk city, neon lights, main character silhouette..."
    )


def test_brand_kit_colours_and_look_are_applied() -> None:
    kit = BrandKit(primary_color="#112233", secondary_color="#445566", font_style="karaoke")
    material = load_material("sourdough bread", "idea")
    (plan,) = plan_variants(material, suggest_hooks(material, 1), [SQUARE], 20, RateClock(), kit)
    check(plan, 20)
    style = plan.visual_plan.captions_style
    assert (style.primary_color, style.highlight_color) == ("#112233", "#445566")
    assert plan.hook.on_screen_style == "karaoke"
    caption_kit = BrandKit.model_validate(
        {"caption_style_json": {"font_style": "outline", "primary_color": "#ABCDEF"}}
    )
    (styled,) = plan_variants(
        material, suggest_hooks(material, 1), [SQUARE], 20, RateClock(), caption_kit
    )
    assert styled.visual_plan.captions_style.primary_color == "#ABCDEF"
    assert styled.visual_plan.captions_style.highlight_color == "#FF2EF5"
    assert styled.hook.on_screen_style == "outline"


def studio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "shorts", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_hooks_prints_ranked_hooks_and_json() -> None:
    result = studio("hooks", "sleep better", "--from", "idea", "-n", "3", "--json")
    assert result.returncode == 0, result.stderr
    hooks = json.loads(result.stdout)
    assert [hook["rank"] for hook in hooks] == [1, 2, 3]
    assert all(hook["reasons"] and hook["emphasis_words"] for hook in hooks)
    scores = [hook["score"] for hook in hooks]
    assert scores == sorted(scores, reverse=True)
    text = studio("hooks", "sleep better", "--from", "idea", "-n", "2")
    assert text.returncode == 0
    assert text.stdout.startswith(f"1. [{scores[0]:g}] {hooks[0]['text']}")


def test_cli_variants_writes_plans_and_says_how_to_render(tmp_path: Path) -> None:
    out = tmp_path / "shorts"
    result = studio(
        "variants", "sleep better", "--from", "idea", "--hooks", "1,3",
        "--formats", "9_16,1_1", "--duration", "20", "--estimate", "-o", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    assert names == ["h1-1_1.json", "h1-9_16.json", "h3-1_1.json", "h3-9_16.json"]
    for path in out.iterdir():
        check(ShortsPlan.model_validate_json(path.read_text(encoding="utf-8")), 20)
    assert f"studio render {out / 'h1-9_16.json'}" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hooks", "0"], "--hooks '0'"),
        (["--hooks", "1,x"], "--hooks 'x'"),
        (["--hooks", "99"], "--hooks 99: this source has"),
        (["--formats", "4_3"], "--formats '4_3': unknown format"),
        (["--duration", "2"], "--duration 2"),
    ],
)
def test_cli_variants_bad_options_exit_2_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "shorts"
    result = studio(
        "variants", "sleep better", "--from", "idea", "--estimate", "-o", str(out), *args
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_missing_files_and_bad_plans_exit_2(tmp_path: Path) -> None:
    missing = studio("hooks", str(tmp_path / "nope.txt"), "--from", "script")
    assert missing.returncode == 2
    assert "nope.txt: no such file" in missing.stderr
    brand = write_json(tmp_path / "kit.json", {"primary_color": "teal"})
    bad_kit = studio(
        "variants", "x y z", "--from", "idea", "--brand-kit", str(brand), "-o", str(tmp_path / "o")
    )
    assert bad_kit.returncode == 2
    assert "kit.json" in bad_kit.stderr
    assert "primary_color" in bad_kit.stderr
    not_production = studio("hooks", str(brand), "--from", "production")
    assert not_production.returncode == 2
    assert "kit.json" in not_production.stderr
    no_kind = studio("hooks", "sleep better")
    assert no_kind.returncode == 2
    assert "--from" in no_kind.stderr


@pytest.mark.slow
def test_a_variant_from_an_idea_renders_with_voice(tmp_path: Path) -> None:
    out = tmp_path / "shorts"
    planned = studio(
        "variants", "sleep better", "--from", "idea", "--duration", "12", "-o", str(out)
    )
    assert planned.returncode == 0, planned.stderr
    video = tmp_path / "short.mp4"
    rendered = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(out / "h1-9_16.json"), "-o", str(video),
         "--preset", "draft"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    info = probe(video)
    assert (info.width, info.height) == (540, 960)
    assert info.duration == pytest.approx(12, abs=0.1)
    assert info.audio is not None
    assert loudness(video)["integrated"] > -30, "the voice is heard"
