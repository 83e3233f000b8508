"""``studio plan`` as a user runs it: a script file and a photo folder in, a valid plan out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as samples

from studio.cli import main
from studio.planning.coverage import narration_problems
from studio.spec import ProductionPlan, load_document
from tests.media import decode_frames, loudness, probe

DATA = Path(__file__).parent.parent / "data"
SHORT_SCRIPT = (
    "# The harbour\n\nThe harbour wakes before the city does. Boats slide out into the grey "
    "light.\n\n# The market\n\nBy noon the market is loud with coffee and gulls."
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The offline planner is under test: no LLM endpoint from the developer's environment."""
    for name in ("STUDIO_LLM_BASE_URL", "STUDIO_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def photos(folder: Path) -> Path:
    folder.mkdir()
    Image.fromarray(samples.coffee()).save(folder / "coffee.jpg")
    Image.fromarray(samples.chelsea()).save(folder / "boats.png")
    return folder


def load_plan(path: Path) -> ProductionPlan:
    plan = load_document(path).model
    assert isinstance(plan, ProductionPlan)
    return plan


def test_plan_writes_a_valid_plan_and_says_what_it_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    speech = DATA / "gettysburg_address.txt"
    args = ["--assets", str(photos(tmp_path / "p")), "--estimate", "--style", "film_noir"]
    size = ["--mode", "pro", "--size", "1280x720", "--fps", "25"]
    assert main(["plan", str(speech), *args, *size, "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 scene, " in said
    assert "2 of your files used" in said
    assert f"wrote {out}" in said
    plan = load_plan(out)
    assert (plan.style, plan.mode.value) == ("film_noir", "pro")
    assert (plan.resolution.width, plan.resolution.height, plan.resolution.fps) == (1280, 720, 25)
    assert narration_problems(plan, speech.read_text(encoding="utf-8")) == []
    assert {s.source.asset_id for s in plan.shots() if s.source.asset_id} == {"coffee", "boats"}
    assert main(["validate", str(out)]) == 0
    checked = capsys.readouterr().out
    assert f"{out}: valid" in checked
    assert "warning" not in checked


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt"], "missing.txt: no such file"),
        (["EMPTY"], "the script is empty"),
        (["HEADINGS"], "the script has no sentences to narrate"),
        (["BADPLAN"], "not a valid Production Plan"),
        (["SCRIPT", "--size", "1001x500"], "--size 1001x500: width and height must be even"),
        (["SCRIPT", "--size", "big"], "--size big: give the size as WxH"),
        (["SCRIPT", "--fps", "0"], "--fps 0: must be more than 0"),
        (["SCRIPT", "--assets", "nowhere"], "--assets nowhere: not a folder"),
        (["SCRIPT", "--max-runtime", "5"], "over max_runtime_seconds 5 s: shorten the script"),
        (["SCRIPT", "--duration", "4"], "over the target duration 4 s"),
        (["SCRIPT", "--duration", "-3"], "--duration -3: must be more than 0"),
        (["SCRIPT", "--mode", "fancy"], "--mode fancy: choose simple or pro"),
        (["SCRIPT", "-o", "no/such/folder/plan.json"], "the folder no/such/folder does not exist"),
    ],
)
def test_bad_input_exits_2_naming_it_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("EMPTY").write_text("  \n", encoding="utf-8")
    Path("HEADINGS").write_text("# One\n\n# Two\n", encoding="utf-8")
    Path("BADPLAN.json").write_text('{"production_id": "x"}', encoding="utf-8")
    Path("SCRIPT").write_text(SHORT_SCRIPT, encoding="utf-8")
    given = ["BADPLAN.json" if arg == "BADPLAN" else arg for arg in args]
    output = [] if "-o" in given else ["-o", "plan.json"]
    assert main(["plan", *given, "--estimate", *output]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not Path("plan.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unknown_style_is_planned_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    out = tmp_path / "plan.json"
    assert main(["plan", str(script), "--style", "vaporwave", "--estimate", "-o", str(out)]) == 0
    assert "'vaporwave' is not one of neo_glow" in capsys.readouterr().err
    assert load_plan(out).style == "vaporwave"


def test_a_plan_given_as_script_is_planned_again_keeping_its_settings(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    first = tmp_path / "first.json"
    options = ["--style", "warm_documentary", "--size", "640x360", "--estimate"]
    assert main(["plan", str(script), *options, "-o", str(first)]) == 0
    second = tmp_path / "second.json"
    assert main(["plan", str(first), "--mode", "pro", "--estimate", "-o", str(second)]) == 0
    before, after = load_plan(first), load_plan(second)
    assert (after.style, after.resolution) == (before.style, before.resolution)
    assert after.production_id == before.production_id
    assert after.mode.value == "pro"
    assert len(after.shots()) > len(before.shots())


def test_a_locked_plan_is_replanned_keeping_its_times(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text(SHORT_SCRIPT, encoding="utf-8")
    first = tmp_path / "first.json"
    assert main(["plan", str(script), "--estimate", "-o", str(first)]) == 0
    data = json.loads(first.read_text(encoding="utf-8"))
    data["constraints"]["lock_script_timing"] = True
    data["script"]["scenes"][0]["beats"][0]["end_time"] += 0.25
    first.write_text(json.dumps(data), encoding="utf-8")
    second = tmp_path / "second.json"
    assert (
        main(["plan", str(first), "--assets", str(photos(tmp_path / "p")), "-o", str(second)]) == 0
    )
    again = json.loads(second.read_text(encoding="utf-8"))
    assert again["script"] == data["script"]
    assert again["constraints"]["lock_script_timing"] is True
    assert main(["validate", str(second)]) == 0


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
    plan = load_plan(plan_path)
    assert {s.source.asset_id for s in plan.shots() if s.source.asset_id} == {"coffee", "boats"}
    film = tmp_path / "film.mp4"
    render = ["render", str(plan_path), "--assets", str(assets), "--preset", "draft"]
    assert main([*render, "-o", str(film)]) == 0
    info = probe(film)
    assert info.duration == pytest.approx(plan.duration_seconds, abs=0.1)
    assert info.audio is not None
    assert loudness(film)["integrated"] > -30, "the narration is heard"
    frames = decode_frames(film, info.width, info.height)
    boats = next(s for s in plan.shots() if s.source.asset_id == "boats")
    middle = round((boats.start_time + boats.end_time) / 2 * float(info.fps))
    luma = np.frombuffer(frames[middle][: info.width * info.height], np.uint8)
    assert luma.std() > 20, "the photo is on screen, not a blank card"
