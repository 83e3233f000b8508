"""``studio --self-test`` as a user (or the bundle's CI step) runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STUDIO = [sys.executable, "-m", "studio"]


def self_test(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*STUDIO, "--self-test"], check=False, capture_output=True, text=True, env=env, timeout=120
    )


def test_self_test_passes_and_leaves_the_users_folders_alone(tmp_path: Path) -> None:
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    env["STUDIO_CACHE_DIR"] = str(tmp_path / "cache")
    result = self_test(env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for check in ("python packages", "ffmpeg and encoders", "bundled fonts", "library"):
        assert any(line.startswith(f"ok   {check}") for line in lines), result.stdout
    render = next(line for line in lines if "plan, voice, music and render" in line)
    assert render.startswith("ok")
    assert "voice line(s) by joe (piper) and music" in render
    assert any(line.startswith("ok   desktop (Qt)") for line in lines)
    assert lines[-1] == "self-test passed"
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "cache").exists()


def test_missing_fonts_fail_the_self_test_naming_the_folder(tmp_path: Path) -> None:
    resources = tmp_path / "resources"
    (resources / "fonts").mkdir(parents=True)
    env = {**os.environ, "STUDIO_RESOURCES": str(resources), "QT_QPA_PLATFORM": "offscreen"}
    result = self_test(env)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    fonts = next(line for line in result.stdout.splitlines() if "bundled fonts" in line)
    assert fonts.startswith("FAIL")
    assert str(resources / "fonts") in fonts
    library = next(line for line in result.stdout.splitlines() if " library (" in line)
    assert library.startswith("ok")
    assert result.stdout.splitlines()[-1].startswith("self-test FAILED")
