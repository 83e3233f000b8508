"""One module per ``studio`` verb; each exposes ``register(subparsers)`` and a ``run(args)``.

Exit codes, for every verb: 0 done, 1 failed, 2 bad input (the message names the field or file).
"""

from __future__ import annotations

import json
import os
import uuid
from enum import IntEnum
from pathlib import Path
from typing import Any


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2


def write_json_atomic(data: Any, path: Path) -> None:
    """Write JSON beside ``path`` under a temporary name, then rename: whole or not at all."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
