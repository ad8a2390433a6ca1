"""The default engine: planted uplifts recovered, pooling, uncertainty, determinism, decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.contract import QUANTILES, quantile_column
from forecast.models import get_model
from forecast.models.campaign import CampaignForecaster

DAYS = pd.date_range("2025-01-01", periods=280)
END = DAYS[-1]
WEEKDAY = np.array([1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 0.8])


def livestream(cid: str, day, skus) -> pd.DataFrame:
    day = pd.Timestamp(day)
    return pd.DataFrame({
        "campaign_id": cid, "type": "livestream_own", "start": day + pd.Timedelta(hours=19),
        "end": day + pd.Timedelta(hours=22), "sku": list(skus), "expected_viewers": np.nan,
        "daily_budget": np.nan, "discount_pct": np.nan,
    })


def shop(uplift: float = 5.0, seed: int = 0, n_sku: int = 40, lives: int = 25, uplift_sd: float = 0.0):
    """n_sku SKUs in two categories, weekly profile, livestreams on random SKU groups, one planned;
    each livestream's uplift varies around ``uplift`` by a lognormal factor of sd ``uplift_sd``."""
    rng = np.random.default_rng(seed)
    skus = [f"S{i:02d}" for i in range(n_sku)]
    level = rng.uniform(2, 8, n_sku)
    mean = level[:, None] * WEEKDAY[DAYS.day_of_week.to_numpy()][None, :]
    calendar = []
    for k in range(lives):
        day = DAYS[int(rng.integers(14, len(DAYS) - 7))]
        featured = rng.choice(n_sku, 8, replace=False)
        calendar.append(livestream(f"L{k}", day, [skus[i] for i in featured]))
        mean[featured, DAYS.get_loc(day)] *= uplift * np.exp(uplift_sd * rng.standard_normal() - uplift_sd**2 / 2)
    calendar.append(livestream("PLANNED", END + pd.Timedelta(days=5), skus[:10]))
    units = rng.poisson(mean)
    history = pd.DataFrame({"sku": np.repeat(skus, len(DAYS)), "date": np.tile(DAYS.values, n_sku),
                            "units": units.reshape(-1).astype(float), "censored": False})
    products = pd.DataFrame({"sku": skus, "category": ["x" if i % 2 else "y" for i in range(n_sku)]})
    return history, pd.concat(calendar, ignore_index=True), products


@pytest.fixture(scope="module")
def fitted():
    history, campaigns, products = shop()
    return CampaignForecaster().fit(history, campaigns, products)


def test_the_engine_is_the_registered_default():
    assert isinstance(get_model("campaign"), CampaignForecaster)


def test_a_planted_fivefold_livestream_uplift_is_recovered(fitted):
    parts = fitted.components(14)
    live = parts[parts["campaign_id"] == "PLANNED"]
    assert len(live) == 10
    assert live["uplift_factor"].median() == pytest.approx(5.0, rel=0.2)
    ordinary = parts[parts["campaign_id"] == ""]
    assert (ordinary["uplift_factor"] == 1).all()
    assert (parts["baseline"] + parts["uplift_units"]).to_numpy() == pytest.approx(parts["mean"].to_numpy(), rel=1e-5)


def test_a_sku_with_one_past_livestream_lands_between_its_own_uplift_and_its_categorys():
    history, campaigns, products = shop(uplift=5.0, seed=1)
    # a new SKU of category x whose only livestream sold exactly twice its usual 6 a day
    units = np.full(len(DAYS), 6.0)
    once = DAYS[100]
    units[100] = 12.0
    extra = pd.DataFrame({"sku": "NEW", "date": DAYS, "units": units, "censored": False})
    history = pd.concat([history, extra], ignore_index=True)
    campaigns = pd.concat([campaigns, livestream("ONCE", once, ["NEW"]), livestream("NEXT", END + pd.Timedelta(days=3), ["NEW"])])
    products = pd.concat([products, pd.DataFrame({"sku": ["NEW"], "category": ["x"]})], ignore_index=True)
    model = CampaignForecaster().fit(history, campaigns, products)
    parts = model.components(7).set_index("campaign_id")
    pooled = parts.loc["NEXT", "uplift_factor"]
    category = parts.loc["PLANNED", "uplift_factor"].median()
    assert 2.0 < pooled < category
    assert pooled > 2.3 and pooled < 0.95 * category  # pulled clearly toward the category, not all the way


