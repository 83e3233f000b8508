"""Provider errors, split by what the caller should do: fix a key, or fall back.

Messages name the environment variable that holds a key, never the key itself.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Any failure of a networked media provider."""


class MissingKey(ProviderError):
    """A provider needs a key that is not set."""

    def __init__(self, provider: str, env_var: str) -> None:
        super().__init__(f"{provider} needs an API key: set {env_var} in the environment.")


class RejectedKey(ProviderError):
    """The service refused the key (HTTP 401/403); retrying or falling back would hide it."""

    def __init__(self, provider: str, env_var: str, status: int | None = None) -> None:
        code = f" (HTTP {status})" if status is not None else ""
        super().__init__(
            f"{provider} rejected the API key{code}: check {env_var} in the environment."
        )


class ProviderUnavailable(ProviderError):
    """The service could not answer now (timeout, rate limit, server error) after retries."""
