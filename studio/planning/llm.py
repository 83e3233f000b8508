"""Planning with an LLM: OpenAI, or any OpenAI-compatible endpoint (Ollama, LM Studio).

One request asks for structured output against the document's JSON Schema; the answer is held to
the same checks as any plan (``parse_document``, every sentence spoken once in order, only the
creator's asset ids). When it fails them, ONE repair round sends the model its answer back with the
numbered problems; a second failure raises ``LlmPlanError`` and the caller plans offline. Requests
ask for temperature 0 and a fixed seed, so an endpoint that honours them answers the same script
with the same plan.

Settings, environment variables and the error types are in ``studio.planning.llm_settings``;
the prompts in ``resources/prompts/`` and ``studio.planning.llm_prompts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import httpx
import httpx2
import openai

from studio.planning.llm_checks import check_hooks, check_plan, decode
from studio.planning.llm_prompts import (
    HOOK_MAX_WORDS,
    Brief,
    Message,
    hooks_messages,
    production_messages,
    repair_messages,
)
from studio.planning.llm_settings import (
    BASE_URL_VAR,
    MODEL_VAR,
    TIMEOUT_VAR,
    LlmConfigError,
    LlmError,
    LlmPlanError,
    LlmSettings,
    LlmUnavailable,
)
from studio.spec.documents import DocumentKind
from studio.spec.production import ProductionPlan
from studio.spec.schema import schema_of

__all__ = [
    "LlmConfigError",
    "LlmError",
    "LlmPlanError",
    "LlmPlanner",
    "LlmSettings",
    "LlmUnavailable",
]

T = TypeVar("T")

SEED = 7
"""Any fixed number: with temperature 0 it makes answers repeatable where the endpoint allows."""

_OPTIONAL_PARAMS = ("temperature", "seed", "response_format")
"""Parameters some models or endpoints refuse (HTTP 400 naming them): dropped, then resent."""

_PLAN_REMINDER = (
    "Remember: every numbered sentence of the script is spoken exactly once, word for word, in "
    "order; headings are scene titles; only the listed asset ids may be used."
)
_HOOKS_REMINDER = f'Remember: answer {{"hooks": [...]}}, each hook at most {HOOK_MAX_WORDS} words.'


_LENGTH_BOUNDS = frozenset({"maxLength", "maxItems"})
"""Bounds left out of the schema sent to a model: llama.cpp (under Ollama and LM Studio) turns
them into grammar repetitions and refuses any of 2000 or more, and ``parse_document`` checks them
on the answer anyway."""


def _without_length_bounds(node: object) -> object:
    if isinstance(node, dict):
        return {
            key: _without_length_bounds(value)
            for key, value in node.items()
            if not (key in _LENGTH_BOUNDS and isinstance(value, int))
        }
    if isinstance(node, list):
        return [_without_length_bounds(item) for item in node]
    return node


def _plan_schema() -> dict[str, object]:
    """The Production Plan's JSON Schema as sent: no file metadata, no long length bounds."""
    schema = schema_of(DocumentKind.PRODUCTION_PLAN)
    sent = {key: value for key, value in schema.items() if key not in ("$schema", "$id")}
    return cast("dict[str, object]", _without_length_bounds(sent))


def _hooks_schema() -> dict[str, object]:
    return {
        "type": "object",
        "properties": {"hooks": {"type": "array", "items": {"type": "string"}}},
        "required": ["hooks"],
        "additionalProperties": False,
    }


