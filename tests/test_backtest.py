"""Rolling-origin backtest: shape, censored days unscored, classes, per-SKU choice with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import backtest, classify_skus, default_cutoffs

DAYS = pd.date_range("2025-01-01", periods=160)


@pytest.fixture(scope="module")
def history():
    rng = np.random.default_rng(0)
    frames = []
    for i in range(4):
        frames.append(pd.DataFrame({"sku": f"P{i}", "date": DAYS, "units": rng.poisson(3 + 2 * i, len(DAYS)).astype(float)}))
    # a perfectly periodic SKU: last week's same day is exactly right
    frames.append(pd.DataFrame({"sku": "WEEKLY", "date": DAYS, "units": np.tile([10.0, 0, 0, 0, 0, 0, 30], 23)[: len(DAYS)]}))
    frame = pd.concat(frames, ignore_index=True)
    frame["censored"] = False
    frame.loc[(frame["sku"] == "P0") & (frame["date"] == DAYS[-3]), "censored"] = True
    return frame


@pytest.fixture(scope="module")
def result(history):
    ad = pd.DataFrame({"campaign_id": ["AD"], "type": ["ad"], "start": [DAYS[-6]], "end": [DAYS[-2]], "sku": ["P1"],
                       "expected_viewers": [np.nan], "daily_budget": [100.0], "discount_pct": [np.nan]})
    return backtest(history, ["campaign", "seasonal_naive"], campaigns=ad, horizon=14, n_cutoffs=2)


def test_cutoffs_leave_a_full_horizon_after_the_last_one(history):
    assert default_cutoffs(history, 14, 2) == [DAYS[-1] - pd.Timedelta(days=28), DAYS[-1] - pd.Timedelta(days=14)]


def test_every_uncensored_day_is_scored_once_per_model_and_cutoff(result):
    forecasts = result.forecasts
    assert set(forecasts["model"]) == {"campaign", "seasonal_naive"}
    per_model = forecasts.groupby("model").size()
    assert (per_model == 5 * 28 - 1).all()  # 5 SKUs x 2 cut-offs x 14 days, one censored day left out
    assert not ((forecasts["sku"] == "P0") & (forecasts["date"] == DAYS[-3])).any()
    assert {"actual", "p50", "p90", "mean", "abc", "pattern", "campaign_day", "cutoff"} <= set(forecasts.columns)


def test_metrics_per_segment(result):
    table = result.metrics
    assert {"all", "abc", "pattern", "campaign days"} <= set(table["segment"])
    overall = table[table["segment"] == "all"].set_index("model")
    assert {"wape", "mase", "rmsse", "bias", "pinball_p50", "pinball_p90", "coverage_p90"} <= set(table.columns)
    assert (overall["n_days"] == 139).all()
    assert 0 < overall.loc["campaign", "wape"] < 1
    campaign_days = table[table["segment"] == "campaign days"].set_index("model")
    assert (campaign_days["n_days"] == 4).all()  # the ad's four days on P1


def test_each_sku_gets_a_model_and_a_reason(result):
    choice = result.choice.set_index("sku")
    assert len(choice) == 5
    assert choice.loc["WEEKLY", "model"] == "seasonal_naive"
    assert "lower pinball loss" in choice.loc["WEEKLY", "reason"]
    assert choice["reason"].str.len().gt(20).all()


def test_classify_skus_abc_by_revenue_and_demand_pattern():
    days = pd.date_range("2025-01-01", periods=10)
    history = pd.DataFrame({
        "sku": np.repeat(["big", "mid", "tiny", "rare"], 10),
        "date": np.tile(days, 4),
        "units": np.r_[np.full(10, 80.0), np.full(10, 15.0), np.full(10, 1.0), [0, 0, 4, 0, 0, 0, 4, 0, 0, 0]],
        "censored": False,
    })
    classes = classify_skus(history).set_index("sku")
    assert classes["abc"].to_dict() == {"big": "A", "mid": "B", "tiny": "C", "rare": "C"}
    assert classes.loc["big", "pattern"] == "smooth"
    assert classes.loc["rare", "pattern"] == "intermittent"  # ADI 5, sizes constant
    assert classes.loc["rare", "adi"] == pytest.approx(5.0)
