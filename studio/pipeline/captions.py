"""Word timings for captions: the voice's own timings when it has them, else an estimate.

The estimate spreads a line's time over its words in proportion to their length (a word of ten
letters takes longer to say than "a"), which keeps the highlighted word within a few frames of
natural speech for most scripts.
"""

from __future__ import annotations

from studio.pipeline.timeline import WordTiming

MAX_CAPTION_WORDS = 7
"""Longer lines are split into chunks a viewer can read at a glance."""


def estimate_word_timings(text: str, start: float, end: float) -> tuple[WordTiming, ...]:
    """Each word of ``text`` with a share of [start, end) proportional to its length."""
    words = text.split()
    if not words or end <= start:
        return ()
    weights = [len(word) + 2 for word in words]
    total = float(sum(weights))
    timings = []
    cursor = start
    for word, weight in zip(words, weights, strict=True):
        length = (end - start) * weight / total
        timings.append(WordTiming(word, cursor, cursor + length))
        cursor += length
    return tuple(timings)


def chunk_words(
    words: tuple[WordTiming, ...], max_words: int = MAX_CAPTION_WORDS
) -> list[tuple[WordTiming, ...]]:
    """Split a line's words into caption chunks, preferring to break after punctuation."""
    chunks: list[tuple[WordTiming, ...]] = []
    current: list[WordTiming] = []
    for word in words:
        current.append(word)
        ends_clause = word.word[-1:] in ",.;:!?…"
        if len(current) >= max_words or (ends_clause and len(current) >= max_words // 2):
            chunks.append(tuple(current))
            current = []
    if current:
        chunks.append(tuple(current))
    return chunks
