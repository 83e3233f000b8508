"""Symbol tables out of the Linux bundle's binaries, except the ones auditwheel rewrote.

About 50 MiB of the bundle were symbol tables that nothing reads at run time (libpython's alone is
17 MiB). PyInstaller's own ``strip=True`` strips every binary, and binutils' strip breaks a library
that patchelf has rewritten: numpy's OpenBLAS then fails to load ("ELF load command address/offset
not page-aligned"). auditwheel runs patchelf on exactly two kinds of file: the libraries it copies
into a wheel's ``<name>.libs`` folder, and the extension modules that link them (their RPATH points
there). Those are left as they are; every other binary that still has a symbol table is stripped
(``--strip-unneeded``: the dynamic symbols that loading needs stay) into the work folder and
collected from there. Called by build_spec.spec on Linux.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

TocEntry = tuple[str, str, str]
"""PyInstaller's (destination, source path, type) entries of an Analysis."""


def rewritten_by_auditwheel(destination: str, source: Path) -> bool:
    """In a ``*.libs`` folder, or linking one through its RPATH/RUNPATH."""
    if any(part.endswith(".libs") for part in PurePosixPath(destination).parts[:-1]):
        return True
    dynamic = _readelf("-d", source)
    return any(
        ".libs" in line for line in dynamic.splitlines() if "(RPATH)" in line or "(RUNPATH)" in line
    )


def has_symbol_table(source: Path) -> bool:
    return any(" .symtab " in line for line in _readelf("-SW", source).splitlines())


def _readelf(option: str, source: Path) -> str:
    done = subprocess.run(
        ["readelf", option, str(source)], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else ""


def stripped(binaries: Iterable[TocEntry], folder: Path) -> list[TocEntry]:
    """The entries, with each strippable binary's source replaced by a stripped copy in folder."""
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        raise RuntimeError("strip and readelf are missing: apt-get install binutils")
    result = []
    for destination, source_name, kind in binaries:
        source = Path(source_name)
        posix = destination.replace("\\", "/")
        if (
            kind in ("BINARY", "EXTENSION")
            and has_symbol_table(source)
            and not rewritten_by_auditwheel(posix, source)
        ):
            target = folder / posix
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["strip", "--strip-unneeded", "-o", str(target), str(source)], check=True
            )
            shutil.copymode(source, target)
            source = target
        result.append((destination, str(source), kind))
    return result
