"""Google Play in-app purchases: ask Google whether a purchase token is a completed purchase.

The Android app sends the purchase token; only Google's Android Publisher API can say what it is
worth, so the service asks it with a service account: an OAuth2 JWT-bearer grant (RFC 7523,
signed RS256 with the account's key) buys an access token, then ``purchases.products.get`` returns
the purchase. Base URLs are parameters so tests talk to a local fake.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
DEFAULT_API_BASE = "https://androidpublisher.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_S = 3600
REFRESH_MARGIN_S = 60
VOIDED_WINDOW = timedelta(days=30) - timedelta(minutes=5)
"""How far back the voided-purchases list reaches; an older startTime is an error at Google."""

PURCHASED = 0
PURCHASE_STATES = {0: "purchased", 1: "cancelled", 2: "pending"}


class GooglePlayError(Exception):
    """Base of every error this module raises: the purchase must not be credited."""


class GooglePlayAuthError(GooglePlayError):
    """Google refused our service account (wrong key, revoked, or no access to the app)."""


class GooglePlayUnavailableError(GooglePlayError):
    """Google could not be reached or failed on its side; verifying again later may succeed."""


class PurchaseNotFoundError(GooglePlayError):
    """Google does not know this purchase token for this product and package."""


class PurchaseNotCompletedError(GooglePlayError):
    """The purchase exists but was cancelled or is still pending payment."""

    def __init__(self, message: str, state: int) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class ServiceAccount:
    """The fields of a Google service-account JSON key that the JWT grant needs."""

    client_email: str
    private_key_pem: str
    private_key_id: str | None = None
    token_uri: str = DEFAULT_TOKEN_URI

    @classmethod
    def from_json(cls, text: str, source: str = "service account") -> ServiceAccount:
        try:
            data = json.loads(text)
            return cls(
                client_email=str(data["client_email"]),
                private_key_pem=str(data["private_key"]),
                private_key_id=data.get("private_key_id"),
                token_uri=str(data.get("token_uri") or DEFAULT_TOKEN_URI),
            )
        except (json.JSONDecodeError, TypeError) as error:
            raise GooglePlayAuthError(f"{source}: not a JSON object ({error})") from error
        except KeyError as error:
            raise GooglePlayAuthError(f"{source}: missing field {error}") from error

    @classmethod
    def from_file(cls, path: Path) -> ServiceAccount:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise GooglePlayAuthError(f"{path}: cannot read ({error.strerror})") from error
        return cls.from_json(text, source=str(path))


@dataclass(frozen=True)
class GooglePurchase:
    """A completed one-time purchase. ``purchase_token`` is the process-once key.

    ``order_id`` is absent for promo-code redemptions, which is why the token is the key.
    """

    purchase_token: str
    order_id: str | None
    package_name: str
    product_id: str
    purchase_time: datetime
    quantity: int
    acknowledged: bool
    consumed: bool
    test_purchase: bool
    obfuscated_account_id: str | None
    """What the app passed as obfuscatedAccountId at purchase (set it to the user's id)."""

    @property
    def reference(self) -> str:
        """The ledger reference of this purchase, namespaced so stores cannot collide."""
        return f"google:{self.purchase_token}"


@dataclass(frozen=True)
class VoidedPurchase:
    """A purchase Google refunded, charged back or revoked: reverse ``reference`` once."""

    purchase_token: str
    order_id: str | None
    voided_time: datetime

    @property
    def reference(self) -> str:
        return f"google:{self.purchase_token}"


class _ProductPurchase(BaseModel):
    """The fields we read from an androidpublisher#productPurchase resource."""

    model_config = ConfigDict(extra="ignore")

    purchaseState: int
    purchaseTimeMillis: int
    orderId: str | None = None
    consumptionState: int = 0
    acknowledgementState: int = 0
    purchaseType: int | None = None
    quantity: int = 1
    obfuscatedExternalAccountId: str | None = None


class _Voided(BaseModel):
    model_config = ConfigDict(extra="ignore")

    purchaseToken: str
    voidedTimeMillis: int
    orderId: str | None = None


class _Pagination(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nextPageToken: str | None = None


class _VoidedPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    voidedPurchases: list[_Voided] = []
    tokenPagination: _Pagination | None = None


class _TokenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str
    expires_in: int = ASSERTION_LIFETIME_S


class GooglePlayVerifier:
    """Verifies purchases for one Android package with one service account (thread-safe)."""

    def __init__(
        self,
        account: ServiceAccount,
        package_name: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        token_uri: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.account = account
        self.package_name = package_name
        self.api_base = api_base.rstrip("/")
        self.token_uri = token_uri or account.token_uri
        self._http = httpx.Client(timeout=timeout_s)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0

    def close(self) -> None:
        self._http.close()

    def verify_product(self, product_id: str, purchase_token: str) -> GooglePurchase:
        """The purchase behind ``purchase_token`` if Google says it is purchased, else an error."""
        response = self._publisher("GET", self._purchase_url(product_id, purchase_token))
        try:
            purchase = _ProductPurchase.model_validate(response.json())
        except (ValueError, ValidationError) as error:
            raise GooglePlayUnavailableError(f"unexpected purchase resource: {error}") from error
        if purchase.purchaseState != PURCHASED:
            state = PURCHASE_STATES.get(purchase.purchaseState, str(purchase.purchaseState))
            raise PurchaseNotCompletedError(
                f"purchase of {product_id} is {state}, not purchased", purchase.purchaseState
            )
        return GooglePurchase(
            purchase_token=purchase_token,
            order_id=purchase.orderId,
            package_name=self.package_name,
            product_id=product_id,
            purchase_time=datetime.fromtimestamp(purchase.purchaseTimeMillis / 1000, tz=UTC),
            quantity=purchase.quantity,
            acknowledged=purchase.acknowledgementState == 1,
            consumed=purchase.consumptionState == 1,
            test_purchase=purchase.purchaseType == 0,
            obfuscated_account_id=purchase.obfuscatedExternalAccountId,
        )

    def acknowledge(self, product_id: str, purchase_token: str) -> None:
        """Tell Google the purchase was delivered; Google refunds unacknowledged ones in 3 days."""
        self._publisher("POST", self._purchase_url(product_id, purchase_token) + ":acknowledge")

    def voided_since(self, start: datetime) -> list[VoidedPurchase]:
        """Purchases voided since ``start`` (at most Google's 30 days back), every page of them.

        Poll this to take back refunded Play purchases; a Play real-time notification is only a
        hint to poll or to call ``verify_product`` again, never proof by itself.
        """
        url = (
            f"{self.api_base}/androidpublisher/v3/applications/"
            f"{quote(self.package_name, safe='')}/purchases/voidedpurchases"
        )
        oldest = datetime.now(UTC) - VOIDED_WINDOW
        params = {"startTime": str(int(max(start, oldest).timestamp() * 1000))}
        voided: list[VoidedPurchase] = []
        while True:
            response = self._publisher("GET", url, params)
            try:
                page = _VoidedPage.model_validate(response.json())
            except (ValueError, ValidationError) as error:
                raise GooglePlayUnavailableError(f"unexpected voided purchases: {error}") from error
            voided.extend(
                VoidedPurchase(
                    purchase_token=item.purchaseToken,
                    order_id=item.orderId,
                    voided_time=datetime.fromtimestamp(item.voidedTimeMillis / 1000, tz=UTC),
                )
                for item in page.voidedPurchases
            )
            next_page = page.tokenPagination.nextPageToken if page.tokenPagination else None
            if not next_page:
                return voided
            params["token"] = next_page

    def _purchase_url(self, product_id: str, purchase_token: str) -> str:
        parts = (self.package_name, product_id, purchase_token)
        package, product, token = (quote(part, safe="") for part in parts)
        return (
            f"{self.api_base}/androidpublisher/v3/applications/{package}"
            f"/purchases/products/{product}/tokens/{token}"
        )

    def _publisher(
        self, method: str, url: str, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """One Android Publisher call; a 401 means our cached token went stale, so retry once."""
        for attempt in range(2):
            token = self._access_token(force_refresh=attempt > 0)
            try:
                response = self._http.request(
                    method, url, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError as error:
                raise GooglePlayUnavailableError(f"Google Play unreachable: {error}") from error
            if response.status_code != 401:
                break
        status = response.status_code
        if status in (400, 404, 410):
            raise PurchaseNotFoundError(f"Google Play does not know this purchase ({status})")
        if status in (401, 403):
            raise GooglePlayAuthError(
                f"Google Play refused service account {self.account.client_email} ({status})"
            )
        if status >= 300:
            raise GooglePlayUnavailableError(f"Google Play answered {status}")
        return response

    def _access_token(self, *, force_refresh: bool) -> str:
        with self._lock:
            now = time.time()
            if self._token and not force_refresh and now < self._token_expires_at:
                return self._token
            try:
                response = self._http.post(
                    self.token_uri,
                    data={"grant_type": JWT_BEARER_GRANT, "assertion": self._assertion(now)},
                )
            except httpx.HTTPError as error:
                raise GooglePlayUnavailableError(f"Google OAuth unreachable: {error}") from error
            if response.status_code in (400, 401, 403):
                raise GooglePlayAuthError(
                    f"Google OAuth refused service account {self.account.client_email}: "
                    f"{_error_text(response)}"
                )
            if response.status_code >= 300:
                raise GooglePlayUnavailableError(f"Google OAuth answered {response.status_code}")
            try:
                grant = _TokenResponse.model_validate(response.json())
            except (ValueError, ValidationError) as error:
                raise GooglePlayUnavailableError(f"unexpected token response: {error}") from error
            self._token = grant.access_token
            self._token_expires_at = now + grant.expires_in - REFRESH_MARGIN_S
            return grant.access_token

    def _assertion(self, now: float) -> str:
        issued = int(now)
        claims: dict[str, Any] = {
            "iss": self.account.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_S,
        }
        headers = {"kid": self.account.private_key_id} if self.account.private_key_id else None
        try:
            return jwt.encode(claims, self.account.private_key_pem, "RS256", headers=headers)
        except (ValueError, TypeError, jwt.PyJWTError) as error:
            message = f"service account private_key is unusable: {error}"
            raise GooglePlayAuthError(message) from error


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or body)
    return str(body)
