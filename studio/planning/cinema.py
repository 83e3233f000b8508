"""The offline Cinema planner: a script (and the creator's files) becomes a Production Plan.

Rules, in the order they apply:
- Scenes are the script's sections (``text.read_script``); a heading is the scene's title and
  the on-screen text of its first beat, never narrated.
- Beats group consecutive sentences of a paragraph to 3-8 s of speech (estimated while
  grouping); a sentence longer than 8 s is cut at its clauses. Every sentence is spoken once, in
  order: one voice line per beat, its text the beat's voiceover.
- Beat times come from the clock's measure of the final beat text (the real voice with
  ``VoiceClock``, whose files the render then reuses), plus a breath after each beat and a pause
  after each scene. A runtime limit first tightens those pauses, then fails with the numbers. A
  target longer than the speech lengthens the pauses evenly (longer holds).
- Shots (``shots``) tile each beat; the creator's pictures are used once each before anything
  repeats: first where a file's name shares a word with a beat, then in file order spread
  across the film. Shots left over are generated from the beat's words and the style.
- Music: the creator's audio file when one is supplied, else made for the mood of the film's
  prevailing emotion (``MOOD_FOR``), under the whole film.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from studio.planning.emotion import classify, overall
from studio.planning.material import STOPWORDS, content_words
from studio.planning.pace import SpeechClock, estimate_seconds
from studio.planning.shots import (
    choose_framing,
    choose_move,
    choose_transition,
    shot_count,
)
from studio.planning.text import Section, clauses, read_script
from studio.spec.common import CameraMovement
from studio.spec.production import Mode, ProductionPlan, Resolution

MAX_BEAT, MIN_BEAT = 8.0, 3.0
BREATH, SCENE_PAUSE = 0.35, 0.9
TIGHT_BREATH, TIGHT_SCENE_PAUSE = 0.1, 0.3
MIN_SHOT_SECONDS = 1.5
OVERLAY_WORDS = 6
MOOD_FOR = {
    "tense": "dark_synthwave",
    "mysterious": "dark_synthwave",
    "urgent": "upbeat",
    "joyful": "upbeat",
    "hopeful": "inspirational",
    "epic": "epic",
    "sad": "calm",
    "calm": "calm",
    "neutral": "cinematic",
}
STYLE_LOOKS = {
    "neo_glow": "neon-lit, glowing cyan and magenta accents, night haze, cinematic",
    "clean_minimal": "clean minimal composition, soft daylight, white space, muted tones",
    "film_noir": "black and white film noir, hard shadows, rain-slick streets, high contrast",
    "warm_documentary": "warm documentary photograph, golden hour light, natural textures",
    "bold_pop": "bold pop-art colours, graphic shapes, high saturation, playful",
}


DEFAULT_RESOLUTION = Resolution(width=1920, height=1080, fps=30)


class PlanError(ValueError):
    """The script cannot become a plan as asked; the message says why and what to change."""


@dataclass(frozen=True)
class AssetInfo:
    """A creator's file as the planner sees it: its id (what the plan names) and what it is."""

    asset_id: str
    kind: Literal["image", "video", "audio"]
    name: str = ""
    width: int = 0
    height: int = 0
    seconds: float | None = None

    @property
    def portrait(self) -> bool:
        return self.height > self.width > 0


@dataclass(frozen=True)
class PlanRequest:
    script: str
    title: str = ""
    style: str = "neo_glow"
    mode: Mode = Mode.SIMPLE
    target_seconds: float | None = None
    resolution: Resolution = field(
        default_factory=lambda: Resolution(width=1920, height=1080, fps=30)
    )
    assets: tuple[AssetInfo, ...] = ()
    voice_id: str = "default"
    language: str = "en"
    max_runtime_seconds: float = 600.0
    production_id: str | None = None


@dataclass
class _Beat:
    scene: int
    text: str
    title: str = ""
    seconds: float = 0.0
    start: float = 0.0
    end: float = 0.0
    emotion: str = "neutral"


