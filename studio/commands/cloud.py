"""``studio cloud``: run the cloud service, or print / refresh its OpenAPI document."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from studio.commands import Exit


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "cloud",
        help="run the cloud service (accounts, trips, productions) or show its API",
        description="The cloud service that serves the API surface of the seed specification.",
    )
    verbs = parser.add_subparsers(title="cloud commands", metavar="COMMAND", required=True)
    serve = verbs.add_parser(
        "serve",
        help="serve the API with uvicorn (migrates the database first)",
        description="Serve the API. Settings come from STUDIO_CLOUD_* variables; --db overrides "
        "STUDIO_CLOUD_DATABASE_URL (default: SQLite in the data folder).",
    )
    serve.add_argument("--db", metavar="URL", help="SQLAlchemy database URL")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (8765)")
    serve.set_defaults(run=run_serve)
    openapi = verbs.add_parser(
        "openapi",
        help="print the OpenAPI document, or refresh docs/openapi.json",
        description="Print the service's OpenAPI document; --write refreshes docs/openapi.json.",
    )
    openapi.add_argument("--write", action="store_true", help="write docs/openapi.json")
    openapi.set_defaults(run=run_openapi)


def _bad(message: str) -> int:
    print(f"studio cloud: {message}", file=sys.stderr)
    return Exit.BAD_INPUT


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415  (only the serve command needs the server)

    from studio.cloud.app import create_app  # noqa: PLC0415
    from studio.cloud.config import SettingsError, settings_from_env  # noqa: PLC0415

    if not 0 < args.port < 65536:
        return _bad(f"--port: {args.port} is not a port number (1-65535)")
    overrides = {"database_url": args.db} if args.db else {}
    try:
        settings = settings_from_env(**overrides)
        app = create_app(settings)
    except SettingsError as error:
        return _bad(str(error))
    except (ArgumentError, NoSuchModuleError) as error:
        return _bad(f"--db: cannot use this database URL ({error})")
    except OperationalError as error:
        print(f"studio cloud: cannot open the database: {error.orig}", file=sys.stderr)
        return Exit.FAILED
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True)
    return Exit.OK


def run_openapi(args: argparse.Namespace) -> int:
    from studio.cloud import openapi  # noqa: PLC0415

    if args.write:
        print(openapi.write())
        return Exit.OK
    sys.stdout.write(openapi.render(openapi.document()))
    return Exit.OK
