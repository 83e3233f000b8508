"""Hooks: scored by the documented rules, ranked, at most 12 words, the same every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.planning.hooks import (
    MAX_HOOK_WORDS,
    emphasis_for,
    rank_hooks,
    score_hook,
    shorten,
    suggest_hooks,
)
from studio.planning.material import load_material
from studio.planning.text import words
from tests.planning.test_shorts import GETTYSBURG


def rules(text: str) -> set[str]:
    """The names of the rules that fired ('number', 'question', ...)."""
    return {reason.split(" (")[0] for reason in score_hook(text)[1]}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("3 habits that changed my mornings", "number"),
        ("Seven years of editing taught me this", "number"),
        ("Is your phone ruining your sleep?", "question"),
        ("Never post at noon", "negation"),
        ("Why this doesn't work for editors", "negation"),
        ("How to edit a reel in 10 minutes", "promise"),
        ("Everyone is doing cold showers wrong", "contrarian"),
        ("Your thumbnails are costing views", "second person"),
        ("The secret that editors keep quiet", "curiosity"),
        ("This brutal habit ruined my focus", "strong word"),
        ("So I went to the store yesterday", "weak opener"),
        ("Hello", "too short"),
    ],
)
def test_each_pattern_is_detected_with_its_reason(text: str, rule: str) -> None:
    assert rule in rules(text)


def test_a_plain_statement_fires_no_pattern_rule() -> None:
    assert rules("The cat sat on the mat today") - {"brevity"} == set()


def test_patterns_raise_the_score_and_long_or_weak_lines_lower_it() -> None:
    plain, _ = score_hook("The weather was mild in the valley")
    hooky, _ = score_hook("Nobody tells you these 3 sleep mistakes")
    long, reasons = score_hook(
        "So here is a very long opening line that keeps going on and on without a point"
    )
    assert hooky > plain > long
    assert any(reason.startswith("brevity (-2)") for reason in reasons)
    assert any(reason.startswith("weak opener (-2)") for reason in reasons)


def test_shorten_keeps_whole_clauses_or_cuts_at_a_word() -> None:
    by_clause = shorten(
        "When the lights go out in the city, everyone looks up at the sky for the first time"
    )
    assert by_clause == "When the lights go out in the city..."
    by_word = shorten(
        "Four score and seven years ago our fathers brought forth on this continent a new nation"
    )
    assert by_word == "Four score and seven years ago our fathers brought forth..."
    assert shorten("Short and sweet.") == "Short and sweet."


def test_emphasis_prefers_numbers_then_strong_words_and_is_in_the_text() -> None:
    assert emphasis_for("Stop making these 3 editing mistakes") == ["3", "Stop", "mistakes"]
    assert emphasis_for("The cat sat on the mat") == ["cat"]


def test_ranked_bounded_deduplicated_and_deterministic() -> None:
    texts = [
        "The weather was mild in the valley",
        "Why nobody talks about the 3 secrets of sleep?",
        "why nobody talks about the 3 secrets of sleep",
        "So this is an extremely long opening that rambles on and on for far too many words",
        "Stop scrolling",
        "You are brushing your teeth wrong",
    ]
    hooks = rank_hooks(texts, n=10)
    assert [hook.rank for hook in hooks] == list(range(1, len(hooks) + 1))
    assert len(hooks) == 5, "the two spellings of the same line count once"
    scores = [hook.score for hook in hooks]
    assert scores == sorted(scores, reverse=True)
    assert hooks[0].text == "Why nobody talks about the 3 secrets of sleep?"
    for hook in hooks:
        assert 1 <= len(words(hook.text)) <= MAX_HOOK_WORDS
        assert hook.reasons
        hook_words = {w.lower() for w in words(hook.text)}
        assert all(w.lower() in hook_words for w in hook.emphasis_words)
    assert rank_hooks(list(reversed(texts)), n=10) == hooks
    assert len(rank_hooks(texts, n=2)) == 2


def test_idea_hooks_fill_the_templates_with_the_topic() -> None:
    hooks = suggest_hooks(load_material("sleep better", "idea"), n=None)
    texts = [hook.text for hook in hooks]
    assert "Nobody tells you this about sleeping better" in texts
    assert "Stop doing this if you want to sleep better" in texts
    assert "Why sleeping better is harder than you think" in texts
    assert "Sleep better" in texts, "the idea itself is a candidate"
    thing = [hook.text for hook in suggest_hooks(load_material("sourdough bread", "idea"), None)]
    assert "3 sourdough bread mistakes you are making" in thing
    assert "The truth about sourdough bread" in thing


def test_script_hooks_are_its_sentences_and_clauses(tmp_path: Path) -> None:
    script = tmp_path / "gettysburg.txt"
    script.write_text(GETTYSBURG, encoding="utf-8")
    material = load_material(str(script), "script")
    hooks = suggest_hooks(material, n=None)
    assert len(hooks) > 10
    spoken = " ".join(s.text for s in material.sentences).lower()
    for hook in hooks:
        assert hook.origin is not None
        core = hook.text.removesuffix("...").rstrip(".").lower()
        assert core in spoken or core in material.sentences[hook.origin].text.lower()
        assert len(words(hook.text)) <= MAX_HOOK_WORDS


def test_extra_candidates_from_an_llm_are_scored_the_same_way() -> None:
    material = load_material("sleep better", "idea")
    extra = "Is your phone secretly ruining your 8 hours of sleep?"
    hooks = suggest_hooks(material, n=None, extra_texts=[extra, "sleep better"])
    (added,) = [hook for hook in hooks if hook.text == extra]
    assert (added.score, added.reasons) == score_hook(extra)
    assert added.origin is None
    assert [hook.score for hook in hooks] == sorted((hook.score for hook in hooks), reverse=True)
    (idea,) = [hook for hook in hooks if hook.text == "Sleep better"]
    assert idea.origin == 0, "a repeat of the idea keeps the idea as its origin"
