"""Reading a script's structure: sections under headings, paragraphs, sentences and clauses.

Rules (documented because the planner's scenes follow them):
- a heading is a Markdown heading (``# Title``), a screenplay slug line (``INT.``/``EXT.``), or a
  paragraph of one short line (at most 10 words) with no sentence-ending punctuation that is
  followed by more text; headings name scenes and are never narrated;
- paragraphs are separated by blank lines; the lines of a paragraph are joined with spaces;
- sentences come from pysbd's rule-based segmenter, so "Mr. Smith paid $3.50." stays one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pysbd

_HEADING_MD = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SLUG = re.compile(r"^\s*(INT|EXT|INT\./EXT|I/E)[.\s]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\u2026:;\"'\u201d\u2019)\]]\s*$")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|(?<=\w)\s+(?=[\u2014\u2013]\s)|(?<=\w\u2014)(?=\w)")
_WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)
_VOWELS = re.compile(r"[aeiouyàâäéèêëîïôöûüœæ]+", re.IGNORECASE)
HEADING_MAX_WORDS = 10


@dataclass
class Section:
    """A run of paragraphs under one heading (the title is empty before the first heading)."""

    title: str = ""
    paragraphs: list[list[str]] = field(default_factory=list)

    def sentences(self) -> list[str]:
        return [sentence for paragraph in self.paragraphs for sentence in paragraph]


def _heading_text(paragraph: list[str], is_last: bool) -> str | None:
    """The heading a paragraph is, or None when it is prose to be spoken."""
    if len(paragraph) != 1:
        first = _HEADING_MD.match(paragraph[0]) if paragraph else None
        return first.group(1) if first else None
    line = paragraph[0].strip()
    markdown = _HEADING_MD.match(line)
    if markdown:
        return markdown.group(1)
    if _SLUG.match(line):
        return line
    words = line.split()
    if not is_last and 0 < len(words) <= HEADING_MAX_WORDS and not _SENTENCE_END.search(line):
        return line.strip("*_ ")
    return None


@lru_cache(maxsize=4)
def _segmenter(language: str) -> pysbd.Segmenter:
    try:
        return pysbd.Segmenter(language=language, clean=False)
    except ValueError:
        return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str, language: str = "en") -> list[str]:
    """The sentences of one paragraph, whitespace-normalised."""
    flat = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if not flat:
        return []
    pieces = [piece.strip() for piece in _segmenter(language[:2].lower()).segment(flat)]
    return [piece for piece in pieces if _WORD.search(piece)]


def read_script(raw: str, language: str = "en") -> list[Section]:
    """The script's sections; empty sections (a heading with no prose) are dropped."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            if _HEADING_MD.match(line) and current:
                blocks.append(current)
                current = []
            current.append(line.rstrip())
            if _HEADING_MD.match(line):
                blocks.append(current)
                current = []
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    sections = [Section()]
    for index, block in enumerate(blocks):
        title = _heading_text(block, index == len(blocks) - 1)
        if title is not None:
            sections.append(Section(title=title))
            continue
        sentences = split_sentences("\n".join(block), language)
        if sentences:
            sections[-1].paragraphs.append(sentences)
    return [section for section in sections if section.paragraphs]


def clauses(sentence: str) -> list[str]:
    """A sentence cut at commas, semicolons, colons and dashes, for lines too long for a beat."""
    parts = [part.strip() for part in _CLAUSE_BREAK.split(sentence)]
    return [part for part in parts if part]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def syllables(text: str) -> int:
    """Vowel groups per word (at least one): a cheap, language-tolerant syllable count."""
    return sum(max(1, len(_VOWELS.findall(word))) for word in words(text))
