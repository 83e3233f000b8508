"""Shot layers: a source (photo, clip or placeholder card) seen through the moving camera.

Everything that does not change per frame happens once, when the layer is made: decoding,
finding the subject, resampling to just the resolution the tightest zoom needs, grading and bloom.
Per frame, a still costs one sub-pixel warp of the luma and one of the chroma pair, or nothing
while the camera has not moved visibly since the last warp (a static shot, the eased start and end
of a move, the held frames under a transition); a clip costs a read from its ffmpeg stream, three
LUTs and the warps.
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
    image_size,
    load_image,
    probe_video,
    read_video_frame,
)
from studio.pipeline.styles import Look
from studio.pipeline.text import TextStyle, render_text
from studio.pipeline.timeline import SourceKind, VideoLayer
from studio.pipeline.yuv import U8, Planes, rgb_to_planes, u8

WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
HEADROOM = 1.05
"""Keep a little more resolution than the tightest zoom strictly needs, for sharpness."""
STILL_TOLERANCE = 0.125
"""Output pixels a still's last warp may be off before it is warped again: far below what the eye
or the encoder can tell apart; it skips about a tenth of the warps of a 5-second eased push-in."""


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _warp(plane: U8, matrix: NDArray[np.float64], size: tuple[int, int]) -> U8:
    return u8(cv2.warpAffine(plane, matrix, size, flags=WARP_FLAGS, borderMode=cv2.BORDER_REFLECT))


def _pair(u: U8, v: U8) -> U8:
    """U and V as one four-channel image [U, V, U, V], for ``_warp_chroma``."""
    return u8(cv2.merge([u, v, u, v]))


def _warp_chroma(pair: U8, matrix: NDArray[np.float64], size: tuple[int, int]) -> tuple[U8, U8]:
    """U and V warped in one pass, with the same pixels as two: OpenCV's four-channel warp and two
    channel extractions take about 85% of the time of two single-plane warps (its two-channel
    warp is slower than both)."""
    both = _warp(pair, matrix, size)
    return u8(cv2.extractChannel(both, 0)), u8(cv2.extractChannel(both, 1))


def _drift(drawn: NDArray[np.float64], wanted: NDArray[np.float64], size: tuple[int, int]) -> float:
    """How far (output pixels) a frame warped with ``drawn`` is from one warped with ``wanted``.

    Both are inverse maps (output to source); the distance is largest at a corner, as the maps
    are affine.
    """
    width, height = size
    corners = np.array(
        [[0.0, 0.0, 1.0], [width, 0.0, 1.0], [0.0, height, 1.0], [width, height, 1.0]]
    )
    shown = corners @ drawn.T
    back = np.linalg.solve(wanted[:, :2], (shown - wanted[:, 2]).T).T
    return float(np.abs(back - corners[:, :2]).max())


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
        self.still: tuple[U8, U8] | None = None
        """A photo's luma and its chroma as a [U, V, U, V] pair, graded and ready to warp."""
        self.clip_frames = 0
        self._drawn: tuple[NDArray[np.float64], Planes] | None = None
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
                    needed = self._scale(*image_size(source.path), zoom)
                    rgb = load_image(source.path, needed)
                    self.focus = find_focus(rgb)
                else:
                    rgb = placeholder_card(source.label, look, width, height)
                    self.focus = (0.5, 0.5)
                scale = self._scale(rgb.shape[1], rgb.shape[0], zoom)
                if scale < 1.0:
                    size = (_even(rgb.shape[1] * scale), _even(rgb.shape[0] * scale))
                    rgb = u8(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
                planes = self.grade.apply(rgb_to_planes(bloom(rgb, look.bloom)))
                self.still = (planes.y, _pair(planes.u, planes.v))
                self.src_size = planes.size
        except MediaError as error:
            raise MediaError(f"shot {layer.layer_id!r}: {error}") from None

    def _scale(self, src_w: int, src_h: int, zoom: float) -> float:
        """Resample factor so the tightest window still has one source pixel per output pixel."""
        return min(1.0, self.width * zoom / cover_width(src_w, src_h, self.width, self.height))

    def _clip_frame(self, t: float) -> Planes:
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
        """The shot's frame at timeline time ``t``, at the output size.

        The result may be returned again by a later call: callers copy before drawing on it.
        """
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
        full = inverse_matrix(window, self.width, self.height)
        if self.still is not None and self._drawn is not None:
            drawn, frame = self._drawn
            if _drift(drawn, full, (self.width, self.height)) < STILL_TOLERANCE:
                return frame
        if self.still is not None:
            luma, pair = self.still
        else:
            clip = self._clip_frame(t)
            luma, pair = clip.y, _pair(clip.u, clip.v)
        half = inverse_matrix(window, self.width // 2, self.height // 2, scale=0.5)
        u, v = _warp_chroma(pair, half, (self.width // 2, self.height // 2))
        frame = Planes(_warp(luma, full, (self.width, self.height)), u, v)
        if self.still is not None:
            self._drawn = (full, frame)
        return frame

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
