"""Text into positioned, shaped runs: font fallback, bidi order, wrapping and fitting.

Only the span *texts* reach this module, never their colours, so every highlight state of a
caption gets the same line breaks and glyph positions.

Bidi is a run-level approximation of UAX #9: the paragraph direction comes from the first strong
character; raqm shapes each run in its own direction (so digits inside Hebrew stay left to right);
on a line, words are ordered by their strong direction, with consecutive right-to-left words
reversed as a group in a left-to-right paragraph, and left-to-right words kept in reading order
inside a right-to-left one. Nested embeddings and mirrored brackets are not handled.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex  # type: ignore[import-untyped]

from studio.pipeline.text import fonts
from studio.pipeline.text.style import Weight

_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
_NO_BREAK_BEFORE = set("ー々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NON_BREAKING_SPACES = {"\u00a0", "\u2007", "\u202f"}
_OPENING = ("Ps", "Pi")
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class Cluster:
    text: str
    span: int
    font: str
    rtl: bool | None
    """True for right-to-left letters, False for left-to-right ones, None for neutrals."""
    cjk: bool


@dataclass(frozen=True)
class Run:
    """Clusters of one font inside a word, shaped together so ligatures and joining work."""

    font: str
    text: str
    rtl: bool
    spans: tuple[tuple[int, int], ...]
    """(offset into ``text``, span index) wherever the owning span changes, starting at 0."""


@dataclass(frozen=True)
class Token:
    """An unbreakable piece of a line: a word, or one CJK character with its punctuation."""

    clusters: tuple[Cluster, ...]
    space_before: bool
    newline: bool

    @property
    def rtl(self) -> bool | None:
        return next((c.rtl for c in self.clusters if c.rtl is not None), None)


def _direction(cluster: str) -> bool | None:
    for char in cluster:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return None


def _can_break(before: Cluster, after: Cluster) -> bool:
    """Between CJK characters (which use no spaces), except before closing punctuation and small
    kana, or after opening punctuation."""
    if not (before.cjk or after.cjk) or after.text[0] in _NO_BREAK_BEFORE:
        return False
    after_kind = unicodedata.category(after.text[0])
    closing = after_kind.startswith("P") and after_kind not in _OPENING
    return not closing and unicodedata.category(before.text[0]) not in _OPENING


@functools.lru_cache(maxsize=256)
def analyse(
    texts: tuple[str, ...], weight: Weight, uppercase: bool
) -> tuple[tuple[Token, ...], bool]:
    """Split span texts into tokens, and find whether the paragraph reads right to left."""
    owners: list[int] = []
    pieces: list[str] = []
    for index, text in enumerate(texts):
        piece = text.upper() if uppercase else text
        pieces.append(piece)
        owners.extend([index] * len(piece))
    parts = fonts.clusters("".join(pieces))
    tokens: list[Token] = []
    current: list[Cluster] = []
    space = newline = False

    def flush() -> None:
        nonlocal space, newline
        if current:
            tokens.append(Token(tuple(current), space, newline))
            current.clear()
            space = newline = False

    offset = 0
    for text, name in zip(parts, fonts.fonts_for(parts, weight), strict=True):
        span, offset = owners[offset], offset + len(text)
        if text.isspace() and text not in _NON_BREAKING_SPACES:
            flush()
            space, newline = True, newline or "\n" in text or "\r" in text
            continue
        cluster = Cluster(text, span, name, _direction(text), bool(_CJK.match(text)))
        if current and _can_break(current[-1], cluster):
            flush()
        current.append(cluster)
    flush()
    rtl = next((t.rtl for t in tokens if t.rtl is not None), None)
    return tuple(tokens), bool(rtl)


@functools.lru_cache(maxsize=1024)
def runs(token: Token) -> tuple[Run, ...]:
    """Consecutive clusters in one font, in logical order."""
    found: list[Run] = []
    group: list[Cluster] = []
    for cluster in (*token.clusters, None):
        if group and (cluster is None or cluster.font != group[0].font):
            text, offset = "", 0
            spans: list[tuple[int, int]] = []
            for member in group:
                if not spans or spans[-1][1] != member.span:
                    spans.append((offset, member.span))
                text, offset = text + member.text, offset + len(member.text)
            rtl = any(member.rtl for member in group)
            found.append(Run(group[0].font, text, rtl, tuple(spans)))
            group = []
        if cluster is not None:
            group.append(cluster)
    return tuple(found)


@dataclass(frozen=True)
class Box:
    """Pen advance and ink extent relative to the pen origin on the baseline."""

    advance: float
    left: float
    top: float
    right: float
    bottom: float


@functools.lru_cache(maxsize=4096)
def token_box(token: Token, reverse: bool, size: int) -> tuple[Box, tuple[tuple[Run, float], ...]]:
    """A token's extent and its runs in visual order with their pen offsets."""
    ordered = runs(token)[::-1] if reverse else runs(token)
    pen, placed = 0.0, []
    left = top = float("inf")
    right = bottom = float("-inf")
    for run in ordered:
        m = fonts.measure(run.font, run.text, run.rtl, size)
        placed.append((run, pen))
        left, right = min(left, pen + m.left), max(right, pen + m.right)
        top, bottom = min(top, m.top), max(bottom, m.bottom)
        pen += m.advance
    return Box(pen, left, top, right, bottom), tuple(placed)


