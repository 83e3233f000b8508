"""What a source becomes before shorts are planned from it: sentences, a topic and visuals.

- idea: the text itself (or the text of a file); one phrase is a topic, several are sentences.
- script: a .txt/.md file read with ``text.read_script``; headings are not sentences.
- production: a Production Plan; each beat's voiceover sentences, with the beat's emotion, its
  times (split over its sentences by length) and the source of the shot that covers it most.
- video: the file's speech (``transcribe.transcribe``), each sentence timed in the video.

The topic is what templates, prompts and hashtags talk about. For a short idea ("sleep better",
"how to grow on YouTube") it is the idea itself, lower-cased at the start; when it begins with a
common verb (or "how to") it is also a goal, and its "-ing" form ("sleeping better") is the noun
phrase. For longer text it is the first heading; else the most frequent specific content word
when it occurs more often than any pair of adjacent content words in a sentence (a pair counts
as often as its rarer word); else the most frequent such pair (ties: the earliest).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from studio.pipeline.sources import VIDEO_SUFFIXES, MediaError, probe_video
from studio.planning import text as script_text
from studio.planning.emotion import classify
from studio.planning.transcribe import Transcript, file_digest, transcribe
from studio.spec import ProductionPlan, Source, SpecError, load_document
from studio.spec.production import Beat

MaterialKind = Literal["idea", "script", "production", "video"]
KINDS: tuple[str, ...] = get_args(MaterialKind)
SCRIPT_SUFFIXES = (".txt", ".md", ".markdown", ".fountain")
MAX_SOURCE_BYTES = 2 * 1024 * 1024
IDEA_TOPIC_MAX_WORDS = 6


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _word_set(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even ever every few for from further get gets got had
    hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's
    like make many may me might more most much must mustn't my myself need never no nor not now
    of off on once one only or other ought our ours ourselves out over own rather really same
    say said shall shan't she she'd she'll she's should shouldn't so some such than that that's
    the their theirs them themselves then there there's these they they'd they'll they're
    they've thing things this those though through thus to too under until up upon us very was
    wasn't way we we'd we'll we're we've well were weren't what what's when when's where where's
    whether which while who who's whom why why's will with without won't would wouldn't yet you
    you'd you'll you're you've your yours yourself yourselves
    """
)
GENERIC_WORDS = _word_set(
    """
    better best good great new people time times day days year years lot lots want know
    welcome back channel today video subscribe hey guys thanks
    """
)
"""Content words too vague to be a topic or a hashtag on their own."""

VERBS = _word_set(
    """
    be become begin build buy change choose clean code cook create cut decide design do draw
    drink drive earn eat edit fall feel film find fix focus get give go grow have help improve
    invest keep launch learn live lose make manage meditate move paint pay plan play post
    practice practise read relax remember run save sell sit sleep speak spend start stay stop
    study swim take talk teach think train travel try turn use wake walk win work write
    """
)
_DOUBLED = _word_set(
    """
    begin cut get plan put quit run set shop sit stop swim win
    """
)


class MaterialError(ValueError):
    """The source cannot be used; the message names the file or the problem."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of the material, with what is known about it.

    ``start``/``end`` are seconds in the source (video: when it is said; production: its share of
    the beat). ``group`` is the beat (production) or paragraph it belongs to.
    """

    text: str
    start: float | None = None
    end: float | None = None
    emotion: str = "neutral"
    visual: Source | None = None
    group: int = 0


@dataclass(frozen=True)
class Topic:
    """What the material is about, in the forms templates need."""

    phrase: str
    goal: str | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Material:
    kind: MaterialKind
    fingerprint: str
    sentences: tuple[Sentence, ...]
    topic: Topic
    language: str = "en"
    style: str = "neo_glow"
    video: Path | None = None
    transcript: Transcript | None = None
    notes: tuple[str, ...] = ()

    @property
    def visuals(self) -> tuple[Source, ...]:
        """The distinct visual sources of the sentences, in order."""
        seen: list[Source] = []
        for sentence in self.sentences:
            if sentence.visual is not None and sentence.visual not in seen:
                seen.append(sentence.visual)
        return tuple(seen)


