"""Growth's words without Qt: hashtags parsed once each, a caption's trailing tags shown once."""

from __future__ import annotations

import pytest

from studio.services.growth import caption_without_tags, parse_hashtags, post_text


def test_hashtags_are_parsed_once_each_with_one_hash() -> None:
    assert parse_hashtags("#sleep tips, #city sleep") == ["#sleep", "#tips", "#city"]


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Three tricks. #sleep #city", "Three tricks."),
        ("Three tricks. #Sleep  #CITY ", "Three tricks."),
        ("Why #sleep matters. #city", "Why #sleep matters."),
        ("Three tricks. #sleep #other", "Three tricks. #sleep #other"),
        ("#sleep #city", ""),
    ],
)
def test_only_the_listed_tags_at_the_end_leave_the_caption(caption: str, expected: str) -> None:
    assert caption_without_tags(caption, ["#sleep", "#city"]) == expected


def test_the_post_text_puts_the_removed_tags_back_once() -> None:
    caption = "Three tricks. #sleep #city"
    tags = ["#sleep", "#city", "#tips"]
    assert post_text(caption_without_tags(caption, tags), tags) == (
        "Three tricks. #sleep #city #tips"
    )
    assert post_text(caption, tags) == "Three tricks. #sleep #city #tips"
