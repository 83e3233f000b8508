"""Job types by name: the seed's stages, their retry policies, and plugins by entry point."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from studio.services.jobs import SEED_JOB_TYPES, JobContext, JobType, Registry, default_registry
from studio.services.jobs import registry as registry_module


def echo(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    return dict(payload)


ECHO_TYPE = JobType("plugin.typed", echo, network=True, max_attempts=5)


def test_the_pipeline_job_types_are_registered_with_their_policies() -> None:
    registry = default_registry()
    render = registry.get("cinema.render")
    assert (render.network, render.max_attempts, render.resumable) == (False, 1, True)
    publish = registry.get("social.publish_post")
    assert (publish.network, publish.max_attempts) == (True, 10)
    assert [publish.retry_delay(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    waited = sum(publish.retry_delay(n) for n in range(1, publish.max_attempts))
    assert 30 * 60 < waited < 60 * 60, "a post the service is still retrying is waited for"


def test_all_eleven_seed_job_types_are_registered() -> None:
    assert set(SEED_JOB_TYPES) <= set(default_registry().names())


def test_a_plugin_adds_job_types_through_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [
        EntryPoint("plugin.echo", f"{__name__}:echo", "studio.jobs"),
        EntryPoint("plugin.typed", f"{__name__}:ECHO_TYPE", "studio.jobs"),
        EntryPoint("plugin.broken", "studio_no_such_plugin:run", "studio.jobs"),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: points)
    registry = Registry()
    assert registry.load_entry_points() == ["plugin.echo", "plugin.typed"]
    assert registry.get("plugin.echo").run({"a": 1}, None) == {"a": 1}  # type: ignore[arg-type]
    assert registry.get("plugin.typed").max_attempts == 5
    assert "plugin.broken" not in registry


def test_an_unknown_name_lists_the_known_ones() -> None:
    registry = Registry()
    registry.job_type("a.one")(echo)
    with pytest.raises(LookupError, match=r"unknown job type 'a\.two' \(registered: a\.one\)"):
        registry.get("a.two")
