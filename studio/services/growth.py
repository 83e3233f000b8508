"""Growth without Qt: posts to list, variants to post, drafts to check, metrics to chart.

The Growth tab reads and writes through these functions so the rules (platform limits, UTC
times, connected accounts, how per-platform numbers add up to a variant's) are tested without a
window. The posts' per-platform states come from the cloud service, mirrored into the library by
``studio.services.social_cloud``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import select

from studio.services.jobs import JobInfo, JobQueue
from studio.services.jobs.social import COUNTS
from studio.services.library.db import Library
from studio.services.library.models import PostMetric, Shorts, ShortVariant, SocialPost


@dataclass(frozen=True)
class Platform:
    """A platform a post can go to, with the limits it enforces on the words."""

    key: str
    name: str
    text_limit: int
    """Characters of caption plus hashtags the platform accepts."""
    title_limit: int | None = None
    hashtag_limit: int | None = None


PLATFORMS = (
    Platform("youtube", "YouTube", text_limit=5000, title_limit=100),
    Platform("tiktok", "TikTok", text_limit=2200),
    Platform("instagram", "Instagram", text_limit=2200, hashtag_limit=30),
    Platform("x", "X", text_limit=280),
)
PLATFORM_NAMES = {platform.key: platform.name for platform in PLATFORMS}


def parse_hashtags(text: str) -> list[str]:
    """``"#sleep tips, #city"`` -> ``["#sleep", "#tips", "#city"]``: once each, with a ``#``."""
    tags: list[str] = []
    for word in re.split(r"[\s,]+", text):
        bare = word.strip().lstrip("#")
        if bare and f"#{bare}" not in tags:
            tags.append(f"#{bare}")
    return tags


def post_text(caption: str, hashtags: Sequence[str]) -> str:
    """What a platform shows: the caption, then the hashtags it does not already contain."""
    missing = [tag for tag in hashtags if tag not in caption.split()]
    return " ".join(part for part in (caption.strip(), " ".join(missing)) if part)


def caption_without_tags(caption: str, hashtags: Sequence[str]) -> str:
    """The caption without the run of hashtags at its end that the hashtag list already has:
    the composer shows them once, in Hashtags, and ``post_text`` adds them back."""
    words = caption.split(" ")
    listed = {tag.lower() for tag in hashtags}
    while words and (not words[-1].strip() or words[-1].strip().lower() in listed):
        words.pop()
    return " ".join(words).rstrip()


@dataclass(frozen=True)
class Draft:
    """A post as the composer has it; ``scheduled_at`` is aware (any zone)."""

    variant_id: str | None
    platforms: tuple[str, ...]
    title: str
    caption: str
    hashtags: tuple[str, ...]
    scheduled_at: datetime


@dataclass(frozen=True)
class Problem:
    """Why a draft cannot be scheduled; ``field`` names the composer's field to fix."""

    field: str
    message: str


def check_draft(
    draft: Draft,
    variant: VariantChoice | None,
    now: datetime,
    *,
    connected: Collection[str] | None = None,
    immediate: bool = False,
) -> list[Problem]:
    """Every reason the draft cannot be scheduled yet, each naming its field.

    ``connected`` lists the platforms with a connected account (None: not checked);
    ``immediate`` is "Post now", where the time is now and not a problem.
    """
    problems: list[Problem] = []
    if variant is None:
        problems.append(Problem("variant", "Choose a short variant to post."))
    elif not variant.rendered:
        problems.append(
            Problem("variant", "This variant has no video yet: render it in the Shorts tab first.")
        )
    if not draft.platforms:
        problems.append(Problem("platforms", "Choose at least one platform."))
    missing = [key for key in draft.platforms if connected is not None and key not in connected]
    if missing:
        names = " and ".join(PLATFORM_NAMES.get(key, key) for key in missing)
        problems.append(Problem("platforms", f"Connect a {names} account first (Accounts, above)."))
    if not immediate and draft.scheduled_at <= now:
        problems.append(Problem("when", "The time is in the past: choose a later time."))
    text = post_text(draft.caption, draft.hashtags)
    for platform in PLATFORMS:
        if platform.key not in draft.platforms:
            continue
        if len(text) > platform.text_limit:
            problems.append(
                Problem(
                    "caption",
                    f"Caption and hashtags are {len(text)} characters; {platform.name} "
                    f"takes at most {platform.text_limit}.",
                )
            )
        if platform.title_limit is not None and len(draft.title) > platform.title_limit:
            problems.append(
                Problem(
                    "title",
                    f"The title is {len(draft.title)} characters; {platform.name} takes at "
                    f"most {platform.title_limit}.",
                )
            )
        if platform.hashtag_limit is not None and len(draft.hashtags) > platform.hashtag_limit:
            problems.append(
                Problem(
                    "hashtags",
                    f"{len(draft.hashtags)} hashtags; {platform.name} takes at most "
                    f"{platform.hashtag_limit}.",
                )
            )
    return problems


@dataclass(frozen=True)
class VariantChoice:
    """A short variant the composer can post, with its plan's publish suggestions."""

    id: str
    label: str
    hook: str
    rendered: bool
    title: str
    caption: str
    hashtags: tuple[str, ...]


