"""Shot layers: a source (photo, clip or placeholder card) seen through the moving camera.

Everything that does not change per frame happens in ``prepare``: decoding, finding the subject,
resampling to just the resolution the tightest zoom needs, grading and bloom. Per frame, a still
costs one sub-pixel warp of three planes (none at all when the camera is static); a clip costs a
read from its ffmpeg stream, three LUTs and the warp.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from studio.pipeline.camera import cover_width, inverse_matrix, max_zoom, window_at
from studio.pipeline.effects import Grade, bloom
from studio.pipeline.sources import (
    MediaError,
    VideoReader,
    find_focus,
    load_image,
    probe_video,
    read_video_frame,
)
from studio.pipeline.styles import Look
from studio.pipeline.text import TextStyle, render_text
from studio.pipeline.timeline import SourceKind, VideoLayer
from studio.pipeline.yuv import U8, Planes, rgb_to_planes, u8
from studio.spec.common import CameraMovement

WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
HEADROOM = 1.05
"""Keep a little more resolution than the tightest zoom strictly needs, for sharpness."""


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _warp(plane: U8, matrix: NDArray[np.float64], size: tuple[int, int]) -> U8:
    return u8(cv2.warpAffine(plane, matrix, size, flags=WARP_FLAGS, borderMode=cv2.BORDER_REFLECT))


def placeholder_card(label: str, look: Look, width: int, height: int) -> U8:
    """A card in the style's colours that says what is missing: visible, never mistaken for art.

    The label sits near the top, clear of the captions and titles drawn over the middle and bottom.
    """
    top, bottom = (np.array(c, np.float32) for c in look.background)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    card = np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3))
    rgb = np.ascontiguousarray(card.round().astype(np.uint8))
    size = max(12, int(min(width, height) * 0.045))
    style = TextStyle(
        size_px=size,
        color=(235, 235, 245),
        weight="bold",
        max_lines=4,
        shadow_offset=(0, max(1, size // 12)),
        shadow_blur=max(1, size // 8),
        shadow_opacity=0.6,
    )
    sprite = render_text(label, style, int(width * 0.8), int(height * 0.2)).rgba
    h, w = sprite.shape[:2]
    x, y = (width - w) // 2, int(height * 0.12)
    alpha = sprite[..., 3:4].astype(np.float32) / 255.0
    region = rgb[y : y + h, x : x + w].astype(np.float32)
    rgb[y : y + h, x : x + w] = (region * (1 - alpha) + sprite[..., :3] * alpha).round()
    return rgb


class VisualLayer:
    """One shot, prepared for an output size."""

    def __init__(self, layer: VideoLayer, look: Look, width: int, height: int, fps: float) -> None:
        self.layer, self.width, self.height, self.fps = layer, width, height, fps
        self.grade = Grade(look)
        self.reader: VideoReader | None = None
        self.still: Planes | None = None
        self.clip_frames = 0
        self._static_frame: Planes | None = None
        source = layer.source
        zoom = max_zoom(layer.movement, layer.framing) * HEADROOM
        try:
            if source.kind is SourceKind.VIDEO and source.path is not None:
                info = probe_video(source.path)
                self.focus = find_focus(read_video_frame(source.path, min(0.5, info.duration / 2)))
                scale = self._scale(info.width, info.height, zoom)
                self.src_size = (_even(info.width * scale), _even(info.height * scale))
                self.reader = VideoReader(source.path, *self.src_size, fps)
                self.clip_frames = max(1, int(info.duration * fps))
            else:
                if source.kind is SourceKind.IMAGE and source.path is not None:
                    rgb = load_image(source.path)
                    self.focus = find_focus(rgb)
                else:
                    rgb = placeholder_card(source.label, look, width, height)
                    self.focus = (0.5, 0.5)
                scale = self._scale(rgb.shape[1], rgb.shape[0], zoom)
                if scale < 1.0:
                    size = (_even(rgb.shape[1] * scale), _even(rgb.shape[0] * scale))
                    rgb = u8(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
                self.still = self.grade.apply(rgb_to_planes(bloom(rgb, look.bloom)))
                self.src_size = self.still.size
        except MediaError as error:
            raise MediaError(f"shot {layer.layer_id!r}: {error}") from None

    def _scale(self, src_w: int, src_h: int, zoom: float) -> float:
        """Resample factor so the tightest window still has one source pixel per output pixel."""
        return min(1.0, self.width * zoom / cover_width(src_w, src_h, self.width, self.height))

    def _source_at(self, t: float) -> Planes:
        if self.still is not None:
            return self.still
        assert self.reader is not None
        visible_from = self.layer.start - self.layer.transition_seconds / 2
        index = max(0, round((t - visible_from) * self.fps))
        if index >= self.clip_frames:
            index %= self.clip_frames
        planes = self.reader.frame(index) or self.reader.frame(0)
        if planes is None:
            raise MediaError(f"shot {self.layer.layer_id!r}: {self.layer.source.path}: no frames")
        return self.grade.apply(planes)

    def planes_at(self, t: float) -> Planes:
        """The shot's frame at timeline time ``t``, at the output size."""
        static = self.layer.movement is CameraMovement.STATIC and self.still is not None
        if static and self._static_frame is not None:
            return self._static_frame
        span = max(1e-6, self.layer.end - self.layer.start)
        progress = (t - self.layer.start) / span
        window = window_at(
            self.layer.movement,
            self.layer.framing,
            progress,
            t - self.layer.start,
            self.focus,
            self.src_size,
            (self.width, self.height),
        )
        source = self._source_at(t)
        full = inverse_matrix(window, self.width, self.height)
        half = inverse_matrix(window, self.width // 2, self.height // 2, scale=0.5)
        frame = Planes(
            _warp(source.y, full, (self.width, self.height)),
            _warp(source.u, half, (self.width // 2, self.height // 2)),
            _warp(source.v, half, (self.width // 2, self.height // 2)),
        )
        if static:
            self._static_frame = frame
        return frame

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
