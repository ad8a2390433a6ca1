"""Rolling-origin backtest: shape, censored days unscored, classes, per-SKU choice with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import backtest, choose_models, classify_skus, default_cutoffs

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


def test_metric_table_equals_a_direct_computation_per_segment_and_model(result):
    """The array implementation against the metrics module applied to each segment's rows of the long frame."""
    from forecast import metrics

    f = result.forecasts.assign(sku=lambda x: x["sku"].astype(str), model=lambda x: x["model"].astype(str),
                                abc=lambda x: x["abc"].astype(object), pattern=lambda x: x["pattern"].astype(object))
    segments = {("all", "all"): f, ("campaign days", "yes"): f[f["campaign_day"]]}
    segments.update({("abc", v): f[f["abc"] == v] for v in f["abc"].dropna().unique()})
    segments.update({("pattern", v): f[f["pattern"] == v] for v in f["pattern"].dropna().unique()})
    table = result.metrics.set_index(["segment", "value", "model"])
    assert len(table) == sum(part["model"].nunique() for part in segments.values())
    for (segment, value), part in segments.items():
        for model, rows in part.groupby("model"):
            y = rows["actual"].to_numpy()
            usable = rows["scale_abs"].gt(0).to_numpy()
            got = table.loc[(segment, value, model)]
            assert got["n_days"] == len(rows)
            assert got["wape"] == pytest.approx(metrics.wape(y, rows["p50"]), nan_ok=True)
            assert got["bias"] == pytest.approx(metrics.bias(y, rows["mean"]), nan_ok=True)
            errors = np.abs(y - rows["p50"].to_numpy())[usable] / rows["scale_abs"].to_numpy()[usable]
            assert got["mase"] == pytest.approx(errors.mean() if usable.any() else np.nan, nan_ok=True)
            assert got["pinball_p90"] == pytest.approx(metrics.pinball_loss(y, rows["p90"], 0.9) * len(y) / max(y.sum(), 1e-12))
            assert got["coverage_p80"] == pytest.approx(np.mean(y <= rows["p80"].to_numpy()))


def test_choice_equals_a_per_sku_loop_over_summed_losses(result):
    f = result.forecasts.assign(sku=lambda x: x["sku"].astype(str), model=lambda x: x["model"].astype(str))
    y = f["actual"]
    f["loss"] = (np.maximum(0.5 * (y - f["p50"]), -0.5 * (y - f["p50"]))
                 + np.maximum(0.9 * (y - f["p90"]), -0.1 * (y - f["p90"])))
    choice = result.choice.set_index("sku")
    for sku, rows in f.groupby("sku"):
        loss = rows.groupby("model")["loss"].sum()
        best = loss.idxmin()
        expected = best if best != "campaign" and loss[best] < 0.95 * loss["campaign"] else "campaign"
        if rows["actual"].sum() <= 0:
            expected = "campaign"
        assert choice.loc[sku, "model"] == expected, sku
        assert choice.loc[sku, "score"] == pytest.approx(loss[expected])
        assert choice.loc[sku, "default_score"] == pytest.approx(loss["campaign"])


def test_choose_models_breaks_ties_by_name_and_keeps_the_default_without_demand():
    day = pd.Timestamp("2026-01-01")
    frame = pd.DataFrame({
        "sku": ["S", "S", "S", "Z", "Z"], "model": ["zeta", "alpha", "campaign", "campaign", "alpha"],
        "date": day, "cutoff": day, "actual": [4.0, 4, 4, 0, 0],
        "p50": [4.0, 4, 9, 1, 0], "p90": [4.0, 4, 9, 1, 0],
    })
    choice = choose_models(frame).set_index("sku")
    assert choice.loc["S", "model"] == "alpha"  # alpha and zeta both perfect: the first name wins
    assert choice.loc["S", "reason"].startswith("alpha scored 100% lower pinball loss")
    assert choice.loc["Z", "model"] == "campaign"  # alpha is better, but there was no demand to judge by
    assert choice.loc["Z", "reason"] == "no demand in 1 scored days over 1 cut-off(s): keeps campaign"


def test_scored_forecasts_are_the_models_own_forecasts(history, result):
    from forecast.models import get_model

    cutoff = result.cutoffs[0]
    train = history[history["date"] <= cutoff]
    own = get_model("seasonal_naive").fit(train).predict(14)
    scored = result.forecasts[(result.forecasts["cutoff"] == cutoff) & (result.forecasts["model"] == "seasonal_naive")]
    joined = scored.assign(sku=scored["sku"].astype(str)).merge(own, on=["sku", "date"], suffixes=("", "_own"))
    assert len(joined) == len(scored)
    for column in ("mean", "p50", "p90", "p99"):
        np.testing.assert_allclose(joined[column], joined[f"{column}_own"])
    truth = history.set_index(["sku", "date"])["units"]
    np.testing.assert_array_equal(joined["actual"], truth.loc[list(zip(joined["sku"], joined["date"]))].to_numpy())