def _fingerprint(kind: str, content: str) -> str:
    return hashlib.sha256(f"{kind}\0{content}".encode()).hexdigest()


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning: no stopwords, numbers or one-letter words."""
    folded = (word.lower().replace("\u2019", "'") for word in script_text.words(text))
    return [
        word for word in folded if len(word) > 2 and word not in STOPWORDS and not word.isdigit()
    ]


def keywords(text: str, limit: int = 5) -> tuple[str, ...]:
    """The most frequent specific content words, most frequent first (ties: earliest)."""
    found = [word for word in content_words(text) if word not in GENERIC_WORDS]
    counts = Counter(found)
    order = {word: found.index(word) for word in counts}
    ranked = sorted(counts, key=lambda word: (-counts[word], order[word]))
    return tuple(ranked[:limit])


def gerund(goal: str) -> str:
    """'sleep better' -> 'sleeping better': the goal's first verb in its -ing form."""
    first, _, rest = goal.partition(" ")
    verb = first.lower()
    if verb == "be":
        ing = "being"
    elif verb.endswith("ie"):
        ing = verb[:-2] + "ying"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        ing = verb[:-1] + "ing"
    elif verb in _DOUBLED:
        ing = verb + verb[-1] + "ing"
    else:
        ing = verb + "ing"
    return f"{ing} {rest}".strip()


def _lower_first(phrase: str) -> str:
    first, _, rest = phrase.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}".strip()


def idea_topic(idea: str) -> Topic:
    """The topic of an idea (see the module docstring)."""
    phrase = " ".join(idea.strip().rstrip(".!?").split())
    lowered = phrase.lower()
    for prefix in ("how to ", "how do i ", "how can i ", "ways to ", "tips to ", "to "):
        if lowered.startswith(prefix):
            phrase = phrase[len(prefix) :]
            break
    words = script_text.words(phrase)
    if not words or len(words) > IDEA_TOPIC_MAX_WORDS or script_text.split_sentences(idea)[1:]:
        return text_topic(idea)
    phrase = _lower_first(phrase)
    found = keywords(phrase) or tuple(content_words(phrase))
    if words[0].lower() in VERBS and len(words) > 1:
        rest = keywords(phrase.partition(" ")[2])
        return Topic(gerund(phrase), phrase, rest or found)
    return Topic(phrase, None, found)


def text_topic(text: str, title: str = "") -> Topic:
    """The topic of a longer text (see the module docstring)."""
    found = keywords(f"{title} {text}")
    if title:
        words = title.split()
        if words and words[0].lower() in ("the", "a", "an") and len(words) > 1:
            words = words[1:]
        return Topic(" ".join(words), None, found)
    counts = Counter(content_words(text))
    pairs: Counter[str] = Counter()
    for sentence in script_text.split_sentences(text):
        tokens = [word.lower().replace("\u2019", "'") for word in script_text.words(sentence)]
        for left, right in itertools.pairwise(tokens):
            if left != right and all(w in counts and w not in GENERIC_WORDS for w in (left, right)):
                pairs[f"{left} {right}"] += min(counts[left], counts[right])
    best = max(pairs.values(), default=0)
    if found and counts[found[0]] > max(best, 1):
        return Topic(found[0], None, found)
    if pairs:
        return Topic(next(pair for pair in pairs if pairs[pair] == best), None, found)
    return Topic(found[0] if found else "this", None, found)