def _units(section: Section) -> list[list[str]]:
    """Per paragraph, speakable units: sentences, or clause runs of a sentence over 8 s."""
    paragraphs: list[list[str]] = []
    for paragraph in section.paragraphs:
        units: list[str] = []
        for sentence in paragraph:
            if estimate_seconds(sentence) <= MAX_BEAT:
                units.append(sentence)
                continue
            run = ""
            for clause in clauses(sentence):
                joined = _join(run, clause)
                if run and estimate_seconds(joined) > MAX_BEAT:
                    units.append(run)
                    run = clause
                else:
                    run = joined
            if run:
                units.append(run)
        paragraphs.append(units)
    return paragraphs


def _join(run: str, clause: str) -> str:
    """Clauses cut at a bare dash ("dedicate\u2014we") join back without a space."""
    if not run:
        return clause
    return run + ("" if run.endswith("\u2014") else " ") + clause


def _group(units: list[str]) -> list[str]:
    """Consecutive units joined into beats of 3-8 s of estimated speech."""
    beats: list[str] = []
    current = ""
    for unit in units:
        joined = f"{current} {unit}".strip()
        if current and (
            estimate_seconds(joined) > MAX_BEAT or estimate_seconds(current) >= MIN_BEAT + 2
        ):
            beats.append(current)
            current = unit
        else:
            current = joined
    if current:
        if beats and estimate_seconds(current) < MIN_BEAT / 2:
            merged = f"{beats[-1]} {current}"
            if estimate_seconds(merged) <= MAX_BEAT + 1:
                beats[-1] = merged
                return beats
        beats.append(current)
    return beats


def _draft_beats(request: PlanRequest, clock: SpeechClock) -> tuple[list[_Beat], list[str]]:
    sections = read_script(request.script, request.language)
    if not sections:
        raise PlanError("the script has no sentences to narrate (only headings or blank lines)")
    beats: list[_Beat] = []
    titles: list[str] = []
    for scene, section in enumerate(sections):
        titles.append(section.title)
        for paragraph in _units(section):
            for text in _group(paragraph):
                beats.append(_Beat(scene, text, emotion=classify(text)))
        first = next(beat for beat in beats if beat.scene == scene)
        first.title = section.title
    for beat in beats:
        beat.seconds = clock.seconds(beat.text)
    return beats, titles


def _time(beats: list[_Beat], breath: float, scene_pause: float, extra: float = 0.0) -> float:
    """Lay the beats end to end; ``extra`` seconds are shared out evenly as longer holds."""
    hold = extra / len(beats) if beats else 0.0
    t = 0.0
    for index, beat in enumerate(beats):
        last_of_scene = index + 1 == len(beats) or beats[index + 1].scene != beat.scene
        gap = (scene_pause if last_of_scene else breath) + hold
        beat.start = t
        beat.end = t + max(beat.seconds + gap, MIN_SHOT_SECONDS)
        t = beat.end
    return t


def _fit(beats: list[_Beat], request: PlanRequest) -> float:
    total = _time(beats, BREATH, SCENE_PAUSE)
    limit = request.max_runtime_seconds
    source = "max_runtime_seconds"
    if request.target_seconds is not None and request.target_seconds < limit:
        limit, source = request.target_seconds, "the target duration"
    if total > limit:
        total = _time(beats, TIGHT_BREATH, TIGHT_SCENE_PAUSE)
        if total > limit:
            speech = sum(beat.seconds for beat in beats)
            raise PlanError(
                f"the narration alone takes {speech:.1f} s, over {source} {limit:g} s: "
                "shorten the script or raise the limit"
            )
    elif request.target_seconds is not None and total < request.target_seconds:
        total = _time(beats, BREATH, SCENE_PAUSE, request.target_seconds - total)
    return total


def _on_screen(beat: _Beat) -> str:
    if beat.title:
        return beat.title
    words = beat.text.split()
    first = clauses(beat.text)[0].split() if clauses(beat.text) else words
    chosen = first if 3 <= len(first) <= OVERLAY_WORDS else words[:OVERLAY_WORDS]
    while len(chosen) > 2 and chosen[-1].lower().strip(",;:") in STOPWORDS:
        chosen = chosen[:-1]
    text = " ".join(chosen).rstrip(",;:\u2014")
    return text + ("…" if len(chosen) < len(words) and not text.endswith((".", "!", "?")) else "")


def _prompt(beat: _Beat, style: str) -> str:
    words = list(dict.fromkeys(content_words(beat.text)))[:6]
    subject = ", ".join(words) if words else "an atmospheric establishing shot"
    look = STYLE_LOOKS.get(style, STYLE_LOOKS["neo_glow"])
    return f"{subject}; {beat.emotion} mood; {look}"


