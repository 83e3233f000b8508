"""Networked media providers (OpenAI, Pexels) and the chain that falls back to offline media.

Errors, all from ``errors``::

    ProviderError
    ├── MissingKey           a provider was asked for but its key is not set
    ├── RejectedKey          the service refused the key (401/403): the user must fix it
    └── ProviderUnavailable  timeouts, 429/5xx after retries: try the next provider
"""
