"""Frames as I420 planes (BT.709, limited range), the form the encoder takes.

The compositor works on these planes directly: warping Y, U and V costs half of warping RGB, and
the encoder then needs no colour conversion at all (measured: the largest single win of the
render, see shared/design/RENDER-PERFORMANCE.md). Conversions here run once per source and sprite,
and once per preview frame, never per export frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import cv2
import numpy as np
from numpy.typing import NDArray

U8 = NDArray[np.uint8]


def u8(image: Any) -> U8:
    """OpenCV's result typed as the 8-bit image it is (its stubs say only "an array")."""
    return cast(U8, image)


# BT.709 luma coefficients; limited range puts Y in 16..235 and chroma in 16..240.
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_RGB_TO_YUV = np.array(
    [
        [_KR, _KG, _KB],
        [-_KR / (2 * (1 - _KB)), -_KG / (2 * (1 - _KB)), 0.5],
        [0.5, -_KG / (2 * (1 - _KR)), -_KB / (2 * (1 - _KR))],
    ],
    dtype=np.float32,
)
_SCALE = np.array([219.0, 224.0, 224.0], dtype=np.float32)
_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float32)
_YUV_TO_RGB = np.linalg.inv(_RGB_TO_YUV).astype(np.float32)

# The same conversions as 3x4 affine matrices on 8-bit values, for cv2.transform: one pass over
# the pixels with rounding and saturation, no float copies of the image.
_RGB8_TO_YUV8 = np.hstack([_RGB_TO_YUV * _SCALE[:, None] / 255.0, _OFFSET[:, None]])
_YUV8_TO_RGB8_LINEAR = _YUV_TO_RGB * 255.0 / _SCALE[None, :]
_YUV8_TO_RGB8 = np.hstack([_YUV8_TO_RGB8_LINEAR, -(_YUV8_TO_RGB8_LINEAR @ _OFFSET)[:, None]])


@dataclass
class Planes:
    """One I420 frame: Y at full size, U and V at half width and half height."""

    y: U8
    u: U8
    v: U8

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the luma plane."""
        return self.y.shape[1], self.y.shape[0]

    def copy(self) -> Planes:
        return Planes(self.y.copy(), self.u.copy(), self.v.copy())

    def tobytes(self) -> bytes:
        return self.y.tobytes() + self.u.tobytes() + self.v.tobytes()

    @classmethod
    def solid(cls, width: int, height: int, rgb: tuple[int, int, int] = (0, 0, 0)) -> Planes:
        y, u, v = rgb_to_yuv_pixel(rgb)
        return cls(
            np.full((height, width), y, np.uint8),
            np.full((height // 2, width // 2), u, np.uint8),
            np.full((height // 2, width // 2), v, np.uint8),
        )

    @classmethod
    def from_bytes(cls, data: bytes, width: int, height: int) -> Planes:
        flat = np.frombuffer(data, np.uint8)
        luma = width * height
        chroma = luma // 4
        return cls(
            flat[:luma].reshape(height, width).copy(),
            flat[luma : luma + chroma].reshape(height // 2, width // 2).copy(),
            flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2).copy(),
        )


def rgb_to_yuv_pixel(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """One colour's Y, U, V bytes."""
    value = _RGB_TO_YUV @ (np.asarray(rgb, np.float32) / 255.0) * _SCALE + _OFFSET
    y, u, v = (round(float(c)) for c in np.clip(value, 0, 255))
    return y, u, v


def rgb_to_yuv_full(rgb: U8) -> tuple[U8, U8, U8]:
    """RGB (H x W x 3) to full-resolution Y, U, V planes (chroma not yet subsampled)."""
    yuv = cv2.transform(np.ascontiguousarray(rgb), _RGB8_TO_YUV8)
    y, u, v = cv2.split(yuv)
    return u8(y), u8(u), u8(v)


def subsample(plane: U8) -> U8:
    """Halve a full-resolution chroma (or alpha) plane by averaging 2x2 blocks."""
    height, width = plane.shape[:2]
    return u8(cv2.resize(plane, (width // 2, height // 2), interpolation=cv2.INTER_AREA))


def rgb_to_planes(rgb: U8) -> Planes:
    """An RGB image with even sides as I420 planes."""
    height, width = rgb.shape[:2]
    if width % 2 or height % 2:
        rgb = rgb[: height - height % 2, : width - width % 2]
    y, u, v = rgb_to_yuv_full(rgb)
    return Planes(y, subsample(u), subsample(v))


def planes_to_rgb(planes: Planes) -> U8:
    """I420 planes back to RGB (H x W x 3), chroma upsampled bilinearly."""
    width, height = planes.size
    u = cv2.resize(planes.u, (width, height), interpolation=cv2.INTER_LINEAR)
    v = cv2.resize(planes.v, (width, height), interpolation=cv2.INTER_LINEAR)
    return u8(cv2.transform(cv2.merge([planes.y, u, v]), _YUV8_TO_RGB8))