def test_paths_are_non_negative_float32_and_quantiles_ordered(fitted):
    paths = fitted.sample_paths(30, n_paths=100, seed=3)
    assert paths.values.dtype == np.float32
    assert paths.values.shape == (40, 100, 30)
    assert (paths.values >= 0).all()
    forecast = fitted.predict(30, n_paths=100, seed=3)
    columns = [quantile_column(q) for q in QUANTILES]
    values = forecast[columns].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    assert (values >= 0).all() and not forecast[["mean", *columns]].isna().any().any()
    # predict reads the same draws as the paths
    assert forecast["mean"].to_numpy() == pytest.approx(paths.to_frame()["mean"].to_numpy(), rel=1e-5)


def test_campaign_days_carry_the_uncertainty_of_their_uplift():
    from scipy import stats

    history, campaigns, products = shop(seed=3, uplift_sd=0.5)
    model = CampaignForecaster().fit(history, campaigns, products)
    forecast = model.predict(14, n_paths=1000, seed=0)
    on = (model.components(14)["campaign_id"] == "PLANNED").to_numpy()
    mean = forecast.loc[on, "mean"].to_numpy()
    phi = model.dispersion_[forecast.loc[on, "sku"].map({s: i for i, s in enumerate(model.skus_)}).to_numpy()]
    # the same mean with only the day-to-day noise of an ordinary day
    noise_only = stats.nbinom.ppf(0.95, 1 / phi, 1 / (1 + phi * mean))
    assert np.median(forecast.loc[on, "p95"].to_numpy() / noise_only) > 1.15


def test_same_seed_same_forecast_other_seed_other_draws():
    history, campaigns, products = shop(seed=2)
    a = CampaignForecaster().fit(history, campaigns, products).sample_paths(20, n_paths=50, seed=7).values
    b = CampaignForecaster().fit(history, campaigns, products).sample_paths(20, n_paths=50, seed=7).values
    c = CampaignForecaster().fit(history, campaigns, products).sample_paths(20, n_paths=50, seed=8).values
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_uplift_scale_scales_a_campaigns_extra_units(fitted):
    base = fitted.components(14).set_index(["sku", "date"])
    tripled = fitted.components(14, uplift_scale={"PLANNED": 3.0}).set_index(["sku", "date"])
    cancelled = fitted.components(14, uplift_scale={"livestream_own": 0.0}).set_index(["sku", "date"])
    on = base["campaign_id"] == "PLANNED"
    assert tripled.loc[on, "uplift_units"].to_numpy() == pytest.approx(3 * base.loc[on, "uplift_units"].to_numpy(), rel=1e-5)
    assert cancelled.loc[on, "mean"].to_numpy() == pytest.approx(base.loc[on, "baseline"].to_numpy(), rel=1e-5)
    paths = fitted.sample_paths(14, n_paths=200, seed=0, uplift_scale={"PLANNED": 3.0})
    plain = fitted.sample_paths(14, n_paths=200, seed=0)
    assert paths.values.sum() > plain.values.sum()


def test_a_new_sku_borrows_its_categorys_level_and_the_weekly_shape():
    history, campaigns, products = shop(seed=4)
    new = pd.DataFrame({"sku": "FRESH", "date": DAYS[-2:], "units": [40.0, 0.0], "censored": False})
    history = pd.concat([history, new], ignore_index=True)
    products = pd.concat([products, pd.DataFrame({"sku": ["FRESH"], "category": ["x"]})], ignore_index=True)
    model = CampaignForecaster().fit(history, campaigns, products)
    level = model.level_[list(model.skus_).index("FRESH")]
    category_levels = model.level_[(model.category_ == model.category_[list(model.skus_).index("FRESH")])]
    assert np.median(category_levels) * 0.7 < level < 20  # far from its own 20 a day, near the category


