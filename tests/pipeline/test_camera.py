"""Every camera movement moves the window the way its name says, eased, inside the source."""

from __future__ import annotations

import pytest

from studio.pipeline.camera import ease, window_at
from studio.spec import CameraMovement, Framing

SRC = (1600.0, 900.0)
OUT = (320, 180)
CENTRE = (0.5, 0.5)


def _window(movement: CameraMovement, p: float, framing: Framing = Framing.WIDE_SHOT):
    return window_at(movement, framing, p, p * 5, CENTRE, SRC, OUT)


def test_ease_starts_and_ends_gently() -> None:
    assert ease(0) == 0
    assert ease(1) == 1
    assert ease(0.5) == pytest.approx(0.5)
    assert ease(0.05) < 0.05
    assert ease(0.95) > 0.95


@pytest.mark.parametrize(
    ("movement", "narrower_at_end"),
    [
        (CameraMovement.SLOW_PUSH_IN, True),
        (CameraMovement.PUSH_IN, True),
        (CameraMovement.KEN_BURNS, True),
        (CameraMovement.PULL_OUT, False),
    ],
)
def test_zoom_moves(movement: CameraMovement, narrower_at_end: bool) -> None:
    start, end = _window(movement, 0).width, _window(movement, 1).width
    assert (end < start) is narrower_at_end
    assert start != end


@pytest.mark.parametrize(
    ("movement", "axis", "sign"),
    [
        (CameraMovement.PAN_LEFT, "cx", -1),
        (CameraMovement.PAN_RIGHT, "cx", 1),
        (CameraMovement.TILT_UP, "cy", -1),
        (CameraMovement.TILT_DOWN, "cy", 1),
    ],
)
def test_pans_and_tilts_travel_the_right_way(
    movement: CameraMovement, axis: str, sign: int
) -> None:
    start, end = getattr(_window(movement, 0), axis), getattr(_window(movement, 1), axis)
    assert (end - start) * sign > 10


def test_static_does_not_move_and_handheld_drifts_a_little() -> None:
    assert _window(CameraMovement.STATIC, 0) == _window(CameraMovement.STATIC, 1)
    a, b = _window(CameraMovement.HANDHELD, 0.1), _window(CameraMovement.HANDHELD, 0.6)
    assert a != b
    assert abs(a.cx - b.cx) < SRC[0] * 0.03
    assert abs(a.angle) < 1


@pytest.mark.parametrize("movement", list(CameraMovement))
@pytest.mark.parametrize("framing", list(Framing))
def test_windows_stay_inside_the_source(movement: CameraMovement, framing: Framing) -> None:
    for p in (0.0, 0.3, 0.7, 1.0):
        w = window_at(movement, framing, p, p * 4, (0.95, 0.05), SRC, OUT)
        h = w.width * OUT[1] / OUT[0]
        assert w.cx - w.width / 2 >= -1e-6
        assert w.cx + w.width / 2 <= SRC[0] + 1e-6
        assert w.cy - h / 2 >= -1e-6
        assert w.cy + h / 2 <= SRC[1] + 1e-6


def test_framing_tightens_the_start() -> None:
    widths = [_window(CameraMovement.STATIC, 0, f).width for f in Framing]
    assert widths == sorted(widths, reverse=True)
