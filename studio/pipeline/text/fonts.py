"""The bundled fonts: which one draws a grapheme cluster, and cached shaping and measuring.

Every font is shaped with raqm, so Arabic joins, Indic clusters reorder, combining marks sit on
their base, and emoji ZWJ sequences, flags and keycaps form one ligature glyph.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import regex  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from studio.pipeline.text.style import Weight
from studio.resources import resource_path

U8 = npt.NDArray[np.uint8]

INTER = {"bold": "Inter-Bold.otf", "extrabold": "Inter-ExtraBold.otf", "black": "Inter-Black.otf"}
FALLBACKS = (
    "NotoSans-Bold.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Bold.ttf",
    "NotoSansDevanagari-Bold.ttf",
    "NotoSansThai-Bold.ttf",
    "DroidSansFallbackFull.ttf",
)
EMOJI = "NotoColorEmoji.ttf"
EMBOLDEN = {"DroidSansFallbackFull.ttf": 0.03}
"""Fonts only available in a regular weight, thickened by this share of the size to sit next to
the bold faces."""
EMOJI_SIZE = 109
"""The only size at which FreeType loads the colour bitmaps; emoji are scaled from it."""

_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}|[\U0001F3FB-\U0001F3FF]")
_CLUSTER = regex.compile(r"\X")
VS_TEXT, VS_EMOJI, ZWJ, KEYCAP = "\ufe0e", "\ufe0f", "\u200d", "\u20e3"


def chain(weight: Weight) -> tuple[str, ...]:
    """Text fonts in order of preference: Inter for Latin, then the script-specific fallbacks."""
    return (INTER[weight], *FALLBACKS)


def clusters(text: str) -> list[str]:
    """User-perceived characters (extended grapheme clusters): the unit that never splits."""
    found: list[str] = _CLUSTER.findall(text)
    return found


@functools.cache
def font_path(name: str) -> str:
    return str(resource_path("fonts", name))


@functools.cache
def cmap(name: str) -> frozenset[int]:
    """The code points a font maps to glyphs, read once."""
    with TTFont(font_path(name), lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=256)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(name), size, layout_engine=ImageFont.Layout.RAQM)


def _needs_glyph(char: str) -> bool:
    """Joiners, variation selectors and tags steer shaping; they never need a glyph of their own."""
    return unicodedata.category(char) != "Cf" and not (
        "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
    )


def covers(name: str, cluster: str) -> bool:
    table = cmap(name)
    return all(ord(c) in table for c in cluster if _needs_glyph(c))


def is_emoji(cluster: str) -> bool:
    """Whether a cluster is drawn as a colour emoji.

    Flags, keycaps, ZWJ sequences, explicit U+FE0F and emoji-presentation pictographs always are.
    Pictographs whose default presentation is text (©, ™, ⚠ without U+FE0F) stay text when a text
    font has them, as Unicode specifies; U+FE0E forces text.
    """
    if any("\U0001f1e6" <= c <= "\U0001f1ff" or c == KEYCAP for c in cluster):
        return True
    if not _PICTOGRAPHIC.search(cluster) or VS_TEXT in cluster:
        return False
    if VS_EMOJI in cluster or ZWJ in cluster or _EMOJI_PRESENTATION.search(cluster):
        return True
    return not any(covers(name, cluster) for name in chain("black"))


def font_for(cluster: str, weight: Weight) -> str:
    """The font file that draws ``cluster``: the emoji font, else the first text font covering it.

    A cluster no font covers goes to the last fallback, which has the widest coverage.
    """
    if is_emoji(cluster) and covers(EMOJI, cluster):
        return EMOJI
    names = chain(weight)
    return next((name for name in names if covers(name, cluster)), names[-1])


def fonts_for(clusters: Iterable[str], weight: Weight) -> list[str]:
    """Fonts for a cluster sequence; punctuation, digits and symbols stay in the previous text
    font when it has them, so an Arabic comma or a Hebrew number does not split a shaping run."""
    chosen: list[str] = []
    previous: str | None = None
    for cluster in clusters:
        name = font_for(cluster, weight)
        letterless = not any(unicodedata.category(c).startswith("L") for c in cluster)
        if name != EMOJI and letterless and previous is not None and covers(previous, cluster):
            name = previous
        chosen.append(name)
        if name != EMOJI and not cluster.isspace():
            previous = name
    return chosen


@dataclass(frozen=True)
class RunMetrics:
    """A shaped run's pen advance and ink box, relative to its pen origin on the baseline."""

    advance: float
    left: float
    top: float
    right: float
    bottom: float


