"""Hook-first openings: candidate lines scored by rules creators use, ranked, at most 12 words.

``score_hook`` adds points for each pattern short-form creators rely on to stop the scroll, and
says why in one reason per rule that fired (the rule's name comes first, then its points):

============== ====== ==============================================================
rule           points fires when
============== ====== ==============================================================
number         +2     a digit or a number word ("3", "seven", "hundred")
question       +2     the line asks something (ends with "?")
negation       +1.5   no, not, never, stop, without, any "n't" word
promise        +2     how-to or a result: "how to", "steps", "in 7 days", "easy"
contrarian     +2     a claim against the grain: "wrong", "myth", "most people"
second person  +1.5   it speaks to the viewer: you, your, you're
curiosity      +2     an open loop: secret, nobody, why, hidden, "what happens"
strong word    +1     each word of strong emotion (ruin, brutal, love), at most two
brevity        +1.5   up to 8 words; +0.5 for 9-12 words; -2 over 12 words
weak opener    -2     throat-clearing first words: so, um, well, hi, today, "in this video"
too short      -1.5   fewer than 3 words
============== ====== ==============================================================

``rank_hooks`` shortens each candidate to 12 words (at a clause break when it can, else at a word
with "..."), drops duplicates, scores what will be shown, and sorts by score, then fewer words,
then alphabetically, so the same candidates always rank the same. Candidates come from
``offline_candidates`` (the material's sentences and clauses, or templates for an idea) or from an
LLM: ``suggest_hooks`` scores both by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.planning.material import STOPWORDS, Material, content_words
from studio.planning.text import clauses, words

MAX_HOOK_WORDS = 12
BOLD_CAPS_MAX_WORDS = 8
"""Longer hooks are drawn in a box rather than in capitals, which slow reading down."""
MAX_EMPHASIS = 3
MIN_CLAUSE_WORDS = 4
TEMPLATE_NUMBER = 3

NUMBER_WORDS = frozenset((
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "twenty", "thirty", "fifty", "hundred", "thousand", "million",
    "billion", "dozen", "score",
))  # fmt: skip
NEGATIONS = frozenset((
    "no", "not", "never", "nothing", "none", "nobody", "nor", "without", "stop", "quit",
    "avoid", "cannot",
))  # fmt: skip
SECOND_PERSON = frozenset((
    "you", "your", "you're", "yours", "yourself", "you've", "you'll", "you'd",
))  # fmt: skip
POWER_STEMS = (
    "shock", "insane", "brutal", "crazy", "terrif", "horrif", "worst", "best", "ruin", "killing",
    "destroy", "dead", "deadly", "love", "hate", "fear", "afraid", "scared", "scary", "amazing",
    "incredib", "unbeliev", "huge", "massive", "painful", "danger", "perfect", "genius", "disaster",
    "finally", "instant", "forever", "shame", "regret", "proud", "powerful", "broke", "free",
    "fail", "panic", "struggl", "desperate", "exhaust", "obsess", "addict", "toxic", "wasting",
    "waste", "perish", "sacrific", "brave", "glory", "equal", "freedom", "liberty",
)  # fmt: skip
EMPHASIS_SKIP = frozenset((
    "no", "not", "nor", "without", "you", "your", "yours",
))  # fmt: skip

_PROMISE = re.compile(
    r"\b(how to|here's how|here is how|how i|the way to|step by step|\d+ steps?|\w+ ways? to|"
    r"guide|tips?|hacks?|learn|you'll (?:get|learn|see|never|be)|you will|i'll show|show you|"
    r"in \d+ (?:seconds|minutes|hours|days|weeks|months)|easy|easier|simple|faster|instantly|"
    r"guaranteed|results?|(?:that|actually) works?|will change|transform\w*)\b"
)
_CONTRARIAN = re.compile(
    r"\b(wrong|myths?|lies|lied|overrated|underrated|actually|instead|mistakes?|truth|unpopular|"
    r"backwards|everyone|everybody|most people|opposite|harder than|not what|the real|"
    r"don't need|stop believing|forget (?:what|everything)|doesn't work|is dead|wasting)\b"
)
_CURIOSITY = re.compile(
    r"\b(secrets?|nobody|no one|why|hidden|reveal\w*|what happens|here's what|here is what|"
    r"here's why|until|the reason|the one thing|this one|surprising|weird|strange|tricks?|"
    r"myster\w*|little known|never knew|won't believe|what if)\b"
)
_WEAK_OPENER = re.compile(
    r"^(so|um+|uh+|well|okay|ok|hi|hey|hello|welcome|today|basically|alright|anyway|and|but|"
    r"also|in this video|i think|i guess|let me|it is|there is|there are|there's)\b"
)

IDEA_TEMPLATES = (
    "Nobody tells you this about {topic}",
    "{n} {topic} mistakes you are making",
    "Stop doing this if you want better {topic}",
    "The truth about {topic}",
    "Why {topic} is harder than you think",
    "How to get started with {topic} in {n} simple steps",
    "The secret to {topic} nobody talks about",
    "You are doing {topic} wrong",
)
"""Patterns filled with an idea that names a thing ("sourdough bread")."""

GOAL_TEMPLATES = (
    "Nobody tells you this about {topic}",
    "{n} mistakes that stop you from {topic}",
    "Stop doing this if you want to {goal}",
    "The truth about {topic}",
    "Why {topic} is harder than you think",
    "How to {goal} in {n} simple steps",
    "The secret to {topic} nobody talks about",
    "You can {goal} faster than you think",
)
"""Patterns filled with an idea that names something to do ("sleep better": topic is
"sleeping better", goal is "sleep better")."""


@dataclass(frozen=True)
class HookCandidate:
    """A ranked opening line; ``origin`` is the material sentence it came from, if any."""

    text: str
    emphasis_words: list[str] = field(default_factory=list)
    on_screen_style: str = "bold_caps"
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    rank: int = 0
    origin: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "text": self.text,
            "score": self.score,
            "reasons": list(self.reasons),
            "emphasis_words": list(self.emphasis_words),
            "on_screen_style": self.on_screen_style,
        }


@dataclass(frozen=True)
class Candidate:
    """A line that could open a short, before scoring."""

    text: str
    origin: int | None = None


def _lowered(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def _tokens(text: str) -> list[str]:
    return [word.lower().replace("\u2019", "'") for word in words(text)]


def _is_number(token: str) -> bool:
    return any(c.isdigit() for c in token) or token in NUMBER_WORDS


def _is_power(token: str) -> bool:
    return any(token == stem or (len(stem) >= 5 and token.startswith(stem)) for stem in POWER_STEMS)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def score_hook(text: str) -> tuple[float, list[str]]:
    """The hook's score and one reason per rule that fired (see the module docstring)."""
    lowered = _lowered(text)
    tokens = _tokens(text)
    reasons: list[str] = []
    score = 0.0

    def add(points: float, rule: str, detail: str = "") -> None:
        nonlocal score
        score += points
        reasons.append(f"{rule} ({points:+g})" + (f": {detail}" if detail else ""))

    number = next((t for t in tokens if _is_number(t)), None)
    if number:
        add(2, "number", f"'{number}' is specific")
    if lowered.rstrip(" .\"'").endswith("?"):
        add(2, "question", "the viewer wants the answer")
    negation = next((t for t in tokens if t in NEGATIONS or t.endswith("n't")), None)
    if negation:
        add(1.5, "negation", f"'{negation}'")
    promise = _first(_PROMISE, lowered)
    if promise:
        add(2, "promise", f"'{promise}'")
    contrarian = _first(_CONTRARIAN, lowered)
    if contrarian:
        add(2, "contrarian", f"'{contrarian}'")
    you = next((t for t in tokens if t in SECOND_PERSON), None)
    if you:
        add(1.5, "second person", f"'{you}' speaks to the viewer")
    curiosity = _first(_CURIOSITY, lowered)
    if curiosity:
        add(2, "curiosity", f"'{curiosity}' opens a question")
    for power in [t for t in dict.fromkeys(tokens) if _is_power(t)][:2]:
        add(1, "strong word", f"'{power}'")
    count = len(tokens)
    if count > MAX_HOOK_WORDS:
        add(-2, "brevity", f"{count} words, over {MAX_HOOK_WORDS}")
    elif count > BOLD_CAPS_MAX_WORDS:
        add(0.5, "brevity", f"{count} words")
    else:
        add(1.5, "brevity", f"{count} words, read at a glance")
    opener = _first(_WEAK_OPENER, lowered)
    if opener:
        add(-2, "weak opener", f"'{opener}'")
    if count < 3:
        add(-1.5, "too short", f"{count} words promise nothing")
    return round(score, 2), reasons


