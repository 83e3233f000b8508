"""Is an LLM's answer usable? The problems it has, worded for the model's repair round.

A plan answer is held to everything a plan must satisfy (``parse_document``), to the narration
rule (``narration_problems``: every sentence once, in order) and to the creator's assets (no
invented ids). The narration and asset checks also run on an answer that fails validation, read as
far as it can be, so the single repair round hears about every problem at once.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, cast

from studio.planning.coverage import narration_problems
from studio.planning.llm_prompts import HOOK_MAX_WORDS, Brief
from studio.planning.text import words
from studio.spec.common import MAX_LINE_CHARS, SourceType
from studio.spec.documents import DocumentKind, parse_document
from studio.spec.problems import Severity, SpecError
from studio.spec.production import ProductionPlan

_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def decode(content: str) -> tuple[Any, list[str]]:
    """The JSON value of an answer; tolerates a Markdown fence (local models like to add one)."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text:
        return None, ["the answer was empty: expected a JSON document"]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        return None, [f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]


def check_plan(data: Any, script: str, brief: Brief) -> tuple[ProductionPlan | None, list[str]]:
    """The plan an answer makes with the brief imposed, or every problem found in it."""
    if isinstance(data, dict):
        _impose_brief(data, brief, script)
    problems: list[str] = []
    plan: ProductionPlan | None = None
    try:
        plan = cast("ProductionPlan", parse_document(data, DocumentKind.PRODUCTION_PLAN).model)
    except SpecError as error:
        problems = [str(p) for p in error.problems if p.severity is Severity.ERROR]
    spoken = plan or _narration_only(data)
    problems += narration_problems(spoken, script, brief.language)
    problems += _unknown_assets(data, {asset.asset_id for asset in brief.assets})
    return (None, problems) if problems else (plan, [])


def check_hooks(data: Any, n: int) -> tuple[list[str] | None, list[str]]:
    """Up to ``n`` distinct hooks ({"hooks": [...]} or a bare array), or what is wrong with them."""
    items = data.get("hooks") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return None, ['expected a JSON object {"hooks": [...]} with an array of strings']
    hooks: list[str] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            problems.append(f"hooks[{index}]: must be a non-empty string, got {item!r}")
            continue
        text = " ".join(item.split())
        count = len(words(text))
        if count > HOOK_MAX_WORDS:
            problems.append(f"hooks[{index}]: {count} words, at most {HOOK_MAX_WORDS}: {text!r}")
        elif text.casefold() not in {hook.casefold() for hook in hooks}:
            hooks.append(text)
    if not items:
        problems.append("hooks: the array is empty; write at least one hook")
    return (None, problems) if problems else (hooks[:n], [])


def _impose_brief(data: dict[str, Any], brief: Brief, script: str) -> None:
    """Set what the creator decided, so the model's copy of it cannot be wrong."""
    data["production_id"] = brief.production_id
    data["mode"] = brief.mode
    data["style"] = brief.style
    data["resolution"] = brief.resolution()
    data["constraints"] = brief.constraints()
    section = data.get("script")
    if isinstance(section, dict):
        section["raw_text"] = script
        section.setdefault("language", brief.language)


def _dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON array (anything else in it, or a non-array, reads as nothing)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _indexed(value: object) -> list[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array with their indices, for paths that point at the right item."""
    items = value if isinstance(value, list) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _at(value: object, *keys: str) -> object:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _seconds(value: object) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(cast("float", value)) if ok else math.inf


def _narration_only(data: Any) -> ProductionPlan:
    """A plan holding only the narration of an invalid answer, in the order it would play.

    The voice lines play at their beats' start times; without lines, the beats' voiceover does.
    """
    beats = [
        beat
        for scene in _dicts(_at(data, "script", "scenes"))
        for beat in _dicts(scene.get("beats"))
    ]
    starts = {str(beat.get("beat_id")): _seconds(beat.get("start_time")) for beat in beats}
    lines = _dicts(_at(data, "audio_plan", "voice", "lines"))
    if lines:
        timed = [
            (starts.get(str(line.get("beat_id")), math.inf), line.get("text")) for line in lines
        ]
    else:
        timed = [(_seconds(beat.get("start_time")), beat.get("voiceover_text")) for beat in beats]
    texts = [str(text or "")[:MAX_LINE_CHARS] for _, text in sorted(timed, key=lambda t: t[0])]
    return ProductionPlan.model_validate(
        {
            "production_id": "narration",
            "duration_seconds": len(texts) + 1,
            "resolution": {"width": 16, "height": 16, "fps": 1},
            "visual_plan": {},
            "script": {
                "scenes": [
                    {
                        "scene_id": "scene",
                        "beats": [
                            {"beat_id": f"b{i}", "start_time": i, "end_time": i + 1}
                            for i in range(len(texts))
                        ],
                    }
                ]
            },
            "audio_plan": {
                "voice": {
                    "lines": [{"beat_id": f"b{i}", "text": text} for i, text in enumerate(texts)]
                }
            },
        }
    )


def _unknown_assets(data: Any, known: set[str]) -> list[str]:
    """Shots that name an asset the creator did not supply: they would render as placeholders."""
    problems = []
    listed = ", ".join(sorted(known)) or "none were supplied"
    for i, scene in _indexed(_at(data, "visual_plan", "scenes")):
        for j, shot in _indexed(scene.get("shots")):
            source = shot.get("source")
            asset = _at(source, "asset_id")
            if asset is None or asset in known:
                continue
            needs_asset = _at(source, "type") in (SourceType.USER_IMAGE, SourceType.USER_VIDEO)
            hint = "; use a generated source instead" if needs_asset else ""
            problems.append(
                f"visual_plan.scenes[{i}].shots[{j}].source.asset_id: {asset!r} is not one of "
                f"the creator's assets ({listed}){hint}"
            )
    return problems
