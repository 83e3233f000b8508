"""When each beat plays: measured speech laid end to end, fitted to the runtime, and re-timing.

Layout: a beat lasts its measured speech plus a breath (0.35 s), or a pause (0.9 s) when it ends
its scene, and never less than a shot (1.5 s). A runtime limit first tightens those to 0.1 s and
0.3 s, then fails naming the numbers. A target longer than the speech shares the difference out
evenly as longer holds after every beat.

``retime`` moves an existing plan (an LLM's guesses, an edited plan) onto measured speech: beats
are laid out as above, every other time (shots, music, effects) follows a piecewise-linear map
from old beat times to new ones, so shots keep their share of their beat. Shots then tile the
film; one under 1.5 s is merged into its shorter neighbour (a creator's file wins over a
generated picture), one over 10 s is cut into equal parts, and a camera move that repeats the
previous shot's is changed for the next one its beat's feeling allows. A plan whose
``lock_script_timing`` is set is returned as it is.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

from studio.planning.pace import SpeechClock
from studio.planning.shots import MAX_SHOT, MIN_SHOT, choose_move
from studio.spec.common import CameraMovement
from studio.spec.production import ProductionPlan

BREATH, SCENE_PAUSE = 0.35, 0.9
TIGHT_BREATH, TIGHT_SCENE_PAUSE = 0.1, 0.3
Span = tuple[float, float]


class PlanError(ValueError):
    """The script cannot become a plan as asked; the message says why and what to change."""


def lay_out(
    seconds: Sequence[float],
    scenes: Sequence[int],
    breath: float = BREATH,
    scene_pause: float = SCENE_PAUSE,
    extra: float = 0.0,
) -> tuple[list[Span], float]:
    """Beat spans end to end from 0, and the film's length; ``extra`` is shared out as holds."""
    hold = extra / len(seconds) if seconds else 0.0
    spans: list[Span] = []
    t = 0.0
    for index, length in enumerate(seconds):
        last_of_scene = index + 1 == len(seconds) or scenes[index + 1] != scenes[index]
        gap = (scene_pause if last_of_scene else breath) + hold
        end = t + max(length + gap, MIN_SHOT)
        spans.append((t, end))
        t = end
    return spans, t


def fit_runtime(
    seconds: Sequence[float], scenes: Sequence[int], limit: float, target: float | None = None
) -> tuple[list[Span], float]:
    """The layout within ``limit`` (and ``target`` when given): tightened, padded or refused."""
    source = "max_runtime_seconds"
    if target is not None:
        if target > limit:
            raise PlanError(
                f"the target duration {target:g} s is over max_runtime_seconds {limit:g} s: "
                "lower the target or raise the limit"
            )
        limit, source = target, "the target duration"
    spans, total = lay_out(seconds, scenes)
    if total > limit + 1e-6:
        spans, total = lay_out(seconds, scenes, TIGHT_BREATH, TIGHT_SCENE_PAUSE)
        if total > limit + 1e-6:
            raise PlanError(
                f"the narration alone takes {sum(seconds):.1f} s, over {source} {limit:g} s: "
                "shorten the script or raise the limit"
            )
    elif target is not None and total < target:
        spans, total = lay_out(seconds, scenes, extra=target - total)
    return spans, total


def _time_map(anchors: list[Span], total: float) -> Callable[[float], float]:
    """A monotone piecewise-linear map through ``anchors`` (old time, new time), then ``total``."""
    points: list[Span] = [(0.0, 0.0)]
    for old, new in sorted(anchors):
        if old > points[-1][0] + 1e-9 and new > points[-1][1] + 1e-9:
            points.append((old, new))
    xs = [x for x, _ in points]

    def move(t: float) -> float:
        if t >= xs[-1]:
            return points[-1][1] if t <= xs[-1] + 1e-9 else total
        k = bisect.bisect_right(xs, t) - 1
        (x0, y0), (x1, y1) = points[k], points[k + 1]
        return min(total, y0 + (t - x0) / (x1 - x0) * (y1 - y0))

    return move


