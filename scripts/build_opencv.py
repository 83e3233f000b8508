"""A lean OpenCV for the desktop bundle, built from the source of the release the venv runs.

The opencv-python-headless wheel takes 152 MiB of the bundle: cv2 itself (67) and every library it
links whether Studio uses it or not: its own FFmpeg (libavcodec, libaom, libvpx, libdav1d, ...) and
OpenBLAS (37). Studio calls OpenCV's core, imgproc (warps, resizes, blurs, LUTs, drawing),
imgcodecs (PNG) and objdetect (the face cascade) only; ffmpeg does all video input and output, and
no LAPACK routine is on Studio's paths. Built from the same release's source distribution with just
those modules, cv2 is 22 MB (19 MiB once the bundle strips it), links nothing but the C and C++
runtimes, and gives the wheel's pixels (tests/bundle/test_lean_opencv.py compares them).

Left out with the rest: Intel IPP, which the wheel's build downloads from outside the package
registries. Without it the bundle's INTER_CUBIC resize is slower (only generated visuals use it,
once per image); warps, area and linear resizes and blurs measured the same.

The build takes about 5 minutes on 2 cores, once: the result is kept under ~/.cache/studio-build/
(STUDIO_BUILD_CACHE moves it) by release, options, Python and NumPy, and written there in one
rename, so an interrupted build leaves nothing half-made. build_spec.spec calls lean_opencv() and
puts the folder first on PyInstaller's search path. It needs a C++ compiler (g++) and Python's
headers, and fetches the source with pip (scripts/setup.sh --dev installs cmake and ninja).

    .venv/bin/python scripts/build_opencv.py      # build (or find) it and print its folder
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "opencv-python-headless"
MODULES = ("core", "imgproc", "imgcodecs", "objdetect", "python3", "python_bindings_generator")
"""What Studio calls (grep "cv2\\." studio), and the Python bindings; objdetect brings calib3d,
features2d and flann with it."""
OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DINSTALL_CREATE_DISTRIB=ON",
    "-DBUILD_TESTS=OFF",
    "-DBUILD_PERF_TESTS=OFF",
    "-DBUILD_DOCS=OFF",
    "-DBUILD_EXAMPLES=OFF",
    "-DBUILD_opencv_apps=OFF",
    "-DBUILD_JAVA=OFF",
    "-DBUILD_opencv_python2=OFF",
    "-DPYTHON3_LIMITED_API=ON",
    "-DOPENCV_PYTHON3_INSTALL_PATH=python",
    "-DOPENCV_GENERATE_PKGCONFIG=OFF",
    # PNG (visuals encode PNG) from OpenCV's bundled libpng and zlib; no other image format.
    "-DWITH_PNG=ON",
    "-DBUILD_PNG=ON",
    "-DBUILD_ZLIB=ON",
    *(
        f"-DWITH_{name}=OFF"
        for name in (
            "LAPACK",
            "EIGEN",
            "FFMPEG",
            "GSTREAMER",
            "V4L",
            "IPP",
            "ITT",
            "OPENCL",
            "PROTOBUF",
            "ADE",
            "TIFF",
            "OPENEXR",
            "OPENJPEG",
            "JASPER",
            "WEBP",
            "JPEG",
            "AVIF",
            "SPNG",
            "IMGCODEC_GIF",
            "GTK",
            "QT",
            "VTK",
            "TBB",
            "OPENMP",
            "1394",
            "FASTCV",
            "KLEIDICV",
            "CUDA",
            "OBSENSOR",
            "QUIRC",
            "CAROTENE",
            "VA",
            "VA_INTEL",
            "FLATBUFFERS",
        )
    ),
)
"""CMake options: a static cv2 with the modules above and nothing that links another library."""
LICENCES = {
    "LICENSE-OpenCV.txt": "LICENSE",
    "LICENSE-zlib.txt": "3rdparty/zlib/LICENSE",
    "LICENSE-libpng.txt": "3rdparty/libpng/LICENSE",
}
"""The licence texts of what the lean cv2 contains (bundle name -> path in OpenCV's source)."""
BUILD_INFO = "lean-opencv.json"
"""Written beside cv2/: what was built, for the bundle's licence notice."""


class BuildError(RuntimeError):
    """The lean OpenCV could not be built; the message says what to install or where the log is."""


def cache_root() -> Path:
    configured = os.environ.get("STUDIO_BUILD_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "studio-build"


def build_key(version: str) -> str:
    """Changes whenever the result would: the release, the options, Python, NumPy, the machine."""
    parts = [
        version,
        *MODULES,
        *OPTIONS,
        sys.version,
        metadata.version("numpy"),
        platform.machine(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def lean_opencv(log: Callable[[str], None] = print) -> Path:
    """The folder holding the lean ``cv2`` package, built first when the cache lacks it."""
    version = metadata.version(DISTRIBUTION)
    root = cache_root()
    target = root / f"opencv-{version}-{build_key(version)}"
    if (target / BUILD_INFO).is_file():
        return target
    _check_tools()
    root.mkdir(parents=True, exist_ok=True)
    log(f"build_opencv: building a lean OpenCV {version} into {target} (about 5 minutes, once)")
    with tempfile.TemporaryDirectory(prefix="opencv-", dir=root) as scratch_name:
        scratch = Path(scratch_name)
        source = _source(version, scratch)
        staged = scratch / "out"
        _compile(source, scratch / "build", scratch / "prefix")
        shutil.copytree(scratch / "prefix" / "python", staged)
        cascades = staged / "cv2" / "data"  # where cv2.data puts them in the wheel
        cascades.mkdir(exist_ok=True)
        cascade = "haarcascade_frontalface_default.xml"
        shutil.copy2(source / "data" / "haarcascades" / cascade, cascades / cascade)
        (staged / "licenses").mkdir()
        for name, relative in LICENCES.items():
            shutil.copy2(source / relative, staged / "licenses" / name)
        info = {"version": version, "modules": list(MODULES), "options": list(OPTIONS)}
        (staged / BUILD_INFO).write_text(json.dumps(info, indent=2), encoding="utf-8")
        try:
            staged.rename(target)
        except OSError:
            if not (target / BUILD_INFO).is_file():  # not another build finishing first
                raise
    log(f"build_opencv: done ({target})")
    return target


def _check_tools() -> None:
    missing = [tool for tool in ("c++", "cc") if shutil.which(tool) is None]
    if missing:
        raise BuildError("the lean OpenCV needs a C/C++ compiler: apt-get install g++")
    for tool in ("cmake", "ninja"):
        if _tool(tool) is None:
            raise BuildError(f"{tool} is missing: scripts/setup.sh --dev installs it")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise BuildError(
            f"Python's headers are missing ({sysconfig.get_paths()['include']}/Python.h): "
            f"install python{version}-dev, or use a Python that has them"
        )


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name  # the venv's, from the cmake and ninja wheels
    return str(beside) if beside.is_file() else shutil.which(name)


def _source(version: str, scratch: Path) -> Path:
    """OpenCV's source tree from the release's source distribution on the package index."""
    downloads = scratch / "download"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            DISTRIBUTION,
            f"{DISTRIBUTION}=={version}",
            "-d",
            str(downloads),
        ],
        scratch / "download.log",
    )
    archives = sorted(downloads.glob("*.tar.gz"))
    if not archives:
        raise BuildError(f"pip gave no source distribution of {DISTRIBUTION} {version}")
    with tarfile.open(archives[0]) as archive:
        members = [member for member in archive.getmembers() if "/opencv/" in member.name]
        archive.extractall(scratch / "source", members=members, filter="data")
    sources = list((scratch / "source").glob("*/opencv"))
    if not sources:
        raise BuildError(f"{archives[0].name} holds no opencv/ source folder")
    return sources[0]


def _compile(source: Path, build: Path, prefix: Path) -> None:
    paths = sysconfig.get_paths()
    numpy_include = _numpy_include()
    library = Path(str(sysconfig.get_config_var("LIBDIR"))) / str(
        sysconfig.get_config_var("LDLIBRARY")
    )
    configure = [
        str(_tool("cmake")),
        "-S",
        str(source),
        "-B",
        str(build),
        "-G",
        "Ninja",
        f"-DCMAKE_MAKE_PROGRAM={_tool('ninja')}",
        f"-DCMAKE_INSTALL_PREFIX={prefix}",
        f"-DBUILD_LIST={','.join(MODULES)}",
        *OPTIONS,
        f"-DPYTHON3_EXECUTABLE={sys.executable}",
        f"-DPYTHON3_INCLUDE_DIR={paths['include']}",
        f"-DPYTHON3_LIBRARY={library}",
        f"-DPYTHON3_NUMPY_INCLUDE_DIRS={numpy_include}",
    ]
    _run(configure, build.parent / "configure.log")
    install = [str(_tool("cmake")), "--build", str(build), "--target", "install"]
    _run(install, build.parent / "build.log")
    if not list((prefix / "python" / "cv2").rglob("cv2*.so")) and not list(
        (prefix / "python" / "cv2").rglob("cv2*.pyd")
    ):
        raise BuildError(f"the build made no cv2 extension (see {build.parent / 'configure.log'})")


def _numpy_include() -> str:
    import numpy  # noqa: PLC0415 (a build tool's import, only when building)

    return numpy.get_include()


def _run(command: list[str], log_file: Path) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as log:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise BuildError(
            f"{Path(command[0]).name} failed (exit {done.returncode}):\n" + "\n".join(tail)
        )


def main() -> int:
    try:
        print(lean_opencv(log=lambda line: print(line, file=sys.stderr)))
    except BuildError as error:
        print(f"build_opencv: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
