"""``cinema.generate_assets``: make every piece of media a plan needs and no file supplies.

It is the assembly step run with the offline provider: shot sources, voice lines, music tracks
and named sound effects resolve to the creator's files where they exist, to the cache where they
were made before, and are made now otherwise. The report says which was which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.pipeline.assemble import Assembly, assemble
from studio.pipeline.generate.provider import LocalMedia, Made
from studio.spec import BrandKit, ProductionPlan, ShortsPlan


@dataclass(frozen=True)
class AssetReport:
    assembly: Assembly
    made: list[Made]

    @property
    def summary(self) -> str:
        fresh = sum(1 for item in self.made if not item.reused)
        return f"{fresh} made, {len(self.made) - fresh} reused from the cache"


def generate_assets(
    plan: ProductionPlan | ShortsPlan,
    assets: Path | None,
    provider: LocalMedia | None = None,
    brand: BrandKit | None = None,
) -> AssetReport:
    """Resolve or make all media of ``plan``; the Timeline that uses it comes with the report."""
    media = provider or LocalMedia()
    start = len(media.log)
    assembly = assemble(plan, assets, media, brand)
    return AssetReport(assembly, media.log[start:])