class LlmPlanner:
    """Asks the configured LLM for Production Plans and hook candidates.

    ``http_client`` replaces the SDK's own HTTP client (proxies, tests); a legacy ``httpx`` client
    is adapted by the SDK. Every failure is an ``LlmError`` whose message a creator can act on.
    """

    def __init__(self, settings: LlmSettings, http_client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = openai.OpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
            http_client=cast("httpx2.Client | None", http_client),
        )
        self._refused: set[str] = set()

    def production(self, script: str, brief: Mapping[str, object]) -> ProductionPlan:
        """A valid Production Plan that speaks ``script`` exactly once, in order.

        ``brief`` keys (all optional): ``production_id``, ``style``, ``mode`` ("simple"/"pro"),
        ``resolution`` ({"width", "height", "fps"}), ``language``, ``duration_seconds`` (the
        target length), ``lock_script_timing``, ``max_runtime_seconds``, and ``assets``: a list of
        {"asset_id", "kind" ("image"/"video"), "orientation" ("landscape"/"portrait"/"square"),
        "name" (the file name)}. The id, mode, style, resolution, constraints and raw script of
        the result are the brief's and the script, whatever the model wrote for them.
        """
        wanted = Brief.read(brief)
        return self._ask(
            production_messages(script, wanted),
            "production_plan",
            _plan_schema(),
            strict=False,
            check=lambda data: check_plan(data, script, wanted),
            document="Production Plan",
            reminder=_PLAN_REMINDER,
        )

    def hooks(self, material: str, n: int, *, kind: str = "material") -> list[str]:
        """Up to ``n`` distinct hook texts of at most 12 words, in the model's order.

        ``kind`` tells the model what ``material`` is: "idea", "script", "production" or
        "transcript". Ranking is left to the offline scoring rules.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self._ask(
            hooks_messages(material, n, kind),
            "hooks",
            _hooks_schema(),
            strict=True,
            check=lambda data: check_hooks(data, n),
            document="hooks JSON",
            reminder=_HOOKS_REMINDER,
        )

    def _ask(
        self,
        messages: list[Message],
        schema_name: str,
        schema: dict[str, object],
        *,
        strict: bool,
        check: Callable[[Any], tuple[T | None, list[str]]],
        document: str,
        reminder: str,
    ) -> T:
        """The first valid answer of at most two: the request, then one repair round."""
        response_format: dict[str, object] = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": schema, "strict": strict},
        }
        content, truncated = self._complete(messages, response_format)
        result, problems = _checked(content, truncated, check)
        if result is not None:
            return result
        repair = [
            *messages,
            {"role": "assistant", "content": content},
            *repair_messages(problems, document, reminder),
        ]
        result, problems = _checked(*self._complete(repair, response_format), check)
        if result is not None:
            return result
        raise LlmPlanError(document, problems)

    def _complete(
        self, messages: list[Message], response_format: dict[str, object]
    ) -> tuple[str, bool]:
        """The text of one chat completion and whether it was cut off at the output limit.

        A parameter the server refuses (HTTP 400 naming it) is dropped and the request sent again.
        """
        options: dict[str, Any] = {
            "temperature": 0,
            "seed": SEED,
            "response_format": response_format,
        }
        for name in self._refused:
            options.pop(name, None)
        with self._mapped_errors():
            try:
                response = self.client.chat.completions.create(
                    model=self.settings.model,
                    messages=cast("Any", messages),
                    **options,
                )
            except openai.BadRequestError as error:
                refused = _refused_param(error, options)
                if refused is None:
                    raise
                self._refused.add(refused)
                return self._complete(messages, response_format)
        if not response.choices:
            return "", False
        choice = response.choices[0]
        if choice.message.refusal:
            raise LlmError(f"{self.settings.endpoint} declined to answer: {choice.message.refusal}")
        return choice.message.content or "", choice.finish_reason == "length"

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        """SDK errors (after its retries) as ``LlmError``s that say what to fix; never the key."""
        settings = self.settings
        where = settings.endpoint
        try:
            yield
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise LlmConfigError(
                f"{where} rejected the API key (HTTP {error.status_code}): "
                f"check {settings.key_variable} in the environment"
            ) from None
        except openai.NotFoundError as error:
            if "model" in _server_message(error).lower() or error.code == "model_not_found":
                raise LlmConfigError(
                    f"{where} has no model {settings.model!r} (HTTP 404): set {MODEL_VAR} to a "
                    "model it serves (for Ollama, one that `ollama list` shows)"
                ) from None
            raise LlmConfigError(
                f"{where} has no chat completions API (HTTP 404): check {_url_variable(settings)}"
                " (Ollama: http://localhost:11434/v1, LM Studio: http://localhost:1234/v1)"
            ) from None
        except openai.APITimeoutError:
            raise LlmUnavailable(
                f"{where} did not answer within {settings.timeout:g} s "
                f"({settings.max_retries} retries); raise {TIMEOUT_VAR} for slow local models"
            ) from None
        except openai.APIConnectionError:
            raise LlmUnavailable(
                f"cannot reach {where}: is it running? (check {_url_variable(settings)})"
            ) from None
        except openai.RateLimitError:
            raise LlmUnavailable(
                f"{where} is rate-limiting or out of quota (HTTP 429) after "
                f"{settings.max_retries} retries"
            ) from None
        except openai.APIStatusError as error:
            detail = _server_message(error, settings.api_key)
            if error.status_code >= 500:
                raise LlmUnavailable(
                    f"{where} had a server error (HTTP {error.status_code}) after "
                    f"{settings.max_retries} retries"
                ) from None
            raise LlmError(
                f"{where} refused the request (HTTP {error.status_code}): {detail}"
            ) from None
        except openai.OpenAIError as error:
            raise LlmUnavailable(f"{where} failed: {type(error).__name__}") from None


def _checked(
    content: str, truncated: bool, check: Callable[[Any], tuple[T | None, list[str]]]
) -> tuple[T | None, list[str]]:
    """What ``check`` makes of an answer, or why the answer is not even JSON."""
    data, problems = decode(content)
    if truncated:
        problems.insert(0, "the answer was cut off at the model's output limit: write less")
    return (None, problems) if problems else check(data)


def _server_message(error: openai.APIStatusError, key: str = "") -> str:
    """The server's own words for an error, kept short, with the key blanked should it echo it."""
    body = error.body
    message = body.get("message") if isinstance(body, dict) else body
    text = str(message or error.message)
    if key:
        text = text.replace(key, "***")
    return text if len(text) <= 300 else text[:297] + "..."


def _url_variable(settings: LlmSettings) -> str:
    return BASE_URL_VAR if settings.is_local else "OPENAI_BASE_URL"


def _refused_param(error: openai.BadRequestError, sent: Mapping[str, object]) -> str | None:
    """The optional parameter a 400 blames (reasoning models refuse temperature, say)."""
    blamed = (error.param or "").split(".")[0]
    if blamed in _OPTIONAL_PARAMS and blamed in sent:
        return blamed
    text = _server_message(error).lower()
    for name in _OPTIONAL_PARAMS:
        if name in sent and name in text and "unsupported" in text:
            return name
    return None
