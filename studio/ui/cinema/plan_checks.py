"""Checking one plan edit with the spec's own checks before it is applied (no Qt here).

An edit is refused when the edited plan has an error the plan did not have before, so an old
problem elsewhere never blocks an unrelated edit. The refusal names the edited field
(``end_time``, ``position``) and says what is wrong in the words of the spec's checks.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from studio.spec import Problem, Severity, SpecError, parse_document
from studio.spec.problems import format_path

JsonPath = tuple[str | int, ...]

_SHOT_PATH = re.compile(r"^visual_plan\.scenes\[(\d+)\]\.shots\[(\d+)\]")


class EditRefused(ValueError):
    """An edit the spec rejects; ``field`` is the field the user changed."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


def plan_errors(plan: dict[str, Any]) -> list[Problem]:
    """The errors (not warnings) the spec finds in ``plan``."""
    try:
        parse_document(plan)
    except SpecError as error:
        return [p for p in error.problems if p.severity is Severity.ERROR]
    return []


def with_changes(plan: dict[str, Any], changes: Sequence[tuple[JsonPath, Any]]) -> dict[str, Any]:
    """A copy of ``plan`` with each path set to its value."""
    edited = copy.deepcopy(plan)
    for path, value in changes:
        node: Any = edited
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(value)
    return edited


def new_errors(plan: dict[str, Any], changes: Sequence[tuple[JsonPath, Any]]) -> list[Problem]:
    """Errors the changes would bring that the plan does not already have."""
    before = {str(problem) for problem in plan_errors(plan)}
    return [p for p in plan_errors(with_changes(plan, changes)) if str(p) not in before]


def check_shot_timing(plan: dict[str, Any], shot_path: JsonPath, start: float, end: float) -> None:
    """Raise EditRefused when moving the shot at ``shot_path`` to [start, end) is invalid."""
    changes = [((*shot_path, "start_time"), start), ((*shot_path, "end_time"), end)]
    problems = new_errors(plan, changes)
    if not problems:
        return
    own = format_path(shot_path)
    edited = with_changes(plan, changes)
    problem = problems[0]
    if problem.path.startswith(own + "."):
        field = problem.path[len(own) + 1 :].split(".")[0].split("[")[0]
        raise EditRefused(field, problem.message)
    other = _shot_at(edited, problem.path)
    if other is None:
        raise EditRefused(problem.path, problem.message)
    other_start, other_end = float(other["start_time"]), float(other["end_time"])
    field = "end_time" if other_start >= start else "start_time"
    raise EditRefused(
        field,
        f"overlaps {other.get('shot_id')!r} ({other_start:g} s to {other_end:g} s) "
        "in the same scene",
    )


def _shot_at(plan: dict[str, Any], problem_path: str) -> dict[str, Any] | None:
    match = _SHOT_PATH.match(problem_path)
    if match is None:
        return None
    scene, index = int(match.group(1)), int(match.group(2))
    shot: dict[str, Any] = plan["visual_plan"]["scenes"][scene]["shots"][index]
    return shot
