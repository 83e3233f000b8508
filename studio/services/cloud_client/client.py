"""``CloudClient``: every endpoint of the Studio cloud as a typed method.

Bodies and answers are the service's own pydantic models (``studio.cloud.schemas``, the spec's
``BrandKit``), so the client and the service cannot disagree about a field. A body the service
would refuse is refused here already, as the same ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import TypeAdapter

from studio.cloud.schemas import (
    AppleVerifyBody,
    AssetOut,
    AuthResult,
    Billing,
    CreateIntentBody,
    Credentials,
    GoogleVerifyBody,
    HooksBody,
    HooksResult,
    IapResult,
    IntentOut,
    LoginBody,
    Me,
    PaymentOut,
    ProductionCreate,
    ProductionOut,
    ProductionSummary,
    RunResult,
    ShortsCreate,
    ShortsOut,
    ShortsSummary,
    TripType,
    TripUseBody,
    TripUseResult,
    VariantsBody,
)
from studio.services.cloud_client.bodies import body_of, new_idempotency_key, segment
from studio.services.cloud_client.connection import (
    DEFAULT_TIMEOUT,
    IDEMPOTENCY_HEADER,
    Connection,
    Download,
    RetryPolicy,
    Upload,
    parse,
    parse_as,
)
from studio.services.cloud_client.errors import AuthError, ValidationFailed
from studio.services.cloud_client.social import SocialEndpoints
from studio.services.cloud_client.tokens import StoredTokens, TokenStore
from studio.spec.brand_kit import BrandKit
from studio.spec.shorts import ShortsFormat

_PRODUCTIONS = TypeAdapter(list[ProductionSummary])
_SHORTS = TypeAdapter(list[ShortsSummary])


__all__ = ["CloudClient", "new_idempotency_key"]


class CloudClient(SocialEndpoints):
    """A signed-in (or signing-in) session with one Studio cloud.

    ``token_store`` keeps the sign-in (``KeyringTokenStore(base_url)`` in the app). Every method
    raises a ``CloudError`` subclass on failure; see ``studio.services.cloud_client.errors``.
    """

    def __init__(
        self,
        base_url: str,
        token_store: TokenStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._connection = Connection(
            base_url, token_store, transport=transport, timeout=timeout, retry=retry
        )

    @property
    def base_url(self) -> str:
        return self._connection.base_url

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> CloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Signing in and out

    def session(self) -> StoredTokens | None:
        """The kept sign-in (whose email it is), or None when signed out."""
        return self._connection.tokens.load()

    def signup(self, email: str, password: str) -> AuthResult:
        """Create an account and keep its sign-in."""
        body = body_of(Credentials, email=email, password=password)
        self.session()  # a keyring that cannot keep the sign-in fails before the account exists
        result = parse(
            self._connection.send("POST", "/auth/signup", json=body, signed=False), AuthResult
        )
        self._connection.remember(result)
        return result

    def login(self, email: str, password: str) -> AuthResult:
        """Sign in and keep the tokens; AuthError when the email or password is wrong."""
        body = body_of(LoginBody, email=email, password=password)
        self.session()  # fails without a usable keyring before the service opens a sign-in
        result = parse(
            self._connection.send("POST", "/auth/login", json=body, signed=False), AuthResult
        )
        self._connection.remember(result)
        return result

    def refresh(self) -> AuthResult:
        """Renew the tokens now (requests renew by themselves when the access token expires)."""
        return self._connection.renew()

    def logout(self) -> None:
        """End the sign-in on the service and forget it here.

        The tokens are forgotten even when the service cannot be told (the error is raised
        after): the user asked to be signed out of this computer.
        """
        try:
            if self.session() is not None:
                self._connection.send("POST", "/auth/logout")
        except AuthError:
            pass  # the sign-in had ended already
        finally:
            self._connection.tokens.clear()

    # The account

    def me(self) -> Me:
        """The profile, plan and trips balance."""
        return parse(self._connection.send("GET", "/me"), Me)

    def billing(self) -> Billing:
        return parse(self._connection.send("GET", "/me/billing"), Billing)

    def trips_use(
        self, production_id: str, type: TripType, idempotency_key: str | None = None
    ) -> TripUseResult:
        """Spend the trips a render of ``type`` costs; a repeated ``idempotency_key`` is
        charged once (a new key is made when none is given)."""
        body = body_of(TripUseBody, production_id=production_id, type=type)
        key = idempotency_key or new_idempotency_key()
        response = self._connection.send(
            "POST", "/trips/use", json=body, headers={IDEMPOTENCY_HEADER: key}
        )
        return parse(response, TripUseResult)

    # Payments

    def create_payment_intent(
        self, product_id: str, idempotency_key: str | None = None
    ) -> IntentOut:
        """A Stripe payment for one catalog product; open ``checkout_url`` in a browser to pay.

        Keep ``idempotency_key`` to retry after a timeout: the same key answers the same intent,
        so the user is never asked to pay twice. ServerError (503) when the cloud has no Stripe.
        """
        body = body_of(CreateIntentBody, product_id=product_id)
        key = idempotency_key or new_idempotency_key()
        response = self._connection.send(
            "POST", "/payments/create-intent", json=body, headers={IDEMPOTENCY_HEADER: key}
        )
        return parse(response, IntentOut)

    def payment(self, payment_intent_id: str) -> PaymentOut:
        """One Stripe payment of the user: pending until Stripe confirms it, then paid."""
        path = f"/payments/{segment(payment_intent_id)}"
        return parse(self._connection.send("GET", path), PaymentOut)

    def verify_iap(
        self,
        platform: Literal["apple", "google"],
        *,
        signed_transaction: str | None = None,
        product_id: str | None = None,
        purchase_token: str | None = None,
    ) -> IapResult:
        """Credit a store purchase: Apple's ``signed_transaction``, or Google's ``product_id``
        and ``purchase_token``. Sending one again credits nothing more."""
        if platform == "apple":
            body = body_of(
                AppleVerifyBody, platform=platform, signed_transaction=signed_transaction
            )
        else:
            body = body_of(
                GoogleVerifyBody,
                platform=platform,
                product_id=product_id,
                purchase_token=purchase_token,
            )
        return parse(self._connection.send("POST", "/iap/verify", json=body), IapResult)

    def brand_kit(self) -> BrandKit:
        """The saved brand kit (the defaults until one is saved)."""
        return parse(self._connection.send("GET", "/brand-kit"), BrandKit)

    def save_brand_kit(self, kit: BrandKit) -> BrandKit:
        body = kit.model_dump(mode="json")
        return parse(self._connection.send("POST", "/brand-kit", json=body), BrandKit)

    # Productions

    def create_production(
        self,
        title: str,
        *,
        mode: Literal["simple", "pro"] = "simple",
        style: str = "neo_glow",
        script_text: str | None = None,
    ) -> ProductionOut:
        body = body_of(
            ProductionCreate, title=title, mode=mode, style=style, script_text=script_text
        )
        return parse(self._connection.send("POST", "/productions", json=body), ProductionOut)

    def productions(self) -> list[ProductionSummary]:
        """The user's productions, newest first."""
        return parse_as(self._connection.send("GET", "/productions"), _PRODUCTIONS)

    def production(self, production_id: str) -> ProductionOut:
        path = f"/productions/{segment(production_id)}"
        return parse(self._connection.send("GET", path), ProductionOut)

    def upload_asset(
        self, production_id: str, path: Path, content_type: str | None = None
    ) -> AssetOut:
        """Upload one file of the production; the type is guessed from the name if not given."""
        kind = content_type or mimetypes.guess_type(path.name)[0]
        if not kind:
            raise ValidationFailed(
                f"{path}: cannot tell the file type from its name; pass content_type",
                code="unknown_type",
                field="file",
            )
        url = f"/productions/{segment(production_id)}/assets"
        response = self._connection.send("POST", url, upload=Upload(path, kind))
        return parse(response, AssetOut)

    def plan_production(self, production_id: str) -> ProductionOut:
        """Plan the production's script with its uploaded files."""
        path = f"/productions/{segment(production_id)}/plan"
        return parse(self._connection.send("POST", path), ProductionOut)

    def download_video(self, production_id: str, destination: Path) -> Path:
        """Save the rendered film to ``destination`` (whole or not at all); NotFound until the
        render is done."""
        path = f"/productions/{segment(production_id)}/video"
        self._connection.send("GET", path, download=Download(destination))
        return destination

    def run_production(self, production_id: str, idempotency_key: str | None = None) -> RunResult:
        """Spend a cinema trip (once per key) and queue the render in the cloud."""
        return self._run(f"/productions/{segment(production_id)}/run", idempotency_key)

    # Shorts

    def create_shorts(
        self,
        source_type: Literal["idea", "script", "video", "production"],
        source_payload: dict[str, Any],
        title: str = "",
    ) -> ShortsOut:
        """A shorts batch from an idea ``{"text"}``, a script ``{"script_text"}`` or one of
        the user's productions ``{"production_id"}``."""
        body = body_of(
            ShortsCreate, source_type=source_type, source_payload=source_payload, title=title
        )
        return parse(self._connection.send("POST", "/shorts", json=body), ShortsOut)

    def shorts_hooks(self, shorts_id: str, count: int = 5) -> HooksResult:
        """Rank ``count`` hooks from the batch's source (they replace earlier ones)."""
        body = body_of(HooksBody, count=count)
        path = f"/shorts/{segment(shorts_id)}/hooks"
        return parse(self._connection.send("POST", path, json=body), HooksResult)

    def shorts_variants(
        self,
        shorts_id: str,
        hooks: list[int],
        formats: list[ShortsFormat],
        duration: float = 30.0,
    ) -> ShortsOut:
        """Plan one variant per chosen hook rank and format."""
        body = body_of(VariantsBody, hooks=hooks, formats=formats, duration=duration)
        path = f"/shorts/{segment(shorts_id)}/variants"
        return parse(self._connection.send("POST", path, json=body), ShortsOut)

    def run_shorts(self, shorts_id: str, idempotency_key: str | None = None) -> RunResult:
        """Spend a shorts_bundle trip (once per key) and queue the variants in the cloud."""
        return self._run(f"/shorts/{segment(shorts_id)}/run", idempotency_key)

    def shorts_list(self) -> list[ShortsSummary]:
        """The user's shorts batches, newest first."""
        return parse_as(self._connection.send("GET", "/shorts"), _SHORTS)

    def shorts(self, shorts_id: str) -> ShortsOut:
        return parse(self._connection.send("GET", f"/shorts/{segment(shorts_id)}"), ShortsOut)

    def _run(self, path: str, idempotency_key: str | None) -> RunResult:
        key = idempotency_key or new_idempotency_key()
        response = self._connection.send("POST", path, headers={IDEMPOTENCY_HEADER: key})
        return parse(response, RunResult)
