"""Emojis that fit a caption line: a small keyword lexicon, at most two per line, none by default.

A line earns an emoji only when one of its words names what the emoji shows (a keyword matches a
word exactly or in its plural, or as a prefix for keywords of five letters or more, so
"sleeping" finds "sleep" but "cat" does not match "category"). Matches are taken in the order
the words are said, one emoji per keyword, without repeats. Guessing an emoji for a line that
names nothing would read as noise, so such a line gets none.
"""

from __future__ import annotations

from studio.planning.text import words

MAX_EMOJIS_PER_LINE = 2
PREFIX_MIN_LETTERS = 5

LEXICON: dict[str, str] = {
    "sleep": "\U0001f634",
    "tired": "\U0001f634",
    "night": "\U0001f319",
    "bed": "\U0001f6cf\ufe0f",
    "dream": "\U0001f4ad",
    "money": "\U0001f4b0",
    "cash": "\U0001f4b5",
    "rich": "\U0001f4b0",
    "save": "\U0001f4b0",
    "invest": "\U0001f4c8",
    "growth": "\U0001f4c8",
    "grow": "\U0001f331",
    "rise": "\U0001f4c8",
    "lose": "\U0001f4c9",
    "losing": "\U0001f4c9",
    "wasting": "\U0001f4c9",
    "waste": "\U0001f5d1\ufe0f",
    "mistake": "\u26a0\ufe0f",
    "warning": "\u26a0\ufe0f",
    "danger": "\u26a0\ufe0f",
    "wrong": "\u274c",
    "stop": "\U0001f6d1",
    "never": "\U0001f6ab",
    "secret": "\U0001f92b",
    "nobody": "\U0001f92b",
    "hidden": "\U0001f440",
    "look": "\U0001f440",
    "watch": "\U0001f440",
    "truth": "\U0001f4af",
    "question": "\u2753",
    "why": "\u2753",
    "idea": "\U0001f4a1",
    "tip": "\U0001f4a1",
    "tips": "\U0001f4a1",
    "trick": "\U0001f4a1",
    "learn": "\U0001f4da",
    "study": "\U0001f4da",
    "book": "\U0001f4d6",
    "read": "\U0001f4d6",
    "write": "\u270d\ufe0f",
    "writing": "\u270d\ufe0f",
    "time": "\u23f0",
    "minute": "\u23f1\ufe0f",
    "today": "\U0001f4c5",
    "tomorrow": "\U0001f4c5",
    "week": "\U0001f4c5",
    "fast": "\u26a1",
    "quick": "\u26a1",
    "energy": "\u26a1",
    "power": "\u26a1",
    "fire": "\U0001f525",
    "hot": "\U0001f525",
    "best": "\U0001f3c6",
    "win": "\U0001f3c6",
    "winner": "\U0001f3c6",
    "victory": "\U0001f3c6",
    "goal": "\U0001f3af",
    "focus": "\U0001f3af",
    "target": "\U0001f3af",
    "love": "\u2764\ufe0f",
    "heart": "\u2764\ufe0f",
    "happy": "\U0001f60a",
    "smile": "\U0001f60a",
    "laugh": "\U0001f602",
    "funny": "\U0001f602",
    "sad": "\U0001f622",
    "cry": "\U0001f622",
    "tears": "\U0001f622",
    "angry": "\U0001f621",
    "fear": "\U0001f628",
    "afraid": "\U0001f628",
    "scary": "\U0001f628",
    "shock": "\U0001f631",
    "crazy": "\U0001f92f",
    "mind": "\U0001f9e0",
    "brain": "\U0001f9e0",
    "think": "\U0001f914",
    "food": "\U0001f37d\ufe0f",
    "eat": "\U0001f37d\ufe0f",
    "cook": "\U0001f373",
    "coffee": "\u2615",
    "water": "\U0001f4a7",
    "drink": "\U0001f964",
    "bread": "\U0001f35e",
    "health": "\U0001fa7a",
    "healthy": "\U0001f957",
    "workout": "\U0001f4aa",
    "exercise": "\U0001f4aa",
    "strong": "\U0001f4aa",
    "strength": "\U0001f4aa",
    "run": "\U0001f3c3",
    "running": "\U0001f3c3",
    "walk": "\U0001f6b6",
    "office": "\U0001f4bc",
    "job": "\U0001f4bc",
    "business": "\U0001f4bc",
    "phone": "\U0001f4f1",
    "video": "\U0001f3ac",
    "film": "\U0001f3ac",
    "camera": "\U0001f4f7",
    "photo": "\U0001f4f8",
    "music": "\U0001f3b5",
    "song": "\U0001f3b5",
    "game": "\U0001f3ae",
    "code": "\U0001f4bb",
    "computer": "\U0001f4bb",
    "travel": "\u2708\ufe0f",
    "world": "\U0001f30d",
    "earth": "\U0001f30d",
    "nation": "\U0001f3db\ufe0f",
    "government": "\U0001f3db\ufe0f",
    "history": "\U0001f4dc",
    "freedom": "\U0001f54a\ufe0f",
    "liberty": "\U0001f5fd",
    "peace": "\U0001f54a\ufe0f",
    "war": "\u2694\ufe0f",
    "battle": "\u2694\ufe0f",
    "fight": "\U0001f94a",
    "dead": "\U0001f940",
    "died": "\U0001f940",
    "city": "\U0001f3d9\ufe0f",
    "light": "\U0001f4a1",
    "star": "\u2b50",
    "sun": "\u2600\ufe0f",
    "moon": "\U0001f319",
    "rain": "\U0001f327\ufe0f",
    "ocean": "\U0001f30a",
    "sea": "\U0001f30a",
    "mountain": "\u26f0\ufe0f",
    "tree": "\U0001f333",
    "plant": "\U0001f331",
    "garden": "\U0001f33b",
    "dog": "\U0001f436",
    "cat": "\U0001f431",
    "baby": "\U0001f476",
    "family": "\U0001f46a",
    "friend": "\U0001f91d",
    "rocket": "\U0001f680",
    "launch": "\U0001f680",
    "start": "\U0001f680",
    "begin": "\U0001f680",
    "new": "\u2728",
    "magic": "\u2728",
    "check": "\u2705",
    "works": "\u2705",
    "done": "\u2705",
    "follow": "\U0001f449",
    "subscribe": "\U0001f514",
    "share": "\U0001f4e4",
    "content": "\U0001f4f2",
    "post": "\U0001f4f2",
}


def _fits(word: str, keyword: str) -> bool:
    if word in (keyword, f"{keyword}s", f"{keyword}es"):
        return True
    return len(keyword) >= PREFIX_MIN_LETTERS and word.startswith(keyword)


def emojis_for(text: str, limit: int = MAX_EMOJIS_PER_LINE) -> list[str]:
    """Up to ``limit`` emojis named by the line's words, in the order they are said."""
    found: list[str] = []
    for word in (token.lower() for token in words(text)):
        for keyword, emoji in LEXICON.items():
            if _fits(word, keyword) and emoji not in found:
                found.append(emoji)
                break
        if len(found) >= limit:
            break
    return found
