"""History: complete calendars, censoring of stockouts (inventory or detected), category priors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.contract import HISTORY_COLUMNS
from forecast.history import category_prior, complete_history, mark_stockouts

DAYS = pd.date_range("2026-01-01", periods=120)


def long(**series) -> pd.DataFrame:
    return pd.DataFrame({
        "sku": np.repeat(list(series), len(DAYS)),
        "date": np.tile(DAYS.values, len(series)),
        "units": np.concatenate([np.asarray(v, dtype=float) for v in series.values()]),
    })


def censored_days(history: pd.DataFrame, sku: str) -> list[int]:
    rows = history[history["sku"] == sku].reset_index(drop=True)
    return rows.index[rows["censored"]].tolist()


def test_complete_history_fills_missing_days_from_the_first_sale_and_sums_locations():
    demand = pd.DataFrame({
        "sku": ["A", "A", "A", "B"],
        "date": pd.to_datetime(["2026-01-03", "2026-01-03", "2026-01-06", "2026-01-05"]),
        "units": [2, 1, 4, 7],
    })
    history = complete_history(demand)
    assert list(history.columns) == list(HISTORY_COLUMNS)
    a = history[history["sku"] == "A"]
    assert a["date"].dt.strftime("%d").tolist() == ["03", "04", "05", "06"]
    assert a["units"].tolist() == [3.0, 0.0, 0.0, 4.0]
    b = history[history["sku"] == "B"]
    assert b["date"].dt.strftime("%d").tolist() == ["05", "06"]  # B runs to the last date of the data
    assert not history["censored"].any()
    assert len(complete_history(demand, end="2026-01-10").query("sku == 'A'")) == 8


def test_a_planted_stockout_of_a_fast_mover_is_marked_and_a_slow_skus_zeros_are_not():
    rng = np.random.default_rng(3)
    fast = rng.poisson(12, len(DAYS)).astype(float)
    fast[60:66] = 0  # six silent days of a SKU selling 12 a day: out of stock
    slow = rng.poisson(0.2, len(DAYS)).astype(float)
    slow[40:70] = 0  # a month without a sale is normal for 0.2 a day
    history = mark_stockouts(complete_history(long(fast=fast, slow=slow)))
    assert censored_days(history, "fast") == list(range(60, 66))
    assert censored_days(history, "slow") == []


def test_a_livestream_that_sold_out_mid_session_censors_its_day_too():
    units = np.full(len(DAYS), 10.0)
    units[50] = 90.0  # the live sold 90 and emptied the shelf
    units[51:55] = 0
    history = mark_stockouts(complete_history(long(live=units)))
    assert censored_days(history, "live") == [50, 51, 52, 53, 54]


def test_inventory_history_decides_where_it_is_known():
    units = np.full(len(DAYS), 5.0)
    units[20] = 2.0  # sold 2 and ran out
    units[21] = 0.0  # started empty
    inventory = pd.DataFrame({"sku": "A", "date": DAYS, "on_hand": np.where(np.isin(np.arange(len(DAYS)), [20, 21]), 0, 50)})
    history = complete_history(long(A=units))
    marked = mark_stockouts(history, inventory)
    assert censored_days(marked, "A") == [20, 21]
    assert not history["censored"].any()  # the caller's frame is left alone


def test_category_prior_gives_level_and_weekday_shape_per_category():
    rng = np.random.default_rng(0)
    history = complete_history(long(a=rng.poisson(10, len(DAYS)), b=rng.poisson(2, len(DAYS)), c=rng.poisson(4, len(DAYS))))
    products = pd.DataFrame({"sku": ["a", "b", "c"], "category": ["x", "x", "y"]})
    prior = category_prior(history, products).set_index("category")
    assert set(prior.index) == {"", "x", "y"}
    assert 4 < prior.loc["x", "level"] < 8  # median of the SKU means 10 and 2
    assert prior.loc["y", "n_skus"] == 1
    shape = prior.loc["x", [f"dow_{d}" for d in range(7)]].to_numpy(float)
    assert abs(shape.mean() - 1) < 1e-9
