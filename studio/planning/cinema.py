"""The offline Cinema planner: a script (and the creator's files) becomes a Production Plan.

Rules, in the order they apply:
- Scenes are the script's sections (``text.read_script``); a heading is the scene's title (the
  request's title names an untitled first scene) and the on-screen text of the scene's first
  beat, never narrated. Markdown emphasis markers (``_word_``, ``*word*``) are not spoken.
- Beats group the sentences of a paragraph into 3-8 s of speech: a sentence over 8 s is cut at
  its clauses (a clause over 8 s at even word counts), then the units are grouped so every beat
  is as close to 5.5 s as it can be, cutting between sentences rather than inside one. Grouping
  uses the speaking-rate estimate; each beat is then measured with the clock and one measured
  over 8.5 s is cut again. Every sentence is spoken once, in order: one voice line per beat.
- Beat times come from the clock's measure of the final beat text (the real voice with
  ``VoiceClock``, whose files the render then reuses) laid out by ``timing.fit_runtime``.
- Shots (``shots``) tile each beat; the creator's files are placed by ``assets.place_assets``;
  shots without a file are generated from the words said over them, in the style
  (``visual_prompts``). A beat's key phrase is a text overlay on its first shot.
- Music: the creator's audio file when one is supplied, else made for the mood
  (``visual_prompts.music_mood``), under the whole film.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from studio.planning.assets import AssetInfo, best_beats, place_assets
from studio.planning.emotion import classify
from studio.planning.material import keywords
from studio.planning.pace import SpeechClock, estimate_seconds
from studio.planning.shots import MIN_SHOT, choose_framing, choose_move, choose_transition
from studio.planning.shots import shot_count as base_shot_count
from studio.planning.text import clauses, read_script
from studio.planning.timing import PlanError, fit_runtime, retime
from studio.planning.visual_prompts import generation_prompt, key_phrase, music_mood
from studio.spec.common import CameraMovement, Framing
from studio.spec.production import Mode, ProductionPlan, Resolution

__all__ = [
    "DEFAULT_RESOLUTION",
    "AssetInfo",
    "PlanError",
    "PlanRequest",
    "plan_production",
    "replan_visuals",
    "retime",
]

MAX_BEAT, MIN_BEAT, IDEAL_BEAT = 8.0, 3.0, 5.5
MEASURED_SLACK = 0.5
"""A beat the clock measures over MAX_BEAT + this is cut again."""
MID_SENTENCE_COST = 2.0
DEFAULT_RESOLUTION = Resolution(width=1920, height=1080, fps=30)
_EMPHASIS = re.compile(r"(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])")


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: the script and how the creator wants the film."""

    script: str
    title: str = ""
    style: str = "neo_glow"
    mode: Mode = Mode.SIMPLE
    target_seconds: float | None = None
    resolution: Resolution = DEFAULT_RESOLUTION
    assets: tuple[AssetInfo, ...] = ()
    voice_id: str = "default"
    language: str = "en"
    max_runtime_seconds: float = 600.0
    production_id: str | None = None


@dataclass
class _Beat:
    scene: int
    units: list[tuple[str, bool]]
    """Spoken pieces and whether each ends a sentence."""
    title: str = ""
    seconds: float = 0.0
    start: float = 0.0
    end: float = 0.0
    emotion: str = "neutral"
    view: tuple[float, float] | None = None
    """The time its shots cover, when not the beat's own span (locked plans)."""
    text_override: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.text_override if self.text_override is not None else _joined(self.units)


def _joined(units: list[tuple[str, bool]]) -> str:
    """Units joined with spaces, except after a bare dash ("dedicate\u2014we")."""
    text = ""
    for unit, _ in units:
        text = unit if not text else text + ("" if text.endswith("\u2014") else " ") + unit
    return text