def retime(plan: ProductionPlan, clock: SpeechClock) -> ProductionPlan:
    """The plan moved onto measured speech (see the module docstring)."""
    beats = sorted(plan.beats(), key=lambda beat: beat.start_time)
    if not beats or plan.constraints.lock_script_timing:
        return plan
    scene_of = {b.beat_id: n for n, scene in enumerate(plan.script.scenes) for b in scene.beats}
    spoken = {line.beat_id: line.text for line in plan.audio_plan.voice.lines}
    lengths = []
    for beat in beats:
        text = spoken.get(beat.beat_id, beat.voiceover_text)
        lengths.append(clock.seconds(text) if text.strip() else beat.end_time - beat.start_time)
    spans, total = fit_runtime(
        lengths, [scene_of[b.beat_id] for b in beats], plan.constraints.max_runtime_seconds
    )
    anchors = [(b.start_time, s[0]) for b, s in zip(beats, spans, strict=True)]
    anchors += [(b.end_time, s[1]) for b, s in zip(beats, spans, strict=True)]
    move = _time_map(anchors, total)
    new_span = {b.beat_id: s for b, s in zip(beats, spans, strict=True)}

    data = plan.model_dump(mode="json")
    for scene in data["script"]["scenes"]:
        for beat in scene["beats"]:
            start, end = new_span[beat["beat_id"]]
            beat["start_time"], beat["end_time"] = round(start, 3), round(end, 3)
    for scene in data["visual_plan"]["scenes"]:
        for shot in scene["shots"]:
            shot["start_time"], shot["end_time"] = move(shot["start_time"]), move(shot["end_time"])
    emotions = [(new_span[b.beat_id][0], b.emotion) for b in beats]
    bound_shots(data["visual_plan"]["scenes"], total, emotions)
    music = data["audio_plan"]["music"]
    for track in music["tracks"]:
        ends_film = track["end_time"] >= plan.duration_seconds - 0.05
        track["start_time"] = round(move(track["start_time"]), 3)
        track["end_time"] = round(total if ends_film else move(track["end_time"]), 3)
    music["tracks"] = [t for t in music["tracks"] if t["end_time"] > t["start_time"]]
    for effect in data["audio_plan"]["sfx"]:
        effect["start_time"] = round(min(move(effect["start_time"]), total), 3)
    data["duration_seconds"] = round(total, 3)
    return ProductionPlan.model_validate(data)


def bound_shots(
    scenes: list[dict[str, Any]], total: float, emotions: Sequence[tuple[float, str]]
) -> None:
    """Make the shots (plan JSON, in place) tile [0, total], each 1.5-10 s, moves never repeated.

    ``emotions`` are (beat start, emotion) in time order, for choosing a replacement move.
    """
    placed = sorted(
        ((shot, n) for n, scene in enumerate(scenes) for shot in scene["shots"]),
        key=lambda pair: pair[0]["start_time"],
    )
    if not placed:
        return
    for index, (shot, _) in enumerate(placed):
        shot["start_time"] = 0.0 if index == 0 else placed[index - 1][0]["end_time"]
        later = placed[index + 1][0]["start_time"] if index + 1 < len(placed) else total
        shot["end_time"] = max(shot["start_time"], min(later, total))
    while len(placed) > 1:
        lengths = [shot["end_time"] - shot["start_time"] for shot, _ in placed]
        short = next((i for i, length in enumerate(lengths) if length < MIN_SHOT), None)
        if short is None:
            break
        _merge(placed, lengths, short)
    final = [(piece, n) for shot, n in placed for piece in _split(shot)]
    starts = [start for start, _ in emotions]
    previous: CameraMovement | None = None
    for index, (shot, _) in enumerate(final):
        shot["start_time"] = round(shot["start_time"], 3)
        shot["end_time"] = round(shot["end_time"], 3)
        camera = shot.setdefault("camera", {})
        move = CameraMovement(camera.get("movement", "static"))
        if move is previous:
            emotion = emotions[max(0, bisect.bisect_right(starts, shot["start_time"]) - 1)][1]
            move = choose_move(emotion, previous, index)
            camera["movement"] = move.value
        previous = move
    for scene in scenes:
        scene["shots"] = []
    for shot, n in final:
        scenes[n]["shots"].append(shot)


def _merge(placed: list[tuple[dict[str, Any], int]], lengths: list[float], index: int) -> None:
    """Fold shot ``index`` into its shorter neighbour; a creator's file outlives a generated one."""
    if index == 0:
        other = 1
    elif index + 1 == len(placed):
        other = index - 1
    else:
        other = index - 1 if lengths[index - 1] <= lengths[index + 1] else index + 1
    gone, kept = placed[index][0], placed[other][0]
    kept["start_time"] = min(kept["start_time"], gone["start_time"])
    kept["end_time"] = max(kept["end_time"], gone["end_time"])
    if gone["source"].get("asset_id") and not kept["source"].get("asset_id"):
        kept["source"] = gone["source"]
    del placed[index]


def _split(shot: dict[str, Any]) -> list[dict[str, Any]]:
    """A shot over 10 s as equal parts; only the first keeps the overlays and entrance."""
    start, length = shot["start_time"], shot["end_time"] - shot["start_time"]
    parts = max(1, math.ceil(length / MAX_SHOT - 1e-9))
    pieces = [shot]
    for part in range(1, parts):
        piece = copy.deepcopy(shot)
        piece["shot_id"] = f"{shot['shot_id']}_{part + 1}"
        piece["overlays"] = []
        piece["transition"] = {"type": "crossfade", "duration": 0.4}
        pieces.append(piece)
    for part, piece in enumerate(pieces):
        piece["start_time"] = start + length * part / parts
        piece["end_time"] = start + length * (part + 1) / parts
    return pieces
