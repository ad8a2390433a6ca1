"""Plan stability (issue 22): a change confined to some SKUs moves the other SKUs' forecasts and orders
only through documented pooled effects, and by a bounded amount.

- A *planned* campaign for 3 SKUs changes nothing for the others: each campaign's draws come from a
  random stream of its own (forecast/models/campaign/sampling.py), and nothing is learnt from a
  campaign that has not happened. (Where the new campaign takes days of those SKUs from a campaign they
  share with others, that campaign's draws in their chunk are drawn again: the same distribution, other
  Monte Carlo draws; the test places the campaign on free days.)
  The plan compared is made with ``fill_rate_scope = "sku"``: with "class" (the sample shop's) a class's
  fill rate is kept at its least stock value over all its SKUs, so the new campaign's raised floors for
  its 3 SKUs move the service the others of their class are given (on the 20-SKU shop: cycle service 0.84
  -> 0.85 for five SKUs, one safety stock 3.6 -> 4.6); with "sku" each SKU's own.
- A *past* campaign for 3 SKUs teaches the engine about its campaign type, whose uplift is pooled
  across SKUs (forecast/models/campaign/uplift.py): the others' forecasts move on their own campaign
  days of that type, a little. Bound: the others' horizon total within 1 %, each SKU's within 15 %.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from tests.test_run import generated_shop


@pytest.fixture(scope="module")
def shop_folder(tmp_path_factory):
    """The 20-SKU generated shop with its exports imported (the store is copied with the folder)."""
    folder = generated_shop(tmp_path_factory, seed=3)
    exports = sorted(str(f) for f in (folder / "inbox").iterdir() if f.is_file())
    result = CliRunner().invoke(main, ["import", "--shop", str(folder), *exports])
    assert result.exit_code == 0, result.output
    return folder


def _plan(folder, target, campaign_start: str | None):
    """`restock plan` on a copy of the shop, with a 4-hour own livestream for the first 3 SKUs starting
    at ``campaign_start`` (none: as it is); (forecast, plan, orders, featured SKUs)."""
    copy = target / ("with" if campaign_start else "without")
    shutil.copytree(folder, copy)
    featured = pd.read_csv(copy / "products.csv", dtype={"sku": str})["sku"].head(3).tolist()
    if campaign_start:
        start = pd.Timestamp(campaign_start)
        with open(copy / "campaigns.csv", "a", encoding="utf-8") as handle:
            handle.write(f"LIVE-STABILITY,livestream_own,{start:%Y-%m-%d %H:%M},"
                         f"{start + pd.Timedelta(hours=4):%Y-%m-%d %H:%M},{';'.join(featured)},@shop,20000,,10,,\n")
    result = CliRunner().invoke(main, ["plan", "--shop", str(copy), "--out", str(copy / "out")])
    assert result.exit_code == 0, result.output
    read = lambda name: pd.read_csv(copy / "out" / name, dtype={"sku": str})  # noqa: E731
    return read("forecast.csv"), read("plan.csv"), read("orders.csv"), featured


def _snapshot_day(folder) -> pd.Timestamp:
    return pd.to_datetime(pd.read_csv(folder / "inventory.csv")["snapshot_date"]).max()


def _free_day(folder, after: pd.Timestamp) -> pd.Timestamp:
    """The first day from ``after`` on which none of the first 3 products is in a campaign."""
    products = pd.read_csv(folder / "products.csv", dtype={"sku": str}).head(3)
    calendar = pd.read_csv(folder / "campaigns.csv", dtype=str)
    scopes = {"all"} | {f"category:{c}" for c in products["category"]}
    touches = calendar["skus"].isin(scopes) | calendar["skus"].str.split(";").map(lambda s: bool(set(s) & set(products["sku"])))
    busy = calendar[touches]
    for day in pd.date_range(after, periods=60):
        if not ((pd.to_datetime(busy["start"]).dt.normalize() <= day) & (pd.to_datetime(busy["end"]) >= day)).any():
            return day
    raise AssertionError("no free day for the test campaign")


def test_a_planned_campaign_for_three_skus_changes_nothing_for_the_others(shop_folder, tmp_path):
    per_sku = tmp_path / "per-sku"  # each SKU's own fill rate: no class allocation pooled over SKUs
    shutil.copytree(shop_folder, per_sku)
    toml = per_sku / "shop.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'fill_rate_scope = "class"' in text
    toml.write_text(text.replace('fill_rate_scope = "class"', 'fill_rate_scope = "sku"'), encoding="utf-8")
    day = _snapshot_day(per_sku)
    forecast, plan, orders, featured = _plan(per_sku, tmp_path, None)
    free = _free_day(per_sku, day + pd.Timedelta(days=7))
    forecast2, plan2, orders2, _ = _plan(per_sku, tmp_path, f"{free:%Y-%m-%d} 19:00")
    others = lambda frame: frame[~frame["sku"].isin(featured)].reset_index(drop=True)  # noqa: E731
    featured_rows = forecast["sku"].isin(featured)
    assert (forecast2.loc[featured_rows, "mean"].sum() > forecast.loc[featured_rows, "mean"].sum())  # it did land
    pd.testing.assert_frame_equal(others(forecast2), others(forecast))
    pd.testing.assert_frame_equal(others(plan2), others(plan))
    pd.testing.assert_frame_equal(others(orders2), others(orders))


def test_a_past_campaign_for_three_skus_moves_the_others_only_a_little(shop_folder, tmp_path):
    day = _snapshot_day(shop_folder)
    forecast, _, _, featured = _plan(shop_folder, tmp_path, None)
    forecast2, _, _, _ = _plan(shop_folder, tmp_path, f"{day - pd.Timedelta(days=40):%Y-%m-%d} 19:00")
    total = forecast[~forecast["sku"].isin(featured)].groupby("sku")["mean"].sum()
    total2 = forecast2[~forecast2["sku"].isin(featured)].groupby("sku")["mean"].sum()
    assert abs(total2.sum() / total.sum() - 1) < 0.01
    moved = (total2 - total).abs() / total.clip(lower=1.0)
    assert moved.max() < 0.15, moved.sort_values().tail()
