"""Licence texts for the desktop bundle, gathered at build time by build_spec.spec.

The bundle must carry the licence of everything inside it (docs/bundle.md). Which Python
distributions are inside follows from what PyInstaller collected, so the list cannot drift from the
spec: every top-level package, module and ``*.libs`` folder of the analysis is mapped to its
distribution, whose declared licence files (and LICENSE/COPYING/NOTICE files in its package) are
copied to ``licenses/<name>-<version>/``. The parts that are not Python distributions (the Python
runtime, PyInstaller's bootloader, ffmpeg, espeak-ng, Qt, the fonts) get a block of their own.
``licenses/THIRD-PARTY-NOTICES.txt`` lists all of them. Nothing is written from memory: a
distribution that ships no licence file is said to ship none, with the licence its metadata names.

The GNU texts in pyinstaller_hooks/licence_texts/ are the FSF's verbatim GPL-3.0, LGPL-3.0 and
LGPL-2.1 (Debian's /usr/share/common-licenses copies): the PySide6 wheels ship no licence file, and
ffmpeg and espeak-ng travel as binaries without theirs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

TocEntry = tuple[str, str, str]
"""PyInstaller's (destination or module name, source path, type) entries of an Analysis."""

LICENCE_FOLDER = "licenses"
NOTICES_NAME = "THIRD-PARTY-NOTICES.txt"
LEAN_OPENCV_INFO = "lean-opencv.json"
"""scripts/build_opencv.py's record beside the lean cv2 package it built."""
GNU_TEXTS = Path(__file__).resolve().parent / "pyinstaller_hooks" / "licence_texts"

LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "THIRDPARTYNOTICES", "MODEL_CARD")
"""File names (upper-cased) that hold a licence or a notice. MODEL_CARD: a voice's card names its
dataset's licence. AUTHORS counts only where a distribution declares it as a License-File."""
CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyi", ".so", ".pyd", ".dll", ".dylib", ".xml", ".json"})
"""Suffixes of files that match a licence prefix by accident (cv2's haarcascade_license_*.xml)."""
FFMPEG_BUILDS = (
    "imageio-ffmpeg downloads its binaries from the sources pinned in its "
    "tools/ffmpeg-sources.json (https://github.com/imageio/imageio-ffmpeg, see "
    "imageio_ffmpeg/_definitions.py): Linux builds "
    "from BtbN's FFmpeg-Builds (https://github.com/BtbN/FFmpeg-Builds), macOS x86_64 from "
    "evermeet.cx, macOS arm64 from osxexperts.net. FFmpeg's own source and legal notes: "
    "https://ffmpeg.org/legal.html."
)


@dataclass
class Notice:
    """One block of THIRD-PARTY-NOTICES.txt and the files copied for it (bundle path -> source)."""

    name: str
    version: str
    licence: str
    home_page: str
    files: dict[str, Path] = field(default_factory=dict)
    note: str = ""

    @property
    def folder(self) -> str:
        suffix = f"-{self.version}" if self.version else ""
        return f"{LICENCE_FOLDER}/{self.name}{suffix}"

    def add(self, relative: str, source: Path) -> None:
        self.files[f"{self.folder}/{relative}"] = source

    def text(self) -> str:
        title = f"{self.name} {self.version}".strip()
        lines = [title, f"Licence: {self.licence}", f"Home page: {self.home_page}"]
        if self.files:
            lines.append("Files:")
            lines += [f"  {path}" for path in sorted(self.files)]
        else:
            lines.append(
                "Files: none (it ships no licence file; the licence above is from its metadata)"
            )
        for paragraph in self.note.splitlines():
            lines.append(textwrap.fill(paragraph, width=100, break_on_hyphens=False))
        return "\n".join(lines)