def _read(path: Path, what: str) -> str:
    if not path.exists():
        raise MaterialError(f"{path}: no such file")
    if path.is_dir():
        raise MaterialError(f"{path}: is a folder, not a {what}")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise MaterialError(f"{path}: over 2 MB, too large for a {what}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MaterialError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise MaterialError(f"{path}: cannot read it: {error.strerror}") from None


def load_material(source: str, kind: MaterialKind, language: str = "en") -> Material:
    """Read ``source`` as ``kind`` (see the module docstring); MaterialError when unusable.

    Video transcription errors (``transcribe.TranscriptionError``) propagate unchanged.
    """
    if kind == "idea":
        return _idea(source, language)
    path = Path(source)
    if kind == "script":
        return _script(path, language)
    if kind == "production":
        return _production(path)
    if kind == "video":
        return _video(path, language)
    raise MaterialError(f"unknown source kind {kind!r}: expected one of {', '.join(KINDS)}")


def _idea(source: str, language: str) -> Material:
    text = source
    path = Path(source)
    if len(source) < 4096 and "\n" not in source and path.is_file():
        text = _read(path, "text file")
    text = " ".join(text.split())
    if not script_text.words(text):
        raise MaterialError("the idea is empty: say what the short is about, e.g. 'sleep better'")
    sentences = script_text.split_sentences(text, language) or [text]
    return Material(
        "idea",
        _fingerprint("idea", text),
        tuple(Sentence(s, emotion=classify(s)) for s in sentences),
        idea_topic(text),
        language,
    )


def _script(path: Path, language: str) -> Material:
    raw = _read(path, "script")
    sections = script_text.read_script(raw, language)
    sentences: list[Sentence] = []
    for section in sections:
        for paragraph in section.paragraphs:
            group = len({s.group for s in sentences})
            sentences += [Sentence(s, emotion=classify(s), group=group) for s in paragraph]
    if not sentences:
        raise MaterialError(f"{path}: no sentences to speak (only headings or blank lines)")
    title = next((section.title for section in sections if section.title), "")
    body = " ".join(s.text for s in sentences)
    return Material(
        "script",
        _fingerprint("script", raw),
        tuple(sentences),
        text_topic(body, title),
        language,
    )


def _beat_visual(plan: ProductionPlan, beat: Beat) -> Source | None:
    """The source of the shot that overlaps the beat the longest."""
    best: tuple[float, Source] | None = None
    for scene in plan.visual_plan.scenes:
        for shot in scene.shots:
            overlap = min(shot.end_time, beat.end_time) - max(shot.start_time, beat.start_time)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, shot.source)
    return best[1] if best else None


def _production(path: Path) -> Material:
    if not path.exists():
        raise MaterialError(f"{path}: no such file")
    try:
        document = load_document(path)
    except SpecError as error:
        problems = "; ".join(str(problem) for problem in error.problems)
        raise MaterialError(f"{path}: not a valid plan: {problems}") from None
    plan = document.model
    if not isinstance(plan, ProductionPlan):
        raise MaterialError(f"{path}: a {document.kind.label}, not a Production Plan")
    language = plan.script.language
    sentences: list[Sentence] = []
    beats = sorted(plan.beats(), key=lambda beat: beat.start_time)
    for number, beat in enumerate(beats):
        spoken = beat.voiceover_text.strip() or beat.on_screen_text.strip()
        parts = script_text.split_sentences(spoken, language)
        total = sum(len(part) for part in parts)
        cursor = beat.start_time
        visual = _beat_visual(plan, beat)
        for part in parts:
            length = (beat.end_time - beat.start_time) * len(part) / total
            sentences.append(
                Sentence(part, cursor, cursor + length, beat.emotion, visual, group=number)
            )
            cursor += length
    if not sentences:
        raise MaterialError(f"{path}: the plan's beats have no voiceover or on-screen text")
    body = " ".join(s.text for s in sentences)
    canonical = json.dumps(plan.model_dump(mode="json"), sort_keys=True)
    return Material(
        "production",
        _fingerprint("production", canonical),
        tuple(sentences),
        text_topic(body),
        language,
        plan.visual_plan.global_style,
    )


def _video(path: Path, language: str) -> Material:
    if not path.exists():
        raise MaterialError(f"{path}: no such file")
    if not path.is_file() or path.suffix.lower() not in VIDEO_SUFFIXES:
        kinds = ", ".join(sorted(VIDEO_SUFFIXES))
        raise MaterialError(f"{path}: not a video file (expected one of {kinds})")
    try:
        probe_video(path)
    except MediaError:
        raise MaterialError(f"{path}: not a readable video") from None
    transcript = transcribe(path, language)
    if not transcript.sentences:
        raise MaterialError(f"{path}: no speech was recognised in the video")
    sentences = tuple(
        Sentence(s.text, s.start, s.end, classify(s.text), group=index)
        for index, s in enumerate(transcript.sentences)
    )
    body = " ".join(s.text for s in sentences)
    return Material(
        "video",
        file_digest(path),
        sentences,
        text_topic(body),
        language,
        video=path,
        transcript=transcript,
        notes=transcript.notes,
    )
