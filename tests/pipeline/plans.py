"""Small plans for render tests, built in code so each test says what it varies."""

from __future__ import annotations

from typing import Any

from studio.spec import CameraMovement, Position, TransitionType


def production(
    shots: list[dict[str, Any]],
    duration: float,
    width: int = 320,
    height: int = 180,
    fps: float = 30,
    style: str = "clean_minimal",
    beats: list[dict[str, Any]] | None = None,
    voice_lines: list[dict[str, Any]] | None = None,
    music: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "production_id": "test",
        "style": style,
        "duration_seconds": duration,
        "resolution": {"width": width, "height": height, "fps": fps},
        "script": {"scenes": [{"scene_id": "s", "beats": beats or []}]},
        "visual_plan": {"global_style": style, "scenes": [{"scene_id": "s", "shots": shots}]},
        "audio_plan": {
            "voice": {"lines": voice_lines or []},
            "music": {"tracks": music or []},
        },
    }


def shot(
    shot_id: str,
    start: float,
    end: float,
    asset: str | None,
    movement: CameraMovement = CameraMovement.STATIC,
    transition: TransitionType | None = None,
    transition_seconds: float = 0.5,
    overlays: list[tuple[str, Position]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "shot_id": shot_id,
        "start_time": start,
        "end_time": end,
        "source": {"type": "user_image", "asset_id": asset}
        if asset
        else {"type": "generated", "generation_prompt": f"scene {shot_id}"},
        "camera": {"movement": movement.value, "framing": "wide_shot"},
        "overlays": [
            {"type": "text", "text": text, "position": position.value}
            for text, position in overlays or []
        ],
    }
    if transition is not None:
        data["transition"] = {"type": transition.value, "duration": transition_seconds}
    return data
