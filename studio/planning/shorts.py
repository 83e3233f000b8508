"""Shorts Plans from material and ranked hooks: one plan per (hook, format), deterministic.

What is said (the hook first, always):

- idea, one phrase: an outline written from templates with the topic: the problem, three
  points, the payoff and a call to action (``GOAL_OUTLINE`` or ``TOPIC_OUTLINE``);
  an idea of several sentences: its own sentences after the hook, in order.
- script: the rest of the hook's sentence (when the hook is a shortened part of it), then the
  sentences that follow it; when those run out, the script's opening sentences.
- production: the strongest beats (a beat's strength is its best sentence's hook score plus a
  weight for its emotion, ``EMOTION_WEIGHT``), as many as fit, said in the film's order.
- video: the highlight that opens on the hook's sentence (see ``highlights``); the clip's own
  voice is kept and the lines are its captions.

Timing: a line lasts what ``clock.seconds`` says plus a 0.3 s pause. The first line whose speech
would end after the duration is dropped with every line after it, because skipping a sentence
would break the thought. When there is room, a call to action is added. Time left over lengthens
the pauses (up to 0.6 s more each), then holds the last line, so the lines tile
[0, duration] exactly: each ends where the next starts and the last ends at the duration.

The picture: a production's strongest beat's shot source (the hook's beat first); for an idea or
a script a generated picture prompted with the topic; for a video the cut highlight as a
``talking_head`` source, so the renderer keeps the speaker's face in frame and their voice.
Captions take the brand kit's colours and look (its caption style first, then its primary and
secondary colours), else the neo_glow style's colours. Music follows the overall emotion of
what is said (a production's beats keep their planned emotion; ``MUSIC_MOOD``) and always ducks
under the voice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.pipeline.styles import look_for
from studio.planning import emotion as emotions
from studio.planning.emojis import emojis_for
from studio.planning.highlights import highlight_clip
from studio.planning.hooks import HookCandidate, score_hook
from studio.planning.material import Material, Sentence, keywords
from studio.planning.pace import SpeechClock
from studio.planning.text import clauses, words
from studio.spec import BrandKit, ShortsFormat, ShortsPlan, Source, SourceType
from studio.spec.shorts import (
    CaptionsStyle,
    Hook,
    PublishSuggestions,
    ScriptLine,
    ShortsAudioPlan,
    ShortsMusic,
    ShortsScript,
    ShortsVisualPlan,
    ShortsVoice,
)

DEFAULT_DURATION = 30.0
SHORTS_STYLE = "neo_glow"
"""The look shorts render with; its colours are the captions' defaults."""
LINE_PAUSE = 0.3
MAX_EXTRA_PAUSE = 0.6
CTA_ROOM = 1.0
"""A call to action is added only when this much time would still be left after it."""
MAX_TITLE_CHARS = 100
MAX_CAPTION_CHARS = 300
MIN_HASHTAGS, MAX_HASHTAGS = 3, 8
FALLBACK_HASHTAGS = ("#tips", "#learn", "#didyouknow")
TOPIC_HASHTAGS = 3
MAX_PRODUCTION_BEATS = 12
MAX_LINE_WORDS = 25
"""A longer sentence is said as several lines, cut at clauses, so a short can end between them."""
PACKED_LINE_WORDS = 20
_DASHES = ("\u2014", "\u2013")
_DASH = re.compile(r"(?<=[\u2014\u2013])(?=\S)")

MUSIC_MOOD = {
    "neutral": "upbeat",
    "joyful": "upbeat",
    "hopeful": "upbeat",
    "urgent": "epic",
    "epic": "epic",
    "tense": "dark_synthwave",
    "mysterious": "dark_synthwave",
    "sad": "calm",
    "calm": "lofi",
}
EMOTION_WEIGHT = {
    "urgent": 2.0,
    "tense": 2.0,
    "epic": 2.0,
    "joyful": 1.0,
    "sad": 1.0,
    "mysterious": 1.0,
    "hopeful": 1.0,
    "calm": 0.5,
}

GOAL_OUTLINE = (
    "Most people try to {goal} the hard way, and it never sticks.",
    "First, start small: one change you can keep beats five you will drop.",
    "Second, make it a routine: same time, same place, every day.",
    "Third, track it, because what gets measured gets better.",
    "Do this for two weeks and {topic} stops feeling hard.",
)
TOPIC_OUTLINE = (
    "Most people get {topic} wrong, and it is not their fault.",
    "First, learn the basics of {topic} before anything fancy.",
    "Second, practise a little every day instead of a lot once a week.",
    "Third, copy what works, then make it your own.",
    "Do this for two weeks and {topic} stops feeling hard.",
)
IDEA_CTA = "Follow for more on {topic}."
CTA = "Follow for more."