def top_level_names(pure: Iterable[TocEntry], collected: Iterable[TocEntry]) -> set[str]:
    """Top-level packages, modules and folders the bundle holds: module names from the PYZ
    entries, first path parts (or bare module names of top-level files) from binaries and datas."""
    names = {entry[0].split(".")[0] for entry in pure}
    for destination, _, _ in collected:
        parts = PurePosixPath(destination.replace("\\", "/")).parts
        if len(parts) > 1:
            names.add(parts[0])
        elif parts:
            names.add(parts[0].split(".")[0])  # _cffi_backend.cpython-311-x86_64-linux-gnu.so
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions_for(names: Iterable[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions behind top-level names, by canonical name. ``numpy.libs`` and
    the like (auditwheel's folders of native libraries) belong to the distribution they are named
    after when no distribution lists them as a top-level name."""
    owners = metadata.packages_distributions()
    found: dict[str, metadata.Distribution] = {}
    for name in sorted(names):
        candidates = list(owners.get(name, []))
        if not candidates and name.endswith(".libs"):
            stem = name.removesuffix(".libs")
            candidates = list(owners.get(stem, [])) or [stem]
        for candidate in candidates:
            try:
                distribution = metadata.distribution(candidate)
            except metadata.PackageNotFoundError:
                continue
            found.setdefault(_canonical(distribution.metadata["Name"]), distribution)
    return found


def _field(meta: metadata.PackageMetadata, key: str) -> str:
    return str(meta[key] or "") if key in meta else ""


def _fields(meta: metadata.PackageMetadata, key: str) -> list[str]:
    return [str(value) for value in meta.get_all(key) or []]


def licence_of(distribution: metadata.Distribution) -> str:
    """License-Expression, else License (its first line), else the ``License ::`` classifiers."""
    meta = distribution.metadata
    expression = _field(meta, "License-Expression").strip()
    if expression:
        return expression
    declared = _field(meta, "License").strip()
    if declared:
        first = declared.splitlines()[0].strip()
        return first if first == declared else f"{first} ... (full text in its metadata)"
    classifiers = [
        value.removeprefix("License :: ")
        for value in _fields(meta, "Classifier")
        if value.startswith("License ::")
    ]
    return "; ".join(classifiers) or "not stated in its metadata"


def home_page_of(distribution: metadata.Distribution) -> str:
    """Home-page, else the Project-URL labelled home page, source, repository or the like."""
    meta = distribution.metadata
    if _field(meta, "Home-page"):
        return _field(meta, "Home-page")
    urls = [value.split(",", 1) for value in _fields(meta, "Project-URL") if "," in value]
    labelled = {label.strip().lower().replace(" ", ""): url.strip() for label, url in urls}
    for label in ("homepage", "home", "source", "repository", "code", "github", "documentation"):
        if label in labelled:
            return labelled[label]
    return urls[0][1].strip() if urls else "not stated in its metadata"


def licence_files(distribution: metadata.Distribution) -> dict[str, Path]:
    """Licence-relevant files a distribution installed, as (path under its licence folder ->
    file): its declared License-File entries (in ``*.dist-info/licenses/`` or ``*.dist-info/``),
    then LICENSE*, COPYING*, NOTICE* and the like inside its packages. Same texts are kept once."""
    declared = set(_fields(distribution.metadata, "License-File"))
    chosen: dict[str, Path] = {}
    seen: set[str] = set()
    ordered = sorted(
        distribution.files or [], key=lambda file: (".dist-info" not in file.parts[0], str(file))
    )
    for file in ordered:
        parts = PurePosixPath(str(file)).parts
        if ".." in parts or len(parts) < 2:
            continue  # outside site-packages, or a root file several wheels overwrite
        if parts[0].endswith(".dist-info"):
            inside = parts[2:] if parts[1] == "licenses" else parts[1:]
            relative = "/".join(inside)
            licence_dir = parts[1] == "licenses"  # PEP 639: everything there is a licence file
            if not licence_dir and relative not in declared and not _looks_like_licence(parts[-1]):
                continue
        elif _looks_like_licence(parts[-1]):
            relative = "/".join(parts)
        else:
            continue
        source = Path(str(distribution.locate_file(file)))
        if not source.is_file():
            continue
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            chosen[relative] = source
    return chosen


def _looks_like_licence(name: str) -> bool:
    upper = name.upper().replace("-", "").replace("_", "")
    prefixes = {prefix.replace("_", "") for prefix in LICENCE_PREFIXES}
    suffix = PurePosixPath(name).suffix.lower()
    return upper.startswith(tuple(prefixes)) and suffix not in CODE_SUFFIXES


def distribution_notice(distribution: metadata.Distribution) -> Notice:
    notice = Notice(
        name=distribution.metadata["Name"],
        version=distribution.version,
        licence=licence_of(distribution),
        home_page=home_page_of(distribution),
    )
    for relative, source in licence_files(distribution).items():
        notice.add(relative, source)
    return notice


def python_notice() -> Notice:
    """The interpreter, its shared library and standard library travel in every bundle."""
    notice = Notice("Python", sys.version.split()[0], "PSF-2.0", "https://www.python.org")
    for folder in (Path(sysconfig.get_paths()["stdlib"]), Path(sys.base_prefix)):
        if (folder / "LICENSE.txt").is_file():
            notice.add("LICENSE.txt", folder / "LICENSE.txt")
            break
    return notice


def ffmpeg_notice(ffmpeg: Path) -> Notice:
    """imageio-ffmpeg's binary: the licence it states itself (``-L``) and the build it is."""
    banner = _run([str(ffmpeg), "-hide_banner", "-version"]).splitlines()
    stated = " ".join(_run([str(ffmpeg), "-hide_banner", "-L"]).split())
    notice = Notice(
        "ffmpeg",
        "",
        "GPL-3.0-or-later (built with --enable-gpl --enable-version3, libx264 among others)",
        "https://ffmpeg.org/legal.html",
        note="\n".join(
            [
                f"The binary: imageio_ffmpeg/binaries/{ffmpeg.name}, run as a separate program.",
                *(f"It reports: {line}" for line in banner[:1]),
                *([f"It states: {stated}"] if stated else []),
                f"Source: {FFMPEG_BUILDS}",
            ]
        ),
    )
    notice.add("GPL-3.0.txt", GNU_TEXTS / "GPL-3.0.txt")
    return notice


def _run(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return ""
    return done.stdout if done.returncode == 0 else ""


def espeak_notice(piper: metadata.Distribution) -> Notice:
    notice = Notice(
        "espeak-ng",
        "",
        "GPL-3.0-or-later",
        "https://github.com/espeak-ng/espeak-ng",
        note=(
            "Built into piper-tts (piper/espeakbridge and piper/espeak-ng-data); its source comes "
            f"with piper-tts' own ({home_page_of(piper)})."
        ),
    )
    notice.add("GPL-3.0.txt", GNU_TEXTS / "GPL-3.0.txt")
    return notice


def qt_notice(pyside: metadata.Distribution) -> Notice:
    notice = Notice(
        "Qt",
        pyside.version,
        "LGPL-3.0-only (PySide6 offers LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only)",
        "https://www.qt.io/licensing/open-source-lgpl-obligations",
        note=(
            "Qt's libraries and plugins travel as separate shared libraries under PySide6/Qt/ that "
            "a user can replace. LGPL-3.0 adds permissions to GPL-3.0, so both texts follow. "
            "Qt Multimedia's FFmpeg libraries (libavcodec, libavformat, libavutil, libswresample, "
            "libswscale) are LGPL-2.1-or-later (https://ffmpeg.org/legal.html). The PySide6 wheels "
            f"ship no licence file. Source: {home_page_of(pyside)}, https://download.qt.io/."
        ),
    )
    for name in ("LGPL-3.0.txt", "GPL-3.0.txt", "LGPL-2.1.txt"):
        notice.add(name, GNU_TEXTS / name)
    return notice


def fonts_notice(fonts: Path) -> Notice:
    notice = Notice(
        "fonts",
        "",
        "OFL-1.1 AND Apache-2.0 (font by font in README.md)",
        "resources/fonts/ in the bundle",
    )
    for path in [*sorted(fonts.glob("LICENSE*")), fonts / "README.md"]:
        if path.is_file():
            notice.add(path.name, path)
    return notice


def collect(
    pure: Iterable[TocEntry],
    binaries: Iterable[TocEntry],
    datas: Iterable[TocEntry],
    *,
    fonts: Path,
    own: str = "",
) -> list[Notice]:
    """Every notice the bundle needs, for the entries PyInstaller collected; ``own`` names the
    project's own distribution, which is not third-party."""
    binaries, datas = list(binaries), list(datas)
    found = distributions_for(top_level_names(pure, binaries + datas))
    found.pop(_canonical(own), None)
    notices = [python_notice()]
    bootloader = _installed("pyinstaller")
    if bootloader is not None:
        notices.append(distribution_notice(bootloader))
    notices += [distribution_notice(found[name]) for name in sorted(found)]
    lean = lean_opencv_build(binaries)
    if lean is not None:
        notices = [describe_lean_opencv(notice, lean) for notice in notices]
    ffmpeg = [
        Path(source)
        for destination, source, _ in binaries + datas
        if PurePosixPath(destination.replace("\\", "/")).parent.as_posix()
        == "imageio_ffmpeg/binaries"
        and PurePosixPath(destination).name.startswith("ffmpeg")
    ]
    if ffmpeg:
        notices.append(ffmpeg_notice(ffmpeg[0]))
    if "piper-tts" in found:
        notices.append(espeak_notice(found["piper-tts"]))
    if "pyside6-essentials" in found:
        notices.append(qt_notice(found["pyside6-essentials"]))
    if fonts.is_dir():
        notices.append(fonts_notice(fonts))
    return notices


def lean_opencv_build(binaries: Iterable[TocEntry]) -> Path | None:
    """The folder of scripts/build_opencv.py's build when the bundle's cv2 comes from one."""
    for destination, source, _ in binaries:
        if PurePosixPath(destination.replace("\\", "/")).parts[0] != "cv2":
            continue
        for folder in Path(source).parents:
            if (folder / LEAN_OPENCV_INFO).is_file():
                return folder
    return None


def describe_lean_opencv(notice: Notice, build: Path) -> Notice:
    """The OpenCV notice for a lean build: what it contains, and those parts' licence texts."""
    if _canonical(notice.name) != "opencv-python-headless":
        return notice
    info = json.loads((build / LEAN_OPENCV_INFO).read_text(encoding="utf-8"))
    notice.note = (
        f"cv2 in this bundle is OpenCV {info['version']} built from this distribution's source "
        f"with the modules {', '.join(info['modules'])} and its bundled zlib and libpng only "
        "(scripts/build_opencv.py); the wheel's FFmpeg, OpenBLAS and other libraries that "
        "LICENSE-3RD-PARTY.txt lists are not inside."
    )
    for licence in sorted((build / LICENCE_FOLDER).glob("*")):
        notice.add(licence.name, licence)
    return notice


def _installed(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def notices_text(notices: Sequence[Notice]) -> str:
    rule = "-" * 78
    header = (
        "Third-party software in the Studio bundle\n\n"
        "One block per component: its name and version, its licence (from its package metadata, "
        "or as its\nmakers state it), its home page, and the licence files under licenses/ that "
        "come with it."
    )
    return "\n".join([header, *(f"{rule}\n{notice.text()}" for notice in notices), ""])


def licence_datas(
    pure: Iterable[TocEntry],
    binaries: Iterable[TocEntry],
    datas: Iterable[TocEntry],
    *,
    fonts: Path,
    staging: Path,
    own: str = "",
) -> list[TocEntry]:
    """Data entries for the spec: every licence file and the notices, written into staging."""
    notices = collect(pure, binaries, datas, fonts=fonts, own=own)
    staging.mkdir(parents=True, exist_ok=True)
    written = staging / NOTICES_NAME
    written.write_text(notices_text(notices), encoding="utf-8")
    entries = [(f"{LICENCE_FOLDER}/{NOTICES_NAME}", str(written), "DATA")]
    entries += [
        (destination, str(source), "DATA")
        for notice in notices
        for destination, source in sorted(notice.files.items())
    ]
    return [
        (destination.replace("/", os.sep), source, kind) for destination, source, kind in entries
    ]
