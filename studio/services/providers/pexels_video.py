"""Choosing which rendition of which Pexels video to download for a frame.

Pexels offers each video in several sizes. Too small a file is upscaled soft; too large a file
costs download time and memory for pixels the frame throws away. So the choice is the smallest
MP4 whose short side covers the frame's short side, else the largest there is, preferring clips
of the frame's orientation (a landscape clip in a portrait frame loses most of its picture).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MP4 = "video/mp4"


@dataclass(frozen=True)
class VideoChoice:
    """One video from a search answer and the file of it to download."""

    video: dict[str, Any]
    link: str
    width: int
    height: int


def _shape(width: int, height: int) -> int:
    """-1 portrait, 0 square, 1 landscape."""
    return (width > height) - (height > width)


def _renditions(videos: list[Any]) -> list[tuple[int, VideoChoice]]:
    """Every usable MP4 file, with the rank of its video in the answer (Pexels' relevance)."""
    found: list[tuple[int, VideoChoice]] = []
    for rank, video in enumerate(videos):
        if not isinstance(video, dict):
            continue
        for file in video.get("video_files") or []:
            if not isinstance(file, dict) or file.get("file_type") != MP4:
                continue
            link, width, height = file.get("link"), file.get("width"), file.get("height")
            if not (isinstance(link, str) and isinstance(width, int) and isinstance(height, int)):
                continue
            if link and width > 0 and height > 0:
                found.append((rank, VideoChoice(video, link, width, height)))
    return found


def choose_video_file(videos: list[Any], width: int, height: int) -> VideoChoice | None:
    """The best file among ``videos`` (a Pexels ``videos[]``) for a ``width`` x ``height`` frame.

    In order of importance: the frame's orientation, a short side at least the frame's, the
    video's relevance, then the smallest file that is large enough (or the largest otherwise).
    """
    need = min(width, height)
    shape = _shape(width, height)

    def preference(item: tuple[int, VideoChoice]) -> tuple[bool, bool, int, int]:
        rank, choice = item
        area = choice.width * choice.height
        large_enough = min(choice.width, choice.height) >= need
        return (
            _shape(choice.width, choice.height) != shape,
            not large_enough,
            rank,
            area if large_enough else -area,
        )

    candidates = _renditions(videos)
    return min(candidates, key=preference)[1] if candidates else None
