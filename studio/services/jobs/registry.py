"""Job types by name: the seed's eleven pipeline stages, and any a plugin adds.

A job type is a plain function of (payload, context) returning its result, plus the few facts
the runner needs to schedule it: whether it talks to the network (so a failure is worth a retry
with backoff), how many attempts it gets, and whether it can resume from a saved checkpoint.
Keeping the functions free of runner details is what lets a distributed queue run them too.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.services.jobs.context import JobContext

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "studio.jobs"
SEED_JOB_TYPES = (
    "cinema.ingest",
    "cinema.plan",
    "cinema.generate_assets",
    "cinema.assemble",
    "cinema.render",
    "shorts.generate_hooks",
    "shorts.plan_variants",
    "shorts.render_variants",
    "social.schedule_post",
    "social.publish_post",
    "social.fetch_metrics",
)
_BUILTIN_MODULES = (
    "studio.services.jobs.cinema",
    "studio.services.jobs.planning",
    "studio.services.jobs.shorts",
    "studio.services.jobs.social",
)

JobResult = Mapping[str, Any]
JobFunction = Callable[[Mapping[str, Any], "JobContext"], JobResult]


class UnknownJobType(LookupError):
    """No job type of that name is registered (a typo, or a plugin that is not installed)."""


@dataclass(frozen=True)
class JobType:
    """A registered job function and how the runner should treat it."""

    name: str
    run: JobFunction
    network: bool = False
    max_attempts: int = 1
    resumable: bool = False
    backoff_seconds: float = 2.0
    """Delay before the first retry of a network job; it doubles with each further attempt."""

    def retry_delay(self, attempts_made: int) -> float:
        """Seconds to wait after ``attempts_made`` failed attempts (exponential backoff)."""
        return float(self.backoff_seconds * 2 ** max(0, attempts_made - 1))


class Registry:
    """Job types keyed by name; thread-safe because workers look types up concurrently."""

    def __init__(self) -> None:
        self._types: dict[str, JobType] = {}
        self._lock = threading.Lock()

    def add(self, job_type: JobType) -> JobType:
        with self._lock:
            self._types[job_type.name] = job_type
        return job_type

    def job_type(
        self,
        name: str,
        *,
        network: bool = False,
        max_attempts: int | None = None,
        resumable: bool = False,
        backoff_seconds: float = 2.0,
    ) -> Callable[[JobFunction], JobFunction]:
        """Register the decorated function as the job type ``name``.

        Network jobs default to three attempts, the others to one: a deterministic local step
        that failed once will fail again, so retrying it only hides the error.
        """
        attempts = max_attempts if max_attempts is not None else (3 if network else 1)

        def register(function: JobFunction) -> JobFunction:
            self.add(JobType(name, function, network, attempts, resumable, backoff_seconds))
            return function

        return register

    def get(self, name: str) -> JobType:
        with self._lock:
            found = self._types.get(name)
        if found is None:
            known = ", ".join(sorted(self._types)) or "none"
            raise UnknownJobType(f"unknown job type {name!r} (registered: {known})")
        return found

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._types)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._types

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register the job types plugins publish; returns the names added.

        An entry point's name is the job type's name and its object is either a ``JobType`` or a
        job function (registered with the defaults). A plugin that fails to load is logged and
        skipped, so one broken package cannot stop the app from running the built-in jobs.
        """
        added: list[str] = []
        for point in entry_points(group=group):
            try:
                loaded = point.load()
            except Exception:
                log.exception("job plugin %s (%s) failed to load", point.name, point.value)
                continue
            if isinstance(loaded, JobType):
                self.add(loaded)
                added.append(loaded.name)
            elif callable(loaded):
                self.add(JobType(point.name, loaded))
                added.append(point.name)
            else:
                log.warning("job plugin %s is neither a JobType nor a function", point.name)
        return added


REGISTRY = Registry()
job_type = REGISTRY.job_type
_loaded: list[str] = []
_load_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry with the built-in job types and the installed plugins loaded (once)."""
    with _load_lock:
        if not _loaded:
            for module in _BUILTIN_MODULES:
                importlib.import_module(module)
                _loaded.append(module)
            REGISTRY.load_entry_points()
    return REGISTRY
