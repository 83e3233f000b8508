"""Property tests: whatever JSON arrives, validation answers with a Document or a SpecError."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.spec import SpecError, parse_document, parse_json_text
from tests.conftest import PRODUCTION_EXAMPLE, SHORTS_EXAMPLE

SEEDS = [
    json.loads(PRODUCTION_EXAMPLE.read_text(encoding="utf-8")),
    json.loads(SHORTS_EXAMPLE.read_text(encoding="utf-8")),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A seed example with a few values replaced by arbitrary JSON or removed."""
    document = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return document


def _accepts_or_rejects_cleanly(data: Any) -> None:
    try:
        document = parse_document(data)
    except SpecError as error:
        assert error.problems
        assert all(p.path and p.message for p in error.problems)
    else:
        assert all(p.severity == "warning" for p in document.warnings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_seed_documents_never_raise_anything_else(data: Any) -> None:
    _accepts_or_rejects_cleanly(data)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises_anything_else(data: Any) -> None:
    _accepts_or_rejects_cleanly(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        parse_json_text(text)
    except SpecError as error:
        assert error.problems


@settings(max_examples=100, deadline=None)
@given(
    duration=st.floats(min_value=1, max_value=180),
    start=st.floats(min_value=0, max_value=180),
    length=st.floats(min_value=0.01, max_value=60),
)
def test_valid_shot_times_are_accepted(duration: float, start: float, length: float) -> None:
    document = copy.deepcopy(SEEDS[0])
    document["duration_seconds"] = duration
    shot = document["visual_plan"]["scenes"][0]["shots"][0]
    shot["start_time"], shot["end_time"] = start, start + length
    beat = document["script"]["scenes"][0]["beats"][0]
    beat["start_time"], beat["end_time"] = 0.0, min(duration, 1.0)
    document["audio_plan"]["music"]["tracks"] = []
    inside = start + length <= duration + 1e-6
    try:
        parse_document(document)
    except SpecError as error:
        assert not inside, error
    else:
        assert inside
