"""Text layers: overlays, the hook title and word-timed captions.

A caption has one sprite per state (no word active, or word k active), rendered lazily and kept,
so a frame only picks a sprite and blends it. All states share one layout (the text engine
guarantees that spans of different colours do not move words), so the highlight moves, the words
do not.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata

from studio.pipeline.layers.placement import Rect, column, place, safe_area, text_box
from studio.pipeline.layers.sprite import Sprite
from studio.pipeline.styles import Look, TextLook
from studio.pipeline.text import Span, TextStyle, render_text
from studio.pipeline.timeline import RGB, Palette, TextLayer, TextRole
from studio.pipeline.yuv import Planes

FADE_SECONDS = {TextRole.OVERLAY: 0.25, TextRole.HOOK: 0.15, TextRole.CAPTION: 0.0}
BOX_LOOKS = {"bold", "bold_caps", "highlight_box", "karaoke"}
"""Caption looks that put a coloured plate behind the active word; others recolour it."""


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKC", word).casefold().replace("\u2019", "'")
    return re.sub(r"[^\w']", "", text)


def _readable_on(colour: RGB) -> RGB:
    r, g, b = colour
    return (20, 20, 20) if 0.2126 * r + 0.7152 * g + 0.0722 * b > 160 else (255, 255, 255)


def text_style(look: TextLook, palette: Palette, width: int, height: int, upper: bool) -> TextStyle:
    """A look's text treatment at an output size (sizes scale with the frame)."""
    size = max(12, int(look.size * min(width, height)))
    return TextStyle(
        size_px=size,
        color=palette.primary,
        weight=look.weight,
        uppercase=upper,
        max_lines=look.max_lines,
        outline_px=round(look.outline * size),
        shadow_offset=(0, max(1, round(size * 0.05))),
        shadow_blur=max(1, round(size * 0.08)),
        shadow_opacity=look.shadow,
        glow_radius=max(1, round(size * 0.22)),
        glow_color=palette.accent,
        glow_strength=look.glow,
    )


class TextLayerRenderer:
    """One text layer, prepared for an output size."""

    def __init__(
        self,
        layer: TextLayer,
        look: Look,
        palette: Palette,
        caption_look: str,
        width: int,
        height: int,
    ) -> None:
        self.layer, self.palette = layer, palette
        self.area: Rect = safe_area(width, height)
        role_look = {
            TextRole.OVERLAY: look.overlay,
            TextRole.CAPTION: look.caption,
            TextRole.HOOK: look.hook,
        }[layer.role]
        self.style = text_style(role_look, palette, width, height, layer.uppercase)
        side = column(layer.position)
        if side in ("left", "right"):
            self.style = dataclasses.replace(
                self.style, align="left" if side == "left" else "right"
            )
        share = 0.45 if layer.role is TextRole.HOOK else 0.3
        self.box = text_box(self.area, layer.position, share)
        self.boxed = caption_look in BOX_LOOKS
        self.emphasis = {_fold(w) for phrase in layer.emphasis_words for w in phrase.split()}

    def _spans(self, active: int | None) -> list[Span]:
        words = [w.word for w in self.layer.words] or self.layer.text.split()
        spans: list[Span] = []
        for index, word in enumerate(words):
            colour: RGB | None = self.palette.highlight if _fold(word) in self.emphasis else None
            box: RGB | None = None
            if index == active:
                if self.boxed:
                    box, colour = self.palette.highlight, _readable_on(self.palette.highlight)
                else:
                    colour = self.palette.highlight
            spans.append(Span(("" if index == 0 else " ") + word, colour, box))
        if self.layer.emojis:
            spans.append(Span(" " + "".join(self.layer.emojis)))
        return spans

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one renderer per layer, dropped with it)
    def sprite(self, active: int | None) -> tuple[Sprite, int, int]:
        """The sprite for one highlight state, and where it goes."""
        rendered = render_text(self._spans(active), self.style, *self.box)
        sprite = Sprite(rendered.rgba)
        x, y = place((sprite.width, sprite.height), self.layer.position, self.area)
        return sprite, x, y

    def active_word(self, t: float) -> int | None:
        if self.layer.role is TextRole.OVERLAY:
            return None
        for index, word in enumerate(self.layer.words):
            if word.start <= t < word.end:
                return index
        return None

    def draw(self, frame: Planes, t: float) -> None:
        layer = self.layer
        fade = FADE_SECONDS[layer.role]
        opacity = 1.0
        if fade > 0:
            opacity = min(1.0, (t - layer.start) / fade, (layer.end - t) / fade)
        if opacity <= 0:
            return
        sprite, x, y = self.sprite(self.active_word(t))
        sprite.blend(frame, x, y, opacity)
