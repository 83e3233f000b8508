"""The product catalog: built-in defaults, and an operator's JSON override with named errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cloud.payments.catalog import (
    CATALOG_ENV,
    DEFAULT_CATALOG,
    CatalogError,
    ProductKind,
    load_catalog,
)

PACK = {
    "id": "trips_5",
    "kind": "trip_pack",
    "name": "5 trips",
    "trips": 5,
    "price_cents": 499,
    "currency": "eur",
    "google_product_id": "play.trips.5",
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_default_catalog_sells_packs_and_pro() -> None:
    catalog = load_catalog({})
    assert catalog is DEFAULT_CATALOG
    kinds = {p.kind for p in catalog.products}
    assert kinds == {ProductKind.TRIP_PACK, ProductKind.PRO_PLAN}
    pro = next(p for p in catalog.products if p.kind is ProductKind.PRO_PLAN)
    assert pro.pro_days > 0
    assert catalog.by_apple_product(pro.apple_product_id or "") == pro


def test_env_file_replaces_the_catalog(tmp_path: Path) -> None:
    path = write(tmp_path, {"products": [PACK]})
    catalog = load_catalog({CATALOG_ENV: str(path)})

    pack = catalog.get("trips_5")
    assert pack is not None
    assert (pack.trips, pack.price_cents, pack.currency) == (5, 499, "eur")
    assert catalog.by_google_product("play.trips.5") == pack
    assert catalog.get("trips_10") is None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"price_cents": 0}, "products.0.price_cents"),
        ({"currency": "EURO"}, "products.0.currency"),
        ({"kind": "gift"}, "products.0.kind"),
        ({"trips": 0}, "must grant at least one trip"),
        ({"colour": "red"}, "products.0.colour"),
    ],
)
def test_bad_product_names_the_file_and_field(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    path = write(tmp_path, {"products": [{**PACK, **change}]})
    with pytest.raises(CatalogError, match=named) as error:
        load_catalog({CATALOG_ENV: str(path)})
    assert str(path) in str(error.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {"products": [PACK, {**PACK, "google_product_id": None}]})
    with pytest.raises(CatalogError, match="duplicate id: trips_5"):
        load_catalog({CATALOG_ENV: str(path)})


def test_pro_plan_needs_days(tmp_path: Path) -> None:
    plan = {**PACK, "id": "pro", "kind": "pro_plan", "google_product_id": None}
    with pytest.raises(CatalogError, match="pro_days"):
        load_catalog({CATALOG_ENV: str(write(tmp_path, {"products": [plan]}))})


def test_unreadable_or_broken_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(CatalogError, match=f"{CATALOG_ENV}=.*nope.json"):
        load_catalog({CATALOG_ENV: str(missing)})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken\.json: not valid JSON"):
        load_catalog({CATALOG_ENV: str(broken)})
