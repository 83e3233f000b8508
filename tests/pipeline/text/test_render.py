"""What a viewer sees: real pixels of rendered sprites."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from studio.pipeline.text import Span, TextSprite, TextStyle, render_text

U8 = npt.NDArray[np.uint8]
WHITE, BLACK, YELLOW = (255, 255, 255), (0, 0, 0), (255, 214, 0)


def opaque(sprite: TextSprite) -> U8:
    """RGB of the fully opaque pixels."""
    rgba = sprite.rgba
    pixels: U8 = rgba[rgba[..., 3] == 255][:, :3]
    return pixels


def count(pixels: U8, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    return int((np.abs(pixels.astype(int) - colour).max(axis=1) <= tolerance).sum())


def saturated(sprite: TextSprite) -> int:
    """Opaque pixels with clear colour, which grey or black tofu boxes never have."""
    pixels = opaque(sprite)
    if not len(pixels):
        return 0
    hsv = cv2.cvtColor(pixels[None, :, :], cv2.COLOR_RGB2HSV)[0]
    return int(((hsv[:, 1] > 120) & (hsv[:, 2] > 80)).sum())


def test_latin_renders_in_its_colour_with_an_outline() -> None:
    style = TextStyle(size_px=64, color=YELLOW, outline_px=5, outline_color=BLACK)
    sprite = render_text("Hello world", style, 800, 300)
    rgba = sprite.rgba
    assert rgba.dtype == np.uint8
    assert rgba.shape[2] == 4
    assert rgba.shape[1] <= 800
    assert sprite.lines == 1
    assert count(opaque(sprite), YELLOW) > 2000
    assert count(opaque(sprite), BLACK) > 1000
    # The outline surrounds the glyphs: the outermost opaque pixels on each row are black.
    rows = [row for row in rgba if (row[:, 3] == 255).any()]
    edges = [row[np.flatnonzero(row[:, 3] == 255)[0], :3] for row in rows]
    assert all(max(edge) < 40 for edge in edges)


def test_sprite_is_tightly_cropped() -> None:
    sprite = render_text("Crop", TextStyle(size_px=80), 1000, 500)
    alpha = sprite.rgba[..., 3]
    for edge in (alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]):
        assert edge.max() < 255
    for inner in (alpha[:4].max(), alpha[-4:].max(), alpha[:, :4].max(), alpha[:, -4:].max()):
        assert inner > 0


def test_edges_are_anti_aliased() -> None:
    alpha = render_text("Smooth O", TextStyle(size_px=80), 1000, 500).rgba[..., 3]
    partial = ((alpha > 0) & (alpha < 255)).sum()
    assert partial > 0.05 * (alpha == 255).sum()


def test_shadow_falls_below_and_box_plate_shows() -> None:
    shadowed = TextStyle(
        size_px=64, shadow_offset=(0, 10), shadow_blur=2, shadow_opacity=1.0, shadow_color=BLACK
    )
    rgba = render_text("Shadow", shadowed, 800, 300).rgba
    dark = (rgba[..., 3] > 200) & (rgba[..., :3].max(axis=2) < 40)
    rows = np.flatnonzero(dark.any(axis=1))
    white_rows = np.flatnonzero(
        ((rgba[..., 3] > 200) & (rgba[..., :3].min(axis=2) > 240)).any(axis=1)
    )
    assert rows.max() > white_rows.max() + 5

    boxed = TextStyle(size_px=64, box_color=(200, 0, 0), box_opacity=1.0, box_padding_px=12)
    sprite = render_text("Boxed", boxed, 800, 300)
    assert count(opaque(sprite), (200, 0, 0)) > 0.4 * sprite.rgba.shape[0] * sprite.rgba.shape[1]
    assert count(opaque(sprite), WHITE) > 1000


def test_glow_tints_around_the_text() -> None:
    style = TextStyle(size_px=64, glow_radius=16, glow_strength=1.5, glow_color=(0, 240, 255))
    rgba = render_text("Glow", style, 800, 300).rgba
    halo = (rgba[..., 3] > 30) & (rgba[..., 3] < 250)
    cyan = halo & (rgba[..., 2] > 200) & (rgba[..., 1] > 180) & (rgba[..., 0] < 80)
    assert cyan.sum() > 500


def test_fire_emoji_is_in_colour() -> None:
    sprite = render_text("🔥", TextStyle(size_px=96), 800, 300)
    assert saturated(sprite) > 1000


def test_family_sequence_is_one_glyph() -> None:
    style = TextStyle(size_px=96)
    single = render_text("🔥", style, 800, 300).rgba.shape[1]
    family = render_text("👨‍👩‍👧", style, 800, 300)
    assert family.rgba.shape[1] < 1.3 * single
    assert family.rgba[..., 3].max() == 255


def test_flag_is_one_red_and_white_glyph() -> None:
    style = TextStyle(size_px=96)
    single = render_text("🔥", style, 800, 300).rgba.shape[1]
    flag = render_text("🇯🇵", style, 800, 300)
    assert flag.rgba.shape[1] < 1.3 * single
    pixels = opaque(flag)
    red = (pixels[:, 0] > 170) & (pixels[:, 1] < 80) & (pixels[:, 2] < 100)
    assert red.sum() > 300
    assert count(pixels, WHITE, tolerance=25) > 1000


def test_variation_selector_adds_no_tofu() -> None:
    style = TextStyle(size_px=96)
    single = render_text("🔥", style, 800, 300).rgba.shape[1]
    warning = render_text("⚠️", style, 800, 300)
    assert warning.rgba.shape[1] < 1.3 * single
    assert saturated(warning) > 1000


def test_emoji_get_the_outline_too() -> None:
    plain = render_text("🔥", TextStyle(size_px=96), 800, 300).rgba
    outlined = render_text("🔥", TextStyle(size_px=96, outline_px=6), 800, 300).rgba
    assert (outlined[..., 3] > 128).sum() > (plain[..., 3] > 128).sum() * 1.1


def test_right_to_left_and_cjk_scripts_render() -> None:
    style = TextStyle(size_px=64, color=YELLOW)
    for text in ("مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก"):
        sprite = render_text(text, style, 900, 300)
        assert count(opaque(sprite), YELLOW) > 800, text
        assert sprite.lines == 1


def test_cjk_wraps_between_characters_in_a_narrow_box() -> None:
    style = TextStyle(size_px=64, min_size_px=40)
    for text in ("你好，世界", "こんにちは"):
        sprite = render_text(text, style, 200, 400)
        assert sprite.lines > 1, text
        assert sprite.rgba.shape[1] <= 200
        assert (sprite.rgba[..., 3] == 255).sum() > 500


def test_accented_latin_renders() -> None:
    sprite = render_text("Crème brûlée — Ñandú", TextStyle(size_px=64), 1000, 300)
    assert sprite.lines == 1
    assert count(opaque(sprite), WHITE) > 2000


def caption(active: int | None, boxed: bool) -> list[Span]:
    words = ["Spans", "never", "move", "words", "🔥"]
    spans = []
    for index, word in enumerate(words):
        highlight = index == active
        colour = (20, 20, 20) if highlight and boxed else (YELLOW if highlight else None)
        box = YELLOW if highlight and boxed else None
        spans.append(Span(("" if index == 0 else " ") + word, colour, box))
    return spans


def test_span_colours_do_not_move_words() -> None:
    style = TextStyle(size_px=72, outline_px=4, uppercase=True)
    plain = render_text(caption(None, False), style, 700, 400)
    for active in range(4):
        coloured = render_text(caption(active, False), style, 700, 400)
        assert coloured.rgba.shape == plain.rgba.shape
        assert np.array_equal(coloured.rgba[..., 3], plain.rgba[..., 3])
        assert count(opaque(coloured), YELLOW) > 300
    assert count(opaque(plain), YELLOW) == 0


def test_span_plates_keep_the_sprite_size() -> None:
    style = TextStyle(size_px=72, outline_px=4)
    plain = render_text(caption(None, True), style, 700, 400)
    for active in range(4):
        boxed = render_text(caption(active, True), style, 700, 400)
        assert boxed.rgba.shape == plain.rgba.shape
        assert count(opaque(boxed), YELLOW) > 1000


def test_mid_word_span_recolours_part_of_the_word() -> None:
    style = TextStyle(size_px=72)
    whole = render_text([Span("Karaoke")], style, 700, 300)
    split = render_text([Span("Kara", color=YELLOW), Span("oke")], style, 700, 300)
    assert np.array_equal(whole.rgba[..., 3], split.rgba[..., 3])
    yellow = np.flatnonzero(
        (np.abs(split.rgba[..., :3].astype(int) - YELLOW).max(axis=2) < 12).any(axis=0)
    )
    white = np.flatnonzero((split.rgba[..., :3].min(axis=2) > 245).any(axis=0))
    assert yellow.max() < white.max()
    assert yellow.min() < white.min()


def test_spans_inside_an_arabic_word_keep_it_joined() -> None:
    style = TextStyle(size_px=72)
    whole = render_text([Span("مرحبا")], style, 700, 300)
    split = render_text([Span("مر", color=YELLOW), Span("حبا")], style, 700, 300)
    assert np.array_equal(whole.rgba[..., 3], split.rgba[..., 3])
    yellow = np.flatnonzero(
        (np.abs(split.rgba[..., :3].astype(int) - YELLOW).max(axis=2) < 12).any(axis=0)
    )
    white = np.flatnonzero((split.rgba[..., :3].min(axis=2) > 245).any(axis=0))
    assert yellow.max() > white.max()  # the first letters of a right-to-left word sit on the right


def test_rendering_is_deterministic() -> None:
    style = TextStyle(
        size_px=80,
        outline_px=5,
        shadow_offset=(0, 4),
        shadow_blur=6,
        shadow_opacity=0.5,
        glow_radius=12,
        glow_strength=0.8,
    )
    content = "Same input 🔥 مرحبا 你好"
    first = render_text(content, style, 900, 400).rgba
    second = render_text(content, style, 900, 400).rgba
    assert first.tobytes() == second.tobytes()


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size_px"):
        render_text("x", TextStyle(size_px=0), 100, 100)


def test_empty_text_is_a_transparent_sprite() -> None:
    sprite = render_text("   ", TextStyle(size_px=64), 500, 200)
    assert sprite.lines == 0
    assert not sprite.rgba.any()


def test_an_active_word_plate_is_not_hidden_by_the_outline() -> None:
    style = TextStyle(size_px=48, outline_px=4, uppercase=True)
    plain = render_text([Span("WASTING"), Span(" CONTENT"), Span(" LIKE")], style, 500, 300)
    active = render_text(
        [Span("WASTING"), Span(" CONTENT", (255, 255, 255), (255, 46, 245)), Span(" LIKE")],
        style,
        500,
        300,
    )
    changed = np.any(plain.rgba != active.rgba, axis=-1)
    rgb = active.rgba[..., :3].astype(int)
    ys, xs = np.nonzero(changed)
    plate = (slice(ys.min() + 6, ys.max() - 5), slice(xs.min() + 6, xs.max() - 5))
    opaque = active.rgba[plate][..., 3] > 250
    dark = rgb[plate].sum(axis=-1) < 200
    assert dark[opaque].mean() < 0.05, "no outline or shadow darkens the plate"