def test_an_intermittent_sku_forecasts_its_rate():
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-01-01", periods=500)
    units = (rng.random(len(days)) < 0.1) * rng.integers(1, 4, len(days))  # 0.2 a day
    history = pd.DataFrame({"sku": "SLOW", "date": days, "units": units.astype(float), "censored": False})
    forecast = CampaignForecaster().fit(history).predict(60, n_paths=200)
    assert forecast["mean"].mean() == pytest.approx(units.mean(), rel=0.35)
    assert forecast["p50"].max() == 0  # a slow seller's median day sells nothing


def test_a_shop_closed_one_weekday_forecasts_what_a_week_sells():
    # UCI's shop does not trade on Saturdays. A mean of daily ratios to the weekday profile counted each
    # closed Saturday as a level of zero and forecast a week at about 6/7 of what it sells (the mean
    # forecast was 27 % below the next 21 days' sales there); weighting days by what they are expected
    # to sell reads the level as units over expected units
    rng = np.random.default_rng(11)
    days = pd.date_range("2024-01-01", periods=364)
    open_days = days.day_of_week != 5
    skus = [f"W{i}" for i in range(20)]
    rate = rng.uniform(5, 40, len(skus))
    units = rng.poisson(rate[:, None] * np.where(open_days, 7 / 6, 0.0)[None, :])
    history = pd.DataFrame({"sku": np.repeat(skus, len(days)), "date": np.tile(days.values, len(skus)),
                            "units": units.reshape(-1).astype(float), "censored": False})
    forecast = CampaignForecaster().fit(history).predict(28, n_paths=400)
    weekly = forecast.groupby("sku")["mean"].sum() / 4
    assert weekly.sum() == pytest.approx(7 * rate.sum(), rel=0.04)
    saturdays = forecast[pd.to_datetime(forecast["date"]).dt.day_of_week == 5]
    assert saturdays["mean"].sum() < 0.06 * forecast["mean"].sum()  # and the closed day stays nearly empty


def test_censored_days_are_not_learnt_as_zero_demand():
    history, campaigns, products = shop(seed=6, lives=0)
    censored = history.copy()
    cut = (censored["sku"] == "S00") & (censored["date"] > END - pd.Timedelta(days=21))
    censored.loc[cut, "units"] = 0.0
    censored.loc[cut, "censored"] = True
    plain = CampaignForecaster().fit(history).level_[0]
    masked = CampaignForecaster().fit(censored).level_[0]
    zeros = CampaignForecaster().fit(censored.assign(censored=False)).level_[0]
    assert masked == pytest.approx(plain, rel=0.15)
    assert zeros < 0.7 * plain



def test_the_day_a_sku_ran_out_counts_for_at_least_what_it_sold():
    # a SKU selling 10 a day whose shelf empties on the days a big order comes: those days sold 40 and
    # then ran out. Dropping them (as the empty days after) reads the level from the quiet days only
    days = pd.date_range("2024-01-01", periods=140)
    ran_out = np.arange(len(days)) % 7 == 3
    history = pd.DataFrame({"sku": "BULK", "date": days, "units": np.where(ran_out, 40.0, 10.0), "censored": ran_out})
    model = CampaignForecaster(season_length=1, yearly=False, monthly=False).fit(history)
    sold_per_day = (6 * 10 + 40) / 7
    assert model.level_[0] == pytest.approx(sold_per_day, rel=0.05)  # dropped, it read 10
    quiet = history.assign(units=np.where(ran_out, 2.0, 10.0))  # ran out having sold less than a day's usual
    assert CampaignForecaster(season_length=1, yearly=False, monthly=False).fit(quiet).level_[0] == pytest.approx(10, rel=0.05)

