"""The bundle's licence collector (scripts/collect_licences.py) on distributions installed here.

The full bundle check is tests/bundle/test_bundle.py; these run in a second without building.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

import imageio_ffmpeg
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def collector() -> ModuleType:
    """The build-time script, loaded from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "collect_licences", ROOT / "scripts" / "collect_licences.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def site_file(relative: str) -> str:
    """A file of an installed package, as the source of a fake PyInstaller entry."""
    return str(Path(metadata.distribution("numpy").locate_file(relative)))


def test_collected_folders_and_modules_map_to_their_distributions(collector: ModuleType) -> None:
    pure = [("PIL.Image", site_file("PIL/Image.py"), "PYMODULE"), ("json", "json.py", "PYMODULE")]
    binaries = [
        ("numpy.libs/libscipy_openblas64_.so", site_file("numpy.libs/x.so"), "BINARY"),
        ("cv2/cv2.abi3.so", site_file("cv2/cv2.abi3.so"), "EXTENSION"),
        ("opencv_python_headless.libs/libavcodec.so", site_file("x.so"), "BINARY"),
        ("_cffi_backend.cpython-311-x86_64-linux-gnu.so", site_file("x.so"), "EXTENSION"),
        ("libX11.so.6", "/usr/lib/x86_64-linux-gnu/libX11.so.6", "BINARY"),
    ]
    names = collector.top_level_names(pure, binaries)
    assert {"PIL", "json", "numpy.libs", "cv2", "_cffi_backend", "libX11"} <= names
    found = collector.distributions_for(names)
    # The standard library and system libraries are no Python distribution.
    assert set(found) == {"pillow", "numpy", "opencv-python-headless", "cffi"}


def test_declared_licence_files_are_copied_for_piper(collector: ModuleType) -> None:
    notice = collector.distribution_notice(metadata.distribution("piper-tts"))
    folder = f"licenses/piper-tts-{metadata.version('piper-tts')}"
    assert notice.folder == folder
    assert notice.licence == "GPL-3.0-or-later"
    copying = notice.files[f"{folder}/COPYING"].read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in copying
    assert "Version 3, 29 June 2007" in copying
    assert f"{folder}/licenses/LICENSE.g2pW-Apache-2.0" in notice.files


def test_licence_files_inside_a_package_are_found_without_metadata(collector: ModuleType) -> None:
    """onnxruntime declares no License-File: its LICENSE and notices sit in the package."""
    notice = collector.distribution_notice(metadata.distribution("onnxruntime"))
    folder = notice.folder
    assert set(notice.files) == {
        f"{folder}/onnxruntime/LICENSE",
        f"{folder}/onnxruntime/ThirdPartyNotices.txt",
    }
    assert "MIT License" in notice.files[f"{folder}/onnxruntime/LICENSE"].read_text("utf-8")
    assert notice.licence.startswith("MIT")  # from its License field


def test_opencv_face_cascades_are_not_taken_for_licences(collector: ModuleType) -> None:
    files = collector.licence_files(metadata.distribution("opencv-python-headless"))
    assert "LICENSE.txt" in files
    assert "LICENSE-3RD-PARTY.txt" in files
    assert not [name for name in files if name.endswith(".xml")]
    assert "cv2/LICENSE.txt" not in files  # the same text as the declared LICENSE.txt


def test_a_distribution_without_licence_files_says_so(collector: ModuleType) -> None:
    notice = collector.distribution_notice(metadata.distribution("PySide6_Essentials"))
    assert notice.files == {}
    assert "LGPL-3.0-only" in notice.licence
    text = notice.text()
    assert "Files: none (it ships no licence file" in text
    assert "Home page: https://pyside.org" in text


def test_notices_and_data_entries_for_a_small_bundle(collector: ModuleType, tmp_path: Path) -> None:
    ffmpeg = Path(imageio_ffmpeg.get_ffmpeg_exe())
    pure = [("piper.voice", "voice.py", "PYMODULE"), ("PySide6.QtCore", "x.py", "PYMODULE")]
    binaries = [(f"imageio_ffmpeg/binaries/{ffmpeg.name}", str(ffmpeg), "BINARY")]
    fonts = ROOT / "resources" / "fonts"
    entries = collector.licence_datas(
        pure, binaries, [], fonts=fonts, staging=tmp_path / "licenses", own="studio"
    )

    destinations = {Path(name).as_posix(): Path(source) for name, source, _ in entries}
    assert all(name.startswith("licenses/") for name in destinations)
    assert all(source.is_file() for source in destinations.values())
    notices = destinations["licenses/THIRD-PARTY-NOTICES.txt"].read_text(encoding="utf-8")
    titles = {block.strip().split("\n", 1)[0] for block in notices.split("-" * 78)[1:]}
    for name in ("piper-tts", "PySide6_Essentials", "imageio-ffmpeg"):
        assert f"{name} {metadata.version(name)}" in titles, titles
    assert "Licence: GPL-3.0-or-later" in notices
    # ffmpeg's block carries what the binary states about itself and its GPL text.
    words = " ".join(notices.split())  # long notes are wrapped
    assert "either version 3 of the License, or (at your option) any later version" in words
    assert "https://ffmpeg.org/legal.html" in words
    gpl = destinations["licenses/ffmpeg/GPL-3.0.txt"].read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in gpl
    assert "licenses/espeak-ng/GPL-3.0.txt" in destinations
    assert f"licenses/Qt-{metadata.version('PySide6_Essentials')}/LGPL-3.0.txt" in destinations
    assert destinations["licenses/fonts/LICENSE-Inter.txt"] == fonts / "LICENSE-Inter.txt"
    # Every file the notices list travels, and nothing travels unlisted.
    listed = {line.strip() for line in notices.splitlines() if line.startswith("  licenses/")}
    assert listed == set(destinations) - {"licenses/THIRD-PARTY-NOTICES.txt"}
