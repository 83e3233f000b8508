"""The timeline's tracks as plain data, read straight from the plan's JSON.

Drawn from the plan rather than the assembled Timeline, so the tracks appear the moment a plan
exists (the preview's media may still be in the making) and follow every edit at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TRACKS = ("shots", "text", "voice", "music")


@dataclass(frozen=True)
class TrackItem:
    track: str
    item_id: str
    start: float
    end: float
    label: str


def clip_text(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def span_text(item: dict[str, Any]) -> str:
    """ "1.0-2.5 s": a beat's or shot's span as the plan tree and editors show it."""
    return f"{float(item['start_time']):.1f}-{float(item['end_time']):.1f} s"


def _shot_label(shot: dict[str, Any]) -> str:
    source = shot.get("source", {})
    kind = str(source.get("type", ""))
    what = (source.get("asset_id") and "your file") or source.get("generation_prompt") or kind
    movement = str(shot.get("camera", {}).get("movement", "static")).replace("_", " ")
    return f"{shot.get('shot_id', '')} · {movement} · {clip_text(str(what), 30)}"


def timeline_items(plan: dict[str, Any]) -> list[TrackItem]:
    """Shots, on-screen text, narration and music, each with its start and end in seconds."""
    items: list[TrackItem] = []
    beats = [
        beat
        for scene in plan.get("script", {}).get("scenes", [])
        for beat in scene.get("beats", [])
    ]
    for scene in plan.get("visual_plan", {}).get("scenes", []):
        for shot in scene.get("shots", []):
            items.append(
                TrackItem(
                    "shots",
                    str(shot["shot_id"]),
                    float(shot["start_time"]),
                    float(shot["end_time"]),
                    _shot_label(shot),
                )
            )
            for number, overlay in enumerate(shot.get("overlays", [])):
                if overlay.get("type", "text") == "text" and overlay.get("text"):
                    items.append(
                        TrackItem(
                            "text",
                            f"{shot['shot_id']}/overlay/{number}",
                            float(shot["start_time"]),
                            float(shot["end_time"]),
                            clip_text(str(overlay["text"])),
                        )
                    )
    for beat in beats:
        start, end = float(beat["start_time"]), float(beat["end_time"])
        beat_id = str(beat["beat_id"])
        if beat.get("on_screen_text"):
            items.append(TrackItem("text", beat_id, start, end, clip_text(beat["on_screen_text"])))
        if beat.get("voiceover_text"):
            items.append(TrackItem("voice", beat_id, start, end, clip_text(beat["voiceover_text"])))
    music = plan.get("audio_plan", {}).get("music", {})
    for track in music.get("tracks", []):
        label = "your music" if track.get("asset_id") else f"{music.get('mood', 'music')} (made)"
        items.append(
            TrackItem(
                "music",
                str(track["track_id"]),
                float(track["start_time"]),
                float(track["end_time"]),
                label,
            )
        )
    return items


def shot_at(plan: dict[str, Any], t: float) -> str | None:
    """The id of the shot covering ``t``, else of the last shot that starts before it."""
    shots = [item for item in timeline_items(plan) if item.track == "shots"]
    covering = [item for item in shots if item.start <= t < item.end]
    if covering:
        return covering[-1].item_id
    before = [item for item in shots if item.start <= t]
    return before[-1].item_id if before else None