def split(token: Token, fits: Callable[[Token], bool]) -> list[Token]:
    """Break a word too wide for any line between clusters: the last resort at the minimum size."""
    groups: list[list[Cluster]] = [[]]
    for cluster in token.clusters:
        if groups[-1] and not fits(Token((*groups[-1], cluster), False, False)):
            groups.append([])
        groups[-1].append(cluster)
    return [
        Token(tuple(group), token.space_before and i == 0, token.newline and i == 0)
        for i, group in enumerate(groups)
    ]


@dataclass(frozen=True)
class Line:
    """Tokens in visual order: (token, runs reversed, pen x), and the line's shaped extent."""

    placed: tuple[tuple[Token, bool, float], ...]
    box: Box

    @property
    def width(self) -> float:
        return self.box.right - self.box.left


def _levels(tokens: Sequence[Token], rtl: bool) -> list[bool]:
    """Each token's direction; neutrals (numbers, emoji) take their neighbours' when they agree."""
    strong = [token.rtl for token in tokens]
    levels = []
    for i, own in enumerate(strong):
        level = own
        if level is None:
            before = next((s for s in reversed(strong[:i]) if s is not None), None)
            after = next((s for s in strong[i + 1 :] if s is not None), None)
            level = before if before is not None and before == after else rtl
        levels.append(level)
    return levels


def visual_order(levels: Sequence[bool], rtl: bool) -> list[int]:
    """Reverse a right-to-left line, then reverse back every stretch against the paragraph."""
    order = list(range(len(levels)))[:: -1 if rtl else 1]
    out: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and levels[order[j]] != rtl:
            j += 1
        if j > i:
            out.extend(reversed(order[i:j]))
            i = j
        else:
            out.append(order[i])
            i += 1
    return out


def arrange(tokens: Sequence[Token], rtl: bool, size: int, space: float) -> Line:
    """Place one line's tokens left to right from pen x = 0."""
    levels = _levels(tokens, rtl)
    pen, previous = 0.0, -1
    placed: list[tuple[Token, bool, float]] = []
    left = top = float("inf")
    right = bottom = float("-inf")
    for index in visual_order(levels, rtl):
        token = tokens[index]
        if previous >= 0 and tokens[max(index, previous)].space_before:
            pen += space
        box, _ = token_box(token, levels[index], size)
        placed.append((token, levels[index], pen))
        left, right = min(left, pen + box.left), max(right, pen + box.right)
        top, bottom = min(top, box.top), max(bottom, box.bottom)
        pen += box.advance
        previous = index
    return Line(tuple(placed), Box(pen, left, top, right, bottom))


def wrap(
    tokens: Sequence[Token], rtl: bool, size: int, space: float, avail: float, emergency: bool
) -> list[list[Token]] | None:
    """Greedy line breaking. A word wider than ``avail`` fails the size (so fitting shrinks), or
    with ``emergency`` is split between clusters.

    A left-to-right line is measured as it grows; a line with right-to-left words is arranged
    again for every candidate, since reordering can change which word ends it.
    """
    simple = not rtl and all(token.rtl is not True for token in tokens)

    def width(line: Sequence[Token]) -> float:
        return arrange(line, rtl, size, space).width

    lines: list[list[Token]] = []
    current: list[Token] = []
    pen, left, right = 0.0, 0.0, 0.0
    for token in tokens:
        pieces = [token]
        if width(pieces) > avail:
            if not emergency:
                return None
            pieces = split(token, lambda piece: width([piece]) <= avail)
        for piece in pieces:
            box = token_box(piece, False, size)[0]
            start = pen + (space if piece.space_before else 0.0)
            if simple:
                too_wide = max(right, start + box.right) - left > avail
            else:
                too_wide = width([*current, piece]) > avail
            if current and (piece.newline or too_wide):
                lines.append(current)
                current = []
            if not current:
                start, left, right = 0.0, box.left, box.right
            current.append(piece)
            pen, right = start + box.advance, max(right, start + box.right)
    if current:
        lines.append(current)
    return lines


def ellipsize(
    line: Sequence[Token], weight: Weight, fits: Callable[[list[Token]], bool]
) -> list[Token]:
    """End a truncated last line with an ellipsis, dropping words (or, for one word, clusters)."""
    kept = list(line)
    while kept:
        last = kept[-1].clusters[-1]
        mark = Cluster(ELLIPSIS, last.span, fonts.font_for(ELLIPSIS, weight), None, False)
        candidate = [*kept, Token((mark,), False, False)]
        if fits(candidate):
            return candidate
        if len(kept) > 1 or len(kept[0].clusters) == 1:
            kept.pop()
        else:
            kept[0] = Token(kept[0].clusters[:-1], kept[0].space_before, kept[0].newline)
    mark = Cluster(
        ELLIPSIS, line[0].clusters[0].span, fonts.font_for(ELLIPSIS, weight), None, False
    )
    return [Token((mark,), False, False)]
