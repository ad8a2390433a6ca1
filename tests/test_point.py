"""The point forecast (forecast.point): the method per intermittent class chosen on the backtest, the
point columns of the forecast frame, and their reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models import get_model
from forecast.point import POINT_COLUMNS, choose_point, method_values, point_frame

DAYS = pd.date_range("2025-01-01", periods=400)
CUTOFFS = (DAYS[299], DAYS[349])
RATE = 0.2 * 5.0  # demand on 20 % of days, 5 units on average


def lumpy_history(n_sku: int = 30, seed: int = 0) -> pd.DataFrame:
    """Lumpy demand with a constant rate (probability 0.2, sizes 1 + geometric, mean 5, CV2 0.8), and one smooth SKU."""
    rng = np.random.default_rng(seed)
    units = (rng.random((n_sku, len(DAYS))) < 0.2) * (1 + rng.negative_binomial(1, 0.2, (n_sku, len(DAYS))))
    frame = pd.DataFrame({"sku": np.repeat([f"L{i}" for i in range(n_sku)], len(DAYS)),
                          "date": np.tile(DAYS, n_sku), "units": units.reshape(-1).astype(float)})
    smooth = pd.DataFrame({"sku": "SMOOTH", "date": DAYS, "units": rng.poisson(20, len(DAYS)).astype(float)})
    return pd.concat([frame, smooth], ignore_index=True).assign(censored=False)


def backtest_rows(history: pd.DataFrame, model_mean: float) -> pd.DataFrame:
    """A backtest's forecast rows of 'campaign' whose mean is ``model_mean`` on every intermittent SKU's
    day after each cut-off (50 days), scored against the history."""
    parts = []
    for cutoff in CUTOFFS:
        after = history[(history["date"] > cutoff) & (history["date"] <= cutoff + pd.Timedelta(days=50))]
        parts.append(after.assign(cutoff=cutoff, actual=after["units"], mean=model_mean,
                                  pattern=np.where(after["sku"] == "SMOOTH", "smooth", "lumpy")))
    rows = pd.concat(parts, ignore_index=True)
    return rows.assign(model="campaign", campaign_day=False, scale_sq=40.0)


@pytest.fixture(scope="module")
def history():
    return lumpy_history()


def test_a_right_model_mean_keeps_the_point_a_biased_one_loses_it(history):
    right = choose_point(backtest_rows(history, RATE), history).set_index("pattern")
    assert list(right.index) == ["lumpy"]  # smooth SKUs are not chosen for: their point is the mean
    assert right.loc["lumpy", "point_method"] == "mean"
    assert right.loc["lumpy", "skus"] == 30 and right.loc["lumpy", "days"] == 30 * 2 * 50
    biased = choose_point(backtest_rows(history, 4 * RATE), history).set_index("pattern")
    assert biased.loc["lumpy", "point_method"] != "mean"
    assert biased.loc["lumpy", f"rmsse_{biased.loc['lumpy', 'point_method']}"] < biased.loc["lumpy", "rmsse_mean"]


def test_the_choice_reads_only_the_shops_model(history):
    rows = backtest_rows(history, 4 * RATE).assign(model="seasonal_naive")
    assert choose_point(rows, history).empty
    assert choose_point(pd.DataFrame(), history).empty


def test_method_values_keep_the_models_mean_on_campaign_days():
    mean, rates = np.array([2.0, 2.0]), {"sba": np.array([1.0, 1.0]), "tsb": np.array([0.5, 0.5])}
    campaign = np.array([False, True])
    assert method_values("mean", mean, rates, campaign).tolist() == [2.0, 2.0]
    assert method_values("tsb", mean, rates, campaign).tolist() == [0.5, 2.0]
    assert method_values("mean+tsb", mean, rates, campaign).tolist() == [1.25, 2.0]
    with pytest.raises(ValueError, match="unknown point method 'median'; known: mean, sba, tsb, mean\\+tsb"):
        method_values("median", mean, rates, campaign)


def test_point_columns_follow_the_choice_of_the_skus_class(history):
    forecast = get_model("campaign").fit(history).predict(14)
    choice = choose_point(backtest_rows(history, 4 * RATE), history)
    method = choice.set_index("pattern").loc["lumpy", "point_method"]
    campaign_cells = pd.DataFrame({"sku": ["L0"], "date": [DAYS[-1] + pd.Timedelta(days=3)]})
    framed = point_frame(forecast, history, choice, campaign_cells)
    assert list(framed.columns) == list(forecast.columns) + list(POINT_COLUMNS)
    assert "point" not in forecast.columns  # the caller's frame is not changed
    smooth = framed[framed["sku"] == "SMOOTH"]
    assert (smooth["point"] == smooth["mean"]).all() and (smooth["point_method"] == "mean").all()
    assert smooth["point_reason"].iloc[0] == "smooth demand (ADI < 1.32): the model's mean"
    lumpy = framed[framed["sku"] == "L1"]
    assert (lumpy["point_method"] == method).all()
    tsb = get_model("tsb").fit(history[history["sku"] == "L1"]).rate_[0]
    expected = {"tsb": tsb, "mean+tsb": (lumpy["mean"] + tsb) / 2}.get(method, None)
    if method == "sba":
        expected = get_model("sba").fit(history[history["sku"] == "L1"]).rate_[0]
    np.testing.assert_allclose(lumpy["point"], expected, rtol=1e-9)
    reason = lumpy["point_reason"].iloc[0]
    assert reason.startswith("lumpy demand: ") and "lowest RMSSE on the last backtest's lumpy SKUs (30 SKUs;" in reason
    on_campaign = framed[(framed["sku"] == "L0") & (framed["date"] == DAYS[-1] + pd.Timedelta(days=3))].iloc[0]
    assert on_campaign["point"] == on_campaign["mean"] and on_campaign["point_method"] == "mean"
    assert on_campaign["point_reason"] == "lumpy demand, campaign day: the model's mean, which holds the campaign's uplift"


def test_without_a_backtest_every_point_is_the_mean(history):
    forecast = get_model("campaign").fit(history).predict(7)
    framed = point_frame(forecast, history, None)
    assert (framed["point"] == framed["mean"]).all() and set(framed["point_method"]) == {"mean"}
    lumpy = framed.loc[framed["sku"] == "L0", "point_reason"].iloc[0]
    assert lumpy == "lumpy demand: the model's mean (no backtest has scored lumpy SKUs yet)"
