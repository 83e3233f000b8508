"""The spec as code: pydantic models of the Production Plan, the Shorts Plan and the brand kit.

Exceptions::

    ValueError
     └── SpecError      every problem of a document that cannot be used, each with its JSON path
"""

from __future__ import annotations

from studio.spec.brand_kit import BrandKit
from studio.spec.common import (
    CameraMovement,
    Framing,
    Position,
    Source,
    SourceType,
    Transition,
    TransitionType,
)
from studio.spec.documents import (
    Document,
    DocumentKind,
    detect_kind,
    load_document,
    parse_document,
    parse_json_text,
)
from studio.spec.problems import Problem, Severity, SpecError
from studio.spec.production import ProductionPlan
from studio.spec.shorts import ShortsFormat, ShortsPlan

__all__ = [
    "BrandKit",
    "CameraMovement",
    "Document",
    "DocumentKind",
    "Framing",
    "Position",
    "Problem",
    "ProductionPlan",
    "Severity",
    "ShortsFormat",
    "ShortsPlan",
    "Source",
    "SourceType",
    "SpecError",
    "Transition",
    "TransitionType",
    "detect_kind",
    "load_document",
    "parse_document",
    "parse_json_text",
]
