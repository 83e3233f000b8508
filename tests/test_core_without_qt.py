"""The core (everything but studio.ui) imports and runs with PySide6 made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

PROBE = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    class BlockQt:
        def find_spec(self, name, path=None, target=None):
            if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
                raise ImportError(f"Qt is blocked in the core: {name}")
            return None

    sys.meta_path.insert(0, BlockQt())
    import studio
    names = [
        m.name for m in pkgutil.walk_packages(studio.__path__, "studio.")
        if not (m.name == "studio.ui" or m.name.startswith("studio.ui."))
    ]
    for name in names:
        if name != "studio.__main__":
            importlib.import_module(name)
    assert not [m for m in sys.modules if m.startswith("PySide6")]
    print(len(names))
    """
)


def test_core_modules_import_without_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 10
