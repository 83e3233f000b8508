"""JSON Schema of every spec document, generated from the models (the models are the source)."""

from __future__ import annotations

import json
from pathlib import Path

from studio.spec.documents import MODELS, DocumentKind

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(kind: DocumentKind) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) that documents of this kind satisfy at the type level."""
    schema = MODELS[kind].model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, "$id": f"{kind.value}.schema.json", **schema}


def schema_files() -> dict[str, str]:
    """File name to file text, exactly as ``studio schema --write`` writes them."""
    return {
        f"{kind.value}.schema.json": json.dumps(schema_of(kind), indent=2, ensure_ascii=False)
        + "\n"
        for kind in DocumentKind
    }


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_files().items():
        target = folder / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
