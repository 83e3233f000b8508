"""Import: classification by content, dedupe, thumbnails, and hostile files refused one by one."""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import wave
import zipfile
import zlib
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from skimage import data

from studio.commands import assets
from studio.pipeline import archive as archive_module
from studio.pipeline.ingest import ImportResult, import_paths

REPO = Path(__file__).resolve().parents[2]


def _photo(path: Path) -> None:
    """The astronaut (512 x 512) cropped to 512 x 300, tagged to display rotated (300 x 512)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 10:00:00"
    pixels = np.asarray(data.astronaut(), np.uint8)  # type: ignore[no-untyped-call]
    Image.fromarray(pixels[:300]).save(path, "JPEG", exif=exif)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    _photo(folder / "photo.jpg")
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 0], rgba[10:30, 10:50, 3] = 200, 255
    Image.fromarray(rgba).save(folder / "alpha.png")
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
         "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(folder / "clip.mp4")],
        check=True,
    )  # fmt: skip
    with wave.open(str(folder / "tone.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(np.zeros(4000, np.int16).tobytes())
    (folder / "script.txt").write_text("INT. STUDIO - DAY\nShe smiles.\n", encoding="utf-8")
    shutil.copy(REPO / "resources" / "fonts" / "Inter-Bold.otf", folder / "Inter-Bold.otf")
    (folder / ".hidden.txt").write_text("skip me", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def imported(media: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImportResult]:
    library = tmp_path_factory.mktemp("library")
    return {Path(r.path).name: r for r in import_paths([media], library)}


def _library_files(library: Path) -> list[Path]:
    return sorted(p for p in library.rglob("*") if p.is_file())


def test_folder_import_classifies_by_content(imported: dict[str, ImportResult]) -> None:
    assert ".hidden.txt" not in imported
    kinds = {name: (r.status, r.kind) for name, r in imported.items()}
    assert kinds == {
        "photo.jpg": ("imported", "image"),
        "alpha.png": ("imported", "image"),
        "clip.mp4": ("imported", "video"),
        "tone.wav": ("imported", "audio"),
        "script.txt": ("imported", "script"),
        "Inter-Bold.otf": ("imported", "font"),
    }
    photo = imported["photo.jpg"].metadata
    assert (photo["width"], photo["height"]) == (300, 512)
    assert photo["exif_date"] == "2024:05:01 10:00:00"
    clip = imported["clip.mp4"].metadata
    assert clip["width"] == 320
    assert clip["fps"] == 25.0
    assert clip["has_audio"] is True
    assert abs(float(clip["duration"]) - 1.0) < 0.1
    assert abs(float(imported["tone.wav"].metadata["duration"]) - 0.5) < 0.05


def test_store_layout_thumbnails_and_duplicates(media: Path, tmp_path: Path) -> None:
    library = tmp_path / "lib"
    first = import_paths([media / "photo.jpg", media / "clip.mp4"], library)
    copy = tmp_path / "again.jpeg"
    shutil.copy(media / "photo.jpg", copy)
    second = import_paths([copy], library)
    assert second[0].status == "duplicate"
    assert second[0].asset_id == first[0].asset_id
    sha = first[0].asset_id or ""
    assert (library / "assets" / sha[:2] / f"{sha}.jpg").is_file()
    assert len(list((library / "assets").rglob(f"{sha}*"))) == 1
    with Image.open(library / "thumbs" / f"{sha}.jpg") as thumb:
        assert thumb.size == (187, 320)  # upright: EXIF orientation applied
    video = first[1].asset_id or ""
    assert (library / "assets" / video[:2] / f"{video}.mp4").is_file()
    assert (library / "thumbs" / f"{video}.jpg").is_file()
    assert not [p for p in _library_files(library) if p.name.startswith(".")]


def test_hostile_zip_members_refused_individually(media: Path, tmp_path: Path) -> None:
    archive = tmp_path / "upload.zip"
    good = (media / "photo.jpg").read_bytes()
    with zipfile.ZipFile(tmp_path / "inner.zip", "w") as inner:
        inner.writestr("a.txt", "hello")
    nested = (tmp_path / "inner.zip").read_bytes()
    (tmp_path / "inner.zip").unlink()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pics/good.jpg", good)
        zf.writestr("../evil.jpg", good)
        zf.writestr("/abs.jpg", good)
        zf.writestr("C:/drive.jpg", good)
        link = zipfile.ZipInfo("link.jpg")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("inner.zip", nested)
    library = tmp_path / "deep" / "lib"
    results = {r.path.split("!", 1)[1]: r for r in import_paths([archive], library)}
    assert results["pics/good.jpg"].status == "imported"
    assert results["../evil.jpg"].reason == "refused: path escapes the archive"
    assert results["/abs.jpg"].reason == "refused: path escapes the archive"
    assert results["C:/drive.jpg"].reason == "refused: path escapes the archive"
    assert results["link.jpg"].reason == "refused: symbolic link"
    assert results["inner.zip"].status == "rejected"
    assert "nested" in results["inner.zip"].reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "upload.zip"]
    assert not (tmp_path / "deep" / "evil.jpg").exists()
    assert len(_library_files(library)) == 2  # the good image and its thumbnail


def test_zip_bomb_refused_before_extracting(media: Path, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", bytes(50 * 1024 * 1024))
        zf.write(media / "script.txt", "script.txt")
    library = tmp_path / "lib"
    results = import_paths([archive], library)
    assert [r.status for r in results] == ["imported", "rejected"]
    assert "zip bomb" in results[1].reason
    assert sum(p.stat().st_size for p in _library_files(library)) < 1024


def _huge_png(path: Path) -> None:
    """A real 1 x 1 PNG whose header is patched to claim 30000 x 30000 pixels."""
    Image.new("RGB", (1, 1)).save(path)
    raw = bytearray(path.read_bytes())
    raw[16:24] = struct.pack(">II", 30000, 30000)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    path.write_bytes(bytes(raw))


def test_bad_files_rejected_with_reasons(media: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    _huge_png(folder / "huge.png")
    (folder / "photo.jpg").write_text("not a photo at all\n", encoding="utf-8")
    (folder / "cut.jpg").write_bytes((media / "photo.jpg").read_bytes()[:3000])
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    library = tmp_path / "lib"
    results = {Path(r.path).name: r for r in import_paths([folder], library)}
    assert results["huge.png"].reason == "image too large (900 megapixels)"
    assert results["photo.jpg"].reason == "content is not an image (looks like text)"
    assert results["cut.jpg"].reason == "truncated or corrupt"
    assert results["blob.bin"].kind == "unsupported"
    assert all(r.status == "rejected" for r in results.values())
    assert _library_files(library) == []


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    assets.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def test_cli_json_and_exit_codes(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_text("hello", encoding="utf-8")
    library = str(tmp_path / "lib")
    assert _cli("assets", "import", str(media / "script.txt"), str(bad), "--library", library,
                "--json") == 0  # fmt: skip
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["status"], line["kind"]) for line in lines] == [
        ("imported", "script"),
        ("rejected", None),
    ]
    assert set(lines[0]) == {"path", "status", "kind", "asset_id", "reason"}
    assert _cli("assets", "import", str(media / "script.txt"), "--library", library) == 0
    out = capsys.readouterr().out
    assert "script.txt: duplicate script " in out
    assert "0 imported, 1 duplicate" in out
    assert _cli("assets", "import", str(tmp_path / "nope"), "--library", library) == 2
    assert "nope: no such file or folder" in capsys.readouterr().out


def test_truncated_video_rejected(media: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((media / "clip.mp4").read_bytes()[:4000])
    [result] = import_paths([cut], tmp_path / "lib")
    assert (result.status, result.reason) == ("rejected", "truncated or corrupt")
    assert _library_files(tmp_path / "lib") == []


def test_archive_limits_refuse_the_whole_archive(
    media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for index in range(3):
            zf.writestr(f"{index}.txt", f"line {index}\n")
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 2)
    [result] = import_paths([archive], tmp_path / "lib")
    assert result.reason == "refused: too many members (3 > 2)"
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 10)
    monkeypatch.setattr(archive_module, "MAX_TOTAL_BYTES", 10)
    [result] = import_paths([archive], tmp_path / "lib")
    assert result.status == "rejected"
    assert result.reason.startswith("refused: would expand")
    assert _library_files(tmp_path / "lib") == []
