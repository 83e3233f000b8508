"""One module per ``studio`` verb; each exposes ``register(subparsers)`` and a ``run(args)``.

Exit codes, for every verb: 0 done, 1 failed, 2 bad input (the message names the field or file).
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2