def seasonal_promo_shop(peak_uplift: float, seed: int = 0, n_sku: int = 30):
    """Three years of a shop whose Mon-Fri promotions (every other week, all SKUs) lift 1.5x, but
    ``peak_uplift`` x from mid-November to Christmas; two promotions planned after the history: one in
    October, one in December."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-03", "2024-09-30")
    skus = [f"P{i:02d}" for i in range(n_sku)]
    level = rng.uniform(5, 20, n_sku)
    mean = level[:, None] * WEEKDAY[days.day_of_week.to_numpy()][None, :]
    mondays = pd.date_range(days[0], "2024-12-31", freq="14D")
    rows = []
    for monday in mondays:
        peak = (monday.month == 11 and monday.day >= 15) or (monday.month == 12 and monday.day <= 24)
        if monday > days[-1] and monday.strftime("%m-%d") not in ("10-07", "12-02"):
            continue
        rows.append({"campaign_id": f"promo-{monday.date()}", "type": "flash_sale", "start": monday,
                     "end": monday + pd.Timedelta(days=5), "expected_viewers": np.nan, "daily_budget": np.nan,
                     "discount_pct": np.nan})
        week = (days >= monday) & (days < monday + pd.Timedelta(days=5))
        mean[:, week] *= peak_uplift if peak else 1.5
    units = rng.poisson(mean)
    history = pd.DataFrame({"sku": np.repeat(skus, len(days)), "date": np.tile(days.values, n_sku),
                            "units": units.reshape(-1).astype(float), "censored": False})
    campaigns = pd.DataFrame(rows).merge(pd.DataFrame({"sku": skus}), how="cross")
    return history, campaigns


def planned_uplift(model: CampaignForecaster) -> dict[str, float]:
    parts = model.components(80)
    parts = parts[parts["campaign_id"] != ""]
    return parts.groupby(parts["date"].dt.month)["uplift_factor"].median().to_dict()


def test_a_campaign_types_uplift_follows_the_time_of_year_its_past_campaigns_repeat():
    history, campaigns = seasonal_promo_shop(peak_uplift=2.5)
    seasonal = planned_uplift(CampaignForecaster().fit(history, campaigns))
    flat = planned_uplift(CampaignForecaster(seasonal_uplift=False).fit(history, campaigns))
    assert seasonal[12] == pytest.approx(2.5, rel=0.12)
    assert seasonal[10] == pytest.approx(1.5, rel=0.12)
    # one uplift for the whole year is wrong at both ends
    assert abs(np.log(flat[12] / 2.5)) > 2 * abs(np.log(seasonal[12] / 2.5))
    assert abs(np.log(flat[10] / 1.5)) > 2 * abs(np.log(seasonal[10] / 1.5))


def test_an_uplift_that_does_not_repeat_by_season_gets_no_seasonal_profile():
    history, campaigns = seasonal_promo_shop(peak_uplift=1.5)
    uplift = planned_uplift(CampaignForecaster().fit(history, campaigns))
    assert uplift[12] == pytest.approx(uplift[10], rel=0.05)
    assert uplift[12] == pytest.approx(1.5, rel=0.1)


def seasonal_sku_shop(seed: int = 0, n_sku: int = 40, swing: float = 0.5):
    """A shop of summer SKUs (peak in July) and winter SKUs (peak in January) in equal volume, so the
    shop as a whole has no season; history to the end of March, no campaigns."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-01", "2024-03-31")
    skus = [f"S{i:02d}-{'summer' if i % 2 else 'winter'}" for i in range(n_sku)]  # sorted as generated
    sign = np.where(np.arange(n_sku) % 2, -1.0, 1.0)  # summer SKUs are low in January
    phase = np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 1) / 365.25)
    level = rng.uniform(20, 40, n_sku)
    mean = level[:, None] * np.exp(swing * sign[:, None] * phase[None, :]) * WEEKDAY[days.day_of_week.to_numpy()][None, :]
    units = rng.poisson(mean)
    history = pd.DataFrame({"sku": np.repeat(skus, len(days)), "date": np.tile(days.values, n_sku),
                            "units": units.reshape(-1).astype(float), "censored": False})
    future = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=120)
    truth = level[:, None] * np.exp(swing * sign[:, None] * np.cos(2 * np.pi * (future.day_of_year.to_numpy() - 1) / 365.25))
    return history, truth * WEEKDAY[future.day_of_week.to_numpy()][None, :]