def shorten(text: str, limit: int = MAX_HOOK_WORDS) -> str:
    """At most ``limit`` words: whole clauses when they fit, else cut at a word with '...'."""
    text = " ".join(text.split())
    if len(words(text)) <= limit:
        return text
    kept: list[str] = []
    for part in clauses(text):
        if len(words(" ".join([*kept, part]))) > limit:
            break
        kept.append(part)
    if len(words(" ".join(kept))) >= MIN_CLAUSE_WORDS:
        joined = " ".join(kept).rstrip(",;:\u2014\u2013 ")
        return joined if joined.endswith(("?", "!", ".")) else joined + "..."
    out: list[str] = []
    for token in text.split():
        if len(words(" ".join([*out, token]))) > limit:
            break
        out.append(token)
    while len(out) > 1 and out[-1].lower().strip(",;:.") in STOPWORDS:
        out.pop()
    return " ".join(out).rstrip(",;:.\u2014\u2013 ") + "..."


def emphasis_for(text: str) -> list[str]:
    """Numbers first, then the strongest words in the order said, else the longest content word."""
    tokens = words(text)
    lowered = [token.lower().replace("\u2019", "'") for token in tokens]
    numbers = [t for t, low in zip(tokens, lowered, strict=True) if _is_number(low)]
    strong = [
        t
        for t, low in zip(tokens, lowered, strict=True)
        if low not in EMPHASIS_SKIP
        and not _is_number(low)
        and (
            _is_power(low)
            or low in NEGATIONS
            or _CURIOSITY.fullmatch(low)
            or _CONTRARIAN.fullmatch(low)
            or _PROMISE.fullmatch(low)
        )
    ]
    chosen = list(dict.fromkeys(numbers + strong))[:MAX_EMPHASIS]
    if chosen:
        return chosen
    content = set(content_words(text))
    candidates = [t for t, low in zip(tokens, lowered, strict=True) if low in content]
    return [max(candidates, key=len)] if candidates else []


