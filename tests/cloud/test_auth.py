"""Sign-up, login, refresh rotation and reuse, logout, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from studio.cloud.models import RefreshToken, User
from studio.services.library.models import utcnow
from tests.cloud.conftest import PASSWORD, Account, assert_error, sign_up


def test_signup_returns_the_user_and_tokens_and_grants_starter_trips(client: TestClient) -> None:
    response = client.post("/auth/signup", json={"email": "New@Example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["plan"] == "free"
    assert body["tokens"]["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {body['tokens']['access_token']}"}
    me = client.get("/me", headers=headers).json()
    assert me["trips_balance"] == 3
    assert me["user"]["id"] == body["user"]["id"]


def test_passwords_are_stored_as_argon2id_and_refresh_tokens_as_hashes(
    client: TestClient, app: FastAPI, alice: Account
) -> None:
    with app.state.service.db.session() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert stored
    assert alice.refresh_token not in stored


def test_signup_refuses_a_taken_email_a_bad_email_and_a_short_password(
    client: TestClient, alice: Account
) -> None:
    taken = client.post("/auth/signup", json={"email": "ALICE@example.com", "password": PASSWORD})
    assert assert_error(taken, 409, "email_taken")["field"] == "email"
    bad = client.post("/auth/signup", json={"email": "not-an-email", "password": PASSWORD})
    assert assert_error(bad, 422, "validation_error")["field"] == "email"
    short = client.post("/auth/signup", json={"email": "c@example.com", "password": "short"})
    assert assert_error(short, 422, "validation_error")["field"] == "password"


def test_login_with_the_right_password_only(client: TestClient, alice: Account) -> None:
    good = client.post("/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert good.status_code == 200
    assert good.json()["user"]["id"] == alice.user_id
    wrong = client.post("/auth/login", json={"email": alice.email, "password": "wrong password"})
    unknown = client.post("/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert (
        assert_error(wrong, 401, "unauthorized")["message"]
        == assert_error(unknown, 401, "unauthorized")["message"]
    )


def test_protected_endpoints_need_a_valid_access_token(client: TestClient, alice: Account) -> None:
    assert_error(client.get("/me"), 401, "unauthorized")
    assert_error(
        client.get("/me", headers={"Authorization": "Bearer nonsense"}), 401, "unauthorized"
    )
    forged = jwt.encode(
        {"sub": alice.user_id, "sid": "x", "typ": "access", "exp": 9999999999},
        "other-key-" * 4,
        algorithm="HS256",
    )
    assert_error(
        client.get("/me", headers={"Authorization": f"Bearer {forged}"}), 401, "unauthorized"
    )


def test_expired_access_tokens_are_refused(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(access_token_seconds=10)
    with TestClient(app) as client:
        account = sign_up(client)
        claims = jwt.decode(account.access_token, options={"verify_signature": False})
        expired = jwt.encode(
            {**claims, "exp": claims["iat"] - 1}, "test-secret-" + "x" * 32, algorithm="HS256"
        )
        response = client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert_error(response, 401, "unauthorized")


def test_refresh_rotates_and_reuse_revokes_the_whole_family(
    client: TestClient, alice: Account
) -> None:
    first = client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert first.status_code == 200
    second_tokens = first.json()["tokens"]
    assert second_tokens["refresh_token"] != alice.refresh_token
    newest = {"Authorization": f"Bearer {second_tokens['access_token']}"}
    assert client.get("/me", headers=newest).status_code == 200

    reused = client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert "already used" in assert_error(reused, 401, "unauthorized")["message"]
    # The thief's copy and the owner's newer tokens are all dead now.
    after = client.post("/auth/refresh", json={"refresh_token": second_tokens["refresh_token"]})
    assert_error(after, 401, "unauthorized")
    assert_error(client.get("/me", headers=newest), 401, "unauthorized")
    assert_error(client.get("/me", headers=alice.headers), 401, "unauthorized")


def test_reuse_revokes_only_that_sign_in(client: TestClient, alice: Account) -> None:
    other = client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).json()
    client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    laptop = {"Authorization": f"Bearer {other['tokens']['access_token']}"}
    assert client.get("/me", headers=laptop).status_code == 200


def test_an_expired_refresh_token_is_refused(
    client: TestClient, app: FastAPI, alice: Account
) -> None:
    with app.state.service.db.session() as session:
        session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert "expired" in assert_error(response, 401, "unauthorized")["message"]


def test_refresh_refuses_unknown_tokens(client: TestClient) -> None:
    response = client.post("/auth/refresh", json={"refresh_token": "made-up"})
    assert_error(response, 401, "unauthorized")


def test_logout_ends_the_access_and_refresh_tokens(client: TestClient, alice: Account) -> None:
    response = client.post("/auth/logout", headers=alice.headers)
    assert response.status_code == 204
    assert_error(client.get("/me", headers=alice.headers), 401, "unauthorized")
    again = client.post("/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert_error(again, 401, "unauthorized")
    # Signing in again works.
    login = client.post("/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert login.status_code == 200


def test_logout_with_another_users_refresh_token_is_not_found(
    client: TestClient, alice: Account, bob: Account
) -> None:
    response = client.post(
        "/auth/logout", headers=alice.headers, json={"refresh_token": bob.refresh_token}
    )
    assert_error(response, 404, "not_found")
    assert (
        client.post("/auth/refresh", json={"refresh_token": bob.refresh_token}).status_code == 200
    )


def test_login_is_rate_limited_per_ip_and_email(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(login_attempts=3, rate_window_seconds=600)
    with TestClient(app) as client:
        account = sign_up(client)
        wrong = {"email": account.email, "password": "not the password"}
        statuses = [client.post("/auth/login", json=wrong).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        limited = client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
        assert_error(limited, 429, "rate_limited")
        assert 0 < int(limited.headers["Retry-After"]) <= 600
        other = sign_up(client)
        fine = client.post("/auth/login", json={"email": other.email, "password": PASSWORD})
        assert fine.status_code == 200


def test_signup_is_rate_limited(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(signup_attempts=2, rate_window_seconds=600)
    with TestClient(app) as client:
        body = {"email": "same@example.com", "password": PASSWORD}
        assert client.post("/auth/signup", json=body).status_code == 201
        assert client.post("/auth/signup", json=body).status_code == 409
        limited = client.post("/auth/signup", json=body)
    assert_error(limited, 429, "rate_limited")
    assert "Retry-After" in limited.headers
