"""The payment providers one service instance is configured for, built once from its settings.

Each provider is optional: the embedded service on a laptop has none, and its payment endpoints
answer 503 saying which setting turns them on.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.cloud.config import CloudSettings
from studio.cloud.payments.apple import (
    AppleConfig,
    AppleEnvironment,
    AppleVerifier,
    load_root_certificate,
)
from studio.cloud.payments.catalog import Catalog, load_catalog
from studio.cloud.payments.google_play import GooglePlayVerifier, ServiceAccount
from studio.cloud.payments.stripe_payments import StripePayments

STRIPE_MISSING = "payments need a configured Stripe account (STUDIO_CLOUD_STRIPE_SECRET_KEY)"
APPLE_MISSING = (
    "App Store purchases need STUDIO_CLOUD_APPLE_ROOT_CERTIFICATE and STUDIO_CLOUD_APPLE_BUNDLE_ID"
)
GOOGLE_MISSING = (
    "Google Play purchases need STUDIO_CLOUD_GOOGLE_SERVICE_ACCOUNT and "
    "STUDIO_CLOUD_GOOGLE_PACKAGE_NAME"
)


@dataclass
class Stores:
    catalog: Catalog
    stripe: StripePayments | None
    apple: AppleVerifier | None
    google: GooglePlayVerifier | None

    @classmethod
    def create(cls, settings: CloudSettings) -> Stores:
        """The providers ``settings`` configure; a configured one that cannot start raises."""
        catalog = load_catalog()
        stripe = None
        if settings.stripe_secret_key:
            stripe = StripePayments(
                settings.stripe_secret_key,
                catalog,
                api_base=settings.stripe_api_base,
                max_network_retries=settings.stripe_network_retries,
            )
        apple = None
        if settings.apple_root_certificate is not None and settings.apple_bundle_id:
            apple = AppleVerifier(
                AppleConfig(
                    root_certificates=(load_root_certificate(settings.apple_root_certificate),),
                    bundle_id=settings.apple_bundle_id,
                    environment=AppleEnvironment(settings.apple_environment),
                    app_apple_id=settings.apple_app_apple_id,
                    online_checks=settings.apple_online_checks,
                )
            )
        google = None
        if settings.google_service_account is not None and settings.google_package_name:
            google = GooglePlayVerifier(
                ServiceAccount.from_file(settings.google_service_account),
                settings.google_package_name,
                api_base=settings.google_api_base,
                token_uri=settings.google_token_uri or None,
            )
        return cls(catalog, stripe, apple, google)

    def close(self) -> None:
        if self.google is not None:
            self.google.close()
