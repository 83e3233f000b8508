"""``studio shorts new|run|list|show``: batches of shorts kept in the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.services.library.models import Asset, ShortVariant
from tests.commands import STARTER_TRIPS, library, script_file, studio
from tests.media import probe
from tests.planning.test_shorts_video import time_coded_video

Capsys = pytest.CaptureFixture[str]


def test_new_from_an_idea_keeps_the_source_and_options(data: Path, capsys: Capsys) -> None:
    made = studio(
        capsys,
        "shorts", "new", "sleep better", "--from", "idea", "--formats", "9_16,1:1",
        "--hooks", "1,2", "--duration", "12", "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    batch = made.json()
    assert (batch["source_type"], batch["status"], batch["variants"]) == ("idea", "draft", [])
    assert batch["source"]["text"] == "sleep better"
    assert batch["source"]["formats"] == ["9_16", "1_1"]
    assert (batch["source"]["hooks"], batch["source"]["duration"]) == ([1, 2], 12.0)
    assert "sleeping better" in batch["title"]

    shown = studio(capsys, "shorts", "show", batch["id"][:6], "--json")
    assert shown.json() == batch
    listed = studio(capsys, "shorts", "list")
    assert listed.out.startswith(f"{batch['id']}  draft")


def test_new_from_a_script_file_stores_its_text(data: Path, tmp_path: Path, capsys: Capsys) -> None:
    script = script_file(tmp_path)
    made = studio(capsys, "shorts", "new", str(script), "--from", "script", "--title", "Keeper")
    assert made.code == 0, made.err
    batch = studio(capsys, "shorts", "show", made.out.strip(), "--json").json()
    assert batch["title"] == "Keeper"
    assert batch["source"]["text"] == script.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--from", "idea", "--formats", "3_2"], "--formats '3_2': unknown format"),
        (["x", "--from", "idea", "--hooks", "0"], "--hooks '0': hook numbers are ranks from 1"),
        (["x", "--from", "idea", "--duration", "2"], "--duration 2: a short lasts 5 to 180 s"),
        (["abc", "--from", "production"], "no production 'abc'"),
        (["missing.txt", "--from", "script"], "missing.txt: no such file"),
        (["notes.txt", "--from", "video"], "notes.txt: not a video file"),
    ],
)
def test_bad_sources_and_options_exit_2_and_create_nothing(
    data: Path, capsys: Capsys, args: list[str], message: str
) -> None:
    result = studio(capsys, "shorts", "new", *args)
    assert result.code == 2
    assert message in result.err
    assert studio(capsys, "shorts", "list", "--json").json() == []


def test_run_on_an_unknown_batch_exits_2(data: Path, capsys: Capsys) -> None:
    result = studio(capsys, "shorts", "run", "nope")
    assert result.code == 2
    assert "no shorts batch 'nope'" in result.err


@pytest.mark.slow
def test_run_wait_renders_the_variants_of_an_idea(data: Path, capsys: Capsys) -> None:
    made = studio(capsys, "shorts", "new", "sleep better", "--from", "idea", "--duration", "6")
    batch_id = made.out.strip()
    run = studio(capsys, "shorts", "run", batch_id, "--wait", "--preset", "draft", "--estimate")
    assert run.code == 0, run.err
    video = Path(run.last_line.split()[0])
    assert video.is_file()

    batch = studio(capsys, "shorts", "show", batch_id, "--json").json()
    assert batch["status"] == "done"
    [variant] = batch["variants"]
    assert (variant["variant_id"], variant["status"]) == ("h1-9_16", "rendered")
    assert variant["video"] == str(video)
    assert variant["hook"]
    clip = probe(video)
    assert clip.duration == pytest.approx(variant["duration_seconds"], abs=0.05)
    assert clip.height > clip.width
    assert studio(capsys, "trips", "--json").json()["balance"] == STARTER_TRIPS - 1


@pytest.mark.slow
def test_a_video_is_imported_with_its_subtitles_and_its_clip_is_stored(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    video = time_coded_video(tmp_path / "talk.mp4")
    (tmp_path / "talk.srt").write_text(
        "1\n00:00:00,500 --> 00:00:03,000\nMost people sleep the wrong way.\n\n"
        "2\n00:00:09,600 --> 00:00:11,500\nHere are three things that actually work.\n",
        encoding="utf-8",
    )
    made = studio(capsys, "shorts", "new", str(video), "--from", "video", "--duration", "8")
    assert made.code == 0, made.err
    assert "the subtitles talk.srt come with it" in made.err
    batch_id = made.out.strip()
    run = studio(capsys, "shorts", "run", batch_id, "--wait", "--preset", "draft")
    assert run.code == 0, run.err

    batch = studio(capsys, "shorts", "show", batch_id, "--json").json()
    [variant] = batch["variants"]
    assert variant["hook"] in {
        "Here are three things that actually work.",
        "Most people sleep the wrong way.",
    }
    assert Path(variant["video"]).is_file()
    with library(data) as opened, opened.session() as session:
        row = session.get(ShortVariant, variant["id"])
        assert row is not None
        clip_id = row.plan["visual_plan"]["source"]["asset_id"]
        clip = session.get(Asset, clip_id)
        assert clip is not None, "the cut clip is an asset of the library"
        assert clip_id != batch["source"]["asset_id"], "the clip, not the whole video"
        assert clip.kind == "video"
        assert opened.store.path_of(clip.path).is_file()
