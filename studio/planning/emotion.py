"""How a line should feel, offline: a small hand-made lexicon scored with simple cues.

Each emotion of the spec has a word list (stems match by prefix, so "hope" covers hoped,
hopeful, hoping). A line's score per emotion is the count of its words that match, plus cues:
"!" adds to urgent and joyful, "?" to mysterious, a number with "now", "today" or "must" to
urgent. The highest score wins; ties go to the order of ``EMOTIONS``; no match is neutral. The
result is deterministic and explainable, which matters more to a planner than nuance.
"""

from __future__ import annotations

from collections import Counter

from studio.planning.text import words

EMOTIONS = ("urgent", "tense", "sad", "joyful", "hopeful", "epic", "mysterious", "calm")

_LEXICON: dict[str, tuple[str, ...]] = {
    "urgent": (
        "now",
        "hurry",
        "quick",
        "fast",
        "immediately",
        "must",
        "deadline",
        "today",
        "urgent",
        "before it",
        "last chance",
        "run",
        "rush",
        "act",
        "stop",
        "warning",
        "never again",
    ),
    "tense": (
        "fear",
        "afraid",
        "danger",
        "threat",
        "war",
        "battle",
        "fight",
        "risk",
        "dark",
        "struggl",
        "conflict",
        "enemy",
        "attack",
        "blood",
        "crisis",
        "fail",
        "lose",
        "lost",
        "trap",
        "storm",
        "anxious",
        "worr",
        "dread",
        "edge",
        "panic",
        "scream",
    ),
    "sad": (
        "sad",
        "sorrow",
        "grief",
        "griev",
        "mourn",
        "tear",
        "cry",
        "weep",
        "alone",
        "lonel",
        "died",
        "dead",
        "death",
        "die",
        "gone",
        "miss",
        "broken",
        "pain",
        "regret",
        "farewell",
        "goodbye",
        "empty",
        "loss",
        "suffer",
    ),
    "joyful": (
        "joy",
        "happy",
        "happi",
        "laugh",
        "smile",
        "fun",
        "love",
        "delight",
        "celebrat",
        "party",
        "wonderful",
        "amazing",
        "awesome",
        "glad",
        "cheer",
        "play",
        "dance",
        "sing",
        "sweet",
        "bright",
        "sunny",
    ),
    "hopeful": (
        "hope",
        "dream",
        "future",
        "tomorrow",
        "believ",
        "new",
        "begin",
        "start",
        "rise",
        "grow",
        "light",
        "chance",
        "possib",
        "better",
        "heal",
        "free",
        "freedom",
        "liberty",
        "promise",
        "dawn",
        "opportun",
        "together",
    ),
    "epic": (
        "great",
        "nation",
        "history",
        "legend",
        "hero",
        "power",
        "mighty",
        "vast",
        "ocean",
        "mountain",
        "empire",
        "forever",
        "glory",
        "destiny",
        "world",
        "universe",
        "million",
        "billion",
        "century",
        "ages",
        "brave",
        "victory",
        "honor",
        "honour",
        "sacrific",
    ),
    "mysterious": (
        "secret",
        "myster",
        "unknown",
        "strange",
        "hidden",
        "shadow",
        "whisper",
        "night",
        "wonder",
        "why",
        "what if",
        "puzzle",
        "riddle",
        "silence",
        "fog",
        "ghost",
        "unseen",
    ),
    "calm": (
        "calm",
        "quiet",
        "peace",
        "gentle",
        "slow",
        "soft",
        "rest",
        "breath",
        "still",
        "wood",
        "river",
        "tree",
        "garden",
        "morning",
        "evening",
        "simple",
        "easy",
        "relax",
        "serene",
    ),
}


def _matches(word: str, stem: str) -> bool:
    return word == stem if len(stem) <= 3 else word.startswith(stem)


def emotion_scores(text: str) -> Counter[str]:
    """Evidence per emotion for one line (see the module docstring for the rules)."""
    lowered = text.lower()
    tokens = [token.lower() for token in words(text)]
    scores: Counter[str] = Counter()
    for emotion, stems in _LEXICON.items():
        for stem in stems:
            if " " in stem:
                scores[emotion] += lowered.count(stem)
            else:
                scores[emotion] += sum(_matches(token, stem) for token in tokens)
    if "!" in text:
        scores["urgent"] += 1
        scores["joyful"] += 1
    if "?" in text:
        scores["mysterious"] += 1
    return scores


def classify(text: str) -> str:
    """The spec emotion for a line: the best-scoring one, or neutral when nothing matches."""
    scores = emotion_scores(text)
    best = max(EMOTIONS, key=lambda emotion: (scores[emotion], -EMOTIONS.index(emotion)))
    return best if scores[best] > 0 else "neutral"


def overall(emotions: list[str]) -> str:
    """The emotion a whole piece leans to: the most common non-neutral one, else neutral."""
    counted = Counter(emotion for emotion in emotions if emotion != "neutral")
    if not counted:
        return "neutral"
    return max(counted, key=lambda emotion: (counted[emotion], -EMOTIONS.index(emotion)))
