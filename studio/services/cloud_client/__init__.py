"""The bundled client of the Studio cloud service (``studio.cloud``): typed, Qt-free.

::

    url, _ = cloud_url()                        # --cloud / STUDIO_CLOUD_URL / settings
    with CloudClient(url, KeyringTokenStore(url)) as cloud:
        cloud.login(email, password)            # tokens go to the system keyring
        print(cloud.me().trips_balance)         # renews the access token by itself

Modules: ``client`` (the endpoints), ``connection`` (sending, retries, token renewal),
``tokens`` (the keyring store), ``errors`` (typed failures with user-facing messages),
``address`` (which cloud).
"""

from __future__ import annotations

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
    RateLimited,
    ServerError,
    TokenStoreUnavailable,
    ValidationFailed,
)
from studio.services.cloud_client.tokens import KeyringTokenStore, StoredTokens, TokenStore

__all__ = [
    "ENV_VAR",
    "AuthError",
    "BadCloudAddress",
    "CloudClient",
    "CloudError",
    "Conflict",
    "KeyringTokenStore",
    "NotFound",
    "Offline",
    "PaymentRequired",
    "PaymentsUnavailable",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "StoredTokens",
    "TokenStore",
    "TokenStoreUnavailable",
    "ValidationFailed",
    "cloud_url",
    "new_idempotency_key",
]
