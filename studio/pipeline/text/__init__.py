"""Text into RGBA sprites for the compositor: font fallback, shaping, bidi, fitting and effects.

Rendering happens once per text state at setup time; frames only blend the finished sprites.
"""

from __future__ import annotations

from studio.pipeline.text.render import measure_text, render_text
from studio.pipeline.text.style import RGB, Span, TextMetrics, TextSprite, TextStyle

__all__ = ["RGB", "Span", "TextMetrics", "TextSprite", "TextStyle", "measure_text", "render_text"]
