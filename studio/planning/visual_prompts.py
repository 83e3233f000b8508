"""Words the planner writes for the picture side: on-screen key phrases, generation prompts, music.

On-screen text is a key phrase of the beat, not its first words: the candidates are each clause
(when it has 2-6 words) and every run of at most 6 words inside a clause that starts and ends on
a content word; the phrase with the most content words wins, a whole clause or a clause opening
breaking ties before an earlier position does. The full line is still captioned by the renderer.

A generation prompt names what is said while the shot is on screen (the content words of its
share of the beat), how close the camera is, the beat's feeling and the style's look. The look
words avoid the words that make the offline painter draw scenery (city, sun, space, water...):
the script chooses what is in the picture, the style only how it looks.

Music mood follows the feeling that holds most of the film's time (``MOOD_FOR``, all values in
``KNOWN_MOODS``); when no feeling holds a quarter of it, the style's own mood plays
(``STYLE_MOODS``).
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.planning.material import STOPWORDS, content_words
from studio.planning.text import clauses, split_sentences
from studio.spec.common import Framing

KEY_PHRASE_WORDS = 6
STYLE_LOOKS = {
    "neo_glow": "glowing cyan and magenta light, electric haze, high contrast, cinematic",
    "clean_minimal": "clean minimal composition, soft even light, calm negative room, muted tones",
    "film_noir": "black and white, hard shadows, venetian blind light, high contrast grain",
    "warm_documentary": "warm documentary photograph, soft amber light, natural textures",
    "bold_pop": "bold pop-art colours, graphic shapes, high saturation, playful",
}
"""How each known style looks, in words; an unknown style is described as neo_glow."""
FEELING_WORDS = {
    "neutral": "even light",
    "mysterious": "veiled, half-lit, quiet",
    "hopeful": "rising light, open air",
    "tense": "tight, hard light, uneasy stillness",
    "joyful": "bright, lively colour",
    "sad": "soft, muted, lonely",
    "urgent": "motion blur, sharp angles",
    "calm": "still, gentle light",
    "epic": "vast scale, dramatic light",
}
FRAMING_WORDS = {
    Framing.WIDE_SHOT: "wide establishing view",
    Framing.MEDIUM_SHOT: "medium view",
    Framing.CLOSE_UP: "close detail",
    Framing.EXTREME_CLOSE_UP: "extreme close detail",
}
MOOD_FOR = {
    "tense": "dark_synthwave",
    "mysterious": "dark_synthwave",
    "urgent": "upbeat",
    "joyful": "upbeat",
    "hopeful": "calm",
    "epic": "epic",
    "sad": "cinematic",
    "calm": "calm",
}
"""Music mood for the film's prevailing feeling."""
STYLE_MOODS = {
    "neo_glow": "dark_synthwave",
    "clean_minimal": "corporate",
    "film_noir": "cinematic",
    "warm_documentary": "calm",
    "bold_pop": "upbeat",
}
PREVAILING_SHARE = 0.25
_VAGUE_WORDS = frozenset(
    ("among", "sometime", "sometimes", "ever", "also", "else", "perhaps", "indeed", "quite")
)
"""Words that are not stopwords yet make a weak first or last word of a key phrase."""
_LEADING_LINKS = frozenset(
    ("and", "but", "or", "nor", "so", "yet", "for", "then", "that", "because", "though", "as")
)


def _core(token: str) -> str:
    return token.strip(".,;:!?\"'()[]\u2014\u2013-\u201c\u201d\u2018\u2019*_").lower()


def _is_content(token: str) -> bool:
    core = _core(token)
    return core not in _VAGUE_WORDS and bool(content_words(core))


def key_phrase(text: str) -> str:
    """At most six words of ``text`` that carry its meaning (see the module docstring)."""
    best: tuple[float, str] | None = None
    parts = [clause for sentence in split_sentences(text) for clause in clauses(sentence)]
    for number, clause in enumerate(parts):
        tokens = clause.split()
        candidates: list[tuple[list[str], float]] = []
        if 2 <= len(tokens) <= KEY_PHRASE_WORDS:
            candidates.append((tokens, 1.0))
        for start in range(len(tokens)):
            if not _is_content(tokens[start]):
                continue
            for end in range(min(len(tokens), start + KEY_PHRASE_WORDS), start, -1):
                if _is_content(tokens[end - 1]):
                    candidates.append((tokens[start:end], 0.5 if start == 0 else 0.0))
                    break
        for found, bonus in candidates:
            words = found
            while len(words) > 2 and _core(words[0]) in _LEADING_LINKS:
                words = words[1:]
            content = sum(1 for word in words if _is_content(word))
            stops = sum(1 for word in words if _core(word) in STOPWORDS)
            score = content + bonus - 0.25 * stops - 0.01 * number
            if best is None or score > best[0]:
                best = (score, " ".join(words))
    if best is None:
        return " ".join(text.split()[:KEY_PHRASE_WORDS])
    phrase = best[1].strip('"\u201c\u201d').rstrip(".,;:\u2014\u2013-")
    return phrase[:1].upper() + phrase[1:]


def shot_subject(text: str, part: int, parts: int) -> list[str]:
    """Content words of the ``part``-th of ``parts`` equal shares of ``text`` (all if none)."""
    words = text.split()
    size = len(words) / max(1, parts)
    share = " ".join(words[round(part * size) : round((part + 1) * size)])
    found = list(dict.fromkeys(content_words(share))) or list(dict.fromkeys(content_words(text)))
    return found[:8]


def generation_prompt(
    text: str, emotion: str, style: str, framing: Framing, part: int = 0, parts: int = 1
) -> str:
    """A prompt for the picture shown while ``part`` of ``parts`` of ``text`` is spoken."""
    subject = ", ".join(shot_subject(text, part, parts)) or "an atmospheric scene"
    feeling = FEELING_WORDS.get(emotion, FEELING_WORDS["neutral"])
    look = STYLE_LOOKS.get(style, STYLE_LOOKS["neo_glow"])
    return f"{subject}; {FRAMING_WORDS[framing]}, {feeling}; {look}"


def music_mood(spans: Sequence[tuple[str, float]], style: str) -> str:
    """The mood for a film whose beats have these (emotion, seconds)."""
    held: dict[str, float] = {}
    for emotion, length in spans:
        if emotion in MOOD_FOR:
            held[emotion] = held.get(emotion, 0.0) + length
    total = sum(length for _, length in spans)
    if held and total > 0:
        prevailing = max(held, key=lambda emotion: (held[emotion], emotion))
        if held[prevailing] >= PREVAILING_SHARE * total:
            return MOOD_FOR[prevailing]
    return STYLE_MOODS.get(style, "cinematic")
