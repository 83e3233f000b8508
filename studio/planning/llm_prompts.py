"""The chat messages of LLM planning, filled from resources/prompts/*.md and a planning brief.

A prompt file holds one chat message after each ``<!-- system -->`` or ``<!-- user -->`` marker
line (an HTML comment before the first marker documents the file and is not sent). ``${name}``
placeholders are filled with ``string.Template``; a name the code does not supply is an error, so a
typo in a prompt fails the tests instead of reaching the model.

The vocabularies (emotions, moods, camera moves) are read from the spec's code, so a prompt never
offers a value the renderer does not know. The script is shown to the model both as written and as
the numbered sentences the narration check (``studio.planning.coverage``) will hold it to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from string import Template

from studio.planning.pace import estimate_seconds
from studio.planning.text import read_script
from studio.resources import resource_path
from studio.spec.common import (
    KNOWN_EMOTIONS,
    KNOWN_MOODS,
    CameraMovement,
    Framing,
    TransitionType,
)

Message = dict[str, str]

_MARKER = re.compile(r"^<!--\s*(system|user)\s*-->\s*$", re.MULTILINE)

HOOK_MAX_WORDS = 12
"""The longest hook a Shorts Plan shows (issue 5: at most 12 words)."""

MAX_HOOK_MATERIAL_CHARS = 24_000
"""Enough of a script or transcript to find its hooks, and a bounded cost per request."""

STYLE_HINTS = {
    "neo_glow": "night, neon magenta and cyan light, glowing highlights, deep shadows",
    "clean_minimal": "bright, uncluttered, soft daylight, simple shapes, lots of negative space",
    "film_noir": "black and white, hard light, long shadows, rain, high contrast",
    "warm_documentary": "natural light, warm golden tones, real places and people, candid",
    "bold_pop": "saturated primary colours, strong graphic shapes, bright and playful",
}
"""Words that steer a generated picture towards each named look; other looks go by their name."""

MODE_RULES = {
    "simple": "In simple mode give a beat one shot, or two when it lasts longer than 7 seconds.",
    "pro": (
        "In pro mode give most beats two or three shots (a beat under 3 seconds gets one), "
        "changing framing within the beat, so the editor has a finer shot list."
    ),
}


@dataclass(frozen=True)
class Asset:
    """A creator asset the plan may use, as much as is known of it without looking."""

    asset_id: str
    kind: str = "image"
    orientation: str = ""
    name: str = ""


@dataclass(frozen=True)
class Brief:
    """What the creator asked for, read from the ``brief`` mapping of ``LlmPlanner.production``."""

    production_id: str = "production"
    style: str = "neo_glow"
    mode: str = "simple"
    width: int = 1920
    height: int = 1080
    fps: float = 30.0
    language: str = "en"
    duration_seconds: float | None = None
    lock_script_timing: bool = False
    max_runtime_seconds: float = 600.0
    assets: tuple[Asset, ...] = field(default_factory=tuple)

    @classmethod
    def read(cls, brief: Mapping[str, object]) -> Brief:
        """Keys as documented on ``LlmPlanner.production``; absent keys take the defaults."""
        resolution = brief.get("resolution") or {}
        if not isinstance(resolution, Mapping):
            raise TypeError("brief['resolution'] must be a mapping with width, height and fps")
        assets = brief.get("assets") or ()
        if not isinstance(assets, Sequence) or isinstance(assets, str):
            raise TypeError("brief['assets'] must be a sequence of mappings")
        duration = brief.get("duration_seconds")
        return cls(
            production_id=str(brief.get("production_id") or cls.production_id),
            style=str(brief.get("style") or cls.style),
            mode=str(brief.get("mode") or cls.mode),
            width=int(_number(resolution.get("width", cls.width))),
            height=int(_number(resolution.get("height", cls.height))),
            fps=_number(resolution.get("fps", cls.fps)),
            language=str(brief.get("language") or cls.language),
            duration_seconds=None if duration is None else _number(duration),
            lock_script_timing=bool(brief.get("lock_script_timing", False)),
            max_runtime_seconds=_number(brief.get("max_runtime_seconds") or 600.0),
            assets=tuple(_asset(item) for item in assets),
        )

    def resolution(self) -> dict[str, object]:
        return {"width": self.width, "height": self.height, "fps": self.fps}

    def constraints(self) -> dict[str, object]:
        return {
            "lock_script_timing": self.lock_script_timing,
            "max_runtime_seconds": self.max_runtime_seconds,
        }


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number in the brief, got {value!r}")
    return float(value)


def _asset(item: object) -> Asset:
    if not isinstance(item, Mapping) or not item.get("asset_id"):
        raise TypeError(f"each brief asset must be a mapping with an asset_id, got {item!r}")
    return Asset(
        asset_id=str(item["asset_id"]),
        kind=str(item.get("kind") or "image"),
        orientation=str(item.get("orientation") or ""),
        name=str(item.get("name") or ""),
    )


def load_prompt(name: str) -> list[tuple[str, Template]]:
    """The (role, template) messages of ``resources/prompts/NAME.md``, in file order."""
    text = resource_path("prompts", f"{name}.md").read_text(encoding="utf-8")
    pieces = _MARKER.split(text)
    roles, bodies = pieces[1::2], pieces[2::2]
    if not roles:
        raise ValueError(f"prompts/{name}.md has no <!-- system --> or <!-- user --> marker")
    return [(role, Template(body.strip())) for role, body in zip(roles, bodies, strict=True)]


def fill(name: str, values: Mapping[str, object]) -> list[Message]:
    """The prompt's messages with every placeholder filled."""
    mapping = {key: str(value) for key, value in values.items()}
    return [
        {"role": role, "content": template.substitute(mapping)}
        for role, template in load_prompt(name)
    ]