def log_error(model: CampaignForecaster, truth: np.ndarray) -> float:
    mean = model.components(truth.shape[1])["mean"].to_numpy().reshape(truth.shape)
    return float(np.sqrt(np.mean(np.log(mean / truth) ** 2)))


def test_each_sku_keeps_its_own_yearly_swing_where_its_years_agree():
    history, truth = seasonal_sku_shop()
    own = CampaignForecaster().fit(history)
    shop_only = CampaignForecaster(sku_seasonality=False).fit(history)
    # summer SKUs rise from April to July while winter ones fall: a shop-wide profile sees neither
    assert log_error(own, truth) < 0.3 * log_error(shop_only, truth)
    # the summer SKUs' own rise from day 90 to day 195 of the year (they are SKUs 1, 3, 5, ...)
    rise = own.sku_yearly_[1::2, 195].mean() - own.sku_yearly_[1::2, 90].mean()
    true_rise = -0.5 * (np.cos(2 * np.pi * 195 / 365.25) - np.cos(2 * np.pi * 90 / 365.25))
    # shrunk toward the shop (no swing) by how far two years and a quarter agree, never beyond the truth
    assert 0.6 * true_rise < rise < 1.05 * true_rise


def test_a_sku_without_a_season_of_its_own_follows_the_shop():
    history, _ = seasonal_sku_shop(swing=0.0)
    model = CampaignForecaster().fit(history)
    assert np.abs(model.sku_yearly_).max() < 0.1


def ramp_shop(n_sku: int = 60, seed: int = 0, ramp: float = 2.0, ramp_days: int = 28):
    """Slow sellers (0.3-1.5 a day, so each SKU's level remembers months) whose demand rises ``ramp``-fold
    across the shop over the last ``ramp_days`` days: a season starting."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=240)
    rate = rng.uniform(0.3, 1.5, n_sku)[:, None] * np.where(np.arange(len(days)) >= len(days) - ramp_days, ramp, 1.0)
    units = rng.poisson(rate)
    history = pd.DataFrame({"sku": np.repeat([f"S{i:02d}" for i in range(n_sku)], len(days)),
                            "date": np.tile(days, n_sku), "units": units.reshape(-1).astype(float), "censored": False})
    return history, rate[:, -1]


def test_a_rise_across_the_shop_moves_every_slow_level_and_a_steady_shop_stays_put():
    """Each SKU alone sees a few dozen sales since the rise, too few to leave its months-long level; pooled,
    the 60 SKUs' recent levels against their slow ones say the shop has risen (drift_half_life), and each
    level moves by that, the more the longer its memory."""
    history, now = ramp_shop()
    plain = CampaignForecaster(drift_half_life=None, yearly=False, monthly=False).fit(history)
    pooled = CampaignForecaster(drift_half_life=21.0, yearly=False, monthly=False).fit(history)
    error = lambda model: float(np.abs(model.level_ / now - 1).mean())  # noqa: E731
    assert plain.level_.sum() < 0.8 * now.sum()
    assert error(pooled) < 0.7 * error(plain)
    assert pooled.drift_.min() > 1.1 and np.ptp(pooled.drift_) < 0.3  # the longer a level's memory, the more it lags
    steady, _ = ramp_shop(ramp=1.0)
    drift = CampaignForecaster(drift_half_life=21.0, yearly=False, monthly=False).fit(steady).drift_
    assert np.abs(drift - 1).max() < 0.1
