"""Reading a spec document from JSON text or a file: detection, parsing and every check, once.

This is the only entry point the rest of Studio uses to accept a plan, so the CLI, the app and the
job engine all reject the same documents with the same messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from studio.spec.brand_kit import BrandKit
from studio.spec.checks import check_production, check_shorts
from studio.spec.problems import ROOT, Problem, Severity, SpecError, problems_from_validation_error
from studio.spec.production import ProductionPlan
from studio.spec.shorts import ShortsPlan

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Far above any real plan (a 3-hour film is well under 1 MB); guards against the wrong file."""


class DocumentKind(StrEnum):
    PRODUCTION_PLAN = "production_plan"
    SHORTS_PLAN = "shorts_plan"
    BRAND_KIT = "brand_kit"

    @property
    def label(self) -> str:
        """The name a creator reads: Production Plan, Shorts Plan, Brand Kit."""
        return self.value.replace("_", " ").title()


MODELS: dict[DocumentKind, type[BaseModel]] = {
    DocumentKind.PRODUCTION_PLAN: ProductionPlan,
    DocumentKind.SHORTS_PLAN: ShortsPlan,
    DocumentKind.BRAND_KIT: BrandKit,
}


@dataclass(frozen=True)
class Document:
    """A valid document, with the warnings worth showing the creator."""

    kind: DocumentKind
    model: BaseModel
    warnings: list[Problem]


def detect_kind(data: dict[str, Any]) -> DocumentKind:
    """Tell the document type from its identifying keys."""
    if "production_id" in data:
        return DocumentKind.PRODUCTION_PLAN
    if "short_id" in data or "variant_id" in data:
        return DocumentKind.SHORTS_PLAN
    if "hook" in data:
        return DocumentKind.SHORTS_PLAN
    if "visual_plan" in data or "script" in data:
        return DocumentKind.PRODUCTION_PLAN
    if {"primary_color", "secondary_color", "logo_asset_id"} & data.keys():
        return DocumentKind.BRAND_KIT
    raise SpecError(
        [
            Problem(
                ROOT,
                "cannot tell which document this is: a Production Plan has production_id, "
                "a Shorts Plan has short_id, a brand kit has primary_color",
            )
        ]
    )


def parse_document(data: Any, kind: DocumentKind | None = None) -> Document:
    """Validate decoded JSON; raise SpecError listing every error found."""
    if not isinstance(data, dict):
        found = {list: "an array", str: "a string", type(None): "null", bool: "a boolean"}.get(
            type(data), "a number"
        )
        raise SpecError([Problem(ROOT, f"expected a JSON object (a plan), found {found}")])
    kind = kind or detect_kind(data)
    try:
        model = MODELS[kind].model_validate(data)
    except ValidationError as error:
        raise SpecError(problems_from_validation_error(error, data)) from None
    if isinstance(model, ProductionPlan):
        problems = check_production(model)
    elif isinstance(model, ShortsPlan):
        problems = check_shorts(model)
    else:
        problems = []
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise SpecError(problems)
    return Document(kind, model, problems)


def parse_json_text(text: str, kind: DocumentKind | None = None) -> Document:
    """Decode and validate JSON text, turning every decoding failure into a SpecError."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SpecError([Problem(ROOT, "the document is empty")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(
            [
                Problem(
                    ROOT, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
                )
            ]
        ) from None
    except RecursionError:
        raise SpecError([Problem(ROOT, "not a plan: the JSON is nested far too deeply")]) from None
    return parse_document(data, kind)


def load_document(path: Path, kind: DocumentKind | None = None) -> Document:
    """Read and validate a JSON file; every failure is a SpecError naming the file."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise SpecError(
                [Problem(ROOT, f"the file is {size // 1024 // 1024} MB: too large for a plan")],
                source,
            )
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SpecError([Problem(ROOT, "is a folder, not a JSON file")], source) from None
    except OSError as error:
        raise SpecError(
            [Problem(ROOT, f"cannot read the file: {error.strerror}")], source
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(
            [Problem(ROOT, f"not UTF-8 text (bad byte at offset {error.start})")], source
        ) from None
    try:
        return parse_json_text(text, kind)
    except SpecError as error:
        raise SpecError(error.problems, source) from None
