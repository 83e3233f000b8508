"""Studio's pipelines as persisted jobs: a registry of job types, a runner, trips, events.

::

    library = Library.open()
    runner = LocalRunner(library)
    unsubscribe = runner.subscribe(print)          # JobUpdate as they happen
    runner.enqueue_chain(
        [("cinema.generate_assets", {}), ("cinema.assemble", {}), ("cinema.render", {})],
        production_id=production.id,
    )
    runner.run_until_idle()                        # or start() / stop() in the app

Exceptions::

    JobCancelled          a job stopped on request (not a failure)
    JobRefused            the job cannot succeed as asked: never retried
      NotEnoughTrips      a render refused: the balance is short
      JobInputError       the payload's production, plan or post is missing or invalid
    UnknownJobType        no job type of that name (LookupError)
    NoSuchJob             no job of that id (LookupError)
    JobStateError         e.g. retrying a job that is still running
    RenderFailed          the child render exited with an error
"""

from __future__ import annotations

from studio.services.jobs.context import (
    CancelToken,
    JobCancelled,
    JobContext,
    JobRefused,
    JobReporter,
)
from studio.services.jobs.events import JobEvents, JobUpdate
from studio.services.jobs.library_files import JobInputError
from studio.services.jobs.persist import JobInfo, JobStateError, NoSuchJob
from studio.services.jobs.registry import (
    REGISTRY,
    SEED_JOB_TYPES,
    JobType,
    Registry,
    UnknownJobType,
    default_registry,
    job_type,
)
from studio.services.jobs.render_process import RenderFailed, run_render_process
from studio.services.jobs.runner import (
    PRIORITY_BATCH,
    PRIORITY_NORMAL,
    PRIORITY_PREVIEW,
    ChainStep,
    JobQueue,
    LocalRunner,
)
from studio.services.jobs.trips import (
    NotEnoughTrips,
    Trips,
    TripUse,
    set_trips_provider,
    trips_for,
)

__all__ = [
    "PRIORITY_BATCH",
    "PRIORITY_NORMAL",
    "PRIORITY_PREVIEW",
    "REGISTRY",
    "SEED_JOB_TYPES",
    "CancelToken",
    "ChainStep",
    "JobCancelled",
    "JobContext",
    "JobEvents",
    "JobInfo",
    "JobInputError",
    "JobQueue",
    "JobRefused",
    "JobReporter",
    "JobStateError",
    "JobType",
    "JobUpdate",
    "LocalRunner",
    "NoSuchJob",
    "NotEnoughTrips",
    "Registry",
    "RenderFailed",
    "TripUse",
    "Trips",
    "UnknownJobType",
    "default_registry",
    "job_type",
    "run_render_process",
    "set_trips_provider",
    "trips_for",
]
