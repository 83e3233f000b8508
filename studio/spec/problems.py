"""Problems found in a document, each tied to the JSON path of the value at fault.

pydantic's errors are translated here so that type errors and semantic errors read the same way:
``visual_plan.scenes[0].shots[1].end_time: must be after start_time (5 s)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

ROOT = "$"
"""The path of the document itself."""

PathPart = str | int


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or worth knowing (warning) about a document."""

    path: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{prefix}{self.path}: {self.message}"


class SpecError(ValueError):
    """A document cannot be used. ``problems`` lists every error found, not just the first."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{where}{len(self.problems)} problem(s)\n{lines}")


def format_path(parts: Iterable[PathPart]) -> str:
    """``("scenes", 0, "shots")`` becomes ``scenes[0].shots``; no parts is the root, ``$``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or ROOT


def _data_path(loc: tuple[PathPart, ...], data: Any) -> list[PathPart]:
    """Drop the union-member tags pydantic inserts into a location (``overlays[0].text.position``).

    A discriminated union reports its tag as an extra path step; walking the input alongside the
    location tells a tag (equal to the object's ``type`` and followed by more steps) from a key.
    """
    parts: list[PathPart] = []
    node = data
    for index, step in enumerate(loc):
        is_last = index == len(loc) - 1
        if (
            isinstance(step, str)
            and isinstance(node, dict)
            and node.get("type") == step
            and not is_last
        ):
            continue
        parts.append(step)
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            node = None
    return parts


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; unknown fields are not allowed)"
    if kind == "finite_number":
        return "must be a finite number (NaN and infinity are not allowed)"
    if kind == "string_pattern_mismatch" and "#[0-9A-Fa-f]{6}" in str(ctx.get("pattern", "")):
        return f"must be a colour written #RRGGBB, got {_short_repr(value)}"
    if kind == "string_pattern_mismatch":
        return f"is not a valid value: {_short_repr(value)}"
    if kind == "string_too_long" and isinstance(value, str):
        return f"is too long: {len(value)} characters, at most {ctx.get('max_length')}"
    if kind == "union_tag_not_found":
        return "required field is missing (it says which kind of object this is)"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "enum":
        return f"must be one of {ctx.get('expected')}, got {_short_repr(value)}"
    if kind == "too_long" and isinstance(value, list):
        return f"has too many items: {len(value)}, at most {ctx.get('max_length')}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    message = message.replace("input should be", "must be", 1)
    if isinstance(value, int | float | str | bool | None) and "got" not in message:
        message += f", got {_short_repr(value)}"
    return message


def problems_from_validation_error(error: ValidationError, data: Any) -> list[Problem]:
    """Every pydantic error as a Problem at the path of the offending value."""
    problems = []
    for detail in error.errors(include_url=False):
        parts = _data_path(tuple(detail["loc"]), data)
        if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
            parts.append(str(detail.get("ctx", {}).get("discriminator", "type")).strip("'"))
        problems.append(Problem(format_path(parts), _message(detail)))
    return problems
