"""Which LLM plans, read from the environment, and the errors of the LLM path.

Environment (read by ``LlmSettings.from_env``):

- ``STUDIO_LLM_BASE_URL``: an OpenAI-compatible endpoint such as Ollama
  (``http://localhost:11434/v1``) or LM Studio (``http://localhost:1234/v1``); a URL without a
  path gets ``/v1``. It wins over ``OPENAI_API_KEY``, so media can stay on OpenAI while planning
  runs locally, and the OpenAI key is never sent to that endpoint.
- ``STUDIO_LLM_API_KEY``: the endpoint's key, if it wants one (Ollama ignores it: "local").
- ``OPENAI_API_KEY`` (+ optional ``OPENAI_BASE_URL``): OpenAI, when no endpoint is named.
- ``STUDIO_LLM_MODEL``: the model; ``gpt-4o-mini`` on OpenAI, ``llama3.1`` on an endpoint.
- ``STUDIO_LLM_TIMEOUT``: seconds one request may take (default 120; local models are slow).

Nothing configured means no LLM: the offline planner is used without a word.

Exceptions::

    Exception
     └── LlmError           the LLM path cannot give a result; the message is for the creator
          ├── LlmConfigError     only the creator can fix it: key rejected, model unknown, bad env
          ├── LlmUnavailable     timeouts, rate limits, server errors after retries, no connection
          └── LlmPlanError       the answer was still invalid after the repair round
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

OPENAI_KEY_VAR = "OPENAI_API_KEY"
OPENAI_BASE_URL_VAR = "OPENAI_BASE_URL"
BASE_URL_VAR = "STUDIO_LLM_BASE_URL"
KEY_VAR = "STUDIO_LLM_API_KEY"
MODEL_VAR = "STUDIO_LLM_MODEL"
TIMEOUT_VAR = "STUDIO_LLM_TIMEOUT"

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
"""Cheap, fast and follows a JSON Schema well; a plan costs a fraction of a cent."""

DEFAULT_LOCAL_MODEL = "llama3.1"
"""A model Ollama serves by that name and that supports structured output."""

LOCAL_KEY = "local"
"""Sent when a local endpoint has no key: the SDK needs one and Ollama ignores it."""

DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2


class LlmError(Exception):
    """The LLM path gave no result. ``str(error)`` is a readable sentence, never a traceback."""


class LlmConfigError(LlmError):
    """A setting is wrong (key rejected, unknown model, malformed variable): retrying won't help."""


class LlmUnavailable(LlmError):
    """The endpoint could not answer now, after the SDK's retries."""


class LlmPlanError(LlmError):
    """The model's answer stayed invalid after one repair round; ``problems`` says why."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {n}. {p}" for n, p in enumerate(problems[:10], start=1))
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(
            f"the LLM's {what} was still invalid after one repair round:\n{shown}{more}"
        )


@dataclass(frozen=True)
class LlmSettings:
    """Where to send planning requests. ``api_key`` is kept out of ``repr`` so it never leaks.

    ``key_variable`` names the variable the key came from, so a rejected key is reported by the
    name the creator can fix.
    """

    api_key: str = field(repr=False)
    base_url: str | None = None
    model: str = DEFAULT_OPENAI_MODEL
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    key_variable: str = OPENAI_KEY_VAR

    @property
    def endpoint(self) -> str:
        """How messages name the service: "OpenAI" or the endpoint's URL."""
        return self.base_url or "OpenAI"

    @property
    def is_local(self) -> bool:
        """True when the settings name a compatible endpoint (``STUDIO_LLM_BASE_URL``)."""
        return self.key_variable == KEY_VAR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> LlmSettings | None:
        """The configured LLM, or None when neither an endpoint nor an OpenAI key is set."""
        timeout = _timeout(environ.get(TIMEOUT_VAR, "").strip())
        model = environ.get(MODEL_VAR, "").strip()
        local_url = environ.get(BASE_URL_VAR, "").strip()
        if local_url:
            return cls(
                api_key=environ.get(KEY_VAR, "").strip() or LOCAL_KEY,
                base_url=_with_api_path(local_url),
                model=model or DEFAULT_LOCAL_MODEL,
                timeout=timeout,
                key_variable=KEY_VAR,
            )
        openai_key = environ.get(OPENAI_KEY_VAR, "").strip()
        if openai_key:
            return cls(
                api_key=openai_key,
                base_url=environ.get(OPENAI_BASE_URL_VAR, "").strip() or None,
                model=model or DEFAULT_OPENAI_MODEL,
                timeout=timeout,
            )
        return None


def _timeout(text: str) -> float:
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise LlmConfigError(f"{TIMEOUT_VAR} must be a number of seconds above 0, got {text!r}")
    return seconds


def _with_api_path(url: str) -> str:
    """``localhost:11434`` becomes ``http://localhost:11434/v1``, where Ollama serves the API."""
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if not parts.netloc:
        raise LlmConfigError(f"{BASE_URL_VAR} must be a URL such as http://localhost:11434/v1")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