def _choice(variant: ShortVariant, shorts_title: str) -> VariantChoice:
    plan: dict[str, Any] = variant.plan or {}
    publish = plan.get("publish_suggestions") or {}
    hook = str((plan.get("hook") or {}).get("text", ""))
    return VariantChoice(
        id=variant.id,
        label=f"{shorts_title} · {variant.variant_id} ({variant.format.replace('_', ':')})",
        hook=hook,
        rendered=bool(variant.video_path),
        title=str(publish.get("title", "")),
        caption=str(publish.get("caption", "")),
        hashtags=tuple(str(tag) for tag in publish.get("hashtags", [])),
    )


def rendered_variants(library: Library) -> list[VariantChoice]:
    """Variants with a rendered video, newest batch first: what can be posted today."""
    with library.session(readonly=True) as session:
        rows = session.execute(
            select(ShortVariant, Shorts.title)
            .join(Shorts, Shorts.id == ShortVariant.shorts_id)
            .where(ShortVariant.video_path.is_not(None))
            .order_by(Shorts.created_at.desc(), ShortVariant.variant_id)
        ).all()
        return [_choice(variant, title) for variant, title in rows]


def variant_choice(library: Library, variant_id: str) -> VariantChoice | None:
    """One variant by its library id, rendered or not (None when there is no such variant)."""
    with library.session(readonly=True) as session:
        row = session.execute(
            select(ShortVariant, Shorts.title)
            .join(Shorts, Shorts.id == ShortVariant.shorts_id)
            .where(ShortVariant.id == variant_id)
        ).first()
        return _choice(row[0], row[1]) if row is not None else None


def schedule(library: Library, jobs: JobQueue, draft: Draft) -> tuple[str, list[JobInfo]]:
    """Store the post (time in UTC) and queue its jobs: ``social.schedule_post`` now, then
    ``social.publish_post`` held until the time. Returns the post id and the jobs."""
    with library.session() as session:
        post = SocialPost(
            variant_id=draft.variant_id,
            platforms=list(draft.platforms),
            title=draft.title,
            caption=draft.caption,
            hashtags=list(draft.hashtags),
            scheduled_at=draft.scheduled_at.astimezone(UTC),
            status="scheduled",
        )
        session.add(post)
        session.flush()
        post_id = post.id
    scheduled = jobs.enqueue("social.schedule_post", {"post_id": post_id})
    publish = jobs.enqueue(
        "social.publish_post",
        {"post_id": post_id},
        depends_on=scheduled.id,
        not_before=draft.scheduled_at.astimezone(UTC),
        idempotency_key=f"social.publish_post:{post_id}",
    )
    return post_id, [scheduled, publish]


@dataclass(frozen=True)
class PlatformState:
    """One platform of a post as the service last told it."""

    platform: str
    status: str
    """pending, publishing, published or failed."""
    url: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    late: bool = False

    @property
    def name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)

    def describe(self, zone: tzinfo | None = None) -> str:
        """``"TikTok: retrying (rate limited), next try 14:05"`` -- times in ``zone``."""
        late = " (late)" if self.late else ""
        if self.status == "published":
            return f"{self.name}: published{late}"
        if self.status == "failed":
            return f"{self.name}: failed ({self.error or 'refused'})"
        if self.error:
            when = ""
            if self.retry_at is not None:
                when = f", next try {self.retry_at.astimezone(zone):%H:%M}"
            return f"{self.name}: retrying ({self.error}){when}{late}"
        return f"{self.name}: {self.status}{late}"


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def platform_states(raw: dict[str, Any], order: Sequence[str] = ()) -> tuple[PlatformState, ...]:
    """The mirrored ``SocialPost.platform_status`` JSON as ``PlatformState``s, in ``order`` (the
    post's platforms as the creator chose them) first."""
    found = []
    for platform, state in raw.items():
        if not isinstance(state, dict):
            continue
        found.append(
            PlatformState(
                platform,
                str(state.get("status", "")),
                state.get("url") or None,
                state.get("error") or None,
                _when(state.get("retry_at")),
                bool(state.get("late")),
            )
        )
    rank = {key: index for index, key in enumerate(order)}
    return tuple(sorted(found, key=lambda state: rank.get(state.platform, len(rank))))


@dataclass(frozen=True)
class PostRow:
    """A post as the list and the calendar show it."""

    id: str
    title: str
    platforms: tuple[str, ...]
    status: str
    scheduled_at: datetime | None
    metrics: dict[str, int]
    states: tuple[PlatformState, ...] = ()
    """Per platform, once the service said something."""


def totals(metrics: dict[str, object]) -> dict[str, int]:
    """Numbers summed over platforms (``metrics`` is ``{platform: {"views": n, ...}}``)."""
    summed: dict[str, int] = {}
    for numbers in metrics.values():
        if not isinstance(numbers, dict):
            continue
        for key, value in numbers.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                summed[key] = summed.get(key, 0) + int(value)
    return summed


