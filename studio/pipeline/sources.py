"""Reading shot sources: still images in any mode and video clips, plus where their subject is.

Errors name the file, so a render that fails on a corrupt photo says which one.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from studio.pipeline.yuv import U8, Planes

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"}

Image.MAX_IMAGE_PIXELS = 200_000_000
"""Large enough for any camera photo; a decompression bomb still fails with a clear error."""


class MediaError(Exception):
    """A source file cannot be used; the message names it."""


_READ_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


def _unreadable(path: Path, error: Exception) -> MediaError:
    if isinstance(error, Image.DecompressionBombError):
        return MediaError(f"{path}: the image is too large to use")
    return MediaError(f"{path}: not a readable image ({error})")


def image_size(path: Path) -> tuple[int, int]:
    """Width and height as shown (EXIF orientation applied), from the header alone."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _READ_ERRORS as error:
        raise _unreadable(path, error) from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def load_image(path: Path, fraction: float = 1.0) -> U8:
    """Any still image as RGB (H x W x 3): EXIF orientation applied, alpha flattened on black.

    ``fraction`` of the full size is all the caller needs: a JPEG then decodes straight to 1/2,
    1/4 or 1/8 of its size where that is still enough (Pillow's draft mode), about three times
    faster than decoding a 24-megapixel photo in full and shrinking it.
    """
    try:
        with Image.open(path) as image:
            if fraction < 0.5:
                image.draft(
                    None, (math.ceil(image.width * fraction), math.ceil(image.height * fraction))
                )
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            upright: Image.Image = image
    except _READ_ERRORS as error:
        raise _unreadable(path, error) from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if has_alpha:
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    return np.asarray(upright, dtype=np.uint8)


_FACE_DETECTION = threading.Lock()
"""One detection at a time: a CascadeClassifier keeps per-image state while it detects, and it
runs without the GIL, so the preview's shot-preparing thread and a render on a job thread could
otherwise use the shared classifier at once."""


@functools.cache
def _face_detector() -> cv2.CascadeClassifier:
    cascades = Path(cv2.__file__).parent / "data"  # cv2.data, which its stubs do not declare
    return cv2.CascadeClassifier(str(cascades / "haarcascade_frontalface_default.xml"))


def find_focus(rgb: U8) -> tuple[float, float]:
    """The point to keep in frame, as fractions of width and height.

    The largest face when there is one (cover-fit crops, such as a 16:9 photo reframed to 9:16,
    and push-ins centre on it); otherwise the centre of the picture's detail, weighted towards
    the middle, so a subject on a plain background is not cropped away.
    """
    height, width = rgb.shape[:2]
    scale = min(1.0, 640.0 / max(width, height))
    small = cv2.resize(
        rgb, (max(1, int(width * scale)), max(1, int(height * scale))), interpolation=cv2.INTER_AREA
    )
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    equalized = cv2.equalizeHist(gray)
    with _FACE_DETECTION:
        faces = _face_detector().detectMultiScale(
            equalized, scaleFactor=1.1, minNeighbors=5, minSize=(32, 32)
        )
    if len(faces):
        x, y, w, h = max(faces, key=lambda f: int(f[2]) * int(f[3]))
        return (x + w / 2) / small.shape[1], (y + h / 2) / small.shape[0]
    detail = cv2.GaussianBlur(cv2.Laplacian(gray, cv2.CV_32F, ksize=3) ** 2, (0, 0), 8)
    ys, xs = np.mgrid[0 : gray.shape[0], 0 : gray.shape[1]].astype(np.float32)
    centre_bias = np.exp(
        -(((xs / gray.shape[1] - 0.5) ** 2) + ((ys / gray.shape[0] - 0.5) ** 2)) * 2
    )
    weight = detail * centre_bias
    total = float(weight.sum())
    if total <= 1e-6:
        return 0.5, 0.5
    return (
        float((weight * xs).sum()) / total / gray.shape[1],
        float((weight * ys).sum()) / total / gray.shape[0],
    )


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float
    has_audio: bool = False


def probe_video(path: Path) -> VideoInfo:
    """Size (as displayed, rotation applied), frame rate and duration of a clip."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    text = result.stderr
    stream = re.search(r"Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})", text)
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    if not stream or not duration:
        raise MediaError(f"{path}: not a readable video")
    fps_match = re.search(r"([\d.]+) fps", text)
    width, height = int(stream.group(1)), int(stream.group(2))
    rotation = re.search(r"rotation of (-?[\d.]+) degrees", text)
    if rotation and round(abs(float(rotation.group(1)))) % 180 == 90:
        width, height = height, width
    hours, minutes, seconds = duration.groups()
    return VideoInfo(
        width,
        height,
        float(fps_match.group(1)) if fps_match else 30.0,
        int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        re.search(r"Stream #\d+:\d+.*?: Audio: ", text) is not None,
    )


def read_video_frame(path: Path, at: float) -> U8:
    """One RGB frame of a clip at ``at`` seconds (for focus detection and posters)."""
    info = probe_video(path)
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", f"{max(0.0, at):.3f}",
        "-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    size = info.width * info.height * 3
    if result.returncode != 0 or len(result.stdout) < size:
        raise MediaError(f"{path}: cannot decode a frame at {at:.2f} s")
    return np.frombuffer(result.stdout[:size], np.uint8).reshape(info.height, info.width, 3)


class VideoReader:
    """Sequential I420 frames of a clip, resampled to a frame rate and scaled to a size.

    Export asks for frames in order, so one ffmpeg process streams them; a jump (preview
    scrubbing) restarts the stream at the new position.
    """

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path, self.width, self.height, self.fps = path, width, height, fps
        self._process: subprocess.Popen[bytes] | None = None
        self._next_index = -1
        self._last: Planes | None = None

    def _start(self, index: int) -> None:
        self.close()
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", f"{index / self.fps:.4f}",
            "-i", str(self.path), "-an", "-vf",
            f"fps={self.fps},scale={self.width}:{self.height}:flags=bicubic,format=yuv420p",
            "-f", "rawvideo", "pipe:1",
        ]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._next_index = index

    def frame(self, index: int) -> Planes | None:
        """Frame ``index`` at the reader's rate, or None past the clip's end."""
        if self._last is not None and index == self._next_index - 1:
            return self._last
        if self._process is None or index != self._next_index:
            self._start(index)
        if self._process is None or self._process.stdout is None:
            raise MediaError(f"{self.path}: the decoder did not start")
        size = self.width * self.height * 3 // 2
        data = self._process.stdout.read(size)
        if len(data) < size:
            self._next_index = -1
            return None
        self._next_index = index + 1
        self._last = Planes.from_bytes(data, self.width, self.height)
        return self._last

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