class PlanningError(ValueError):
    """The variants cannot be planned as asked; the message says why."""


@dataclass(frozen=True)
class _Draft:
    """What every format of one hook shares: the timed lines and the picture."""

    lines: list[tuple[str, float, float]]
    source: Source
    duration: float


def short_id_for(material: Material) -> str:
    return f"short-{material.fingerprint[:12]}"


def variant_id_for(hook: HookCandidate, format: ShortsFormat) -> str:
    return f"h{hook.rank}-{format.value}"


def tile(
    texts: Iterable[str], duration: float, clock: SpeechClock, cta: str | None = None
) -> list[tuple[str, float, float]]:
    """Lines timed by the clock and tiling [0, duration] (see the module docstring).

    ``texts`` is read lazily, so a long script is measured only as far as it fits.
    """
    timed: list[tuple[str, float]] = []
    used = 0.0
    for text in texts:
        seconds = clock.seconds(text)
        if timed and used + seconds > duration:
            break
        timed.append((text, seconds))
        used += seconds + LINE_PAUSE
    if cta and timed and cta not in (text for text, _ in timed):
        seconds = clock.seconds(cta)
        if used + seconds + CTA_ROOM <= duration:
            timed.append((cta, seconds))
            used += seconds + LINE_PAUSE
    slack = max(0.0, duration - used)
    extra = min(MAX_EXTRA_PAUSE, slack / max(1, len(timed)))
    lines: list[tuple[str, float, float]] = []
    start = 0.0
    for index, (text, seconds) in enumerate(timed):
        end = duration if index == len(timed) - 1 else start + seconds + LINE_PAUSE + extra
        end = min(round(end, 3), duration)
        lines.append((text, round(start, 3), end))
        start = end
    return lines


def _normalised(text: str) -> list[str]:
    return [word.lower().replace("\u2019", "'") for word in words(text)]


def remainder_after(sentence: str, hook: str) -> str | None:
    """What the sentence says after the hook, when the hook is a part of it; else None."""
    wanted = _normalised(hook)
    tokens = sentence.split()
    keys = [_normalised(token) for token in tokens]
    flat = [(index, word) for index, key in enumerate(keys) for word in key]
    for position in range(len(flat) - len(wanted) + 1):
        if [word for _, word in flat[position : position + len(wanted)]] == wanted:
            last_token = flat[position + len(wanted) - 1][0]
            rest = " ".join(tokens[last_token + 1 :]).strip()
            return rest if words(rest) else None
    return None


def speakable(text: str) -> list[str]:
    """A sentence as lines short enough to fit a short.

    A sentence of more than 25 words is cut at its clauses (and at dashes, spaced or not), and
    the pieces are packed back into lines of at most 20 words; a piece still longer is cut
    every 20 words.
    """
    if len(words(text)) <= MAX_LINE_WORDS:
        return [text]
    pieces: list[str] = []
    for part in _DASH.split(text):
        for clause in clauses(part):
            tokens = clause.split()
            while len(words(" ".join(tokens))) > MAX_LINE_WORDS:
                pieces.append(" ".join(tokens[:PACKED_LINE_WORDS]))
                tokens = tokens[PACKED_LINE_WORDS:]
            if tokens:
                pieces.append(" ".join(tokens))
    lines: list[str] = []
    for piece in pieces:
        if lines:
            joined = f"{lines[-1]}{'' if lines[-1].endswith(_DASHES) else ' '}{piece}"
            if len(words(joined)) <= PACKED_LINE_WORDS:
                lines[-1] = joined
                continue
        lines.append(piece)
    return lines


def _continuation(material: Material, hook: HookCandidate) -> Iterator[str]:
    """Script (and many-sentence idea): the hook's sentence's rest, what follows, then the start."""
    sentences = material.sentences
    origin = hook.origin
    if origin is None:
        following = [s.text for s in sentences if _normalised(s.text) != _normalised(hook.text)]
    else:
        rest = remainder_after(sentences[origin].text, hook.text)
        following = ([rest] if rest else []) + [s.text for s in sentences[origin + 1 :]]
        if material.kind == "script":
            following += [s.text for s in sentences[:origin]]
    for text in following:
        yield from speakable(text)


