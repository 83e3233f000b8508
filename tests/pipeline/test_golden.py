"""Golden frames: small renders of every camera move, transition, position, caption state and look.

Each is compared with a stored PNG within a tolerance; `pytest --regen-golden` rewrites them
after an intended change (look at the new PNGs before committing them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.pipeline.assemble import assemble
from studio.pipeline.compositor import render_frame
from studio.pipeline.styles import LOOKS
from studio.spec import CameraMovement, Position, TransitionType, parse_document
from tests.media import pattern_image
from tests.pipeline.plans import production, shot

GOLDEN = Path(__file__).parent / "golden"
SIZE = (160, 90)


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden-assets")
    pattern_image(folder / "a.png", 480, 270, seed=11)
    pattern_image(folder / "b.png", 480, 270, seed=12)
    return folder


def _frame(data: dict[str, Any], assets: Path, t: float, size: tuple[int, int] = SIZE) -> Any:
    plan = parse_document(data).model
    return render_frame(assemble(plan, assets).timeline, t, size)  # type: ignore[arg-type]


def _check(name: str, rgb: Any, regen: bool) -> None:
    path = GOLDEN / f"{name}.png"
    if regen:
        GOLDEN.mkdir(exist_ok=True)
        Image.fromarray(rgb).save(path)
        return
    assert path.exists(), f"no golden frame {path.name}: run pytest --regen-golden"
    expected = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert expected.shape == rgb.shape
    difference = np.abs(expected - rgb.astype(int))
    assert difference.mean() <= 1.0, f"{name}: mean difference {difference.mean():.2f}"
    assert (difference > 16).mean() <= 0.01, f"{name}: {(difference > 16).mean():.3%} pixels off"


@pytest.mark.parametrize("movement", list(CameraMovement))
def test_camera_moves(movement: CameraMovement, assets: Path, regen_golden: bool) -> None:
    data = production([shot("s", 0, 1, "a", movement)], 1.0, *SIZE)
    _check(f"camera-{movement.value}", _frame(data, assets, 0.75), regen_golden)


@pytest.mark.parametrize("kind", list(TransitionType))
def test_transitions(kind: TransitionType, assets: Path, regen_golden: bool) -> None:
    data = production(
        [shot("s1", 0, 1, "a"), shot("s2", 1, 2, "b", transition=kind, transition_seconds=0.6)],
        2.0,
        *SIZE,
    )
    _check(f"transition-{kind.value}", _frame(data, assets, 1.1), regen_golden)


@pytest.mark.parametrize("position", list(Position))
def test_overlay_positions(position: Position, assets: Path, regen_golden: bool) -> None:
    data = production([shot("s", 0, 1, "a", overlays=[("Studio", position)])], 1.0, 320, 180)
    _check(f"overlay-{position.value}", _frame(data, assets, 0.5, (320, 180)), regen_golden)


@pytest.mark.parametrize(("state", "t"), [("word-1", 0.3), ("word-3", 1.5), ("emoji-end", 2.9)])
def test_caption_states(state: str, t: float, assets: Path, regen_golden: bool) -> None:
    short = {
        "short_id": "s",
        "variant_id": "v",
        "format": "9_16",
        "duration_seconds": 6,
        "hook": {"text": "Stop scrolling now", "emphasis_words": ["scrolling"]},
        "script": {
            "lines": [
                {
                    "start_time": 0,
                    "end_time": 3,
                    "text": "Post once, remix it forever",
                    "emojis": ["🔥"],
                }
            ]
        },
        "visual_plan": {
            "source": {"type": "user_image", "asset_id": "a"},
            "captions_style": {"primary_color": "#FFFFFF", "highlight_color": "#FF2EF5"},
        },
    }
    _check(f"caption-{state}", _frame(short, assets, t, (180, 320)), regen_golden)


@pytest.mark.parametrize("look", sorted(LOOKS))
def test_looks(look: str, assets: Path, regen_golden: bool) -> None:
    data = production(
        [shot("s", 0, 1, "a", overlays=[("Look", Position.CENTER)])], 1.0, 320, 180, style=look
    )
    _check(f"look-{look}", _frame(data, assets, 0.5, (320, 180)), regen_golden)