@dataclass
class _ShotDraft:
    beat: int
    start: float
    end: float
    index_in_beat: int
    asset: AssetInfo | None = None


def _shot_drafts(beats: list[_Beat], pro: bool, pictures: int) -> list[_ShotDraft]:
    counts = [shot_count(beat.end - beat.start, pro) for beat in beats]
    while sum(counts) < pictures:
        room = [(beats[i].end - beats[i].start) / (counts[i] + 1) for i in range(len(beats))]
        best = max(range(len(beats)), key=lambda i: room[i])
        if room[best] < MIN_SHOT_SECONDS:
            break
        counts[best] += 1
    drafts: list[_ShotDraft] = []
    for number, (beat, count) in enumerate(zip(beats, counts, strict=True)):
        length = (beat.end - beat.start) / count
        for index in range(count):
            end = beat.end if index + 1 == count else beat.start + length * (index + 1)
            drafts.append(_ShotDraft(number, beat.start + length * index, end, index))
    return drafts


def _assign(drafts: list[_ShotDraft], beats: list[_Beat], pictures: list[AssetInfo]) -> None:
    """Each picture once: on a beat sharing a word with its name, else spread in file order."""
    unused = list(pictures)
    for asset in list(unused):
        names = set(content_words(asset.name.replace("_", " ").replace("-", " ")))
        if not names:
            continue
        for draft in drafts:
            if draft.asset is None and names & set(content_words(beats[draft.beat].text)):
                draft.asset = asset
                unused.remove(asset)
                break
    free = [draft for draft in drafts if draft.asset is None]
    if not unused or not free:
        return
    step = len(free) / len(unused)
    for number, asset in enumerate(unused[: len(free)]):
        free[int(number * step)].asset = asset


def plan_production(request: PlanRequest, clock: SpeechClock) -> ProductionPlan:
    """The Production Plan for ``request`` (see the module docstring for the rules)."""
    beats, titles = _draft_beats(request, clock)
    total = _fit(beats, request)
    return _build(request, beats, titles, total)


