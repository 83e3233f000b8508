"""Breaking, bidi order and fitting, checked on the layout and the sprite it produces."""

from __future__ import annotations

import pytest

from studio.pipeline.text import Span, TextStyle, measure_text, render_text
from studio.pipeline.text.layout import analyse, visual_order

LONG = (
    "Every creator knows the feeling: the footage is great, the story is there, and yet the "
    "edit takes a whole weekend because captions, cuts and music never line up on the first try."
)


def words(text: str) -> list[str]:
    tokens, _ = analyse((text,), "black", False)
    return ["".join(c.text for c in token.clusters) for token in tokens]


def test_words_break_at_spaces_and_cjk_between_characters() -> None:
    assert words("Hello brave  new\tworld") == ["Hello", "brave", "new", "world"]
    assert words("你好，世界") == ["你", "好，", "世", "界"]
    assert words("こんにちは") == list("こんにちは")
    assert words("fire🔥 now") == ["fire🔥", "now"]


def test_paragraph_direction_comes_from_the_first_strong_character() -> None:
    assert analyse(("123 שלום world",), "black", False)[1] is True
    assert analyse(("Hello مرحبا",), "black", False)[1] is False


def test_visual_order_follows_bidi() -> None:
    # Right-to-left paragraph: words run right to left, an embedded Latin pair keeps its order.
    assert visual_order([True, False, False, True], rtl=True) == [3, 1, 2, 0]
    # Left-to-right paragraph: a run of Arabic words is reversed as a group.
    assert visual_order([False, True, True, False], rtl=False) == [0, 2, 1, 3]


def test_long_paragraph_shrinks_into_a_small_box() -> None:
    style = TextStyle(size_px=96, outline_px=6, max_lines=4, min_size_px=10)
    sprite = render_text(LONG, style, 640, 220)
    height, width = sprite.rgba.shape[:2]
    assert 10 <= sprite.size_px < 96
    assert 1 < sprite.lines <= 4
    assert width <= 640
    assert height <= 220


def test_text_that_fits_keeps_its_size() -> None:
    sprite = render_text("Short caption", TextStyle(size_px=64), 1000, 400)
    assert sprite.size_px == 64
    assert sprite.lines == 1


def test_single_long_word_shrinks_the_size() -> None:
    sprite = render_text("Supercalifragilisticexpialidocious", TextStyle(size_px=120), 500, 400)
    assert sprite.size_px < 120
    assert sprite.lines == 1
    assert sprite.rgba.shape[1] <= 500


def test_minimum_size_truncates_instead_of_overflowing() -> None:
    style = TextStyle(size_px=60, min_size_px=40, max_lines=2)
    sprite = render_text(LONG, style, 500, 300)
    assert sprite.size_px == 40
    assert sprite.lines == 2
    assert sprite.rgba.shape[1] <= 500
    assert sprite.rgba.shape[0] <= 300


@pytest.mark.parametrize("max_width", [180, 320, 777, 1080])
def test_effects_stay_inside_the_width(max_width: int) -> None:
    style = TextStyle(
        size_px=90,
        outline_px=8,
        glow_radius=20,
        glow_strength=1.0,
        shadow_offset=(6, 8),
        shadow_blur=10,
        shadow_opacity=0.7,
        box_color=(0, 0, 0),
        box_opacity=0.5,
        box_padding_px=14,
    )
    sprite = render_text(LONG[:90], style, max_width, 2000)
    assert sprite.rgba.shape[1] <= max_width
    alpha = sprite.rgba[..., 3]
    assert alpha[:, 0].max() < 255  # the glow fades out before the crop edge
    assert alpha[:, -1].max() < 255


def test_newline_forces_a_break() -> None:
    sprite = render_text("one\ntwo", TextStyle(size_px=48), 1000, 400)
    assert sprite.lines == 2


def test_measure_matches_render() -> None:
    style = TextStyle(size_px=72, outline_px=4)
    content = [Span("Measured"), Span(" before"), Span(" drawing")]
    metrics = measure_text(content, style, 600, 300)
    sprite = render_text(content, style, 600, 300)
    assert (metrics.height, metrics.width) == sprite.rgba.shape[:2]
    assert (metrics.size_px, metrics.lines) == (sprite.size_px, sprite.lines)


def test_uppercase_transforms_letters_only() -> None:
    assert words("straße 🔥") == ["straße", "🔥"]
    tokens, _ = analyse(("straße 🔥",), "black", True)
    assert ["".join(c.text for c in t.clusters) for t in tokens] == ["STRASSE", "🔥"]
