"""Forecast overrides (overrides.csv, planner.overrides): a planner's figure laid over the forecast, the
plan planning on it, and the audit trail: who, why, how far from the statistics."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from planner import pipeline
from planner.errors import InputError
from planner.importer import import_files
from planner.io.inputs import read_input
from planner.overrides import FLAG_CHANGE, apply_overrides, override_warnings
from planner.shop import Shop
from tests.test_run import small_shop_template  # noqa: F401  (a 20-SKU shop from the generator)


@pytest.fixture
def shop(small_shop_template, tmp_path):  # noqa: F811
    shutil.copytree(small_shop_template, tmp_path / "shop")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    return shop


def write_overrides(shop: Shop, rows: list[str]) -> None:
    shop.path("overrides").write_text("scope,start,end,units,pct,reason,author\n" + "\n".join(rows) + "\n",
                                      encoding="utf-8")


def forecast_with(shop: Shop, rows: list[str]):
    write_overrides(shop, rows)
    return pipeline.run_forecast(shop, shop.inputs(), horizon=30, n_paths=50)


def test_units_and_pct_set_the_days_mean_and_the_plan_orders_for_it(shop):
    plain = pipeline.run_forecast(shop, shop.inputs(), horizon=30, n_paths=50)
    first = plain.forecast["date"].min()
    sku, other = sorted(plain.forecast["sku"].unique())[:2]
    day = lambda n: (first + pd.Timedelta(days=n)).strftime("%d/%m/%Y")  # noqa: E731  (the shop's day-first dates)
    result = forecast_with(shop, [f"{sku},{day(3)},{day(9)},40,,wholesale order confirmed,Ploy",
                                  f"{other},{day(0)},{day(29)},,-50,delisted from the showcase,Ploy"])
    mine = result.forecast.set_index(["sku", "date"])["mean"]
    before = plain.forecast.set_index(["sku", "date"])["mean"]
    days = pd.date_range(first + pd.Timedelta(days=3), periods=7)
    assert np.allclose(mine.loc[sku].reindex(days), 40, rtol=1e-4)
    # a confirmed order is known demand on top: the model's spread, not a scaled-up one
    spread = lambda r: r.forecast.set_index(["sku", "date"]).loc[sku].reindex(days)  # noqa: E731
    assert np.allclose(spread(result)["p90"] - spread(result)["p50"], spread(plain)["p90"] - spread(plain)["p50"],
                       atol=0.02)
    untouched = [d for d in before.loc[sku].index if d not in days]
    assert np.allclose(mine.loc[sku].reindex(untouched), before.loc[sku].reindex(untouched))
    month = pd.date_range(first, periods=30)
    ratio = mine.loc[other].reindex(month) / before.loc[other].reindex(month)
    assert np.allclose(ratio, 0.5, rtol=1e-4), ratio.tolist()
    points = result.forecast.set_index(["sku", "date"]).loc[sku].reindex(days)
    assert (points["point_method"] == "override").all() and np.allclose(points["point"], 40, rtol=1e-4)
    assert points["point_reason"].iloc[0] == "overrides.csv by Ploy: wholesale order confirmed"
    applied = result.overrides.set_index("sku")
    assert applied.loc[sku, "override_units"] == pytest.approx(280, rel=1e-4)
    assert applied.loc[sku, "forecast_units"] == pytest.approx(before.loc[sku].reindex(days).sum(), rel=1e-3)
    assert bool(applied.loc[sku, "flagged"]) and bool(applied.loc[other, "flagged"])  # +many %, -50 %
    plan = pipeline.run_plan(shop, shop.inputs(), result)
    plain_plan = pipeline.run_plan(shop, shop.inputs(), plain)
    level = lambda p, s: p.plan.set_index("sku").loc[s, "order_up_to"]  # noqa: E731
    assert level(plan, sku) > level(plain_plan, sku)
    assert level(plan, other) < level(plain_plan, other)


def test_an_override_far_from_the_statistics_is_flagged_and_a_near_one_is_not():
    applied = pd.DataFrame({"sku": ["A", "B"], "scope": ["A", "B"], "start": pd.Timestamp("2026-12-01"),
                            "end": pd.Timestamp("2026-12-03"), "units": [10.0, 6.0], "pct": np.nan, "days": 3,
                            "forecast_units": [15.0, 15.0], "override_units": [30.0, 18.0], "change": [1.0, 0.2],
                            "flagged": [True, False], "reason": ["live booked", "small push"], "author": "Nok"})
    [warning] = override_warnings(applied)
    assert warning.startswith(f"1 forecast override(s) more than {FLAG_CHANGE:.0%} away")
    assert "A 2026-12-01 to 2026-12-03 by Nok: 30 units against a forecast of 15 (2.0x the forecast; live booked)" in warning
    [lower] = override_warnings(applied.assign(override_units=[6.0, 18.0], change=[-0.6, 0.2]))
    assert "6.0 units against a forecast of 15 (-60%; live booked)" in lower
    assert "B 2026" not in warning
    assert override_warnings(applied.assign(flagged=False)) == []


def test_the_run_writes_the_audit_trail_and_the_manifest_hashes_overrides_csv(shop):
    import json

    from tests.test_run import run_cli

    history = pipeline.load_history(shop)
    sku = sorted(history["sku"].unique())[0]
    start = (history["date"].max() + pd.Timedelta(days=2)).strftime("%d/%m/%Y")
    write_overrides(shop, [f"{sku},{start},,500,,creator live booked,Ploy"])
    result = run_cli(shop, "--no-backtest")
    assert result.exit_code == 0, result.output
    latest = shop.runs / "latest"
    applied = pd.read_csv(latest / "overrides_applied.csv", encoding="utf-8-sig")
    assert applied.loc[0, "sku"] == sku and applied.loc[0, "author"] == "Ploy"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert "overrides.csv" in manifest["inputs"]
    assert any("forecast override(s)" in w for w in manifest["warnings"])


@pytest.mark.parametrize("row, column, words", [
    ("S1,01/12/2026,,5,10,x,y", "units", "gives both units and pct"),
    ("S1,01/12/2026,,,,x,y", "units", "gives neither units nor pct"),
    ("S1,05/12/2026,01/12/2026,5,,x,y", "end", "is before start"),
    ("S1,01/12/2026,,5,,x,", "author", ""),
])
def test_a_bad_override_names_the_file_row_and_column(tmp_path, row, column, words):
    path = tmp_path / "overrides.csv"
    path.write_text("scope,start,end,units,pct,reason,author\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_input(path, "overrides")
    text = str(error.value)
    assert "overrides.csv" in text and "row 2" in text and column in text and words in text


def test_no_overrides_leave_the_paths_as_they_are():
    paths = object()
    same, applied = apply_overrides(paths, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert same is paths and applied.empty


def test_an_override_naming_an_unknown_sku_is_an_error_naming_its_row():
    from forecast.models import SamplePaths

    paths = SamplePaths(np.array(["A"], dtype=object), pd.Timestamp("2026-12-01"), np.ones((1, 5, 3), np.float32))
    products = pd.DataFrame({"sku": ["A"], "category": ["home"]})
    overrides = pd.DataFrame({"scope": ["A;TYPO"], "start": [pd.Timestamp("2026-12-01")], "end": [pd.Timestamp("2026-12-02")],
                              "units": [4.0], "pct": [np.nan], "reason": ["x"], "author": ["y"], "_row": [3]})
    with pytest.raises(InputError) as error:
        apply_overrides(paths, paths.to_frame(), overrides, products)
    assert "overrides.csv" in str(error.value) and "row 3" in str(error.value) and "TYPO" in str(error.value)
    changed, applied = apply_overrides(paths, paths.to_frame(), overrides.assign(scope="A"), products)
    assert np.allclose(changed.values[0, :, :2], 4.0) and np.allclose(changed.values[0, :, 2], 1.0)
    lowered, _ = apply_overrides(paths, paths.to_frame(), overrides.assign(scope="A", units=0.5), products)
    assert np.allclose(lowered.values[0, :, :2], 0.5) and np.allclose(lowered.values[0, :, 2], 1.0)
    assert applied.loc[0, "days"] == 2 and applied.loc[0, "override_units"] == pytest.approx(8.0)
