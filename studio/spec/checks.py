"""Semantic checks that types cannot express: times, ids, references, coverage.

Each check appends to one list so a creator sees every problem in one pass. Errors make a plan
unusable; warnings describe what the renderer will do about something odd (a gap, a tiny shot).

Coverage rule (also used by the assembler): time no shot covers is filled by extending the shot
before it, its camera move continuing; time before the first shot is filled by the first shot.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from studio.spec.common import SourceType
from studio.spec.problems import Problem, Severity
from studio.spec.production import ProductionPlan, Shot
from studio.spec.shorts import ShortsPlan

EPSILON = 1e-6
SHORT_SHOT_SECONDS = 0.3


def _s(seconds: float) -> str:
    return f"{seconds:g} s"


@dataclass
class _Report:
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, Severity.ERROR))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, Severity.WARNING))

    def span(self, path: str, start: float, end: float, duration: float, what: str) -> None:
        """A [start, end) span must be non-empty and inside [0, duration]."""
        if end <= start + EPSILON:
            self.error(f"{path}.end_time", f"must be after start_time ({_s(start)}), got {_s(end)}")
        if start > duration + EPSILON:
            self.error(
                f"{path}.start_time",
                f"starts at {_s(start)}, after the {what}'s end ({_s(duration)})",
            )
        if end > duration + EPSILON:
            self.error(
                f"{path}.end_time", f"ends at {_s(end)}, after the {what}'s end ({_s(duration)})"
            )

    def unique(self, items: Iterable[tuple[str, str]], name: str) -> None:
        """Items are (id, path-of-id); the second use of an id is an error."""
        first_seen: dict[str, str] = {}
        for item_id, path in items:
            if item_id in first_seen:
                self.error(
                    path, f"duplicate {name} {item_id!r} (first used at {first_seen[item_id]})"
                )
            else:
                first_seen[item_id] = path


def _gaps(spans: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """The parts of [0, duration] that no span covers."""
    gaps: list[tuple[float, float]] = []
    cursor = 0.0
    for start, end in sorted(spans):
        if start > cursor + EPSILON:
            gaps.append((cursor, min(start, duration)))
        cursor = max(cursor, end)
    if cursor < duration - EPSILON:
        gaps.append((cursor, duration))
    return [(a, b) for a, b in gaps if b - a > EPSILON]


def _describe_gaps(gaps: list[tuple[float, float]]) -> str:
    shown = ", ".join(f"{a:g}-{b:g} s" for a, b in gaps[:5])
    return shown + (f" and {len(gaps) - 5} more" if len(gaps) > 5 else "")


def _check_source(
    report: _Report, path: str, source_type: SourceType, asset: str | None, prompt: str | None
) -> None:
    if source_type.needs_asset and asset is None:
        report.error(f"{path}.asset_id", f"a {source_type.value} source needs an asset_id")
    if source_type is SourceType.GENERATED and not prompt:
        report.warn(
            f"{path}.generation_prompt",
            "no prompt to generate from: the style's default background is used",
        )


def check_production(plan: ProductionPlan) -> list[Problem]:
    """Every semantic problem of a Production Plan, errors and warnings."""
    report = _Report()
    duration = plan.duration_seconds
    limit = plan.constraints.max_runtime_seconds
    if duration > limit + EPSILON:
        report.error(
            "duration_seconds",
            f"{_s(duration)} is longer than constraints.max_runtime_seconds ({_s(limit)})",
        )

    beat_ids: list[tuple[str, str]] = []
    for i, scene in enumerate(plan.script.scenes):
        for j, beat in enumerate(scene.beats):
            path = f"script.scenes[{i}].beats[{j}]"
            beat_ids.append((beat.beat_id, f"{path}.beat_id"))
            report.span(path, beat.start_time, beat.end_time, duration, "production")
    report.unique(beat_ids, "beat_id")
    report.unique(
        ((s.scene_id, f"script.scenes[{i}].scene_id") for i, s in enumerate(plan.script.scenes)),
        "scene_id",
    )
    report.unique(
        (
            (s.scene_id, f"visual_plan.scenes[{i}].scene_id")
            for i, s in enumerate(plan.visual_plan.scenes)
        ),
        "scene_id",
    )
    script_scene_ids = {scene.scene_id for scene in plan.script.scenes}
    if script_scene_ids:
        for i, visual in enumerate(plan.visual_plan.scenes):
            if visual.scene_id not in script_scene_ids:
                report.warn(
                    f"visual_plan.scenes[{i}].scene_id",
                    f"no script scene is called {visual.scene_id!r}",
                )

    _check_shots(report, plan)

    known_beats = {beat_id for beat_id, _ in beat_ids}
    for i, line in enumerate(plan.audio_plan.voice.lines):
        if line.beat_id not in known_beats:
            report.error(
                f"audio_plan.voice.lines[{i}].beat_id",
                f"names beat {line.beat_id!r}, which the script does not have",
            )
    tracks = plan.audio_plan.music.tracks
    for i, track in enumerate(tracks):
        report.span(
            f"audio_plan.music.tracks[{i}]",
            track.start_time,
            track.end_time,
            duration,
            "production",
        )
    report.unique(
        ((t.track_id, f"audio_plan.music.tracks[{i}].track_id") for i, t in enumerate(tracks)),
        "track_id",
    )
    for i, sfx in enumerate(plan.audio_plan.sfx):
        if sfx.start_time > duration + EPSILON:
            report.error(
                f"audio_plan.sfx[{i}].start_time",
                f"starts at {_s(sfx.start_time)}, after the production's end ({_s(duration)})",
            )
    report.unique(
        ((s.sfx_id, f"audio_plan.sfx[{i}].sfx_id") for i, s in enumerate(plan.audio_plan.sfx)),
        "sfx_id",
    )
    return report.problems


def _check_shots(report: _Report, plan: ProductionPlan) -> None:
    duration = plan.duration_seconds
    shot_ids: list[tuple[str, str]] = []
    every_shot: list[tuple[str, Shot]] = []
    for i, scene in enumerate(plan.visual_plan.scenes):
        placed: list[tuple[str, Shot]] = []
        for j, shot in enumerate(scene.shots):
            path = f"visual_plan.scenes[{i}].shots[{j}]"
            shot_ids.append((shot.shot_id, f"{path}.shot_id"))
            report.span(path, shot.start_time, shot.end_time, duration, "production")
            _check_source(
                report,
                f"{path}.source",
                shot.source.type,
                shot.source.asset_id,
                shot.source.generation_prompt,
            )
            length = shot.end_time - shot.start_time
            if EPSILON < length < SHORT_SHOT_SECONDS:
                report.warn(path, f"lasts only {_s(round(length, 3))}: it will flash by")
            if shot.transition and shot.transition.duration > length + EPSILON > EPSILON:
                report.warn(
                    f"{path}.transition.duration",
                    f"longer than the shot ({_s(round(length, 3))}): shortened to fit",
                )
            for other_path, other in placed:
                if shot.start_time < other.end_time - EPSILON and other.start_time < (
                    shot.end_time - EPSILON
                ):
                    report.error(
                        f"{path}.start_time",
                        f"overlaps {other.shot_id!r} at {other_path} "
                        f"({_s(other.start_time)} to {_s(other.end_time)})",
                    )
            placed.append((path, shot))
        every_shot.extend(placed)
    report.unique(shot_ids, "shot_id")
    if not every_shot:
        report.warn("visual_plan.scenes", "no shots: the style's default background fills the film")
        return
    gaps = _gaps([(s.start_time, s.end_time) for _, s in every_shot], duration)
    if gaps:
        covered = duration - sum(b - a for a, b in gaps)
        report.warn(
            "visual_plan",
            f"shots cover {_s(round(covered, 3))} of {_s(duration)}; uncovered time "
            f"({_describe_gaps(gaps)}) is filled by extending the shot before it, its camera "
            "move continuing (the first shot fills any time before it)",
        )


_WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return [w.strip("'-") for w in _WORD.findall(folded)]


def check_shorts(plan: ShortsPlan) -> list[Problem]:
    """Every semantic problem of a Shorts Plan, errors and warnings."""
    report = _Report()
    duration = plan.duration_seconds
    hook_words = _words(plan.hook.text)
    for i, word in enumerate(plan.hook.emphasis_words):
        wanted = _words(word)
        found = bool(wanted) and any(
            hook_words[k : k + len(wanted)] == wanted for k in range(len(hook_words))
        )
        if not found:
            report.error(f"hook.emphasis_words[{i}]", f"{word!r} is not in the hook text")

    lines = plan.script.lines
    for i, line in enumerate(lines):
        report.span(f"script.lines[{i}]", line.start_time, line.end_time, duration, "short")
    order = sorted(range(len(lines)), key=lambda k: lines[k].start_time)
    for before, after in itertools.pairwise(order):
        if lines[after].start_time < lines[before].end_time - EPSILON:
            report.error(
                f"script.lines[{after}].start_time",
                f"overlaps script.lines[{before}] (ends at {_s(lines[before].end_time)}): "
                "captions would collide",
            )
    if lines:
        gaps = _gaps([(line.start_time, line.end_time) for line in lines], duration)
        if gaps:
            report.warn(
                "script.lines",
                f"no line during {_describe_gaps(gaps)}: the picture and music continue "
                "without captions",
            )
    else:
        report.warn("script.lines", "no script lines: only the hook is shown and spoken")

    source = plan.visual_plan.source
    _check_source(
        report, "visual_plan.source", source.type, source.asset_id, source.generation_prompt
    )
    for i, tag in enumerate(plan.publish_suggestions.hashtags):
        if not re.fullmatch(r"#[^\s#]+", tag):
            report.error(
                f"publish_suggestions.hashtags[{i}]",
                f"must start with # and contain no spaces, got {tag!r}",
            )
    return report.problems