def stroke(name: str, size: int) -> int:
    """Faux-bold stroke width for fonts in ``EMBOLDEN``."""
    share = EMBOLDEN.get(name, 0.0)
    return max(1, round(size * share)) if share else 0


def emoji_scale(size: int) -> float:
    return size / EMOJI_SIZE


@functools.lru_cache(maxsize=8192)
def measure(name: str, text: str, rtl: bool, size: int) -> RunMetrics:
    """Shaped metrics at ``size``; emoji are measured at their bitmap size and scaled."""
    direction = "rtl" if rtl else "ltr"
    scale = 1.0
    if name == EMOJI:
        scale, size = emoji_scale(size), EMOJI_SIZE
    face = font(name, size)
    box = face.getbbox(text, direction=direction, anchor="ls", stroke_width=stroke(name, size))
    left, top, right, bottom = box
    advance = face.getlength(text, direction=direction)
    return RunMetrics(advance * scale, left * scale, top * scale, right * scale, bottom * scale)


@functools.lru_cache(maxsize=1024)
def ink(name: str, text: str, rtl: bool, size: int) -> tuple[float, float]:
    """Left and right edge of a run's drawn pixels relative to its pen origin.

    ``getbbox`` starts at the pen origin whatever the side bearing, so the exact edges come from
    the rasterised glyphs; used to crop and centre lines on what the viewer sees.
    """
    if name == EMOJI:
        bitmap, dx, _ = emoji_bitmap(text, size)
        columns = np.flatnonzero(bitmap[..., 3].any(axis=0))
        return (dx + columns[0], dx + columns[-1] + 1) if len(columns) else (dx, dx)
    direction = "rtl" if rtl else "ltr"
    mask, (x, _) = font(name, size).getmask2(
        text, mode="L", direction=direction, anchor="ls", stroke_width=stroke(name, size)
    )
    box = mask.getbbox()
    return (x + box[0], x + box[2]) if box else (x, x)


@functools.lru_cache(maxsize=512)
def _emoji_bitmap(text: str) -> tuple[U8, int, int]:
    face = font(EMOJI, EMOJI_SIZE)
    left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor="ls"))
    image = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((-left, -top), text, font=face, embedded_color=True, anchor="ls")
    bitmap = np.asarray(image, dtype=np.uint8)
    bitmap.flags.writeable = False
    return bitmap, left, top


@functools.lru_cache(maxsize=512)
def emoji_bitmap(text: str, size: int) -> tuple[U8, float, float]:
    """Premultiplied RGBA emoji scaled for ``size``, and its offset from the pen origin.

    Pillow composites the colour bitmap onto the transparent canvas, which leaves premultiplied
    colour; scaling premultiplied pixels keeps the edges from darkening.
    """
    bitmap, left, top = _emoji_bitmap(text)
    scale = emoji_scale(size)
    width = max(1, round(bitmap.shape[1] * scale))
    height = max(1, round(bitmap.shape[0] * scale))
    resized = cv2.resize(bitmap, (width, height), interpolation=cv2.INTER_AREA)
    scaled: U8 = np.ascontiguousarray(resized, dtype=np.uint8)
    scaled.flags.writeable = False
    return scaled, left * scale, top * scale
