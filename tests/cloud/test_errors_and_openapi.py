"""Uniform error bodies without internals, and the checked-in OpenAPI document."""

from __future__ import annotations

import json
import subprocess
import sys

from fastapi import FastAPI
from fastapi.testclient import TestClient

from studio.cloud.openapi import CHECKED_IN, render
from tests.cloud.conftest import Account, assert_error


def test_an_unexpected_error_is_a_bare_500(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("secret detail: postgres://admin:hunter2@db/studio")

    app.add_api_route("/explode", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode")
    error = assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert error == {"code": "internal_error", "message": "something went wrong on our side"}


def test_unknown_routes_methods_and_malformed_json(client: TestClient, alice: Account) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.delete("/me", headers=alice.headers), 405, "method_not_allowed")
    broken = client.post(
        "/productions",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(broken, 422, "validation_error")


def test_the_served_openapi_matches_the_checked_in_copy(client: TestClient) -> None:
    served = client.get("/openapi.json")
    assert served.status_code == 200
    checked_in = CHECKED_IN.read_text(encoding="utf-8")
    assert render(served.json()) == checked_in, (
        "docs/openapi.json is stale: run 'studio cloud openapi --write'"
    )


def test_the_document_covers_the_seeds_endpoints() -> None:
    paths = json.loads(CHECKED_IN.read_text(encoding="utf-8"))["paths"]
    expected = {
        ("post", "/auth/signup"),
        ("post", "/auth/login"),
        ("post", "/auth/logout"),
        ("get", "/me"),
        ("get", "/me/billing"),
        ("post", "/trips/use"),
        ("post", "/productions"),
        ("get", "/productions"),
        ("get", "/productions/{production_id}"),
        ("post", "/productions/{production_id}/assets"),
        ("post", "/productions/{production_id}/plan"),
        ("get", "/productions/{production_id}/video"),
        ("post", "/productions/{production_id}/run"),
        ("post", "/shorts"),
        ("get", "/shorts"),
        ("get", "/shorts/{shorts_id}"),
        ("post", "/shorts/{shorts_id}/hooks"),
        ("post", "/shorts/{shorts_id}/variants"),
        ("post", "/shorts/{shorts_id}/run"),
        ("get", "/brand-kit"),
        ("post", "/brand-kit"),
    }
    present = {(method, path) for path, methods in paths.items() for method in methods}
    assert expected <= present


def test_the_openapi_command_prints_the_document() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "studio", "cloud", "openapi"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == CHECKED_IN.read_text(encoding="utf-8")
