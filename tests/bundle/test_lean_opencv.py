"""The bundle's lean OpenCV (scripts/build_opencv.py): small, self-contained, the wheel's pixels.

Built once per machine (about 5 minutes on 2 cores) and cached, as the bundle build uses it.
Studio runs here on the venv's wheel; the same frames are rendered again with the lean cv2 first
on the path and must come out the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from tests.media import write_json

pytestmark = [pytest.mark.slow, pytest.mark.bundle]

ROOT = Path(__file__).resolve().parents[2]
RUNTIMES = (
    "libstdc++.so",
    "libm.so",
    "libgcc_s.so",
    "libc.so",
    "ld-linux",
    "libpthread.so",
    "libdl.so",
    "librt.so",
)
"""The only libraries a lean cv2 may link: the C and C++ runtimes every Linux has."""
RENDER = "import sys, cv2; from studio.cli import main; print(cv2.__file__); sys.exit(main())"


@pytest.fixture(scope="module")
def lean() -> Path:
    if not sys.platform.startswith("linux"):
        pytest.skip("the lean OpenCV build is for the Linux bundle")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from build_opencv import lean_opencv
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return lean_opencv(log=lambda line: None)


def extension(lean: Path) -> Path:
    found = sorted((lean / "cv2").rglob("cv2*.so"))
    assert len(found) == 1, found
    return found[0]


def test_the_lean_cv2_is_small_and_links_only_the_c_and_cpp_runtimes(lean: Path) -> None:
    cv2 = extension(lean)
    dynamic = subprocess.run(
        ["readelf", "-d", str(cv2)], capture_output=True, text=True, check=True
    ).stdout
    needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    assert needed, dynamic
    assert [name for name in needed if not name.startswith(RUNTIMES)] == []
    assert cv2.stat().st_size < 30 * 2**20, "the wheel's cv2 alone is 67 MiB"
    assert (lean / "cv2" / "data" / "haarcascade_frontalface_default.xml").is_file()
    assert {path.name for path in (lean / "licenses").iterdir()} == {
        "LICENSE-OpenCV.txt",
        "LICENSE-zlib.txt",
        "LICENSE-libpng.txt",
    }


def _face_on_the_right(path: Path) -> Path:
    canvas = np.full((720, 1920, 3), (30, 40, 60), np.uint8)
    canvas[:, 1150:1870] = np.asarray(Image.fromarray(data.astronaut()).resize((720, 720)))
    Image.fromarray(canvas).save(path)
    return path


def render(plan: Path, at: float, output: Path, assets: Path, cv2_first: Path | None) -> str:
    """Studio's `frame` command in a fresh interpreter; the cv2 it loaded."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if cv2_first is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(cv2_first), str(ROOT)])
    command = [
        sys.executable,
        "-c",
        RENDER,
        "frame",
        str(plan),
        "--assets",
        str(assets),
        "--no-generate",
        "--at",
        str(at),
        "-o",
        str(output),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()[0]


@pytest.mark.parametrize("at", [0.4, 2.9])
def test_a_reframed_photo_renders_the_same_with_the_lean_cv2(
    lean: Path, tmp_path: Path, at: float
) -> None:
    """Face detection picks the frame, then warps, resizes and blurs draw it: every one of them
    must give the wheel's pixels."""
    _face_on_the_right(tmp_path / "wide.png")
    plan = write_json(
        tmp_path / "short.json",
        {
            "short_id": "s",
            "variant_id": "v",
            "format": "9_16",
            "duration_seconds": 3,
            "hook": {"text": "Watch this"},
            "visual_plan": {"source": {"type": "talking_head", "asset_id": "wide"}},
        },
    )
    wheel_cv2 = render(plan, at, tmp_path / "wheel.png", tmp_path, None)
    lean_cv2 = render(plan, at, tmp_path / "lean.png", tmp_path, lean)
    assert Path(lean_cv2).is_relative_to(lean)
    assert not Path(wheel_cv2).is_relative_to(lean)
    wheel = np.asarray(Image.open(tmp_path / "wheel.png").convert("RGB"), np.int16)
    lean_frame = np.asarray(Image.open(tmp_path / "lean.png").convert("RGB"), np.int16)
    assert wheel.shape == lean_frame.shape == (1920, 1080, 3)
    assert wheel.std() > 20, "a real picture, not a blank frame"
    assert np.abs(wheel - lean_frame).max() <= 1
