"""Reading the metric time series: each (post, platform)'s latest sample, and the per-short,
per-variant, per-hook sums a creator compares hooks by."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studio.cloud.social.models import MetricSample, SocialPost


def latest_samples(
    session: Session, post_ids: Iterable[str]
) -> dict[tuple[str, str], MetricSample]:
    """(post id, platform) -> its newest sample."""
    ids = list(post_ids)
    if not ids:
        return {}
    newest = (
        select(
            MetricSample.post_id,
            MetricSample.platform,
            func.max(MetricSample.fetched_at).label("fetched_at"),
        )
        .where(MetricSample.post_id.in_(ids))
        .group_by(MetricSample.post_id, MetricSample.platform)
        .subquery()
    )
    query = select(MetricSample).join(
        newest,
        (MetricSample.post_id == newest.c.post_id)
        & (MetricSample.platform == newest.c.platform)
        & (MetricSample.fetched_at == newest.c.fetched_at),
    )
    return {(sample.post_id, sample.platform): sample for sample in session.scalars(query)}


@dataclass
class VariantTotals:
    shorts_id: str | None
    variant_id: str
    hook: str | None
    post_ids: set[str] = field(default_factory=set)
    platforms: set[str] = field(default_factory=set)
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    watch_time_seconds: float = 0.0
    last_fetched_at: datetime | None = None

    def add(self, sample: MetricSample) -> None:
        self.platforms.add(sample.platform)
        self.views += sample.views
        self.likes += sample.likes
        self.comments += sample.comments
        self.shares += sample.shares or 0
        self.watch_time_seconds += sample.watch_time_seconds or 0.0
        if self.last_fetched_at is None or sample.fetched_at > self.last_fetched_at:
            self.last_fetched_at = sample.fetched_at


def per_variant(session: Session, owner_id: str) -> list[VariantTotals]:
    """The owner's posts grouped by (short, variant, hook), most viewed first."""
    posts = list(session.scalars(select(SocialPost).where(SocialPost.owner_id == owner_id)))
    latest = latest_samples(session, (post.id for post in posts))
    groups: dict[tuple[str | None, str, str | None], VariantTotals] = {}
    for post in posts:
        key = (post.shorts_id, post.variant_id, post.hook)
        totals = groups.setdefault(key, VariantTotals(*key))
        totals.post_ids.add(post.id)
        for platform in post.platforms:
            sample = latest.get((post.id, str(platform)))
            if sample is not None:
                totals.add(sample)
    return sorted(groups.values(), key=lambda totals: (-totals.views, totals.variant_id))
