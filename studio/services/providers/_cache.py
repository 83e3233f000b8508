"""Cache slots shared by the networked providers, keyed like ``LocalMedia``'s."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def cache_slot(cache: Path, kind: str, suffix: str, *parts: object) -> Path:
    """``cache/kind/<hash of parts><suffix>``, creating the folder."""
    text = json.dumps(list(parts), ensure_ascii=False)
    key = hashlib.sha256(text.encode()).hexdigest()[:24]
    folder = cache / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}{suffix}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file so an interrupted download never looks cached."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)
