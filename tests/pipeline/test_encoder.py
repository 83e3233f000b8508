"""Encoder choice and frame rates: what `--encoder` and odd fps values do on this machine."""

from __future__ import annotations

import pytest

from studio.pipeline.encoder import (
    HARDWARE_ENCODERS,
    EncodeError,
    choose_encoder,
    encoder_works,
    rate,
)


def test_auto_falls_back_to_libx264_without_hardware() -> None:
    working = [name for name in HARDWARE_ENCODERS if encoder_works(name)]
    assert choose_encoder("auto") == (working[0] if working else "libx264")
    assert choose_encoder("libx264") == "libx264"


def test_an_encoder_without_its_hardware_is_refused_with_the_alternatives() -> None:
    missing = [name for name in HARDWARE_ENCODERS if not encoder_works(name)]
    if not missing:
        pytest.skip("every hardware encoder works here")
    with pytest.raises(EncodeError, match=rf"encoder '{missing[0]}' does not work.*libx264"):
        choose_encoder(missing[0])


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (30, "30/1"),
        (29.97, "30000/1001"),
        (23.976, "24000/1001"),
        (59.94, "60000/1001"),
        (60, "60/1"),
        (12.5, "25/2"),
    ],
)
def test_frame_rates_are_exact_fractions(fps: float, expected: str) -> None:
    assert rate(fps) == expected
