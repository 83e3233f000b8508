"""The brand kit (API section, /brand-kit): a creator's colours, fonts, logo and caption look."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from studio.spec.common import CaptionLook, Color, Identifier, SpecModel
from studio.spec.shorts import CaptionsStyle


class BrandKit(SpecModel):
    """Defaults every render falls back to when a plan leaves a colour or look out.

    The API body names the caption style ``caption_style_json``; both spellings are accepted.
    """

    primary_color: Color = "#00F0FF"
    secondary_color: Color = "#FF2EF5"
    font_style: CaptionLook = "bold"
    logo_asset_id: Identifier | None = None
    caption_style: CaptionsStyle = Field(
        default_factory=CaptionsStyle,
        validation_alias=AliasChoices("caption_style", "caption_style_json"),
    )
