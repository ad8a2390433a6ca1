"""The contract every registered model keeps, and the classical families' own behaviour."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from forecast.contract import QUANTILES, quantile_column
from forecast.models import MODELS, get_model
from forecast.models.intermittent import croston_states

HORIZON = 14
N_PATHS = 100
LAST_DAY = pd.Timestamp("2026-06-30")
FORECAST_COLUMNS = ["sku", "date", "model", "mean"] + [quantile_column(q) for q in QUANTILES]
#: per-SKU families (a fit takes up to a second each); their contract runs on three SKUs
PER_SKU_FAMILIES = {"ets", "prophet", "sarimax"}


def make_shop(n_days: int = 200, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded small shop: (history, campaigns) with five SKUs of different kinds.

    steady   weekly pattern around 20/day, own livestreams (x3 demand) every ~3 weeks and one planned
    slow     around 5/day, a week of ads in the past and one planned
    sparse   intermittent: demand on ~10% of days, sizes 1-6
    stockout around 12/day, sold out (censored zeros) for the last 10 days
    new      launched 30 days before the end, around 8/day
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=LAST_DAY, periods=n_days, freq="D")
    weekly = 1 + 0.3 * np.sin(2 * np.pi * days.day_of_week.to_numpy() / 7)
    live_days = days[20::21]
    uplift = np.where(days.isin(live_days), 3.0, 1.0)
    ads = (days >= days[100]) & (days < days[107])
    rows = {
        "steady": rng.poisson(20 * weekly * uplift).astype(float),
        "slow": rng.poisson(5 * weekly * np.where(ads, 2.0, 1.0)).astype(float),
        "sparse": np.where(rng.random(n_days) < 0.1, rng.integers(1, 7, n_days), 0).astype(float),
        "stockout": rng.poisson(12 * weekly).astype(float),
        "new": rng.poisson(8 * weekly).astype(float),
    }
    frames = []
    for sku, units in rows.items():
        censored = np.zeros(n_days, dtype=bool)
        if sku == "stockout":
            censored[-10:] = True
            units[-10:] = 0.0
        frame = pd.DataFrame({"sku": sku, "date": days, "units": units, "censored": censored})
        frames.append(frame.iloc[-30:] if sku == "new" else frame)
    history = pd.concat(frames, ignore_index=True)

    def campaign(cid, kind, sku, start, hours):
        return {"campaign_id": cid, "type": kind, "start": start + pd.Timedelta(hours=19),
                "end": start + pd.Timedelta(hours=19 + hours), "sku": sku,
                "expected_viewers": np.nan, "daily_budget": np.nan, "discount_pct": np.nan}

    planned_live = LAST_DAY + pd.Timedelta(days=5)
    campaigns = pd.DataFrame(
        [campaign(f"L{i}", "livestream_own", "steady", day, 3) for i, day in enumerate([*live_days, planned_live])]
        + [campaign("A1", "ad", "slow", days[100] - pd.Timedelta(hours=19), 24 * 7),
           campaign("A2", "ad", "slow", LAST_DAY + pd.Timedelta(days=2) - pd.Timedelta(hours=19), 24 * 3)]
    )
    return history, campaigns


def build(name: str, **params):
    """A model by name, run in-process (worker start-up would dominate these small fits)."""
    if "executor" in inspect.signature(MODELS[name].__init__).parameters:
        params.setdefault("executor", "local")
    return get_model(name, **params)


@pytest.fixture(scope="module")
def small_shop():
    return make_shop()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_keeps_the_forecast_contract(name, small_shop):
    history, campaigns = small_shop
    if name in PER_SKU_FAMILIES:
        keep = history["sku"].isin(["steady", "stockout", "new"])
        history = history[keep]
    n_sku = history["sku"].nunique()
    model = build(name).fit(history, campaigns)
    forecast = model.predict(HORIZON, n_paths=N_PATHS, seed=3)

    assert list(forecast.columns) == FORECAST_COLUMNS
    assert len(forecast) == n_sku * HORIZON
    assert sorted(forecast["sku"].unique()) == sorted(history["sku"].unique())
    assert (forecast["model"] == name).all()
    expected_dates = pd.date_range(LAST_DAY + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    for _, days in forecast.groupby("sku")["date"]:
        assert list(days) == list(expected_dates)
    values = forecast[FORECAST_COLUMNS[3:]].to_numpy(dtype=float)
    assert not np.isnan(values).any()
    assert (values >= 0).all()
    quantiles = forecast[[quantile_column(q) for q in QUANTILES]].to_numpy(dtype=float)
    assert (np.diff(quantiles, axis=1) >= -1e-9).all()
    # the forecast says something: the steady SKU sells about 20 a day
    steady = forecast.loc[forecast["sku"] == "steady", "mean"]
    assert 10 < steady.mean() < 40

    again = build(name).fit(history, campaigns).predict(HORIZON, n_paths=N_PATHS, seed=3)
    pd.testing.assert_frame_equal(forecast, again)
    other_seed = model.predict(HORIZON, n_paths=N_PATHS, seed=4)
    if model.exact_quantiles:  # computed, not sampled: the seed has nothing to change
        pd.testing.assert_frame_equal(other_seed, forecast)
    else:  # the seed changes the draws; a day's strata (stratified sampling) may be the same for every seed
        summaries_differ = not np.allclose(other_seed["p90"], forecast["p90"]) or not np.allclose(other_seed["mean"], forecast["mean"])
        assert summaries_differ or not np.array_equal(model.sample_paths(HORIZON, n_paths=N_PATHS, seed=3).values,
                                                      model.sample_paths(HORIZON, n_paths=N_PATHS, seed=4).values)


def test_an_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown model 'arima'") as error:
        get_model("arima")
    for name in MODELS:
        assert name in str(error.value)


@pytest.mark.parametrize("name", ["seasonal_naive", "moving_average", "ets", "croston", "sba", "tsb"])
def test_censored_days_are_not_learned_as_zeros(name, small_shop):
    history, campaigns = small_shop
    history = history[history["sku"] == "stockout"]
    forecast = build(name).fit(history, campaigns).predict(HORIZON, n_paths=N_PATHS)
    # ten sold-out days at the end; a model that read them as zero demand would forecast near 0
    assert forecast["mean"].mean() > 8

    if name in ("croston", "sba"):
        return  # Croston only updates on demand days: trailing zeros would not move it either
    uncensored = history.assign(censored=False)
    naive = build(name).fit(uncensored, campaigns).predict(HORIZON, n_paths=N_PATHS)
    assert naive["mean"].mean() < forecast["mean"].mean()


def test_seasonal_naive_repeats_the_last_week_of_a_noiseless_series():
    days = pd.date_range("2026-01-01", periods=28, freq="D")
    week = np.array([1.0, 2, 3, 4, 5, 6, 7])
    history = pd.DataFrame({"sku": "a", "date": days, "units": np.tile(week, 4), "censored": False})
    forecast = get_model("seasonal_naive").fit(history).predict(10, n_paths=20)
    expected = np.resize(week, 10)
    np.testing.assert_allclose(forecast["p50"], expected)
    np.testing.assert_allclose(forecast["p99"], expected)


@pytest.mark.parametrize("name", ["seasonal_naive", "moving_average"])
def test_exact_quantiles_are_those_of_many_sample_paths(name, small_shop):
    """predict computes what the paths sample: at each quantile Q of a day, the share of 20,000 paths
    at or below Q is at least q and the share strictly below it at most q (demand is discrete, so
    Q sits on a step of the distribution), up to sampling noise; the mean within 4 standard errors."""
    history, campaigns = small_shop
    history = pd.concat([history, pd.DataFrame({"sku": "two days", "date": [LAST_DAY - pd.Timedelta(days=1), LAST_DAY],
                                                "units": [3.0, 5.0], "censored": False})], ignore_index=True)
    model = build(name).fit(history, campaigns)
    assert model.exact_quantiles
    forecast = model.predict(HORIZON)
    paths = model.sample_paths(HORIZON, n_paths=20_000, seed=11)
    values = paths.values.transpose(0, 2, 1).reshape(-1, 20_000)  # (sku x day, path)
    assert list(forecast["sku"]) == list(np.repeat(paths.skus, HORIZON))
    for q in QUANTILES:
        level = forecast[quantile_column(q)].to_numpy()[:, None]
        assert ((values <= level + 1e-6).mean(axis=1) >= q - 0.015).all()
        assert ((values < level - 1e-6).mean(axis=1) <= q + 0.015).all()
    error = values.std(axis=1) / np.sqrt(values.shape[1])
    assert (np.abs(values.mean(axis=1) - forecast["mean"].to_numpy()) <= 4 * error + 1e-6).all()


def test_moving_average_skips_censored_days():
    days = pd.date_range("2026-01-01", periods=10, freq="D")
    units = np.array([4.0, 4, 4, 4, 4, 4, 0, 0, 0, 0])
    censored = np.arange(10) >= 6
    history = pd.DataFrame({"sku": "a", "date": days, "units": units, "censored": censored})
    model = get_model("moving_average", window=7).fit(history)
    assert model.level_[0] == pytest.approx(4.0)


def test_croston_states_follow_the_textbook_updates():
    # demand 3 on day 3 (initialises z=3, p=3), demand 5 two days later
    size, interval = croston_states(np.array([[0.0, 0, 3, 0, 5]]), alpha=0.1)
    assert size[0] == pytest.approx(3 + 0.1 * (5 - 3))
    assert interval[0] == pytest.approx(3 + 0.1 * (2 - 3))


@pytest.mark.parametrize("name, factor", [("croston", 1.0), ("sba", 0.95)])
def test_croston_paths_average_to_the_forecast_rate(name, factor):
    units = np.array([0.0, 0, 3, 0, 5, 0, 0, 0, 2, 0, 0, 6])
    history = pd.DataFrame({"sku": "a", "date": pd.date_range("2026-01-01", periods=12), "units": units,
                            "censored": False})
    model = get_model(name).fit(history)
    size, interval = croston_states(units[None, :], alpha=0.1)
    assert model.rate_[0] == pytest.approx(factor * size[0] / interval[0])
    paths = model.sample_paths(30, n_paths=4000, seed=1).values
    assert paths.mean() == pytest.approx(model.rate_[0], rel=0.05)


def test_tsb_decays_towards_zero_after_demand_stops():
    units = np.r_[np.tile([0.0, 4.0], 50), np.zeros(60)]
    history = pd.DataFrame({"sku": "a", "date": pd.date_range("2026-01-01", periods=160), "units": units,
                            "censored": False})
    tsb = get_model("tsb").fit(history)
    croston = get_model("croston").fit(history)
    assert tsb.rate_[0] < 0.1 * croston.rate_[0]


def test_ets_falls_back_on_all_zero_and_short_series_and_says_why():
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    history = pd.concat([
        pd.DataFrame({"sku": "zero", "date": days, "units": 0.0, "censored": False}),
        pd.DataFrame({"sku": "short", "date": days[-5:], "units": [3.0, 4, 2, 5, 3], "censored": False}),
        pd.DataFrame({"sku": "fortnight", "date": days[-14:], "units": np.arange(14.0) % 7, "censored": False}),
    ], ignore_index=True)
    model = build("ets").fit(history)
    assert set(model.fallbacks_) == {"zero", "short"}
    assert "no demand" in model.fallbacks_["zero"]
    assert model.seasonless_ == ["fortnight"]
    forecast = model.predict(7, n_paths=50)
    assert (forecast.loc[forecast["sku"] == "zero", ["mean", "p99"]] == 0).all().all()
    assert forecast.loc[forecast["sku"] == "short", "mean"].mean() == pytest.approx(3.4, rel=0.3)


@pytest.mark.parametrize("name", ["sarimax", "prophet"])
def test_regression_models_lift_planned_campaign_days(name, small_shop):
    history, campaigns = small_shop
    history = history[history["sku"] == "steady"]
    forecast = build(name).fit(history, campaigns).predict(HORIZON, n_paths=N_PATHS)
    live = LAST_DAY + pd.Timedelta(days=5)
    on_live = forecast.loc[forecast["date"] == live, "mean"].iloc[0]
    same_weekday = forecast.loc[forecast["date"] == live + pd.Timedelta(days=7), "mean"].iloc[0]
    assert on_live > 1.8 * same_weekday


def test_sarimax_takes_the_market_holidays_as_a_regressor(small_shop):
    history, campaigns = small_shop
    history = history[history["sku"] == "steady"]
    with_market = build("sarimax", market="TH").fit(history, campaigns)
    without = build("sarimax").fit(history, campaigns)
    assert with_market.states_[0]["columns"] == ["livestream_own", "holiday"]
    assert without.states_[0]["columns"] == ["livestream_own"]


def _exploding(sku, task):
    return np.full((task.n_paths, task.horizon), np.inf)


def test_a_non_finite_simulation_falls_back_to_the_flat_rate_and_says_so():
    from forecast.models.per_sku import Series, SimulationTask, _simulate

    task = SimulationTask(Series(pd.Series([2.0, np.nan, 4.0])), {"params": None}, None, 30, 200, 0)
    paths, reason = _simulate("a", (_exploding, task))
    assert reason == "non-finite simulation"
    assert paths.shape == (200, 30)
    assert paths.mean() == pytest.approx(3.0, rel=0.1)


@pytest.mark.parametrize("name", ["sarimax", "prophet"])
def test_an_unknown_market_fails_before_any_fit(name, small_shop):
    history, campaigns = small_shop
    with pytest.raises(ValueError, match="no holiday calendar for market 'XX'"):
        build(name, market="XX").fit(history, campaigns)