def _names(values: Sequence[str]) -> str:
    return ", ".join(values)


def _orientation(width: float, height: float) -> str:
    if width > height:
        return "landscape"
    return "portrait" if height > width else "square"


def describe_assets(assets: Sequence[Asset]) -> str:
    if not assets:
        return "(none: every shot is generated)"
    lines = []
    for asset in assets:
        details = [asset.kind]
        if asset.orientation:
            details.append(asset.orientation)
        if asset.name:
            details.append(f"file {asset.name!r}")
        lines.append(f"- asset_id {json.dumps(asset.asset_id)}: {', '.join(details)}")
    return "\n".join(lines)


def describe_script(script: str, language: str) -> tuple[str, float]:
    """The numbered sentences by section and paragraph, with estimated seconds; the total seconds.

    This is the script exactly as the narration check reads it, so the model is held to what it
    was shown.
    """
    lines: list[str] = []
    total = 0.0
    number = 0
    for index, section in enumerate(read_script(script, language), start=1):
        if lines:
            lines.append("")
        title = "no heading"
        if section.title:
            title = f'heading "{section.title}" (its title, not spoken)'
        lines.append(f"Section {index}: {title}")
        for paragraph in section.paragraphs:
            lines.append("  (paragraph)")
            for sentence in paragraph:
                number += 1
                seconds = estimate_seconds(sentence)
                total += seconds
                lines.append(f"  [{number}] ({seconds:.1f} s) {sentence}")
    return "\n".join(lines), total


def production_messages(script: str, brief: Brief) -> list[Message]:
    sections, speech_seconds = describe_script(script, brief.language)
    if brief.duration_seconds:
        target = (
            f"about {brief.duration_seconds:g} s; reach it with the length of beats and shots, "
            "never by changing the narration"
        )
    else:
        target = "as long as the narration needs"
    return fill(
        "production_plan",
        {
            "emotions": _names(KNOWN_EMOTIONS),
            "moods": _names(KNOWN_MOODS),
            "movements": _names(_values(CameraMovement)),
            "framings": _names(_values(Framing)),
            "transitions": _names(_values(TransitionType)),
            "style": brief.style,
            "style_hint": STYLE_HINTS.get(brief.style, f"as the name {brief.style!r} suggests"),
            "mode_rule": MODE_RULES.get(brief.mode, MODE_RULES["simple"]),
            "production_id": json.dumps(brief.production_id),
            "mode": brief.mode,
            "width": brief.width,
            "height": brief.height,
            "fps": f"{brief.fps:g}",
            "orientation": _orientation(brief.width, brief.height),
            "language": brief.language,
            "constraints": json.dumps(brief.constraints()),
            "target": target,
            "asset_count": len(brief.assets),
            "assets": describe_assets(brief.assets),
            "speech_seconds": f"{speech_seconds:.0f}",
            "sections": sections or "(the script has no sentences)",
        },
    )


def hooks_messages(material: str, n: int, kind: str) -> list[Message]:
    text = material.strip()
    if len(text) > MAX_HOOK_MATERIAL_CHARS:
        text = text[:MAX_HOOK_MATERIAL_CHARS] + "\n[...]"
    return fill("hooks", {"max_words": HOOK_MAX_WORDS, "n": n, "kind": kind, "material": text})


def repair_messages(problems: Sequence[str], document: str, reminder: str) -> list[Message]:
    numbered = "\n".join(f"{n}. {problem}" for n, problem in enumerate(problems, start=1))
    return fill("repair", {"problems": numbered, "document": document, "reminder": reminder})


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
