"""The `studio` command as a user runs it: exit codes and the lines it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from studio import __version__
from studio.cli import main
from tests.conftest import PRODUCTION_EXAMPLE, SHORTS_EXAMPLE


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_validate_accepts_both_seed_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(PRODUCTION_EXAMPLE), str(SHORTS_EXAMPLE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{PRODUCTION_EXAMPLE}: valid Production Plan (1 warning)"
    assert out[1].startswith("warning: visual_plan: shots cover 5 s of 120 s")
    assert out[2] == f"{SHORTS_EXAMPLE}: valid Shorts Plan (1 warning)"


def test_validate_prints_one_line_per_problem_and_exits_2(
    tmp_path: Path, production_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    production_data["resolution"]["width"] = 1001
    production_data["visual_plan"]["scenes"][0]["shots"][0]["end_time"] = 500
    bad = _write(tmp_path, "bad.json", json.dumps(production_data))
    assert main(["validate", str(bad), str(SHORTS_EXAMPLE)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{bad}: invalid (1 error)"
    assert out[1] == ("resolution.width: must be even (H.264 4:2:0 needs even sizes), got 1001")
    assert out[2] == f"{SHORTS_EXAMPLE}: valid Shorts Plan (1 warning)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "$: the document is empty"),
        (b"\xff\xfe{}", "$: not UTF-8 text (bad byte at offset 0)"),
        (b"[]", "$: expected a JSON object (a plan), found an array"),
        (b'{"a": ', "$: not valid JSON: Expecting value at line 1 column 7"),
        (b"[" * 100_000, "$: not a plan: the JSON is nested far too deeply"),
    ],
)
def test_validate_handles_files_that_are_not_plans(
    tmp_path: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "x.json", content)
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().out.splitlines()[1] == message


def test_validate_accepts_a_utf8_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "bom.json", b"\xef\xbb\xbf" + SHORTS_EXAMPLE.read_bytes())
    assert main(["validate", str(path)]) == 0


def test_validate_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    assert "cannot read the file: No such file or directory" in capsys.readouterr().out


def test_schema_write_refreshes_the_files(tmp_path: Path) -> None:
    assert main(["schema", "--write", "--dir", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "brand_kit.schema.json",
        "production_plan.schema.json",
        "shorts_plan.schema.json",
    ]
    schema = json.loads((tmp_path / "shorts_plan.schema.json").read_text(encoding="utf-8"))
    assert schema["title"] == "ShortsPlan"


def test_schema_prints_one_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "production_plan"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "ProductionPlan"


def test_the_installed_command_runs_without_a_traceback(tmp_path: Path) -> None:
    """The real console entry, as a user types it: `python -m studio validate ...`."""
    bad = _write(tmp_path, "bad.json", "[")
    result = subprocess.run(
        [sys.executable, "-m", "studio", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "not valid JSON" in result.stdout


def test_version_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"studio {__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--help"], capture_output=True, text=True, check=True
    )
    assert "validate" in result.stdout
    assert "schema" in result.stdout


def test_bad_arguments_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "studio", "validate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "the following arguments are required: FILE" in result.stderr
