"""``studio plan`` as a user runs it: a script file and a photo folder in, a valid plan out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from skimage import data as samples

from studio.cli import main
from studio.planning.coverage import narration_problems
from studio.spec import ProductionPlan, load_document
from tests.media import loudness, probe

DATA = Path(__file__).parent.parent / "data"
SHORT_SCRIPT = (
    "# The harbour\n\nThe harbour wakes before the city does. Boats slide out into the grey "
    "light.\n\n# The market\n\nBy noon the market is loud with coffee and gulls."
)


def photos(folder: Path) -> Path:
    folder.mkdir()
    Image.fromarray(samples.coffee()).save(folder / "coffee.jpg")
    Image.fromarray(samples.chelsea()).save(folder / "boats.png")
    return folder


def test_plan_writes_a_valid_plan_and_says_what_it_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    code = main(
        [
            "plan",
            str(DATA / "gettysburg_address.txt"),
            "--assets",
            str(photos(tmp_path / "p")),
            "--estimate",
            "--style",
            "film_noir",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    said = capsys.readouterr().out
    assert "2 of your files used" in said
    plan = load_document(out).model
    assert isinstance(plan, ProductionPlan)
    assert plan.style == "film_noir"
    raw = (DATA / "gettysburg_address.txt").read_text(encoding="utf-8")
    assert narration_problems(plan, raw) == []
    assert main(["validate", str(out)]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt"], "missing.txt: no such file"),
        (["EMPTY"], "the script is empty"),
        (["SCRIPT", "--size", "1001x500"], "--size 1001x500"),
        (["SCRIPT", "--assets", "nowhere"], "--assets nowhere: not a folder"),
        (["SCRIPT", "--max-runtime", "5"], "over max_runtime_seconds 5 s"),
        (["SCRIPT", "--duration", "-3"], "--duration -3"),
    ],
)
def test_bad_input_exits_2_naming_it_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "EMPTY").write_text("  \n", encoding="utf-8")
    (tmp_path / "SCRIPT").write_text(SHORT_SCRIPT, encoding="utf-8")
    resolved = [str(tmp_path / a) if a in ("EMPTY", "SCRIPT", "missing.txt") else a for a in args]
    out = tmp_path / "plan.json"
    assert main(["plan", *resolved, "--estimate", "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_locked_plan_is_replanned_keeping_its_times(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    first = tmp_path / "first.json"
    assert main(["plan", str(script), "--estimate", "-o", str(first)]) == 0
    data = json.loads(first.read_text(encoding="utf-8"))
    data["constraints"]["lock_script_timing"] = True
    first.write_text(json.dumps(data), encoding="utf-8")
    second = tmp_path / "second.json"
    assert main(["plan", str(first), "--mode", "pro", "-o", str(second)]) == 0
    again = json.loads(second.read_text(encoding="utf-8"))
    assert again["script"] == data["script"]


@pytest.mark.slow
def test_a_planned_script_renders_into_a_narrated_film(tmp_path: Path) -> None:
    script = tmp_path / "harbour.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    assets = photos(tmp_path / "photos")
    plan_path = tmp_path / "plan.json"
    assert (
        main(
            [
                "plan",
                str(script),
                "--assets",
                str(assets),
                "--size",
                "640x360",
                "-o",
                str(plan_path),
            ]
        )
        == 0
    )
    plan = load_document(plan_path).model
    assert isinstance(plan, ProductionPlan)
    film = tmp_path / "film.mp4"
    code = main(
        ["render", str(plan_path), "--assets", str(assets), "--preset", "draft", "-o", str(film)]
    )
    assert code == 0
    assert probe(film).duration == pytest.approx(plan.duration_seconds, abs=0.1)
    assert loudness(film)["integrated"] > -30, "the narration is heard"
