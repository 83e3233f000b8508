"""Malformed documents are rejected with the JSON path of the fault and a message explaining it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from studio.spec import Severity, SpecError, parse_document, parse_json_text

Doc = dict[str, Any]


def _shot(d: Doc, i: int = 0) -> Doc:
    shot: Doc = d["visual_plan"]["scenes"][0]["shots"][i]
    return shot


def _add_shot(d: Doc, **changes: Any) -> None:
    shots = d["visual_plan"]["scenes"][0]["shots"]
    shots.append({**json.loads(json.dumps(shots[0])), **changes})


PRODUCTION_CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("odd width", lambda d: d["resolution"].update(width=1919), "resolution.width", "must be even"),
    ("tiny height", lambda d: d["resolution"].update(height=8), "resolution.height", "16"),
    ("huge width", lambda d: d["resolution"].update(width=8000), "resolution.width", "7680"),
    ("zero fps", lambda d: d["resolution"].update(fps=0), "resolution.fps", "greater than 0"),
    ("fps 240", lambda d: d["resolution"].update(fps=240), "resolution.fps", "120"),
    ("nan fps", lambda d: d["resolution"].update(fps=float("nan")), "resolution.fps", "finite"),
    (
        "infinite duration",
        lambda d: d.update(duration_seconds=float("inf")),
        "duration_seconds",
        "finite",
    ),
    ("missing resolution", lambda d: d.pop("resolution"), "resolution", "required"),
    ("typo key", lambda d: d.update(duration_secs=3), "duration_secs", "unknown field"),
    ("bad mode", lambda d: d.update(mode="expert"), "mode", "'simple' or 'pro'"),
    (
        "end before start",
        lambda d: _shot(d).update(start_time=4.0, end_time=2.0),
        "visual_plan.scenes[0].shots[0].end_time",
        "must be after start_time (4 s)",
    ),
    (
        "shot past the end",
        lambda d: _shot(d).update(end_time=121),
        "visual_plan.scenes[0].shots[0].end_time",
        "after the production's end (120 s)",
    ),
    (
        "beat past the end",
        lambda d: d["script"]["scenes"][0]["beats"][0].update(start_time=130, end_time=131),
        "script.scenes[0].beats[0].start_time",
        "after the production's end",
    ),
    (
        "runtime over the limit",
        lambda d: d.update(duration_seconds=200),
        "duration_seconds",
        "longer than constraints.max_runtime_seconds (180 s)",
    ),
    (
        "overlapping shots",
        lambda d: _add_shot(d, shot_id="shot_2", start_time=4.0, end_time=8.0),
        "visual_plan.scenes[0].shots[1].start_time",
        "overlaps 'shot_1'",
    ),
    (
        "duplicate shot id",
        lambda d: _add_shot(d, start_time=5.0, end_time=8.0),
        "visual_plan.scenes[0].shots[1].shot_id",
        "duplicate shot_id 'shot_1'",
    ),
    (
        "voice line for a missing beat",
        lambda d: d["audio_plan"]["voice"]["lines"][0].update(beat_id="beat_7"),
        "audio_plan.voice.lines[0].beat_id",
        "names beat 'beat_7', which the script does not have",
    ),
    (
        "bad overlay position",
        lambda d: _shot(d)["overlays"][0].update(position="middle"),
        "visual_plan.scenes[0].shots[0].overlays[0].position",
        "must be one of",
    ),
    (
        "unknown overlay type",
        lambda d: _shot(d)["overlays"].append({"type": "video"}),
        "visual_plan.scenes[0].shots[0].overlays[1].type",
        "unknown type 'video'",
    ),
    (
        "unknown camera move",
        lambda d: _shot(d)["camera"].update(movement="spin"),
        "visual_plan.scenes[0].shots[0].camera.movement",
        "slow_push_in",
    ),
    (
        "user image without asset",
        lambda d: _shot(d)["source"].update(type="user_image", asset_id=None),
        "visual_plan.scenes[0].shots[0].source.asset_id",
        "needs an asset_id",
    ),
    (
        "overlay text too long",
        lambda d: _shot(d)["overlays"][0].update(text="x" * 5001),
        "visual_plan.scenes[0].shots[0].overlays[0].text",
        "too long: 5001 characters, at most 5000",
    ),
    (
        "music track ends after the film",
        lambda d: d["audio_plan"]["music"]["tracks"][0].update(end_time=500),
        "audio_plan.music.tracks[0].end_time",
        "after the production's end",
    ),
    ("empty production id", lambda d: d.update(production_id=""), "production_id", "at least 1"),
    (
        "width as text",
        lambda d: d["resolution"].update(width="wide"),
        "resolution.width",
        "integer",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [case[1:] for case in PRODUCTION_CASES],
    ids=[case[0] for case in PRODUCTION_CASES],
)
def test_malformed_production_plans_name_the_field(
    production_data: Doc, mutate: Callable[[Doc], None], path: str, message: str
) -> None:
    mutate(production_data)
    with pytest.raises(SpecError) as caught:
        parse_document(production_data)
    errors = {p.path: p.message for p in caught.value.problems if p.severity is Severity.ERROR}
    assert path in errors, caught.value.problems
    assert message in errors[path]


SHORTS_CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("unknown format", lambda d: d.update(format="21_9"), "format", "'9_16'"),
    (
        "bad colour",
        lambda d: d["visual_plan"]["captions_style"].update(primary_color="cyan"),
        "visual_plan.captions_style.primary_color",
        "#RRGGBB, got 'cyan'",
    ),
    (
        "short hex colour",
        lambda d: d["visual_plan"]["captions_style"].update(highlight_color="#FFF"),
        "visual_plan.captions_style.highlight_color",
        "#RRGGBB",
    ),
    (
        "emphasis word not in hook",
        lambda d: d["hook"].update(emphasis_words=["wasting", "money"]),
        "hook.emphasis_words[1]",
        "'money' is not in the hook text",
    ),
    (
        "line past the end",
        lambda d: d["script"]["lines"][0].update(end_time=31),
        "script.lines[0].end_time",
        "after the short's end (30 s)",
    ),
    (
        "overlapping lines",
        lambda d: d["script"]["lines"].append(
            {"start_time": 3.0, "end_time": 6.0, "text": "Next."}
        ),
        "script.lines[1].start_time",
        "captions would collide",
    ),
    (
        "hashtag with a space",
        lambda d: d["publish_suggestions"]["hashtags"].append("#two words"),
        "publish_suggestions.hashtags[3]",
        "no spaces",
    ),
    ("empty hook", lambda d: d["hook"].update(text=""), "hook.text", "at least 1"),
    ("negative duration", lambda d: d.update(duration_seconds=-1), "duration_seconds", "greater"),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [case[1:] for case in SHORTS_CASES],
    ids=[case[0] for case in SHORTS_CASES],
)
def test_malformed_shorts_plans_name_the_field(
    shorts_data: Doc, mutate: Callable[[Doc], None], path: str, message: str
) -> None:
    mutate(shorts_data)
    with pytest.raises(SpecError) as caught:
        parse_document(shorts_data)
    errors = {p.path: p.message for p in caught.value.problems if p.severity is Severity.ERROR}
    assert path in errors, caught.value.problems
    assert message in errors[path]


def test_every_problem_is_reported_at_once(production_data: Doc) -> None:
    production_data["resolution"]["width"] = 1001
    production_data["mode"] = "expert"
    _shot(production_data)["camera"]["framing"] = "far"
    with pytest.raises(SpecError) as caught:
        parse_document(production_data)
    assert {p.path for p in caught.value.problems} == {
        "resolution.width",
        "mode",
        "visual_plan.scenes[0].shots[0].camera.framing",
    }


def test_semantic_errors_are_all_reported_together(production_data: Doc) -> None:
    production_data["duration_seconds"] = 200
    production_data["audio_plan"]["voice"]["lines"][0]["beat_id"] = "nope"
    _add_shot(production_data, start_time=2.0, end_time=7.0)
    with pytest.raises(SpecError) as caught:
        parse_document(production_data)
    errors = [p.path for p in caught.value.problems if p.severity is Severity.ERROR]
    assert errors == [
        "duration_seconds",
        "visual_plan.scenes[0].shots[1].start_time",
        "visual_plan.scenes[0].shots[1].shot_id",
        "audio_plan.voice.lines[0].beat_id",
    ]


def test_emphasis_words_match_whole_words_ignoring_case_and_curly_quotes(shorts_data: Doc) -> None:
    shorts_data["hook"]["emphasis_words"] = ["YOU'RE", "like this"]
    assert parse_document(shorts_data).model is not None
    shorts_data["hook"]["emphasis_words"] = ["waste"]
    with pytest.raises(SpecError, match="'waste' is not in the hook text"):
        parse_document(shorts_data)


def test_gaps_and_short_shots_are_warnings_not_errors(production_data: Doc) -> None:
    _add_shot(production_data, shot_id="blink", start_time=10.0, end_time=10.1)
    document = parse_document(production_data)
    warnings = {p.path: p.message for p in document.warnings}
    assert "lasts only 0.1 s" in warnings["visual_plan.scenes[0].shots[1]"]
    assert "5-10 s, 10.1-120 s" in warnings["visual_plan"]


def test_unknown_style_and_mood_are_accepted(production_data: Doc) -> None:
    production_data["style"] = "vaporwave_dream"
    production_data["audio_plan"]["music"]["mood"] = "cosmic_jazz"
    production_data["script"]["scenes"][0]["beats"][0]["emotion"] = "wistful"
    assert parse_document(production_data).warnings[0].path == "visual_plan"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the document is empty"),
        ("   \n", "the document is empty"),
        ("[1, 2]", "found an array"),
        ('"plan"', "found a string"),
        ("null", "found null"),
        ("42", "found a number"),
        ('{"duration_seconds": 1', "not valid JSON"),
        ("{}", "cannot tell which document this is"),
        ("[" * 50_000 + "]" * 50_000, "nested far too deeply"),
    ],
)
def test_text_that_is_not_a_plan(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_json_text(text)
    assert [p.path for p in caught.value.problems] == ["$"]
    assert message in caught.value.problems[0].message


def test_a_byte_order_mark_is_accepted(shorts_data: Doc) -> None:
    assert parse_json_text("\ufeff" + json.dumps(shorts_data)).model is not None


def test_nan_written_in_the_json_text_is_rejected(production_data: Doc) -> None:
    text = json.dumps(production_data).replace('"fps": 30', '"fps": NaN')
    with pytest.raises(SpecError, match="finite number"):
        parse_json_text(text)
