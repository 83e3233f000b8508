"""Brand kits in the library, the active one applied to every render, and the live preview."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from studio.services.brand import (
    BrandKitInvalid,
    active_brand_kit,
    import_logo,
    list_brand_kits,
    logo_file,
    preview_frame,
    save_brand_kit,
    validate_brand_kit,
    write_brand_kit,
)
from studio.services.jobs.context import JobContext
from studio.services.jobs.render_process import RenderFailed, render_command, run_render_process
from studio.services.library.db import Library
from studio.services.settings import load_settings, update_settings
from studio.spec import BrandKit, DocumentKind, load_document
from tests.jobs import Recorder, open_library, render_plan
from tests.media import FFMPEG

GREEN = (0, 255, 0)
RGB_OUT = ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    opened = open_library(tmp_path / "data")
    yield opened
    opened.close()


def green_logo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "logo.png"
    Image.new("RGB", (200, 200), GREEN).save(path)
    return path


def first_frame(video: Path) -> NDArray[np.uint8]:
    width, height = 640, 360  # the draft preset halves the plan's 1280x720
    raw = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(video), "-frames:v", "1", *RGB_OUT],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def test_a_kit_is_validated_saved_and_made_active(library: Library, tmp_path: Path) -> None:
    with pytest.raises(BrandKitInvalid) as refused:
        validate_brand_kit({"primary_color": "teal", "secondary_color": "#FF2EF5"})
    assert refused.value.problems[0].startswith("primary_color:")

    kit = validate_brand_kit({"primary_color": "#112233", "caption_style": {"font_style": "clean"}})
    kit_id = save_brand_kit(library, "Night brand", kit)
    assert list_brand_kits(library) == [(kit_id, "Night brand")]
    assert load_settings(library.data_dir).brand_kit_id == kit_id
    active = active_brand_kit(library)
    assert active is not None
    assert (active.name, active.kit.primary_color) == ("Night brand", "#112233")

    changed = kit.model_copy(update={"secondary_color": "#00FF00"})
    assert save_brand_kit(library, "Night brand 2", changed, kit_id) == kit_id
    assert list_brand_kits(library) == [(kit_id, "Night brand 2")], "updated, not added"

    written = write_brand_kit(changed, tmp_path / "kit.json")
    document = load_document(written, DocumentKind.BRAND_KIT)
    assert document.model == changed, "the file is a brand kit `studio render` accepts"


def test_a_logo_file_becomes_a_library_asset(library: Library, tmp_path: Path) -> None:
    logo = green_logo(tmp_path / "in")
    asset_id = import_logo(library, logo)
    stored = logo_file(library, asset_id)
    assert stored is not None
    assert stored.read_bytes() == logo.read_bytes()
    not_an_image = tmp_path / "in" / "notes.png"
    not_an_image.write_text("hello", encoding="utf-8")
    with pytest.raises(BrandKitInvalid, match=r"logo: notes\.png is not an image"):
        import_logo(library, not_an_image)


def test_the_preview_changes_with_the_highlight_colour() -> None:
    red = preview_frame(BrandKit(secondary_color="#FF0000"))
    blue = preview_frame(BrandKit(secondary_color="#0000FF"))
    assert red.shape == (480, 270, 3)
    changed = np.any(red != blue, axis=2)
    assert changed.mean() > 0.002, "the highlighted word's box changed colour"
    assert red[changed][:, 0].mean() > blue[changed][:, 0].mean() + 100


def test_a_render_uses_the_active_kit_logo_and_the_chosen_encoder(
    library: Library, tmp_path: Path
) -> None:
    plan, assets = render_plan(tmp_path / "in", seconds=0.5)
    logo_id = import_logo(library, green_logo(tmp_path / "logo"))
    out = tmp_path / "out" / "plain.mp4"
    out.parent.mkdir()
    context = JobContext("r1", "cinema.render", library, Recorder())  # type: ignore[arg-type]
    run_render_process(plan, out, assets, "draft", context)
    plain = first_frame(out)

    save_brand_kit(library, "Green", BrandKit(logo_asset_id=logo_id))
    update_settings(library.data_dir, encoder="libx264")
    branded_out = tmp_path / "out" / "branded.mp4"
    recorder = Recorder()
    context = JobContext("r2", "cinema.render", library, recorder)  # type: ignore[arg-type]
    done = run_render_process(plan, branded_out, assets, "draft", context)
    branded = first_frame(branded_out)
    assert done["encoder"] == "libx264"
    assert "brand kit: Green" in recorder.logs
    corner = (slice(0, 90), slice(500, 640), 1)
    assert branded[corner].mean() > plain[corner].mean() + 40, "the green logo is in the corner"
    assert sorted(path.name for path in out.parent.iterdir()) == ["branded.mp4", "plain.mp4"]

    update_settings(library.data_dir, encoder="h264_nope")
    context = JobContext("r3", "cinema.render", library, Recorder())  # type: ignore[arg-type]
    with pytest.raises(RenderFailed, match="h264_nope"):
        run_render_process(plan, tmp_path / "out" / "never.mp4", assets, "draft", context)


def test_the_command_names_the_kit_and_encoder_only_when_given(tmp_path: Path) -> None:
    plain = render_command(tmp_path / "p.json", tmp_path / "o.mp4", None, "final")
    assert "--brand-kit" not in plain
    assert "--encoder" not in plain
    named = render_command(
        tmp_path / "p.json",
        tmp_path / "o.mp4",
        None,
        "final",
        brand_kit=tmp_path / "kit.json",
        encoder="libx264",
    )
    assert named[named.index("--brand-kit") + 1] == str(tmp_path / "kit.json")
    assert named[named.index("--encoder") + 1] == "libx264"