def _build(
    request: PlanRequest, beats: list[_Beat], titles: list[str], total: float
) -> ProductionPlan:
    pictures = [asset for asset in request.assets if asset.kind in ("image", "video")]
    music = next((asset for asset in request.assets if asset.kind == "audio"), None)
    drafts = _shot_drafts(beats, request.mode is Mode.PRO, len(pictures))
    _assign(drafts, beats, pictures)
    landscape = request.resolution.width > request.resolution.height
    scenes: list[dict[str, Any]] = [
        {"scene_id": f"scene_{n + 1}", "title": title, "beats": []}
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
                "on_screen_text": _on_screen(beat),
                "emotion": beat.emotion,
            }
        )
    previous: CameraMovement | None = None
    for number, draft in enumerate(drafts):
        beat = beats[draft.beat]
        first_of_scene = draft.index_in_beat == 0 and (
            draft.beat == 0 or beats[draft.beat - 1].scene != beat.scene
        )
        move = choose_move(beat.emotion, previous, number)
        previous = move
        portrait = bool(draft.asset and draft.asset.portrait and landscape)
        transition, seconds = choose_transition(
            beat.emotion, first_of_scene and number > 0, draft.index_in_beat == 0
        )
        shot: dict[str, Any] = {
            "shot_id": f"shot_{number + 1}",
            "start_time": round(draft.start, 3),
            "end_time": round(draft.end, 3),
            "source": _source(draft.asset, beat, request.style),
            "camera": {
                "movement": move.value,
                "framing": choose_framing(
                    beat.emotion, first_of_scene, draft.index_in_beat, portrait
                ).value,
            },
            "overlays": [],
            "transition": {"type": transition.value, "duration": seconds},
        }
        if draft.index_in_beat == 0:
            shot["overlays"].append(
                {"type": "text", "text": _on_screen(beat), "position": "top_center"}
            )
        visual[beat.scene]["shots"].append(shot)
    feeling = overall([beat.emotion for beat in beats])
    document = {
        "production_id": request.production_id or _identity(request),
        "mode": request.mode.value,
        "style": request.style,
        "duration_seconds": round(total, 3),
        "resolution": request.resolution.model_dump(),
        "script": {
            "raw_text": request.script,
            "language": request.language,
            "scenes": scenes,
        },
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
                "mood": MOOD_FOR.get(feeling, "cinematic"),
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


def _source(asset: AssetInfo | None, beat: _Beat, style: str) -> dict[str, Any]:
    if asset is None:
        return {"type": "generated", "generation_prompt": _prompt(beat, style)}
    kind = "user_video" if asset.kind == "video" else "user_image"
    return {"type": kind, "asset_id": asset.asset_id, "generation_prompt": _prompt(beat, style)}


def _identity(request: PlanRequest) -> str:
    key = f"{request.script}\0{request.style}\0{request.mode}\0{request.title}"
    return "prod_" + hashlib.sha256(key.encode()).hexdigest()[:12]


def retime(plan: ProductionPlan, clock: SpeechClock) -> ProductionPlan:
    """Re-measure a plan's beats (say, an LLM's guesses) and lay them out by measured speech.

    Shots keep their share of their beat; the music track follows the new length. Shots that
    would fall under 1.5 s or over 10 s are not re-split here: re-plan the visuals for that.
    """
    beats = plan.beats()
    if not beats:
        return plan
    scene_of = {
        beat.beat_id: number
        for number, scene in enumerate(plan.script.scenes)
        for beat in scene.beats
    }
    drafts = [
        _Beat(
            scene_of[beat.beat_id], beat.voiceover_text, seconds=clock.seconds(beat.voiceover_text)
        )
        for beat in beats
    ]
    total = _time(drafts, BREATH, SCENE_PAUSE)
    old = [(beat.start_time, beat.end_time) for beat in beats]
    new = [(draft.start, draft.end) for draft in drafts]

    def move(t: float) -> float:
        for (start, end), (new_start, new_end) in zip(old, new, strict=True):
            if start <= t <= end and end > start:
                return new_start + (t - start) / (end - start) * (new_end - new_start)
        return total if t >= old[-1][1] else 0.0

    data = plan.model_dump(mode="json")
    for scene in data["script"]["scenes"]:
        for beat in scene["beats"]:
            index = next(i for i, b in enumerate(beats) if b.beat_id == beat["beat_id"])
            beat["start_time"], beat["end_time"] = round(new[index][0], 3), round(new[index][1], 3)
    for scene in data["visual_plan"]["scenes"]:
        for shot in scene["shots"]:
            shot["start_time"] = round(move(shot["start_time"]), 3)
            shot["end_time"] = round(min(move(shot["end_time"]), total), 3)
    for track in data["audio_plan"]["music"]["tracks"]:
        track["start_time"], track["end_time"] = 0.0, round(total, 3)
    data["duration_seconds"] = round(total, 3)
    return ProductionPlan.model_validate(data)


def replan_visuals(plan: ProductionPlan, request: PlanRequest) -> ProductionPlan:
    """New shots, sources and music for a plan whose beat times are locked (kept exactly)."""
    scene_of = {
        beat.beat_id: number
        for number, scene in enumerate(plan.script.scenes)
        for beat in scene.beats
    }
    beats = [
        _Beat(
            scene_of[beat.beat_id],
            beat.voiceover_text,
            start=beat.start_time,
            end=beat.end_time,
            emotion=beat.emotion,
            seconds=beat.end_time - beat.start_time,
        )
        for beat in sorted(plan.beats(), key=lambda b: b.start_time)
    ]
    titles = [scene.title for scene in plan.script.scenes]
    for scene in range(len(titles)):
        first = next((beat for beat in beats if beat.scene == scene), None)
        if first is not None:
            first.title = titles[scene]
    request = replace(
        request,
        production_id=plan.production_id,
        resolution=plan.resolution,
        max_runtime_seconds=plan.constraints.max_runtime_seconds,
        script=plan.script.raw_text or request.script,
    )
    rebuilt = _build(request, beats, titles, plan.duration_seconds)
    data = rebuilt.model_dump(mode="json")
    data["script"] = plan.script.model_dump(mode="json")
    data["constraints"] = plan.constraints.model_dump(mode="json")
    data["audio_plan"]["voice"] = plan.audio_plan.voice.model_dump(mode="json")
    return ProductionPlan.model_validate(data)
