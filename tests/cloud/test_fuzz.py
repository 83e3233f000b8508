"""Property tests of the whole API from its own OpenAPI document (schemathesis).

Every operation the app serves gets generated requests, valid and invalid, sent as a signed-up
user; each answer must match the status codes, content types, headers and response schemas the
document declares, and no answer may be a server error other than a documented one (503 "this
server has no Google Play configured" is an answer; a 500 never is). Stripe is configured against
the local fake Stripe API of the payment tests, so create-intent and the webhook run for real.
The operations on one resource run a second time aimed at a production, shorts batch or payment
the user owns, so the code past the ownership check is reached too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks

from studio.cloud.app import create_app
from studio.cloud.openapi import CHECKED_IN
from tests.cloud.conftest import PASSWORD, Account, RecordingQueue, make_settings, sign_up
from tests.cloud.payments.fakes import STRIPE_KEY, FakeStripe, serve

MAX_EXAMPLES = int(os.environ.get("STUDIO_FUZZ_EXAMPLES", "12"))
"""Per operation and test; raise it for a deeper run (100 takes a few minutes)."""


class Fuzzed:
    """The app under test with a signed-up user who owns a production, a shorts batch and a
    payment."""

    def __init__(self, folder: Path, stripe_base: str) -> None:
        settings = make_settings(
            folder,
            stripe_secret_key=STRIPE_KEY,
            stripe_publishable_key="pk_test_fuzz",
            stripe_webhook_secret="whsec_fuzz",
            stripe_api_base=stripe_base,
            stripe_network_retries=0,
        )
        self.app: FastAPI = create_app(settings, render_queue=RecordingQueue())
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.account: Account = sign_up(self.client)
        production = self.client.post(
            "/productions",
            json={"title": "Fuzzed", "script_text": "A calm morning. The city wakes up."},
            headers=self.account.headers,
        )
        assert production.status_code == 201, production.text
        shorts = self.client.post(
            "/shorts",
            json={"source_type": "idea", "source_payload": {"text": "Three ways to wake up"}},
            headers=self.account.headers,
        )
        assert shorts.status_code == 201, shorts.text
        intent = self.client.post(
            "/payments/create-intent",
            json={"product_id": "trips_10"},
            headers={**self.account.headers, "Idempotency-Key": "fuzz-setup"},
        )
        assert intent.status_code == 200, intent.text
        self.owned = {
            "production_id": production.json()["id"],
            "shorts_id": shorts.json()["id"],
            "payment_intent_id": intent.json()["payment_intent_id"],
        }

    def headers_for(self, path: str) -> dict[str, str]:
        """The user's bearer header; logout gets a sign-in of its own, so it cannot end the
        one the other cases use."""
        if path != "/auth/logout":
            return self.account.headers
        login = self.client.post(
            "/auth/login", json={"email": self.account.email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['tokens']['access_token']}"}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    with serve(FakeStripe()) as stripe_base:
        target = Fuzzed(tmp_path_factory.mktemp("fuzz"), stripe_base)
        with target.client:
            yield target
        target.app.state.service.db.close()


# The checked-in document, which test_errors_and_openapi.py keeps equal to the served one.
# (schemathesis.pytest.from_fixture, which would load the served one lazily, fails under
# pytest 9: its LazySchema reads the removed ``Function._nodeid``.)
schema = schemathesis.openapi.from_dict(json.loads(CHECKED_IN.read_text(encoding="utf-8")))


# "As documented"; schemathesis's other default checks judge API design (does a schema-valid
# body always succeed?) rather than what the document promises. Its not_a_server_error counts a
# documented 503 as a failure, so server errors are judged by _assert_no_server_error instead.
CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _documented(method: str, path: str) -> set[int]:
    operation = schema.raw_schema["paths"][path][method]
    return {int(code) for code in operation["responses"]}


def _error_of(content: bytes) -> dict[str, Any]:
    """The uniform error body's ``error`` object, or {} for any other body."""
    try:
        error = json.loads(content)["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}


def _assert_no_server_error(case: Any, status: int, content: bytes) -> None:
    """A 5xx passes only when the operation documents it and it is not an internal error."""
    if status < 500:
        return
    report = f"{case.method} {case.path} answered {status}: {content!r}\n" + (
        f"Reproduce with:\n    {case.as_curl_command()}"
    )
    assert status in _documented(case.method.lower(), case.path), report
    assert _error_of(content).get("code") not in (None, "internal_error"), report


def _call_and_check(case: Any, fuzzed: Fuzzed) -> None:
    response = case.call(headers=fuzzed.headers_for(case.path), app=fuzzed.app)
    _assert_no_server_error(case, response.status_code, response.content)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_within_its_documented_schema(case: Any, fuzzed: Fuzzed) -> None:
    _call_and_check(case, fuzzed)


@schema.include(path_regex=r"\{(production_id|shorts_id|payment_intent_id)\}").parametrize()
@FUZZ_SETTINGS
def test_operations_on_the_users_own_resources_too(case: Any, fuzzed: Fuzzed) -> None:
    """The same with the path aimed at the user's own resource, past the 404."""
    for name in case.path_parameters:
        case.path_parameters[name] = fuzzed.owned[name]
    _call_and_check(case, fuzzed)


# What the fuzzing found, kept as regression tests of the documented contract.


def _assert_documented(response: Any, method: str, path: str) -> None:
    assert response.status_code < 500, response.text
    assert set(response.json()) == {"error"}
    assert response.status_code in _documented(method, path), (
        f"{method.upper()} {path} answered {response.status_code}, which its OpenAPI entry "
        f"does not list ({sorted(_documented(method, path))}): {response.text}"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/auth/login"),
        ("post", "/auth/signup"),
        ("post", "/productions"),
        ("post", "/shorts"),
        ("post", "/brand-kit"),
    ],
)
def test_a_body_that_is_not_utf8_gets_a_documented_status(
    fuzzed: Fuzzed, method: str, path: str
) -> None:
    response = fuzzed.client.request(
        method,
        path,
        content=b"\xff\xfe{",
        headers={**fuzzed.account.headers, "Content-Type": "application/json"},
    )
    _assert_documented(response, method, path)


def test_a_malformed_multipart_upload_gets_a_documented_status(fuzzed: Fuzzed) -> None:
    response = fuzzed.client.post(
        f"/productions/{fuzzed.owned['production_id']}/assets",
        content=b"--b\r\n784--b--\r\n",
        headers={**fuzzed.account.headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    _assert_documented(response, "post", "/productions/{production_id}/assets")


def test_logout_with_a_foreign_refresh_token_is_documented(fuzzed: Fuzzed) -> None:
    response = fuzzed.client.post(
        "/auth/logout",
        json={"refresh_token": "not-a-token-of-this-user"},
        headers=fuzzed.headers_for("/auth/logout"),
    )
    assert response.json()["error"]["field"] == "refresh_token"
    _assert_documented(response, "post", "/auth/logout")
