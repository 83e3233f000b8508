"""Studio's cloud service: the seed's API surface (section 3) over HTTP.

::

    app = create_app(CloudSettings(database_url="postgresql+psycopg://..."))
    # or: studio cloud serve --db URL --host 127.0.0.1 --port 8765

Modules: ``config`` (settings from STUDIO_CLOUD_*), ``models``/``db``/``migrations`` (its own
tables and Alembic history), ``security`` (argon2id, JWT, refresh tokens), ``ledger`` (trips),
``idempotency``, ``ratelimit``, ``errors`` (one error body), ``routes/*``, ``planner`` (the
desktop planners), ``runs`` (charging and queueing renders), ``openapi``.

Nothing is imported here: the bundled client shares ``schemas`` without loading FastAPI, the
database layer and the workers (seconds at start-up).
"""
