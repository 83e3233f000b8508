"""The committed schemas/ files are exactly what the models generate, and say what users need."""

from __future__ import annotations

import json

from studio.spec import DocumentKind
from studio.spec.schema import schema_files, schema_of
from tests.conftest import REPO


def test_committed_schemas_match_the_models() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "schemas").glob("*.json")}
    generated = schema_files()
    assert committed.keys() == generated.keys()
    stale = [name for name, text in generated.items() if committed[name] != text]
    assert not stale, f"schemas/ is out of date ({stale}): run `studio schema --write`"


def test_schemas_document_the_closed_and_open_vocabularies() -> None:
    production = json.dumps(schema_of(DocumentKind.PRODUCTION_PLAN))
    for move in ("slow_push_in", "ken_burns", "handheld", "extreme_close_up", "bottom_right"):
        assert f'"{move}"' in production
    assert "Known values: neo_glow" in production
    shorts = schema_of(DocumentKind.SHORTS_PLAN)
    formats = shorts["$defs"]["ShortsFormat"]["enum"]  # type: ignore[index]
    assert formats == ["9_16", "1_1", "4_5", "16_9"]


def test_brand_kit_accepts_the_api_spelling_of_caption_style() -> None:
    from studio.spec import BrandKit

    kit = BrandKit.model_validate(
        {"primary_color": "#112233", "caption_style_json": {"highlight_color": "#FF0000"}}
    )
    assert kit.caption_style.highlight_color == "#FF0000"
