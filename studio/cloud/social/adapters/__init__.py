"""One adapter per platform behind ``base.SocialAdapter``; ``ADAPTERS`` maps a platform key
(the keys of ``studio.services.growth.PLATFORMS``) to its class.

Each class is a dataclass taking ``client=ClientConfig(...)`` and, for tests, its base URLs::

    adapter = ADAPTERS["youtube"](client=ClientConfig("id", "secret"), api_base=fake_url)
"""

from __future__ import annotations

from studio.cloud.social.adapters.base import HttpAdapter
from studio.cloud.social.adapters.instagram import InstagramAdapter
from studio.cloud.social.adapters.tiktok import TikTokAdapter
from studio.cloud.social.adapters.x import XAdapter
from studio.cloud.social.adapters.youtube import YouTubeAdapter

ADAPTERS: dict[str, type[HttpAdapter]] = {
    "youtube": YouTubeAdapter,
    "tiktok": TikTokAdapter,
    "instagram": InstagramAdapter,
    "x": XAdapter,
}