def _units(paragraph: list[str]) -> list[tuple[str, bool]]:
    """Speakable units: sentences, or the clauses of a sentence over 8 s."""
    units: list[tuple[str, bool]] = []
    for raw in paragraph:
        sentence = _EMPHASIS.sub("", raw)
        if estimate_seconds(sentence) <= MAX_BEAT:
            units.append((sentence, True))
            continue
        pieces: list[str] = []
        for clause in clauses(sentence):
            seconds = estimate_seconds(clause)
            if seconds <= MAX_BEAT:
                pieces.append(clause)
                continue
            words = clause.split()
            parts = math.ceil(seconds / IDEAL_BEAT)
            size = len(words) / parts
            pieces += [
                " ".join(words[round(k * size) : round((k + 1) * size)]) for k in range(parts)
            ]
        units += [(piece, k + 1 == len(pieces)) for k, piece in enumerate(pieces)]
    return units


def _cost(seconds: float) -> float:
    cost = (seconds - IDEAL_BEAT) ** 2
    if seconds > MAX_BEAT:
        cost += 100 * (seconds - MAX_BEAT) ** 2
    if seconds < MIN_BEAT:
        cost += 20 * (MIN_BEAT - seconds) ** 2
    return cost


def _group(units: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    """The units cut into consecutive beats of the least total cost (a small dynamic program)."""
    best = [0.0] + [math.inf] * len(units)
    cut = [0] * (len(units) + 1)
    for end in range(1, len(units) + 1):
        for start in range(end - 1, -1, -1):
            seconds = estimate_seconds(_joined(units[start:end]))
            if start < end - 1 and seconds > MAX_BEAT * 1.5:
                break
            cost = best[start] + _cost(seconds)
            if not units[end - 1][1]:
                cost += MID_SENTENCE_COST
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups: list[list[tuple[str, bool]]] = []
    end = len(units)
    while end > 0:
        groups.insert(0, units[cut[end] : end])
        end = cut[end]
    return groups


def _halves(beat: _Beat) -> tuple[_Beat, _Beat]:
    """A beat cut in two at the unit boundary nearest its middle, sentence ends first."""
    total = estimate_seconds(beat.text)

    def badness(k: int) -> float:
        left = estimate_seconds(_joined(beat.units[:k]))
        return abs(2 * left - total) + (0 if beat.units[k - 1][1] else MID_SENTENCE_COST)

    k = min(range(1, len(beat.units)), key=badness)
    return _Beat(beat.scene, beat.units[:k]), _Beat(beat.scene, beat.units[k:])


def _measured_beats(request: PlanRequest, clock: SpeechClock) -> tuple[list[_Beat], list[str]]:
    sections = read_script(request.script, request.language)
    if not sections:
        raise PlanError("the script has no sentences to narrate (only headings or blank lines)")
    titles = [section.title for section in sections]
    if request.title and not titles[0]:
        titles[0] = request.title
    drafts = [
        _Beat(scene, units)
        for scene, section in enumerate(sections)
        for paragraph in section.paragraphs
        for units in _group(_units(paragraph))
    ]
    beats: list[_Beat] = []
    while drafts:
        beat = drafts.pop(0)
        beat.seconds = clock.seconds(beat.text)
        if beat.seconds > MAX_BEAT + MEASURED_SLACK and len(beat.units) > 1:
            drafts[:0] = _halves(beat)
            continue
        beat.emotion = classify(beat.text)
        beats.append(beat)
    for scene, title in enumerate(titles):
        next(beat for beat in beats if beat.scene == scene).title = title
    return beats, titles


def plan_production(request: PlanRequest, clock: SpeechClock) -> ProductionPlan:
    """The Production Plan for ``request`` (see the module docstring for the rules)."""
    beats, titles = _measured_beats(request, clock)
    spans, total = fit_runtime(
        [beat.seconds for beat in beats],
        [beat.scene for beat in beats],
        request.max_runtime_seconds,
        request.target_seconds,
    )
    for beat, (start, end) in zip(beats, spans, strict=True):
        beat.start, beat.end = start, end
    return _build(request, beats, titles, total)


@dataclass
class _Shot:
    beat: int
    start: float
    end: float
    part: int
    parts: int
    asset: AssetInfo | None = None


def _shots(beats: list[_Beat], pro: bool, pictures: list[AssetInfo]) -> list[_Shot]:
    """Shots per beat: the mode's count, more where named files want the beat, room permitting."""
    views = [beat.view or (beat.start, beat.end) for beat in beats]
    lengths = [end - start for start, end in views]
    most = [math.floor(length / MIN_SHOT) for length in lengths]
    counts = [base_shot_count(length, pro) if length > 0 else 0 for length in lengths]
    matched = best_beats([beat.text for beat in beats], pictures)
    wanted = Counter(beat for beat in matched if beat is not None)
    for index, number in wanted.items():
        counts[index] = max(counts[index], min(number, most[index]))
    while sum(counts) < len(pictures):
        room = [lengths[i] / (counts[i] + 1) for i in range(len(beats))]
        widest = max(range(len(beats)), key=lambda i: room[i])
        if room[widest] < MIN_SHOT:
            break
        counts[widest] += 1
    shots: list[_Shot] = []
    for number, ((start, end), count) in enumerate(zip(views, counts, strict=True)):
        for part in range(count):
            shot_end = end if part + 1 == count else start + (end - start) * (part + 1) / count
            shots.append(_Shot(number, start + (end - start) * part / count, shot_end, part, count))
    return shots


def _build(
    request: PlanRequest, beats: list[_Beat], titles: list[str], total: float
) -> ProductionPlan:
    pictures = [asset for asset in request.assets if asset.kind in ("image", "video")]
    music = next((asset for asset in request.assets if asset.kind == "audio"), None)
    shots = _shots(beats, request.mode is Mode.PRO, pictures)
    texts = [beat.text for beat in beats]
    placed = place_assets(texts, [shot.beat for shot in shots], pictures)
    for shot, asset in zip(shots, placed, strict=True):
        shot.asset = asset
    on_screen = [beat.title or key_phrase(beat.text) for beat in beats]
    landscape = request.resolution.width > request.resolution.height
    scenes: list[dict[str, Any]] = [
        {"scene_id": f"scene_{n + 1}", "title": title, "description": "", "beats": []}
        for n, title in enumerate(titles)
    ]
    visual: list[dict[str, Any]] = [{"scene_id": s["scene_id"], "shots": []} for s in scenes]
    for number, beat in enumerate(beats):
        scenes[beat.scene]["beats"].append(
            {
                "beat_id": f"beat_{number + 1}",
                "start_time": round(beat.start, 3),
                "end_time": round(beat.end, 3),
                "voiceover_text": beat.text,
                "on_screen_text": on_screen[number],
                "emotion": beat.emotion,
            }
        )
    for scene in scenes:
        scene["description"] = _describe(scene["beats"])
    previous: CameraMovement | None = None
    for number, shot in enumerate(shots):
        beat = beats[shot.beat]
        new_scene = shot.beat == 0 or beats[shot.beat - 1].scene != beat.scene
        opens_scene = shot.part == 0 and new_scene
        move = choose_move(beat.emotion, previous, number)
        previous = move
        asset = shot.asset
        if asset is not None and asset.talking_head:
            framing = Framing.MEDIUM_SHOT
        else:
            portrait = asset is not None and asset.portrait and landscape
            framing = choose_framing(beat.emotion, opens_scene, shot.part, portrait)
        transition, seconds = choose_transition(
            beat.emotion, opens_scene and number > 0, shot.part == 0
        )
        prompt = generation_prompt(
            beat.text, beat.emotion, request.style, framing, shot.part, shot.parts
        )
        visual[beat.scene]["shots"].append(
            {
                "shot_id": f"shot_{number + 1}",
                "start_time": round(shot.start, 3),
                "end_time": round(shot.end, 3),
                "source": _source(asset, prompt),
                "camera": {"movement": move.value, "framing": framing.value},
                "overlays": [] if shot.part else [_overlay(on_screen[shot.beat])],
                "transition": {"type": transition.value, "duration": seconds},
            }
        )
    document = {
        "production_id": request.production_id or _identity(request),
        "mode": request.mode.value,
        "style": request.style,
        "duration_seconds": round(total, 3),
        "resolution": request.resolution.model_dump(),
        "script": {"raw_text": request.script, "language": request.language, "scenes": scenes},
        "visual_plan": {"global_style": request.style, "scenes": visual},
        "audio_plan": {
            "voice": {
                "voice_id": request.voice_id,
                "language": request.language,
                "lines": [
                    {"beat_id": f"beat_{n + 1}", "text": beat.text} for n, beat in enumerate(beats)
                ],
            },
            "music": {
                "mood": music_mood([(b.emotion, b.end - b.start) for b in beats], request.style),
                "tracks": [
                    {
                        "track_id": "music_1",
                        "start_time": 0.0,
                        "end_time": round(total, 3),
                        "asset_id": music.asset_id if music else None,
                    }
                ],
            },
        },
        "constraints": {"max_runtime_seconds": request.max_runtime_seconds},
    }
    return ProductionPlan.model_validate(document)


def _describe(beats: list[dict[str, Any]]) -> str:
    """'Mostly epic: nation, war, field' — what a scene feels like and is about, for editors."""
    feelings = Counter(beat["emotion"] for beat in beats if beat["emotion"] != "neutral")
    about = ", ".join(keywords(" ".join(beat["voiceover_text"] for beat in beats), 4))
    feeling = f"Mostly {feelings.most_common(1)[0][0]}" if feelings else "Even"
    return f"{feeling}: {about}" if about else feeling


def _overlay(text: str) -> dict[str, str]:
    return {"type": "text", "text": text, "position": "top_center"}


def _source(asset: AssetInfo | None, prompt: str) -> dict[str, Any]:
    if asset is None:
        return {"type": "generated", "generation_prompt": prompt}
    if asset.kind == "image":
        kind = "user_image"
    else:
        kind = "talking_head" if asset.talking_head else "user_video"
    return {"type": kind, "asset_id": asset.asset_id, "generation_prompt": prompt}


def _identity(request: PlanRequest) -> str:
    key = "\0".join((request.script, request.style, request.mode.value, request.title))
    return "prod_" + hashlib.sha256(key.encode()).hexdigest()[:12]


def replan_visuals(plan: ProductionPlan, request: PlanRequest) -> ProductionPlan:
    """New shots, sources and music for a plan whose beat times are locked (kept exactly).

    The shots of a beat cover it from its start to the next beat's start (the first from 0, the
    last to the end), so the film has no gaps; a beat with under 1.5 s of its own is covered by
    the shots of the beat before it.
    """
    ordered = sorted(plan.beats(), key=lambda b: b.start_time)
    if not ordered:
        raise PlanError("the plan has no beats whose timing could be kept")
    scene_of = {b.beat_id: n for n, scene in enumerate(plan.script.scenes) for b in scene.beats}
    titles = [scene.title for scene in plan.script.scenes]
    beats: list[_Beat] = []
    for index, beat in enumerate(ordered):
        start = 0.0 if index == 0 else beat.start_time
        end = ordered[index + 1].start_time if index + 1 < len(ordered) else plan.duration_seconds
        drafted = _Beat(
            scene_of[beat.beat_id],
            [],
            start=beat.start_time,
            end=beat.end_time,
            emotion=beat.emotion,
            view=(start, end),
            text_override=beat.voiceover_text,
        )
        if beats and end - start < MIN_SHOT and beats[-1].view is not None:
            beats[-1].view = (beats[-1].view[0], end)
            drafted.view = (end, end)
        beats.append(drafted)
    for scene, title in enumerate(titles):
        first = next((beat for beat in beats if beat.scene == scene), None)
        if first is not None:
            first.title = title
    request = replace(request, production_id=plan.production_id, resolution=plan.resolution)
    rebuilt = _build(request, beats, titles, plan.duration_seconds).model_dump(mode="json")
    rebuilt["script"] = plan.script.model_dump(mode="json")
    rebuilt["constraints"] = plan.constraints.model_dump(mode="json")
    rebuilt["audio_plan"]["voice"] = plan.audio_plan.voice.model_dump(mode="json")
    rebuilt["audio_plan"]["sfx"] = [e.model_dump(mode="json") for e in plan.audio_plan.sfx]
    return ProductionPlan.model_validate(rebuilt)
