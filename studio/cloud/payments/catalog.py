"""What can be bought: trip packs and the Pro plan, with their prices and store product ids.

The catalog is configuration, not code: an operator changes prices or adds a pack with a JSON file
named by ``STUDIO_PAYMENTS_CATALOG``, without a release. Every payment path (Stripe, Apple, Google)
resolves its product through the same catalog, so one pack grants the same trips however it is paid.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CATALOG_ENV = "STUDIO_PAYMENTS_CATALOG"


class CatalogError(ValueError):
    """The catalog file is missing, is not JSON, or names a field wrongly."""


class ProductKind(StrEnum):
    TRIP_PACK = "trip_pack"
    PRO_PLAN = "pro_plan"


class Product(BaseModel):
    """One thing a user can pay for; prices are in the currency's smallest unit, as Stripe wants."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    kind: ProductKind
    name: str = Field(min_length=1)
    trips: int = Field(ge=0)
    price_cents: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3, pattern=r"^[a-z]{3}$")
    pro_days: int = Field(default=0, ge=0)
    apple_product_id: str | None = None
    google_product_id: str | None = None

    @model_validator(mode="after")
    def _grants_something(self) -> Product:
        if self.kind is ProductKind.TRIP_PACK and self.trips == 0:
            raise ValueError(f"trip pack {self.id!r} must grant at least one trip")
        if self.kind is ProductKind.PRO_PLAN and self.pro_days == 0:
            raise ValueError(f"pro plan {self.id!r} must set pro_days")
        return self


class Catalog(BaseModel):
    """All products, looked up by our id or by a store's product id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    products: tuple[Product, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Catalog:
        for label, ids in (
            ("id", [p.id for p in self.products]),
            ("apple_product_id", [p.apple_product_id for p in self.products if p.apple_product_id]),
            (
                "google_product_id",
                [p.google_product_id for p in self.products if p.google_product_id],
            ),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {label}: {', '.join(map(str, duplicates))}")
        return self

    def get(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def by_apple_product(self, apple_product_id: str) -> Product | None:
        return next((p for p in self.products if p.apple_product_id == apple_product_id), None)

    def by_google_product(self, google_product_id: str) -> Product | None:
        return next((p for p in self.products if p.google_product_id == google_product_id), None)


DEFAULT_CATALOG = Catalog(
    products=(
        Product(
            id="trips_10",
            kind=ProductKind.TRIP_PACK,
            name="10 trips",
            trips=10,
            price_cents=999,
            currency="usd",
            apple_product_id="studio.trips.10",
            google_product_id="studio.trips.10",
        ),
        Product(
            id="trips_50",
            kind=ProductKind.TRIP_PACK,
            name="50 trips",
            trips=50,
            price_cents=3999,
            currency="usd",
            apple_product_id="studio.trips.50",
            google_product_id="studio.trips.50",
        ),
        Product(
            id="pro_month",
            kind=ProductKind.PRO_PLAN,
            name="Studio Pro, 30 days",
            trips=30,
            price_cents=1999,
            currency="usd",
            pro_days=30,
            apple_product_id="studio.pro.month",
            google_product_id="studio.pro.month",
        ),
    )
)


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    """Validate a catalog document; the error names the source and the offending field."""
    try:
        return Catalog.model_validate(json.loads(text))
    except json.JSONDecodeError as error:
        raise CatalogError(f"{source}: not valid JSON ({error})") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '<root>'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise CatalogError(f"{source}: {problems}") from error


def load_catalog(environ: Mapping[str, str] | None = None) -> Catalog:
    """The catalog named by ``STUDIO_PAYMENTS_CATALOG`` (a JSON file), else the built-in one."""
    path = (os.environ if environ is None else environ).get(CATALOG_ENV)
    if not path:
        return DEFAULT_CATALOG
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{CATALOG_ENV}={path}: cannot read ({error.strerror})") from error
    return parse_catalog(text, source=path)
