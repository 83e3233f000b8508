"""Sources: photos in every mode, EXIF orientation, faces kept in frame, clips that loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from studio.pipeline.assemble import assemble
from studio.pipeline.compositor import render_frame
from studio.pipeline.sources import (
    MediaError,
    VideoReader,
    find_focus,
    image_size,
    load_image,
    probe_video,
)
from studio.spec import ShortsPlan, parse_document
from tests.media import make_clip


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "CMYK", "P", "I;16", "LA"])
def test_every_image_mode_loads_as_rgb(tmp_path: Path, mode: str) -> None:
    source = Image.fromarray(data.coffee()).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        source = source.convert("I;16")
    suffix = ".jpg" if mode in ("CMYK", "L", "RGB") else ".png"
    if mode == "CMYK":
        suffix = ".tif"
    path = tmp_path / f"photo{suffix}"
    source.save(path)
    rgb = load_image(path)
    assert rgb.shape == (400, 600, 3)
    assert rgb.dtype == np.uint8
    assert rgb.mean() > 40


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    wide = Image.new("RGB", (300, 100), (255, 0, 0))
    wide.paste((0, 0, 255), (0, 0, 150, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when shown
    path = tmp_path / "phone.jpg"
    wide.save(path, exif=exif)
    rgb = load_image(path)
    assert rgb.shape == (300, 100, 3)
    assert rgb[10, 50, 2] > 200, "blue half is on top once upright"


def test_a_big_jpeg_decodes_only_as_large_as_asked(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.fromarray(data.astronaut()).resize((2048, 2048)).save(path, quality=92)
    full = load_image(path)
    small = load_image(path, 0.3)
    assert full.shape == (2048, 2048, 3)
    assert 0.3 * 2048 <= small.shape[0] < 2048, "a reduced decode, still large enough"
    shrunk = np.asarray(Image.fromarray(full).resize(small.shape[1::-1], Image.Resampling.BOX))
    assert np.abs(shrunk.astype(int) - small.astype(int)).mean() < 3, "the same picture"


def test_image_size_is_the_upright_size(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (300, 100)).save(tmp_path / "phone.jpg", exif=exif)
    assert image_size(tmp_path / "phone.jpg") == (100, 300)
    with pytest.raises(MediaError, match=r"nope\.jpg"):
        image_size(tmp_path / "nope.jpg")


def test_corrupt_and_missing_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.raises(MediaError, match=r"bad\.png: not a readable image"):
        load_image(bad)
    with pytest.raises(MediaError, match=r"nope\.jpg"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(MediaError, match=r"bad\.png: not a readable video"):
        probe_video(bad)


def _face_on_the_right(path: Path) -> Path:
    canvas = np.full((720, 1920, 3), (30, 40, 60), np.uint8)
    canvas[:, 1150:1870] = np.asarray(Image.fromarray(data.astronaut()).resize((720, 720)))
    Image.fromarray(canvas).save(path)
    return path


def test_focus_finds_the_face(tmp_path: Path) -> None:
    fx, fy = find_focus(load_image(_face_on_the_right(tmp_path / "wide.png")))
    assert 0.7 < fx < 0.85
    assert fy < 0.5


def test_a_wide_photo_reframed_to_9_16_keeps_the_face(tmp_path: Path) -> None:
    _face_on_the_right(tmp_path / "wide.png")
    plan = parse_document(
        {
            "short_id": "s",
            "variant_id": "v",
            "format": "9_16",
            "duration_seconds": 3,
            "hook": {"text": "Hi"},
            "visual_plan": {"source": {"type": "talking_head", "asset_id": "wide"}},
        }
    ).model
    assert isinstance(plan, ShortsPlan)
    frame = render_frame(assemble(plan, tmp_path).timeline, 2.9, (540, 960))
    fx, fy = find_focus(frame)
    assert 0.3 < fx < 0.7, "the face is near the middle of the vertical frame"
    assert fy < 0.5


def test_video_reader_streams_scaled_frames(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 320, 240, 1.0, fps=25)
    info = probe_video(clip)
    assert (info.width, info.height, info.fps) == (320, 240, 25.0)
    assert info.duration == pytest.approx(1.0, abs=0.1)
    reader = VideoReader(clip, 160, 120, 30)
    frames = [reader.frame(i) for i in range(32)]
    reader.close()
    assert all(f is not None for f in frames[:29])
    assert frames[31] is None
    first = frames[0]
    assert first is not None
    assert first.size == (160, 120)
    again = VideoReader(clip, 160, 120, 30)
    assert again.frame(10) is not None, "a jump restarts the stream at the new time"
    again.close()
