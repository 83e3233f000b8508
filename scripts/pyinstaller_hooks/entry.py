"""The desktop bundle's entry point: the ``studio`` command (no arguments opens the studio window).

It lives here rather than using ``studio/__main__.py`` so PyInstaller does not put the ``studio``
package folder itself on the search path, where ``spec``, ``services`` or ``cloud`` could shadow a
top-level module of the same name.
"""

from __future__ import annotations

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
