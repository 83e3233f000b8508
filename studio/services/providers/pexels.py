"""Stock photos and videos from Pexels, with the attribution its licence asks for kept beside each.

Each file is saved with a ``.json`` sidecar naming the photographer or videographer, so credits
can be rendered from the asset's metadata. A shot that wants footage gets a video clip when the
search finds one, else a photo. Rate limits and server errors are retried with exponential
backoff before giving up as ``ProviderUnavailable``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from studio.pipeline.media import Speech
from studio.services.providers._cache import cache_slot, write_atomic
from studio.services.providers.errors import ProviderUnavailable, RejectedKey
from studio.services.providers.pexels_video import choose_video_file

PROVIDER = "pexels"
ENV_VAR = "PEXELS_API_KEY"
ATTRIBUTION = "Photos provided by Pexels"
VIDEO_ATTRIBUTION = "Videos provided by Pexels"
SEARCH_RESULTS = 5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def orientation(width: int, height: int) -> str:
    """Pexels' orientation filter for the requested shape."""
    if width > height:
        return "landscape"
    if height > width:
        return "portrait"
    return "square"


class PexelsMedia:
    """Implements ``MediaProvider`` with Pexels photo and video search; visuals only."""

    def __init__(
        self,
        api_key: str,
        cache: Path,
        base_url: str = "https://api.pexels.com",
        timeout: float = 20,
        max_retries: int = 3,
        client: httpx.Client | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.cache = cache
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff = backoff
        self._api_key = api_key
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=True)

    def _get(
        self, url: str, params: dict[str, Any] | None = None, auth: bool = True
    ) -> httpx.Response:
        """GET with retries on 429/5xx and timeouts; 401/403 become ``RejectedKey``."""
        headers = {"Authorization": self._api_key} if auth else {}
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.client.get(url, params=params, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                problem = type(error).__name__
                continue
            if response.status_code in (401, 403):
                raise RejectedKey(PROVIDER, ENV_VAR, response.status_code)
            if response.status_code in RETRY_STATUSES:
                problem = f"HTTP {response.status_code}"
                continue
            if response.is_error:
                raise ProviderUnavailable(f"{PROVIDER} answered HTTP {response.status_code}")
            return response
        raise ProviderUnavailable(f"{PROVIDER} is unavailable: {problem}")

    def visual(
        self, prompt: str, style: str, width: int, height: int, *, motion: bool = False
    ) -> Path | None:
        """A stock photo for the prompt; with ``motion``, a video clip when one matches."""
        query = " ".join(prompt.split())
        if motion:
            clip = self._video(query, width, height)
            if clip is not None:
                return clip
        return self._photo(query, orientation(width, height))

    def _video(self, query: str, width: int, height: int) -> Path | None:
        """The best-fitting MP4 of the first search results, cached per query and frame size."""
        shape = orientation(width, height)
        short_side = min(width, height)
        path = cache_slot(self.cache, "video", ".mp4", PROVIDER, query, shape, short_side)
        if path.exists():
            return path
        if not query:
            return None
        params = {"query": query, "orientation": shape, "per_page": SEARCH_RESULTS}
        videos = self._get(f"{self.base_url}/videos/search", params).json().get("videos") or []
        choice = choose_video_file(videos, width, height)
        if choice is None:
            return None
        user = choice.video.get("user") or {}
        credit = {
            "provider": PROVIDER,
            "videographer": user.get("name"),
            "videographer_url": user.get("url"),
            "url": choice.video.get("url"),
            "attribution": VIDEO_ATTRIBUTION,
        }
        return self._download(choice.link, path, credit)

    def _photo(self, query: str, shape: str) -> Path | None:
        path = cache_slot(self.cache, "visual", ".jpg", PROVIDER, query, shape)
        if path.exists():
            return path
        if not query:
            return None
        params = {"query": query, "orientation": shape, "per_page": SEARCH_RESULTS}
        photos = self._get(f"{self.base_url}/v1/search", params).json().get("photos") or []
        if not photos:
            return None
        photo = photos[0]
        src = photo.get("src") or {}
        url = src.get("large2x") or src.get("original")
        if not url:
            return None
        credit = {
            "provider": PROVIDER,
            "photographer": photo.get("photographer"),
            "photographer_url": photo.get("photographer_url"),
            "url": photo.get("url"),
            "attribution": ATTRIBUTION,
        }
        return self._download(url, path, credit)

    def _download(self, url: str, path: Path, credit: dict[str, Any]) -> Path:
        """Fetch ``url`` into the cache ``path``, its credit first so no cached file lacks one."""
        data = self._get(url, auth=False).content
        write_atomic(path.with_suffix(".json"), json.dumps(credit, indent=2).encode())
        write_atomic(path, data)
        return path

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        return None

    def music(self, mood: str, seconds: float) -> Path | None:
        return None

    def sfx(self, name: str) -> Path | None:
        return None
