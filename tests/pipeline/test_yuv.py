"""Colour conversion matches BT.709 limited range, the tag the encoder writes."""

from __future__ import annotations

import numpy as np
import pytest

from studio.pipeline.yuv import Planes, planes_to_rgb, rgb_to_planes, rgb_to_yuv_pixel


@pytest.mark.parametrize(
    ("rgb", "yuv"),
    [
        ((0, 0, 0), (16, 128, 128)),
        ((255, 255, 255), (235, 128, 128)),
        ((255, 0, 0), (63, 102, 240)),
        ((0, 255, 0), (173, 42, 26)),
        ((0, 0, 255), (32, 240, 118)),
    ],
)
def test_reference_colours(rgb: tuple[int, int, int], yuv: tuple[int, int, int]) -> None:
    assert rgb_to_yuv_pixel(rgb) == yuv


def test_round_trip_keeps_colours() -> None:
    rng = np.random.default_rng(1)
    blocks = rng.integers(0, 256, (9, 16, 3)).astype(np.uint8)
    rgb = np.kron(blocks, np.ones((8, 8, 1), np.uint8))  # flat 8x8 blocks: chroma survives 4:2:0
    back = planes_to_rgb(rgb_to_planes(rgb))
    centres = back[4::8, 4::8].astype(int)  # away from the block edges 4:2:0 blurs
    error = np.abs(centres - blocks.astype(int))
    assert error.mean() < 1.5
    assert error.max() <= 6


def test_solid_planes_have_half_size_chroma() -> None:
    planes = Planes.solid(64, 36, (255, 0, 0))
    assert planes.size == (64, 36)
    assert planes.u.shape == (18, 32)
    assert int(planes.y[0, 0]) == 63
    assert len(planes.tobytes()) == 64 * 36 * 3 // 2