def _outline(material: Material) -> list[str]:
    topic = material.topic
    outline = GOAL_OUTLINE if topic.goal else TOPIC_OUTLINE
    return [line.format(topic=topic.phrase, goal=topic.goal) for line in outline]


def _beat_strength(sentences: Sequence[Sentence]) -> float:
    best = max(score_hook(sentence.text)[0] for sentence in sentences)
    return best + EMOTION_WEIGHT.get(sentences[0].emotion, 0.0)


def _production_lines(
    material: Material, hook: HookCandidate, duration: float, clock: SpeechClock
) -> tuple[list[str], Source | None]:
    """The strongest beats that fit after the hook, in the film's order, and their picture."""
    beats: dict[int, list[tuple[int, Sentence]]] = {}
    for index, sentence in enumerate(material.sentences):
        if index != hook.origin:
            beats.setdefault(sentence.group, []).append((index, sentence))
    ranked = sorted(
        beats, key=lambda group: (-_beat_strength([s for _, s in beats[group]]), group)
    )[:MAX_PRODUCTION_BEATS]
    room = duration - clock.seconds(hook.text) - LINE_PAUSE
    chosen: list[int] = []
    for group in ranked:
        need = sum(clock.seconds(s.text) + LINE_PAUSE for _, s in beats[group])
        if need <= room:
            chosen.append(group)
            room -= need
    hook_visual = material.sentences[hook.origin].visual if hook.origin is not None else None
    visual = hook_visual or next(
        (beats[g][0][1].visual for g in chosen if beats[g][0][1].visual), None
    )
    lines = [s.text for group in sorted(chosen) for _, s in beats[group]]
    if hook.origin is not None:
        rest = remainder_after(material.sentences[hook.origin].text, hook.text)
        lines = ([rest] if rest else []) + lines
    return lines, visual or (material.visuals[0] if material.visuals else None)


def _generated(material: Material, mood: str) -> Source:
    feeling = "bright" if mood == "neutral" else mood
    prompt = (
        f"A striking, cinematic scene about {material.topic.phrase}, {feeling} mood, "
        "strong subject, no text or logos"
    )
    return Source(type=SourceType.GENERATED, generation_prompt=prompt)


def _draft(
    material: Material,
    hook: HookCandidate,
    duration: float,
    clock: SpeechClock | None,
    assets_dir: Path | None,
    asset_id: str,
    outline: Sequence[str] | None,
) -> _Draft:
    """The lines and picture of one hook's short (see the module docstring)."""
    if material.kind == "video":
        if assets_dir is None:
            raise PlanningError("a short cut from a video needs a folder for its clip")
        clip = highlight_clip(material, hook.origin, duration, assets_dir, asset_id)
        source = Source(type=SourceType.TALKING_HEAD, asset_id=clip.asset_id)
        return _Draft(clip.lines, source, clip.duration)
    if clock is None:
        raise PlanningError("a speech clock is needed to time the lines")
    feeling = emotions.overall([s.emotion for s in material.sentences])
    cta = IDEA_CTA.format(topic=material.topic.phrase) if material.kind == "idea" else CTA
    visual: Source | None = None
    body: Iterable[str]
    if outline is not None:
        body = outline
    elif material.kind == "production":
        body, visual = _production_lines(material, hook, duration, clock)
    elif material.kind == "idea" and len(material.sentences) == 1:
        body = _outline(material)
    else:
        body = _continuation(material, hook)
    lines = tile(_chain(hook.text, body), duration, clock, cta)
    return _Draft(lines, visual or _generated(material, feeling), duration)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def captions_style(brand_kit: BrandKit | None) -> CaptionsStyle:
    """The brand kit's caption look and colours, else the shorts style's colours."""
    if brand_kit is None:
        palette = look_for(SHORTS_STYLE).palette
        return CaptionsStyle(
            primary_color="#{:02X}{:02X}{:02X}".format(*palette.primary),
            highlight_color="#{:02X}{:02X}{:02X}".format(*palette.highlight),
        )
    kit_style = brand_kit.caption_style
    return CaptionsStyle(
        font_style=_brand_look(brand_kit) or kit_style.font_style,
        primary_color=kit_style.primary_color or brand_kit.primary_color,
        highlight_color=kit_style.highlight_color or brand_kit.secondary_color,
    )


def _brand_look(brand_kit: BrandKit | None) -> str | None:
    """The look the brand kit asks for explicitly, if it does."""
    if brand_kit is None:
        return None
    if "font_style" in brand_kit.caption_style.model_fields_set:
        return brand_kit.caption_style.font_style
    if "font_style" in brand_kit.model_fields_set:
        return brand_kit.font_style
    return None


