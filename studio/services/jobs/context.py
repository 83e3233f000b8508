"""What a running job sees: its progress and log outlets, a cancel token, its checkpoint.

The context hides where those go. The local runner persists them in the library and publishes
them as events; a distributed worker would send them elsewhere. A job function only talks to
the context, which is what keeps it runnable anywhere.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from studio.services.library.db import Library


class JobCancelled(Exception):
    """The job stopped because someone asked it to; it is not a failure."""


SHUTDOWN = "shutdown"
"""The reason a token is set when the app quits: the job is interrupted, and resumes later."""


class JobRefused(Exception):
    """The job cannot succeed as asked (bad input, too few trips): never retried."""


class CancelToken:
    """A cancel flag that a job checks between steps, or waits on instead of sleeping."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str = "cancelled") -> None:
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    @property
    def interrupted(self) -> bool:
        """Stopped for a shutdown rather than by the user: the job will resume, so its
        production should keep its status."""
        return self._event.is_set() and self.reason == SHUTDOWN

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds, waking at once on cancel; True when cancelled."""
        return self._event.wait(timeout)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled("cancelled")


class JobReporter(Protocol):
    """Where a context sends what the job reports (the runner's is ``LibraryReporter``)."""

    def progress(self, job_id: str, fraction: float, message: str) -> None: ...

    def log(self, job_id: str, message: str) -> None: ...

    def save_checkpoint(self, job_id: str, data: Mapping[str, Any]) -> None: ...


class JobContext:
    """The running job's view of the world (one per attempt)."""

    def __init__(
        self,
        job_id: str,
        job_type: str,
        library: Library,
        reporter: JobReporter,
        *,
        root_id: str | None = None,
        attempt: int = 1,
        max_attempts: int = 1,
        checkpoint: Mapping[str, Any] | None = None,
        upstream: Mapping[str, Any] | None = None,
        work_dir: Path | None = None,
        cancelled: CancelToken | None = None,
    ) -> None:
        self.job_id = job_id
        self.job_type = job_type
        self.library = library
        self.attempt = attempt
        self.max_attempts = max_attempts
        self.cancelled = cancelled or CancelToken()
        self._reporter = reporter
        self._root_id = root_id or job_id
        self._checkpoint: dict[str, Any] = dict(checkpoint or {})
        self.upstream: Mapping[str, Any] = dict(upstream or {})
        """The result of the job this one depends on (empty for the first of a chain)."""
        self._work_dir = work_dir

    @property
    def work_dir(self) -> Path:
        """A folder for this job's temporary files: kept while the job may resume, removed
        by the runner once the job has ended."""
        if self._work_dir is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix=f"studio-job-{self.job_id}-"))
        self._work_dir.mkdir(parents=True, exist_ok=True)
        return self._work_dir

    @property
    def final_attempt(self) -> bool:
        """No retry follows if this attempt fails (so a failure is the outcome to record)."""
        return self.attempt >= self.max_attempts

    @property
    def idempotency_key(self) -> str:
        """The same for every retry and resume of this step of this chain, so effects keyed on
        it (a trip charged, a post published) happen once."""
        return f"{self._root_id}:{self.job_type}"

    def effect_key(self, *parts: object) -> str:
        """An idempotency key for one of several effects of this job (one per short variant)."""
        return ":".join([self.idempotency_key, *(str(part) for part in parts)])

    @property
    def checkpoint(self) -> Mapping[str, Any]:
        """The last safe point saved by an earlier attempt (empty on a fresh start)."""
        return self._checkpoint

    def save_checkpoint(self, data: Mapping[str, Any]) -> None:
        """Persist a safe point: a resumed attempt starts from here."""
        self._checkpoint = dict(data)
        self._reporter.save_checkpoint(self.job_id, self._checkpoint)

    def progress(self, fraction: float, message: str = "") -> None:
        self._reporter.progress(self.job_id, min(1.0, max(0.0, fraction)), message)

    def log(self, message: str) -> None:
        self._reporter.log(self.job_id, message)

    def part(self, start: float, end: float) -> JobContext:
        """This context for one step of the job: its progress 0..1 lands in ``start..end``."""
        view = JobContext(
            self.job_id,
            self.job_type,
            self.library,
            _Scaled(self._reporter, start, end),
            root_id=self._root_id,
            attempt=self.attempt,
            max_attempts=self.max_attempts,
            checkpoint=self._checkpoint,
            upstream=self.upstream,
            work_dir=self._work_dir,
            cancelled=self.cancelled,
        )
        return view


class _Scaled:
    """A reporter that maps a step's progress into its share of the whole job."""

    def __init__(self, inner: JobReporter, start: float, end: float) -> None:
        self.inner = inner
        self.start = start
        self.span = end - start

    def progress(self, job_id: str, fraction: float, message: str) -> None:
        self.inner.progress(job_id, self.start + self.span * fraction, message)

    def log(self, job_id: str, message: str) -> None:
        self.inner.log(job_id, message)

    def save_checkpoint(self, job_id: str, data: Mapping[str, Any]) -> None:
        self.inner.save_checkpoint(job_id, data)
