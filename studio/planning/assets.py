"""The creator's files as the planner sees them, and which shot each one fills.

Scanning (``studio plan --assets DIR``): only top-level files count, because a plan's
``asset_id`` X resolves to ``DIR/X.*``: the id is the file's stem. Files are taken in name order
(cameras number their photos), pictures with their displayed size (EXIF orientation applied),
clips with their duration, audio as music. Files that cannot be read are listed as problems
rather than failing the whole plan.

Placing (``place_assets``), each file once before anything repeats:
1. a file whose name shares words with a beat (plurals and possessives folded, camera prefixes
   such as IMG or DSC ignored) goes to that beat, best overlap first, earlier beat on a tie;
2. the rest follow in file order, spread evenly over the shots still free.
A clip whose name says it is the creator on camera (talking, interview, presenter, host,
speaker, selfie, vlog, facecam) becomes a ``talking_head`` source; other clips are
``user_video`` and pictures ``user_image``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from studio.pipeline.media import AUDIO_SUFFIXES
from studio.pipeline.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, MediaError, probe_video
from studio.planning.material import STOPWORDS

CAMERA_WORDS = frozenset(
    ("img", "dsc", "dscn", "dji", "gopr", "pxl", "mvi", "vid", "photo", "pic", "image", "clip")
)
"""Words of camera-made file names that say nothing about the picture."""
TALKING_WORDS = frozenset(
    ("talking", "talk", "interview", "presenter", "host", "speaker", "selfie", "vlog", "facecam")
)
_NAME_SPLIT = re.compile(r"[^A-Za-z\u00c0-\u024f]+|(?<=[a-z])(?=[A-Z])")
_TEXT_WORD = re.compile(r"[\w'\u2019-]+")


@dataclass(frozen=True)
class AssetInfo:
    """A creator's file as the planner sees it: its id (what the plan names) and what it is.

    ``name`` is the human name (the file's stem); ``seconds`` a clip's duration.
    """

    asset_id: str
    kind: Literal["image", "video", "audio"]
    name: str = ""
    width: int = 0
    height: int = 0
    seconds: float | None = None

    @property
    def portrait(self) -> bool:
        return self.height > self.width > 0

    @property
    def orientation(self) -> str:
        """portrait, landscape, square, or unknown when the size is not known."""
        if not self.width or not self.height:
            return "unknown"
        if self.width == self.height:
            return "square"
        return "portrait" if self.portrait else "landscape"

    @property
    def name_words(self) -> frozenset[str]:
        """The name's words, folded for matching (``Battle-Field_2`` -> battle, field)."""
        parts = (part.lower() for part in _NAME_SPLIT.split(self.name) if part)
        return frozenset(
            fold(part)
            for part in parts
            if len(part) > 2 and part not in STOPWORDS and part not in CAMERA_WORDS
        )

    @property
    def talking_head(self) -> bool:
        return self.kind == "video" and bool(self.name_words & TALKING_WORDS)


def fold(word: str) -> str:
    """A word without its possessive or plural ending, so nation, nations and nation's meet."""
    word = word.lower().replace("\u2019", "'").removesuffix("'s").removesuffix("'")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def text_words(text: str) -> frozenset[str]:
    """The folded words of a line, hyphenated words also by their parts."""
    found: set[str] = set()
    for token in _TEXT_WORD.findall(text):
        for part in (token, *token.split("-")):
            if len(part) > 2 and part.lower() not in STOPWORDS:
                found.add(fold(part))
    return frozenset(found)


def scan_assets(folder: Path) -> tuple[list[AssetInfo], list[str]]:
    """The usable files of ``folder`` in name order, and a line per file that was skipped."""
    found: list[AssetInfo] = []
    skipped: list[str] = []
    stems: set[str] = set()
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        suffix = path.suffix.lower()
        if not path.is_file() or path.name.startswith("."):
            continue
        if suffix not in IMAGE_SUFFIXES | VIDEO_SUFFIXES | AUDIO_SUFFIXES:
            continue
        if path.stem in stems:
            skipped.append(f"{path}: another file is already named {path.stem!r}")
            continue
        try:
            if suffix in IMAGE_SUFFIXES:
                with Image.open(path) as image:
                    width, height = ImageOps.exif_transpose(image).size
                found.append(AssetInfo(path.stem, "image", path.stem, width, height))
            elif suffix in VIDEO_SUFFIXES:
                info = probe_video(path)
                found.append(
                    AssetInfo(path.stem, "video", path.stem, info.width, info.height, info.duration)
                )
            else:
                found.append(AssetInfo(path.stem, "audio", path.stem))
        except (OSError, UnidentifiedImageError, MediaError, Image.DecompressionBombError) as error:
            skipped.append(f"{path}: not usable ({error})")
            continue
        stems.add(path.stem)
    return found, skipped


def best_beats(beat_texts: Sequence[str], pictures: Sequence[AssetInfo]) -> list[int | None]:
    """Per picture, the beat its name matches best (None when it matches none)."""
    words = [text_words(text) for text in beat_texts]
    chosen: list[int | None] = []
    for asset in pictures:
        scores = [len(asset.name_words & beat) for beat in words]
        top = max(scores, default=0)
        chosen.append(scores.index(top) if top else None)
    return chosen


def place_assets(
    beat_texts: Sequence[str], shot_beats: Sequence[int], pictures: Sequence[AssetInfo]
) -> list[AssetInfo | None]:
    """The picture for each shot (``shot_beats[i]`` is shot i's beat), each picture at most once."""
    placed: list[AssetInfo | None] = [None] * len(shot_beats)
    words = [text_words(text) for text in beat_texts]
    pairs = sorted(
        (-len(asset.name_words & beat), number, index)
        for number, asset in enumerate(pictures)
        for index, beat in enumerate(words)
        if asset.name_words & beat
    )
    unused = set(range(len(pictures)))
    for _, number, beat in pairs:
        if number not in unused:
            continue
        free = next((i for i, b in enumerate(shot_beats) if b == beat and placed[i] is None), None)
        if free is not None:
            placed[free] = pictures[number]
            unused.discard(number)
    rest = [pictures[number] for number in sorted(unused)]
    free_shots = [index for index, asset in enumerate(placed) if asset is None]
    if rest and free_shots:
        step = len(free_shots) / len(rest)
        for number, asset in enumerate(rest[: len(free_shots)]):
            placed[free_shots[int(number * step)]] = asset
    return placed
