"""Does a plan say the script? Every sentence exactly once, in order, headings never spoken.

Used on every plan, offline or from an LLM: an LLM that drops, repeats or reorders a sentence is
told so in the repair round, and the tests hold the offline planner to the same rule.
"""

from __future__ import annotations

import regex  # type: ignore[import-untyped]

from studio.planning.text import read_script
from studio.spec.production import ProductionPlan

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")


def normalise(text: str) -> str:
    """Lower-case words only, so spacing and punctuation differences do not count."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def spoken_text(plan: ProductionPlan) -> str:
    """The narration in the order it plays: the voice lines, else the beats' voiceover."""
    lines = plan.audio_plan.voice.lines
    if lines:
        order = {beat.beat_id: beat.start_time for beat in plan.beats()}
        ordered = sorted(lines, key=lambda line: order.get(line.beat_id, float("inf")))
        return " ".join(line.text for line in ordered)
    beats = sorted(plan.beats(), key=lambda beat: beat.start_time)
    return " ".join(beat.voiceover_text for beat in beats)


def narration_problems(plan: ProductionPlan, raw_script: str, language: str = "en") -> list[str]:
    """Human-readable reasons the plan does not speak the script exactly once, in order."""
    sentences = [
        normalise(sentence)
        for section in read_script(raw_script, language)
        for sentence in section.sentences()
    ]
    spoken = normalise(spoken_text(plan))
    problems: list[str] = []
    position = 0
    for number, sentence in enumerate(sentences, start=1):
        if not sentence:
            continue
        found = spoken.find(sentence, position)
        if found < 0:
            where = "earlier, out of order" if sentence in spoken else "nowhere"
            problems.append(f"sentence {number} of the script is spoken {where}: {sentence!r}")
            continue
        if spoken.find(sentence, found + len(sentence)) >= 0:
            problems.append(f"sentence {number} of the script is spoken more than once")
        position = found + len(sentence)
    expected = " ".join(sentence for sentence in sentences if sentence)
    if not problems and len(spoken) > len(expected):
        problems.append("the narration says words that are not in the script")
    return problems
