"""Each grapheme cluster goes to a font that really has it: no tofu in any bundled script."""

from __future__ import annotations

import pytest

from studio.pipeline.text import fonts

SAMPLES = {
    "latin": "Crème brûlée — Ñandú, “quoted” 100% déjà-vu!",
    "greek_cyrillic": "Ελληνικά Привет мир",
    "vietnamese": "Tiếng Việt có dấu",
    "arabic": "مرحبا بالعالم، كيف حالك؟",
    "hebrew": "שלום עולם",
    "devanagari": "नमस्ते दुनिया",
    "thai": "สวัสดีชาวโลก",
    "chinese": "你好，世界！",
    "japanese": "こんにちは、カタカナ",
    "emoji": "🔥👨‍👩‍👧🇯🇵⚠️1️⃣👍🏽❤️",
}


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_every_cluster_lands_on_a_font_that_covers_it(script: str) -> None:
    parts = fonts.clusters(SAMPLES[script])
    for cluster, name in zip(parts, fonts.fonts_for(parts, "black"), strict=True):
        assert fonts.covers(name, cluster), (cluster, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Crème brûlée — Ñandú", "Inter-Black.otf"),
        ("مرحبا بالعالم", "NotoSansArabic-Bold.ttf"),
        ("שלום עולם", "NotoSansHebrew-Bold.ttf"),
        ("नमस्ते", "NotoSansDevanagari-Bold.ttf"),
        ("สวัสดี", "NotoSansThai-Bold.ttf"),
        ("你好世界", "DroidSansFallbackFull.ttf"),
        ("こんにちは", "DroidSansFallbackFull.ttf"),
    ],
)
def test_scripts_pick_their_font(text: str, expected: str) -> None:
    letters = [c for c in fonts.clusters(text) if not c.isspace()]
    assert {fonts.font_for(c, "black") for c in letters} == {expected}


def test_weight_picks_the_inter_cut() -> None:
    assert fonts.font_for("A", "bold") == "Inter-Bold.otf"
    assert fonts.font_for("A", "extrabold") == "Inter-ExtraBold.otf"


@pytest.mark.parametrize("cluster", ["🔥", "👨‍👩‍👧", "🇯🇵", "⚠️", "1️⃣", "👍🏽", "❤️"])
def test_emoji_clusters_use_the_colour_font(cluster: str) -> None:
    assert len(fonts.clusters(cluster)) == 1
    assert fonts.is_emoji(cluster)
    assert fonts.font_for(cluster, "black") == fonts.EMOJI


@pytest.mark.parametrize("cluster", ["©", "™", "A", "1", "#", "⚠\ufe0e"])
def test_text_presentation_characters_stay_text(cluster: str) -> None:
    assert not fonts.is_emoji(cluster)
    assert fonts.font_for(cluster, "black") != fonts.EMOJI


def test_punctuation_stays_in_the_script_font() -> None:
    parts = fonts.clusters("كيف حالك؟")
    assert set(fonts.fonts_for(parts, "black")) - {"Inter-Black.otf"} == {"NotoSansArabic-Bold.ttf"}
    assert fonts.fonts_for(parts, "black")[-1] == "NotoSansArabic-Bold.ttf"


def test_arabic_is_shaped_into_joined_forms() -> None:
    word = "مرحبا"
    joined = fonts.measure("NotoSansArabic-Bold.ttf", word, True, 64).advance
    isolated = sum(fonts.measure("NotoSansArabic-Bold.ttf", c, True, 64).advance for c in word)
    assert joined < isolated * 0.9


def test_emoji_sequences_shape_to_one_glyph() -> None:
    one = fonts.measure(fonts.EMOJI, "🔥", False, 64).advance
    for sequence in ("👨‍👩‍👧", "🇯🇵", "⚠️", "1️⃣", "👍🏽"):
        assert fonts.measure(fonts.EMOJI, sequence, False, 64).advance == pytest.approx(one)
