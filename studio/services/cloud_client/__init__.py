"""The bundled client of the Studio cloud service (``studio.cloud``): typed, Qt-free.

::

    url, _ = cloud_url()                        # --cloud / STUDIO_CLOUD_URL / settings
    with CloudClient(url, KeyringTokenStore(url)) as cloud:
        cloud.login(email, password)            # tokens go to the system keyring
        print(cloud.me().trips_balance)         # renews the access token by itself

Modules: ``client`` (the endpoints; ``social`` adds the social ones), ``connection`` (sending,
retries, token renewal), ``tokens`` (the keyring store), ``errors`` (typed failures with
user-facing messages), ``bodies`` (request bodies), ``address`` (which cloud).
"""

from __future__ import annotations

from studio.cloud.social.schemas import (
    AccountOut,
    AuthorizationOut,
    MetricsSummary,
    PlatformOut,
    PlatformStatus,
    PostOut,
    ShortAnalytics,
    VideoOut,
)
from studio.services.cloud_client.address import ENV_VAR, BadCloudAddress, cloud_url
from studio.services.cloud_client.client import CloudClient, new_idempotency_key
from studio.services.cloud_client.connection import RetryPolicy
from studio.services.cloud_client.errors import (
    AuthError,
    CloudError,
    Conflict,
    NotFound,
    Offline,
    PaymentRequired,
    PaymentsUnavailable,
    PlatformNotConfigured,
    RateLimited,
    ServerError,
    TokenStoreUnavailable,
    ValidationFailed,
)
from studio.services.cloud_client.tokens import KeyringTokenStore, StoredTokens, TokenStore

__all__ = [
    "ENV_VAR",
    "AccountOut",
    "AuthError",
    "AuthorizationOut",
    "BadCloudAddress",
    "CloudClient",
    "CloudError",
    "Conflict",
    "KeyringTokenStore",
    "MetricsSummary",
    "NotFound",
    "Offline",
    "PaymentRequired",
    "PaymentsUnavailable",
    "PlatformNotConfigured",
    "PlatformOut",
    "PlatformStatus",
    "PostOut",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ShortAnalytics",
    "StoredTokens",
    "TokenStore",
    "TokenStoreUnavailable",
    "ValidationFailed",
    "VideoOut",
    "cloud_url",
    "new_idempotency_key",
]