def _key(text: str) -> str:
    return " ".join(_tokens(text))


def rank_hooks(
    candidate_texts: Sequence[str],
    n: int | None = 5,
    origins: Sequence[int | None] | None = None,
) -> list[HookCandidate]:
    """The best ``n`` hooks (all when None), ranked from 1 (see the module docstring).

    ``origins`` gives, per candidate, the index of the material sentence it came from. Of
    several spellings of one line the best-scoring is kept (ties: the first alphabetically), with
    the earliest origin, so the order of the candidates does not change the result.
    """
    variants: dict[str, list[tuple[float, list[str], str]]] = {}
    sources: dict[str, set[int]] = {}
    for index, raw in enumerate(candidate_texts):
        text = shorten(raw)
        key = _key(text)
        if not key:
            continue
        variants.setdefault(key, []).append((*score_hook(text), text))
        origin = origins[index] if origins is not None else None
        sources.setdefault(key, set()).update([] if origin is None else [origin])
    scored = []
    for key, found in variants.items():
        score, reasons, text = min(found, key=lambda item: (-item[0], item[2]))
        origin = min(sources[key]) if sources[key] else None
        scored.append((score, len(key.split()), key, text, reasons, origin))
    scored.sort(key=lambda item: (-item[0], item[1], item[2], item[3]))
    limit = len(scored) if n is None else max(0, n)
    return [
        HookCandidate(
            text,
            emphasis_for(text),
            "bold_caps" if count <= BOLD_CAPS_MAX_WORDS else "highlight_box",
            score,
            reasons,
            rank,
            origin,
        )
        for rank, (score, count, _, text, reasons, origin) in enumerate(scored[:limit], start=1)
    ]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _standalone(clause: str) -> str | None:
    """A clause that reads on its own (leading and/but/so dropped), or None."""
    tokens = clause.split()
    if tokens and tokens[0].lower() in ("and", "but", "so", "or"):
        tokens = tokens[1:]
    if not tokens or tokens[0].lower() in ("which", "who", "whom", "whose", "that", "to", "of"):
        return None
    text = " ".join(tokens).rstrip(",;:\u2014\u2013 ")
    if not MIN_CLAUSE_WORDS <= len(words(text)) <= MAX_HOOK_WORDS:
        return None
    return _capitalised(text)


def idea_candidates(material: Material) -> list[Candidate]:
    """The idea itself, its sentences, then the templates filled with its topic."""
    topic = material.topic
    found = [Candidate(_capitalised(" ".join(s.text for s in material.sentences)), 0)]
    if len(material.sentences) > 1:
        found += [Candidate(s.text, i) for i, s in enumerate(material.sentences)]
    templates = GOAL_TEMPLATES if topic.goal else IDEA_TEMPLATES
    for template in templates:
        filled = template.format(topic=topic.phrase, goal=topic.goal, n=TEMPLATE_NUMBER)
        found.append(Candidate(_capitalised(filled)))
    return found


def offline_candidates(material: Material) -> list[Candidate]:
    """Candidates without an LLM: the idea's templates, or the material's own sentences.

    A sentence of at most 12 words is a candidate as it is; a longer one is shortened, and
    each of its clauses that reads on its own (4-12 words) is a candidate too.
    """
    if material.kind == "idea":
        return idea_candidates(material)
    found: list[Candidate] = []
    for index, sentence in enumerate(material.sentences):
        found.append(Candidate(sentence.text, index))
        if len(words(sentence.text)) > MAX_HOOK_WORDS:
            for part in clauses(sentence.text):
                clause = _standalone(part)
                if clause:
                    found.append(Candidate(clause, index))
    return found


def suggest_hooks(
    material: Material, n: int | None = 5, extra_texts: Sequence[str] = ()
) -> list[HookCandidate]:
    """Ranked hooks from the material's candidates plus ``extra_texts`` (an LLM's), same rules.

    An extra text that repeats one of the material's sentences keeps that sentence as origin.
    """
    candidates = offline_candidates(material)
    by_text = {_key(s.text): i for i, s in enumerate(material.sentences)}
    candidates += [Candidate(extra, by_text.get(_key(extra))) for extra in extra_texts]
    return rank_hooks([c.text for c in candidates], n, [c.origin for c in candidates])