def list_posts(library: Library) -> list[PostRow]:
    """Scheduled and published posts, the latest created first."""
    with library.session(readonly=True) as session:
        rows = session.scalars(select(SocialPost).order_by(SocialPost.created_at.desc()))
        return [
            PostRow(
                row.id,
                row.title or "(untitled)",
                tuple(row.platforms or []),
                row.status,
                row.scheduled_at,
                totals(row.metrics or {}),
                platform_states(row.platform_status or {}, row.platforms or ()),
            )
            for row in rows
        ]


def posts_by_day(posts: Iterable[PostRow], zone: tzinfo | None = None) -> dict[date, list[PostRow]]:
    """Posts with a time, by the day they fall on in ``zone`` (the local zone when None)."""
    days: dict[date, list[PostRow]] = {}
    for post in posts:
        if post.scheduled_at is not None:
            days.setdefault(post.scheduled_at.astimezone(zone).date(), []).append(post)
    return days


@dataclass(frozen=True)
class MetricPoint:
    """A variant's numbers at one time: each post and platform's latest count, added up."""

    at: datetime
    views: int
    likes: int
    comments: int
    shares: int
    watch_time_seconds: float = 0.0

    def value(self, count: str) -> int:
        return int(getattr(self, count))


@dataclass
class VariantSeries:
    """A variant's numbers over time, oldest first."""

    variant_id: str
    label: str
    hook: str
    shorts_id: str
    shorts_title: str
    points: list[MetricPoint] = field(default_factory=list)


_Latest = dict[tuple[str, str], PostMetric]


def _point(at: datetime, latest: _Latest) -> MetricPoint:
    sums = {count: sum(getattr(row, count) for row in latest.values()) for count in COUNTS}
    watched = sum(row.watch_time_seconds or 0.0 for row in latest.values())
    return MetricPoint(at, **sums, watch_time_seconds=watched)


def variant_series(library: Library, variant_id: str | None = None) -> list[VariantSeries]:
    """Per variant (or the one asked for), a point per fetch time, oldest first.

    Counts are running totals per post and platform, so a point adds each one's latest count
    as of that time: a platform not fetched at that moment keeps its previous number.
    """
    query = (
        select(PostMetric, SocialPost.variant_id, ShortVariant, Shorts)
        .join(SocialPost, SocialPost.id == PostMetric.post_id)
        .join(ShortVariant, ShortVariant.id == SocialPost.variant_id)
        .join(Shorts, Shorts.id == ShortVariant.shorts_id)
        .order_by(SocialPost.variant_id, PostMetric.fetched_at, PostMetric.id)
    )
    if variant_id is not None:
        query = query.where(SocialPost.variant_id == variant_id)
    found: list[VariantSeries] = []
    with library.session(readonly=True) as session:
        rows = session.execute(query).all()
        for _, group in itertools.groupby(rows, key=lambda row: row[1]):
            members = list(group)
            choice = _choice(members[0][2], members[0][3].title)
            series = VariantSeries(
                choice.id, choice.label, choice.hook, members[0][3].id, members[0][3].title
            )
            latest: _Latest = {}
            for at, same_time in itertools.groupby(members, key=lambda row: row[0].fetched_at):
                for row in same_time:
                    latest[(row[0].post_id, row[0].platform)] = row[0]
                series.points.append(_point(at, latest))
            found.append(series)
    return sorted(found, key=lambda series: series.label)


@dataclass(frozen=True)
class Total:
    """The latest numbers of a group of variants (one variant, one short or one hook)."""

    key: str
    label: str
    views: int
    likes: int
    comments: int
    shares: int
    watch_time_seconds: float = 0.0


def _totals_by(
    series: Iterable[VariantSeries], key: Callable[[VariantSeries], tuple[str, str]]
) -> list[Total]:
    sums: dict[str, tuple[str, list[int], list[float]]] = {}
    for one in series:
        if not one.points:
            continue
        group, label = key(one)
        _, numbers, watched = sums.setdefault(group, (label, [0] * len(COUNTS), [0.0]))
        for index, count in enumerate(COUNTS):
            numbers[index] += one.points[-1].value(count)
        watched[0] += one.points[-1].watch_time_seconds
    found = [
        Total(group, label, views, likes, comments, shares, watched[0])
        for group, (label, (views, likes, comments, shares), watched) in sums.items()
    ]
    return sorted(found, key=lambda total: (-total.views, total.label))


def totals_per_variant(series: Iterable[VariantSeries]) -> list[Total]:
    """Each variant's latest numbers, most viewed first."""
    return _totals_by(series, lambda one: (one.variant_id, one.label))


def totals_per_short(series: Iterable[VariantSeries]) -> list[Total]:
    """Each batch of shorts' latest numbers (its variants added up), most viewed first."""
    return _totals_by(series, lambda one: (one.shorts_id, one.shorts_title))


def totals_per_hook(series: Iterable[VariantSeries]) -> list[Total]:
    """Each hook's latest numbers over every variant that opens with it: which hook wins."""
    return _totals_by(series, lambda one: (one.hook, one.hook or "(no hook)"))