def _tag(text: str) -> str:
    return "#" + "".join(re.findall(r"\w", text.lower())).replace("_", "")


def hashtags(material: Material, lines: Sequence[str], format: ShortsFormat) -> list[str]:
    """3-8 tags: the topic, its top keywords and #shorts for 9:16; while there are fewer than
    three, the lines' keywords, then general tags."""
    topic = material.topic
    name = topic.goal or topic.phrase
    main = [_tag(name) if len(name.split()) <= 3 else ""]
    main += [_tag(word) for word in topic.keywords[:TOPIC_HASHTAGS]]
    if format is ShortsFormat.VERTICAL_9_16:
        main.append("#shorts")
    tags = [tag for tag in dict.fromkeys(main) if len(tag) > 2]
    spare = [_tag(word) for word in keywords(" ".join(lines), MIN_HASHTAGS)]
    for tag in [*spare, *FALLBACK_HASHTAGS]:
        if len(tags) >= MIN_HASHTAGS:
            break
        if tag not in tags and len(tag) > 2:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "..."


def publish_suggestions(
    hook: HookCandidate, lines: Sequence[str], tags: Sequence[str]
) -> PublishSuggestions:
    """A title from the hook (at most 100 characters) and a caption that ends with the tags."""
    title = _clip(hook.text.rstrip(". "), MAX_TITLE_CHARS)
    after = [line for line in lines if _normalised(line) != _normalised(hook.text)]
    following = ""
    for line in after:
        following = f"{following} {line}".strip()
        if line.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?", "\u2026")):
            break
    following = following[:1].upper() + following[1:]
    opening = _normalised(hook.text)
    if _normalised(following)[: len(opening)] != opening:
        following = f"{hook.text.rstrip('. ')}. {following}"
    body = _clip(following.strip(), MAX_CAPTION_CHARS)
    return PublishSuggestions(
        title=title, caption=f"{body} {' '.join(tags[:3])}", hashtags=list(tags)
    )


def plan_variants(
    material: Material,
    hooks: Sequence[HookCandidate],
    formats: Sequence[ShortsFormat],
    duration: float = DEFAULT_DURATION,
    clock: SpeechClock | None = None,
    brand_kit: BrandKit | None = None,
    assets_dir: Path | None = None,
    outline: Sequence[str] | None = None,
    voice_id: str = "default",
) -> list[ShortsPlan]:
    """One Shorts Plan per (hook, format), in that order (see the module docstring).

    ``clock`` times the lines (required unless the material is a video, whose lines keep the
    speaker's timing). ``assets_dir`` receives a video's cut clips. ``outline`` replaces the
    offline body after the hook (an LLM's lines); the lines are timed and fitted the same way.
    """
    short_id = short_id_for(material)
    plans: list[ShortsPlan] = []
    for hook in hooks:
        asset_id = f"{short_id}-h{hook.rank}"
        draft = _draft(material, hook, duration, clock, assets_dir, asset_id, outline)
        texts = [text for text, _, _ in draft.lines]
        known = {sentence.text: sentence.emotion for sentence in material.sentences}
        feeling = emotions.overall([known.get(t) or emotions.classify(t) for t in texts])
        mood = MUSIC_MOOD.get(feeling, "upbeat")
        look = _brand_look(brand_kit) or hook.on_screen_style
        script = ShortsScript(
            lines=[
                ScriptLine(
                    start_time=start, end_time=end, text=text, caption=text, emojis=emojis_for(text)
                )
                for text, start, end in draft.lines
            ]
        )
        for format in formats:
            tags = hashtags(material, texts, format)
            plans.append(
                ShortsPlan(
                    short_id=short_id,
                    variant_id=variant_id_for(hook, format),
                    format=format,
                    duration_seconds=draft.duration,
                    hook=Hook(
                        text=hook.text, emphasis_words=hook.emphasis_words, on_screen_style=look
                    ),
                    script=script,
                    visual_plan=ShortsVisualPlan(
                        source=draft.source, captions_style=captions_style(brand_kit)
                    ),
                    audio_plan=ShortsAudioPlan(
                        voice=ShortsVoice(voice_id=voice_id, language=material.language),
                        music=ShortsMusic(mood=mood, duck_under_voice=True),
                    ),
                    publish_suggestions=publish_suggestions(hook, texts, tags),
                )
            )
    return plans
