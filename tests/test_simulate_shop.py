"""`restock simulate` on a real shop: the shop's history as a Replay, and the planner against the sellers'
policies on it (planner.simulate.shop_replay, simulate_shop)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from planner.importer import import_files
from planner.pipeline import load_history, plan_settings
from planner.shop import Shop
from planner.simulate import (
    ESTABLISHED_SELLING_DAYS, ESTABLISHED_WINDOW_DAYS, SEGMENTS, MinMaxPolicy, ShortHistory, shop_replay, simulate,
    simulate_shop,
)
from tests.test_run import small_shop_template  # noqa: F401  (fixture: generate_shop(n_skus=20, days=240, seed=3))

POLICIES = ("planner", "min/max", "cover", "textbook")


@pytest.fixture(scope="module")
def imported_shop(request, tmp_path_factory) -> Shop:
    """The 20-SKU, 240-day generated shop of tests/test_run.py, its exports imported into the store."""
    folder = tmp_path_factory.mktemp("simulate") / "shop"
    shutil.copytree(request.getfixturevalue("small_shop_template"), folder)
    shop = Shop.open(folder)
    import_files(shop, sorted(shop.inbox.iterdir()))
    return shop


@pytest.fixture(scope="module")
def history(imported_shop):
    return load_history(imported_shop)


@pytest.fixture(scope="module")
def replay(imported_shop, history):
    return shop_replay(history, imported_shop.inputs(), plan_settings(imported_shop.config))


@pytest.fixture(scope="module")
def market(imported_shop):
    return {"market": imported_shop.config.shop.market}


def read_table(shop: Shop, name: str) -> pd.DataFrame:
    return pd.read_csv(shop.root / f"{name}.csv", dtype={"sku": str, "bundle_sku": str, "component_sku": str})


def test_replay_matches_the_shop(imported_shop, history, replay):
    products = read_table(imported_shop, "products").set_index("sku")
    suppliers = read_table(imported_shop, "suppliers").set_index("supplier")
    bundles = read_table(imported_shop, "bundles")
    n_days = (history["date"].max() - history["date"].min()).days + 1
    assert replay.demand.shape == (len(replay.skus), n_days) == replay.censored.shape == replay.campaign_days.shape
    assert replay.start == max(n_days // 2, 90)
    assert replay.review_period_days == imported_shop.config.planning.review_period_days
    receiving = imported_shop.config.lead_time.fbt_receiving_days
    for i, sku in enumerate(replay.skus):
        product = products.loc[sku]
        supplier = suppliers.loc[product["supplier"]]
        lead = product["lead_time_days"] if pd.notna(product["lead_time_days"]) else supplier["lead_time_days"]
        if product["fulfillment"] == "fbt":
            lead += supplier["transit_days"] + receiving
        assert replay.lead_time_days[i] == pytest.approx(lead), sku
        sd = product["lead_time_sd_days"] if pd.notna(product["lead_time_sd_days"]) else supplier["lead_time_sd_days"]
        if pd.notna(supplier["lead_time_min_days"]):
            sd = (supplier["lead_time_max_days"] - supplier["lead_time_min_days"]) / 4.9
        assert replay.lead_time_sd_days[i] == pytest.approx(sd), sku
        assert (replay.moq[i], replay.case_pack[i]) == (product["moq"], product["case_pack"]), sku
        assert replay.unit_value[i] == pytest.approx(product["unit_cost"])
        assert replay.margin[i] == pytest.approx(product["price"] - product["unit_cost"])
    # demand: the SKU's own sales plus its kits' sales times the kit quantity; stockout days carried over
    units = history.pivot_table(index="sku", columns="date", values="units", aggfunc="sum", fill_value=0.0)
    units = units.reindex(columns=replay.dates, fill_value=0.0)
    flags = history.pivot_table(index="sku", columns="date", values="censored", aggfunc="max", fill_value=False)
    flags = flags.reindex(columns=replay.dates, fill_value=False).astype(bool)
    for i, sku in enumerate(replay.skus):
        expected = units.loc[sku].to_numpy() if sku in units.index else np.zeros(n_days)
        for row in bundles[bundles["component_sku"] == sku].itertuples():
            if row.bundle_sku in units.index:
                expected = expected + units.loc[row.bundle_sku].to_numpy() * row.quantity
        np.testing.assert_allclose(replay.demand[i], expected, err_msg=sku)
        if sku in flags.index:
            assert (replay.censored[i] >= flags.loc[sku].to_numpy()).all()
    # campaign days: every featured SKU-day lies inside a (non-ad) campaign of that SKU
    assert replay.campaign_days.any()
    for i, sku in enumerate(replay.skus):
        rows = replay.campaigns[(replay.campaigns["sku"] == sku) & (replay.campaigns["type"] != "ad")]
        for day in replay.dates[replay.campaign_days[i]]:
            assert ((rows["start"].dt.normalize() <= day) & (rows["end"].dt.normalize() >= day)).any(), (sku, day)


def test_the_shops_stockout_days_reach_the_replay(imported_shop, history, replay):
    # this shop's SKUs are all intermittent, so detection from sales leaves them alone: mark a day
    sku, day = replay.skus[0], replay.dates[replay.start - 10]
    marked = history.assign(censored=history["censored"] | ((history["sku"] == sku) & (history["date"] == day)))
    flagged = shop_replay(marked, imported_shop.inputs(), plan_settings(imported_shop.config))
    assert flagged.censored[list(flagged.skus).index(sku), list(flagged.dates).index(day)]

def test_skus_without_enough_history_are_excluded(imported_shop, history, replay):
    products = read_table(imported_shop, "products")
    kits = set(read_table(imported_shop, "bundles")["bundle_sku"])
    known = set(products["sku"]) | set(history["sku"])
    excluded = replay.excluded.set_index("sku")
    assert set(replay.skus).isdisjoint(excluded.index)
    assert set(replay.skus) | set(excluded.index) == known
    # established: sold on ESTABLISHED_SELLING_DAYS of the last ESTABLISHED_WINDOW_DAYS days before the start
    window = replay.dates[max(0, replay.start - ESTABLISHED_WINDOW_DAYS):replay.start]
    assert all((replay.demand[:, replay.start - len(window):replay.start] > 0).sum(axis=1) >= ESTABLISHED_SELLING_DAYS)
    for sku, row in excluded.iterrows():
        if sku in kits:
            assert row["reason"].startswith("bundle")
        elif row["reason"] != "discontinued":
            assert row["selling_days"] < ESTABLISHED_SELLING_DAYS
            assert f"sold on {row['selling_days']} of the {len(window)} days" in row["reason"]
    assert kits <= set(excluded.index)
    assert len(replay.skus) >= 3


def test_too_short_a_history_is_refused(imported_shop, history):
    with pytest.raises(ShortHistory, match="at least 90 days of history"):
        shop_replay(history, imported_shop.inputs(), plan_settings(imported_shop.config), start_days=len(history) + 1)
    recent = history[history["date"] > history["date"].max() - pd.Timedelta(days=60)]
    with pytest.raises(ShortHistory):
        shop_replay(recent, imported_shop.inputs(), plan_settings(imported_shop.config))


@pytest.fixture(scope="module")
def results(replay, market):
    return simulate_shop(replay, n_paths=50, model_params=market)


def test_simulate_shop_returns_every_policy_and_segment(replay, results):
    assert list(results.columns[:3]) == ["policy", "knob", "segment"]
    assert [(p, s) for p, s in zip(results["policy"], results["segment"])] == [(p, s) for p in POLICIES for s in SEGMENTS]
    assert dict(zip(results["policy"], results["knob"])) == {"planner": 0.95, "min/max": 20.0, "cover": 30.0, "textbook": 1.65}
    assert results["fill_rate"].between(0, 1).all()
    overall = results[results["segment"] == "all"].set_index("policy")
    classes = results[results["segment"].str.startswith("class")].groupby("policy")
    for column in ("demand_units", "lost_units", "lost_margin", "orders", "skus", "average_value"):
        np.testing.assert_allclose(classes[column].sum().loc[list(POLICIES)], overall.loc[list(POLICIES), column])
    campaign = results[results["segment"] == "campaign days"]
    assert (campaign["demand_units"] > 0).all() and campaign["average_value"].isna().all()
    # the overall row is simulate()'s own Outcome
    outcome = simulate(replay, MinMaxPolicy(20.0))
    row = overall.loc["min/max"]
    assert (row["fill_rate"], row["average_value"], row["orders"], row["lost_margin"]) == pytest.approx(
        (outcome.fill_rate, outcome.average_value, outcome.orders, outcome.lost_margin))
    assert row["stockout_share"] == pytest.approx(outcome.stockout_share)
    assert campaign.set_index("policy").loc["min/max", "stockout_days"] == outcome.campaign_stockout_days


def test_unknown_policy_names_the_known_ones(replay):
    with pytest.raises(Exception, match=r"unknown policy \['s/S'\]; known: \['planner', 'min/max', 'cover', 'textbook'\]"):
        simulate_shop(replay, policies=("s/S",))


@pytest.mark.slow  # 25 replays of the real plan: 200-450 s, beyond CI's budget (python -m pytest -m slow)
def test_higher_service_target_never_lowers_the_planners_fill_rate(imported_shop, history):
    """A property of the planner on this shop's own demand, averaged over five replays (seeds) that
    draw each order's lead time differently: the replay's demand is 358 units on 5 SKUs, and one replay
    at an 80 % target served 73.7-81.0 % by seed, so a single seed cannot order targets 10 points
    apart. The mean must never fall as the target rises, and 80 % -> 99 % must buy at least 10 points.
    (80 % and 90 % may serve the same: where every SKU sits on its cycle-service floor, the 40 % one or
    the campaign floor, a lower target has nothing left to give back. With the shop's 95 % campaign
    floor both serve about 89.5 % here, so the 10 points are asked of the target without that floor.)"""
    settings = plan_settings(imported_shop.config)

    def mean_fill(targets, **floors):
        return np.array([[simulate_shop(shop_replay(history, imported_shop.inputs(), settings, seed=seed),
                                        model="moving_average", service_level=target, n_paths=100, policies=("planner",),
                                        **floors).loc[0, "fill_rate"]
                          for target in targets] for seed in range(5)]).mean(axis=0)

    mean = mean_fill((0.80, 0.90, 0.99), campaign_service=settings.campaign_service)
    assert mean[0] <= mean[1] < mean[2], mean
    low, high = mean_fill((0.80, 0.99), campaign_service=None)
    assert high - low >= 0.10, (low, high)


def test_results_are_deterministic_by_seed(imported_shop, history):
    def run(seed):
        replay = shop_replay(history, imported_shop.inputs(), plan_settings(imported_shop.config), seed=seed)
        return simulate_shop(replay, model="moving_average", n_paths=50)

    first = run(5)
    pd.testing.assert_frame_equal(first, run(5))
    assert not first.equals(run(6))  # the seed draws the lead times
