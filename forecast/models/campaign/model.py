"""The default engine: campaign-aware, probabilistic, vectorised across SKUs.

Demand of SKU i on day t is modelled as

    mean[i, t]   = level[i] * season[i, t % m] * holiday[t] * prepost[i, t] * uplift[i, t]
    demand[i, t] ~ Poisson(mean[i, t] * G[i, t]),   G ~ Gamma(1 / phi[i], phi[i])   (negative binomial)

with, on campaign days, log uplift drawn per path and campaign from its posterior predictive
N(u[i, type] + slope[type] * (intensity - typical), s2[i, type]). Every piece is estimated for all SKUs
at once with numpy over a SKU x day matrix, no per-SKU fitting loop:

* level: exponentially weighted mean of de-seasonalised demand on ordinary days (no campaign, no
  holiday, run-up and hangover divided out; of the days out of stock, only the day it ran out, at what
  sold or its expectation where that is more), each day weighted by its expected multiplier
  (so sum(units) / sum(multipliers): a weekday the shop barely trades on counts little), half-life
  longer for intermittent SKUs
  (TSB-style: the mean rate including zeros); SKUs with a short history shrink to their category;
  a slow level (months of memory) is moved by its category's drift: the category's recent levels (half-
  life 21 days) over its levels at the SKU's half-life, pooled over its SKUs, so a season starting
  across the shop reaches the slow sellers too, while each SKU keeps its own share;
* season (weekly by default): ratio of each weekday to the SKU's mean, shrunk toward the category's and
  the shop's profile by how many units the SKU's own profile rests on;
* time of year: a shop-wide day-of-year and day-of-month profile, and each SKU's own yearly swing
  beyond the shop's (a beach-town store peaks in July), as far as its years agree;
* holidays and mega-sale days: one multiplier per named day, from the shop's past years;
* pre-campaign dip / post-campaign hangover: a multiplier per distance (1..3 days) from the nearest
  campaign, per SKU shrunk to the shop's;
* campaign uplift per type: log of (campaign-day units / baseline units) per past campaign and SKU,
  pooled SKU <- category <- shop with empirical-Bayes (random-effects) shrinkage, growing with
  log(expected viewers) or log(daily budget) where the calendar gives them; a per-type profile over the
  days of a multi-day campaign (a promotion's first day differs from its fourth); and a shop-wide
  profile over the time of year, as far as past years' campaigns agree (peak-season promotions lift more);
* dispersion phi per SKU by moments on ordinary days, shrunk to the shop's.

``components()`` returns the decomposition (baseline vs uplift) the planner explains its numbers with;
``uplift_scale`` (campaign id or type -> factor) scales a campaign's extra units for what-if scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES, QUANTILES, quantile_column
from forecast.features import (
    DISTANCE_CAP, POST_DAYS, PRE_DAYS, CampaignMatrices, campaign_days, campaign_matrices, holiday_features,
)
from forecast.models.base import KEEP_BYTES, ChunkedPaths, Forecaster, SamplePaths, register

#: prior log-uplift (and its spread) of a campaign type the shop has never run: a creator's live
#: sells more than the shop's own, an ad lifts least. Wide on purpose; the shop's own campaigns win fast.
PRIOR_UPLIFT = {
    "livestream_own": (np.log(2.0), 0.8),
    "livestream_creator": (np.log(3.0), 0.9),
    "ad": (np.log(1.3), 0.5),
    "flash_sale": (np.log(1.8), 0.6),
    "mega_sale": (np.log(2.5), 0.8),
    "other": (np.log(1.5), 0.6),
}
#: which intensity column drives the uplift of each type
INTENSITY = {
    "livestream_own": "log_viewers", "livestream_creator": "log_viewers", "ad": "log_budget",
    "flash_sale": "discount_pct", "mega_sale": "discount_pct", "other": "discount_pct",
}
_MAX_CAMPAIGN_DAY = 7  # days of a campaign beyond the 7th share the 7th day's profile
#: independent two-week blocks of overlap between years at which their agreement is half-believed
_SEASON_PRIOR_BLOCKS = 10.0


@dataclass
class _Uplift:
    """Fitted log-uplift of one campaign type."""

    mean: np.ndarray  # (n_sku,) posterior mean log-uplift at typical intensity
    var: np.ndarray  # (n_sku,) posterior variance of that mean
    event_var: float  # spread of one campaign around the SKU's mean
    slope: float  # d log-uplift / d intensity
    typical: float  # intensity the mean refers to
    day_profile: np.ndarray  # (n_sku, _MAX_CAMPAIGN_DAY) log multiplier by day of the campaign
    n_events: int
    year_profile: np.ndarray | None = None  # (366,) shop-wide log multiplier by day of the year


@register
class CampaignForecaster(Forecaster):
    """Campaign-aware, probabilistic default engine (see the module docstring).

    Parameters
    ----------
    market : ISO country code for public holidays (None: none); mega-sale days always count.
    season_length : period of the within-week profile in days (7); 1 switches it off.
    half_life : days over which the level's weights halve, for a SKU selling every day.
    max_half_life : cap of the half-life of intermittent SKUs (it grows with the interval between sales).
    profile_days : days of history the seasonal profile is read from.
    profile_prior_units : units of evidence at which a SKU's own profile weighs as much as its pool's.
    level_prior_days : days of evidence at which a new SKU's level weighs as much as its category's.
    effect_prior_units : same, for per-SKU pre/post and holiday multipliers.
    yearly : learn a shop-wide day-of-year profile (needs more than a year of history).
    monthly : learn a shop-wide day-of-month profile (paydays, month-end).
    level_from_campaign_days : let campaign days, their uplift divided out, inform the level.
    uplift_half_life : age in days at which a past campaign counts half in the uplift (None: all equal).
    sku_seasonality : give each SKU its own yearly swing beyond the shop's, as far as its years agree.
    seasonal_uplift : let a type's uplift vary with the time of year, as far as past years' campaigns
        at the same time of year agree (a promotion before Christmas lifts more than one in October).
    drift_half_life : half-life in days of a recent level read beside each SKU's own (None: off). The
        ratio of the two, pooled over the SKUs of a category (units-weighted), is the drift the slow levels
        have not caught up with yet (a season starting across the shop); every SKU's level is moved by it.
    chunk_skus : SKUs simulated at once (bounds memory; results depend on it only through the seed).
    """

    name = "campaign"

    def __init__(
        self,
        market: str | None = None,
        season_length: int = 7,
        half_life: float = 28.0,
        max_half_life: float = 180.0,
        profile_days: int = 364,
        profile_prior_units: float = 300.0,
        level_prior_days: float = 7.0,
        effect_prior_units: float = 200.0,
        yearly: bool = True,
        monthly: bool = True,
        level_from_campaign_days: bool = True,
        uplift_half_life: float | None = 365.0,
        seasonal_uplift: bool = True,
        sku_seasonality: bool = True,
        drift_half_life: float | None = 21.0,
        chunk_skus: int = 1000,
    ):
        self.market = market
        self.season_length = season_length
        self.half_life = half_life
        self.max_half_life = max_half_life
        self.profile_days = profile_days
        self.profile_prior_units = profile_prior_units
        self.level_prior_days = level_prior_days
        self.effect_prior_units = effect_prior_units
        self.yearly = yearly
        self.monthly = monthly
        self.level_from_campaign_days = level_from_campaign_days
        self.uplift_half_life = uplift_half_life
        self.seasonal_uplift = seasonal_uplift
        self.sku_seasonality = sku_seasonality
        self.drift_half_life = drift_half_life
        self.chunk_skus = chunk_skus

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None, products: pd.DataFrame | None = None):
        y, skus, dates, censored_sales = _to_matrix(history)
        n_sku, n_days = y.shape
        self.skus_, self.dates_ = skus, dates
        self.campaigns_ = campaigns
        self.category_ = _category_codes(skus, products)
        n_cat = int(self.category_.max()) + 1 if n_sku else 1
        observed = ~np.isnan(y)
        y0 = np.where(observed, y, 0.0).astype(np.float32)
        # SKU x day matrices are dropped once used (del below): at 100k SKUs x 730 days each is 0.3 GB
        del y

        days = campaign_days(campaigns) if campaigns is not None else None
        self.campaign_days_ = days
        cm = campaign_matrices(campaigns, skus, dates, days=days)
        on_campaign = cm.any_campaign > 0
        holiday_key = _holiday_keys(dates, self.market)
        self.holiday_names_ = np.unique(holiday_key[holiday_key != ""])
        ordinary = observed & ~on_campaign & (holiday_key == "")[None, :]
        season_index = _season_index(dates, self.season_length)

        # half-life per SKU: intermittent SKUs smooth over a similar number of sales, not of days
        sale_days = np.maximum((y0 > 0).sum(axis=1), 1)
        interval = np.maximum(observed.sum(axis=1) / sale_days, 1.0)
        self.half_life_ = np.minimum(self.half_life * interval, self.max_half_life).astype(np.float32)

        prepost = np.ones_like(y0)
        prepost_effects = None
        self.yearly_, self.monthly_ = np.ones(366, dtype=np.float32), np.ones(31, dtype=np.float32)
        self.sku_yearly_ = None
        calendar = np.ones((1, n_days), dtype=np.float32)
        for iteration in range(3):
            adjusted = y0 / (prepost * calendar)
            season = self._season(adjusted, ordinary, season_index, n_cat)
            deseasoned = adjusted / season[:, season_index]
            if iteration == 0 and (self.yearly or self.monthly):
                self.yearly_, self.monthly_, self.sku_yearly_ = _calendar_profiles(
                    deseasoned, ordinary, dates, self.yearly, self.monthly, self.sku_seasonality, self.profile_prior_units)
                calendar = self._calendar_matrix(dates)
                deseasoned = deseasoned / calendar
            # days weigh by what they are expected to sell (a ratio estimator): a day the shop barely
            # trades on (UCI's Saturdays) says little about the level, not that it is nearly zero
            weight = prepost * calendar  # one SKU x day temporary, multiplied in place
            weight *= season[:, season_index]
            weight *= ordinary
            local = _two_sided_level(deseasoned, weight, self.half_life_)
            del weight
            local = self._fill_level(local, y0, observed, n_cat)
            baseline = local * season[:, season_index] * calendar
            if not on_campaign.any():
                break
            prepost_effects = self._fit_prepost(y0, baseline, observed & ~on_campaign & (holiday_key == "")[None, :], cm)
            prepost = _prepost_matrix(prepost_effects, cm.days_to, cm.days_since)
        self.season_ = season.astype(np.float32)
        self.prepost_ = prepost_effects
        del adjusted, deseasoned, local

        # holidays: one shop-wide multiplier per named day (only days without a campaign count)
        self.holiday_effect_ = {}
        for key in self.holiday_names_:
            cols = holiday_key == key
            mask = observed[:, cols] & ~on_campaign[:, cols]
            units = float((y0[:, cols] * mask).sum())
            expected = float((baseline[:, cols] * prepost[:, cols] * mask).sum())
            prior = self.effect_prior_units
            self.holiday_effect_[key] = (units + prior) / (expected + prior)
        holiday_mult = np.array([self.holiday_effect_.get(k, 1.0) for k in holiday_key], dtype=np.float32)
        expected_ordinary = baseline * prepost * holiday_mult[None, :]
        del baseline

        # campaign uplift per type
        self.uplift_ = {}
        if days is not None and len(days):
            self.uplift_ = self._fit_uplift(y0, expected_ordinary, observed, cm, days, dates, n_cat, censored_sales)
        del cm

        # final level: one-sided exponentially weighted, as of the last day. Campaign days count too,
        # their fitted uplift divided out, with weight 1 / uplift (a 5x day is mostly campaign noise):
        # twice the evidence where campaigns are frequent (Rossmann runs a promotion every other week)
        divisor = prepost * season[:, season_index] * holiday_mult[None, :] * calendar
        del prepost
        # each day weighs by what it is expected to sell, so the level is sum(units) / sum(expected
        # multipliers) (the Poisson estimate of a multiplicative level), not a mean of ratios: on a shop
        # that barely trades one weekday the mean of ratios counts that day's zeros at full weight and
        # reads the level a seventh low (UCI: the mean forecast was 27 % below the next 21 days' sales)
        weight = ((observed & ~on_campaign) * divisor).astype(np.float32)
        if self.uplift_ and self.level_from_campaign_days:
            log_mean, log_var, _, _, _ = self._uplift_matrices(days, dates[0], n_days)
            factor = np.exp(log_mean + log_var / 2)
            weight = np.where(on_campaign & observed, divisor / np.maximum(factor, 1.0), weight).astype(np.float32)
            divisor = divisor * np.where(on_campaign, factor, 1.0)
            del log_mean, log_var, factor
        # the day a SKU ran out sold what it had, and its demand was at least that: dropping the day (as
        # the days after it, whose demand went unseen) drops the days demand ran highest, so a season
        # that empties the shelves never reaches the level. It counts as what sold or, where that is
        # less, what the day was expected to sell (UCI's replay: the planner at a 90 % target served
        # 86.6 % -> 87.5 %)
        with np.errstate(invalid="ignore"):
            ran_out = (censored_sales > 0) & ~on_campaign  # NaN (not censored) compares False
        y0[ran_out] = np.maximum(censored_sales[ran_out], expected_ordinary[ran_out])
        weight[ran_out] = divisor[ran_out]
        del censored_sales, ran_out
        values = y0 / divisor  # one SKU x day matrix for the level and the drift
        level, _ = _forward_level(values, weight, self.half_life_)
        self.drift_ = np.ones(n_sku, dtype=np.float32)
        if self.drift_half_life:
            self.drift_ = _pooled_drift(values, weight, self.half_life_, self.drift_half_life, self.category_, n_cat)
            level = level * self.drift_
        self.level_ = self._shrink_level(level, (weight > 0).sum(axis=1), n_cat)
        del divisor, weight, values

        # dispersion on ordinary days
        self.dispersion_ = _dispersion(y0, expected_ordinary, ordinary)
        return self

    def _calendar_matrix(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Day-of-year x day-of-month multipliers, (1, days) shop-wide or (n_sku, days) with each SKU's
        own yearly swing."""
        calendar = _calendar(dates, self.yearly_, self.monthly_)[None, :]
        if self.sku_yearly_ is None:
            return calendar
        return calendar * np.exp(self.sku_yearly_[:, dates.day_of_year.to_numpy() - 1])

    def _season(self, adjusted, ordinary, season_index, n_cat) -> np.ndarray:
        """Seasonal profile (n_sku, m), mean 1, shrunk SKU -> category -> shop by units of evidence."""
        m = self.season_length
        n_sku, n_days = adjusted.shape
        if m <= 1:
            return np.ones((n_sku, 1), dtype=np.float32)
        recent = np.zeros(n_days, dtype=bool)
        recent[-self.profile_days:] = True
        mask = ordinary & recent[None, :]
        values = np.where(mask, adjusted, 0.0)
        sums = np.zeros((n_sku, m), dtype=np.float64)
        counts = np.zeros((n_sku, m), dtype=np.float64)
        for k in range(m):
            cols = season_index == k
            sums[:, k] = values[:, cols].sum(axis=1)
            counts[:, k] = mask[:, cols].sum(axis=1)
        means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        overall = means.sum(axis=1, keepdims=True) / np.maximum((counts > 0).sum(axis=1, keepdims=True), 1)
        own = np.divide(means, overall, out=np.ones_like(means), where=overall > 0)
        own[counts == 0] = np.nan
        units = sums.sum(axis=1)
        # pools weight SKUs by volume: the category's shape is that of its units
        shop = _pooled_profile(own, units, np.zeros(n_sku, dtype=int), 1)[0]
        cats = _pooled_profile(own, units, self.category_, n_cat)
        cat_units = np.bincount(self.category_, weights=units, minlength=n_cat)
        w_cat = cat_units / (cat_units + self.profile_prior_units)
        cats = w_cat[:, None] * np.nan_to_num(cats, nan=1.0) + (1 - w_cat[:, None]) * shop[None, :]
        prior = cats[self.category_]
        w = (units / (units + self.profile_prior_units))[:, None]
        profile = np.where(np.isnan(own), prior, w * own + (1 - w) * prior)
        profile = np.clip(profile, 0.05, None)
        return (profile / profile.mean(axis=1, keepdims=True)).astype(np.float32)

    def _fill_level(self, local, y0, observed, n_cat) -> np.ndarray:
        """A local level where a SKU has no ordinary day to read one from: its mean observed demand."""
        missing = np.isnan(local)
        if missing.any():
            counts = observed.sum(axis=1)
            mean = np.divide(y0.sum(axis=1), counts, out=np.zeros(len(counts)), where=counts > 0)
            local = np.where(missing, mean[:, None].astype(np.float32), local)  # float32: no float64 SKU x day copy
        return np.maximum(local, 0).astype(np.float32)

    def _shrink_level(self, level, n_days, n_cat) -> np.ndarray:
        """New SKUs (few days behind their level) borrow the category's typical level."""
        known = (n_days > 0) & np.isfinite(level)
        cat_level = np.zeros(n_cat)
        for c in range(n_cat):
            members = known & (self.category_ == c)
            cat_level[c] = np.median(level[members]) if members.any() else np.nan
        shop_level = np.median(level[known]) if known.any() else 0.0
        cat_level = np.where(np.isnan(cat_level), shop_level, cat_level)
        prior = cat_level[self.category_]
        w = n_days / (n_days + self.level_prior_days)
        return np.where(known, w * np.nan_to_num(level) + (1 - w) * prior, prior).astype(np.float32)

    def _fit_prepost(self, y0, baseline, usable, cm: CampaignMatrices) -> np.ndarray:
        """Multipliers (n_sku, PRE_DAYS + POST_DAYS): run-up days 1..PRE_DAYS, hangover days 1..POST_DAYS."""
        effects = np.ones((y0.shape[0], PRE_DAYS + POST_DAYS), dtype=np.float32)
        for j, (distance, k) in enumerate([(cm.days_to, d) for d in range(1, PRE_DAYS + 1)]
                                          + [(cm.days_since, d) for d in range(1, POST_DAYS + 1)]):
            mask = usable & (distance == k)
            units = (y0 * mask).sum(axis=1)
            expected = (baseline * mask).sum(axis=1)
            shop = (units.sum() + self.effect_prior_units) / (expected.sum() + self.effect_prior_units)
            prior = self.effect_prior_units
            effects[:, j] = (units + prior * shop) / (expected + prior)
        return np.clip(effects, 0.2, 5.0)

    def _fit_uplift(self, y0, expected, observed, cm, days, dates, n_cat, censored_sales=None) -> dict[str, _Uplift]:
        """Log-uplift per type, pooled SKU <- category <- shop by empirical Bayes.

        Campaign days that sold out (censored) are where uplift was largest; leaving them out would
        bias the uplift down. Their demand is at least what sold: after a first fit on uncensored
        days they re-enter with max(sold, fitted demand), and the type is fitted again.
        """
        sku_index = pd.Index(self.skus_).get_indexer(days["sku"])
        day_index = dates.get_indexer(days["date"])
        keep = (sku_index >= 0) & (day_index >= 0)
        events = days.loc[keep, ["campaign_id", "type", "date", "expected_viewers", "daily_budget", "discount_pct"]].copy()
        events["i"], events["t"] = sku_index[keep], day_index[keep]
        events["type"] = events["type"].where(events["type"].isin(CAMPAIGN_TYPES), "other")
        n_types_active = sum((m > 0).astype(np.int8) for m in cm.by_type.values())
        events["single"] = n_types_active[events["i"], events["t"]] == 1
        events["observed"] = observed[events["i"], events["t"]]
        events["units"] = y0[events["i"], events["t"]]
        events["expected"] = expected[events["i"], events["t"]]
        # day of the campaign (0 = its first day), per SKU
        first = days.groupby(["campaign_id", "sku"])["date"].transform("min").loc[events.index]
        events["campaign_day"] = np.minimum((events["date"] - first).dt.days, _MAX_CAMPAIGN_DAY - 1)
        events["intensity"] = np.nan
        for kind, column in INTENSITY.items():
            rows = events["type"] == kind
            raw = events.loc[rows, column.replace("log_viewers", "expected_viewers").replace("log_budget", "daily_budget")]
            events.loc[rows, "intensity"] = np.log1p(raw) if column.startswith("log_") else raw
        usable = events[events["single"] & events["observed"]]
        fitted = {}
        sold = censored_sales[events["i"], events["t"]] if censored_sales is not None else np.full(len(events), np.nan)
        sold_out = events[events["single"] & ~events["observed"] & np.isfinite(sold)].assign(
            units=sold[(events["single"] & ~events["observed"] & np.isfinite(sold)).to_numpy()])
        for kind in CAMPAIGN_TYPES:
            rows = usable[usable["type"] == kind]
            fit = self._fit_type(kind, rows, n_cat)
            lower_bounds = sold_out[sold_out["type"] == kind]
            if len(lower_bounds) and fit.n_events:
                i = lower_bounds["i"].to_numpy()
                x = lower_bounds["intensity"].fillna(fit.typical).to_numpy() - fit.typical
                log_uplift = (fit.mean[i] + (fit.var[i] + fit.event_var) / 2 + fit.slope * x
                              + fit.day_profile[i, lower_bounds["campaign_day"].to_numpy()])
                demand = np.maximum(lower_bounds["units"].to_numpy(float), lower_bounds["expected"].to_numpy(float) * np.exp(log_uplift))
                fit = self._fit_type(kind, pd.concat([rows, lower_bounds.assign(units=demand)]), n_cat)
            fitted[kind] = fit
        return fitted

    def _fit_type(self, kind: str, rows: pd.DataFrame, n_cat: int) -> _Uplift:
        """Uplift of one campaign type: gamma-Poisson pooling SKU <- category <- shop <- type prior.

        Each SKU's campaign-day units Y against its baseline units B there (both summed over its
        past campaigns of the type, after scaling each campaign to typical intensity) estimate a
        multiplier; the posterior mean (beta m + Y) / (beta + B) shrinks it to the parent's m with a
        strength beta = m / tau2 set by how much true multipliers vary between SKUs (tau2, by moments):
        a SKU with one small livestream stays near its category, one with twenty speaks for itself.
        Ratios of sums, not means of log-ratios: unbiased for slow sellers that sell 0-2 units a day.
        """
        n_sku = len(self.skus_)
        prior_mean, prior_sd = PRIOR_UPLIFT[kind]
        prior_m = float(np.exp(prior_mean))
        empty = _Uplift(
            mean=np.full(n_sku, prior_mean - prior_sd**2 / 2), var=np.full(n_sku, prior_sd**2), event_var=0.0,
            slope=0.0, typical=0.0, day_profile=np.zeros((n_sku, _MAX_CAMPAIGN_DAY)), n_events=0,
        )
        if len(rows) == 0:
            return empty
        per_event = rows.groupby(["campaign_id", "i"], sort=False).agg(
            units=("units", "sum"), expected=("expected", "sum"), intensity=("intensity", "mean"), last=("t", "max"),
        ).reset_index()
        per_event = per_event[per_event["expected"] > 0]
        if len(per_event) == 0:
            return empty
        sku = per_event["i"].to_numpy()
        # recent campaigns weigh more: how a shop's audience answers a campaign drifts
        age = len(self.dates_) - 1 - per_event["last"].to_numpy(float)
        recency = np.power(0.5, age / self.uplift_half_life) if self.uplift_half_life else np.ones(len(age))
        y_e = per_event["units"].to_numpy(float) * recency
        b_e = per_event["expected"].to_numpy(float) * recency
        # uplift grows with intensity (log viewers, log budget): slope of the log-ratio, within SKUs
        known = per_event["intensity"].notna()
        typical = float(per_event.loc[known, "intensity"].median()) if known.any() else 0.0
        x = per_event["intensity"].fillna(typical).to_numpy() - typical
        slope = 0.0
        if known.sum() >= 8 and np.ptp(x) > 0:
            r = np.log((y_e + 0.5) / (b_e + 0.5))
            w = b_e / (1 + b_e)  # campaigns with a tiny baseline say little
            counts = np.bincount(sku, weights=w)
            xd = x - (np.bincount(sku, weights=w * x) / np.maximum(counts, 1e-12))[sku]
            rd = r - (np.bincount(sku, weights=w * r) / np.maximum(counts, 1e-12))[sku]
            if (w * xd**2).sum() > 1e-6 * max(w.sum(), 1e-12) and (np.abs(xd) > 1e-9).sum() >= 5:
                slope = float((w * xd * rd).sum() / (w * xd**2).sum())
            else:  # every SKU ran one campaign: across SKUs
                xm = x - np.average(x, weights=w)
                slope = float((w * xm * (r - np.average(r, weights=w))).sum() / max((w * xm**2).sum(), 1e-12))
            slope = float(np.clip(slope, 0.0, 1.5))
        b_e = b_e * np.exp(slope * x)  # each campaign's baseline scaled to its intensity

        y_sku = np.bincount(sku, weights=y_e, minlength=n_sku)
        b_sku = np.bincount(sku, weights=b_e, minlength=n_sku)
        cat = self.category_
        y_cat = np.bincount(cat, weights=y_sku, minlength=n_cat)
        b_cat = np.bincount(cat, weights=b_sku, minlength=n_cat)
        # shop: the type prior counts as 3 baseline units of evidence
        shop_m = (y_sku.sum() + 3.0 * prior_m) / (b_sku.sum() + 3.0)
        cat_m, cat_v = _gamma_pool(y_cat, b_cat, np.full(n_cat, shop_m))
        sku_m, sku_v = _gamma_pool(y_sku, b_sku, cat_m[cat], extra_var=cat_v[cat])
        # spread of single campaigns around their SKU's multiplier, beyond Poisson
        fitted = sku_m[sku] * b_e
        denominator = (fitted**2).sum()
        event_rel_var = float(np.clip(((y_e - fitted) ** 2 - fitted).sum() / denominator, 0.0, 3.0)) if denominator > 0 else 0.0
        event_var = float(np.log1p(event_rel_var))
        post_var = np.log1p(sku_v / np.maximum(sku_m, 1e-6) ** 2)
        log_m = np.log(np.maximum(sku_m, 1e-6))
        profile = self._day_profile(rows, log_m, n_sku)
        year_profile = None
        if self.seasonal_uplift:
            i, day = rows["i"].to_numpy(), rows["campaign_day"].to_numpy()
            fit = rows["expected"].to_numpy(float) * np.exp(log_m[i] + profile[i, day])
            year_profile = _uplift_year_profile(rows["date"], rows["units"].to_numpy(float), fit)
        return _Uplift(
            mean=log_m - (post_var + event_var) / 2, var=post_var, event_var=event_var, slope=slope,
            typical=typical, day_profile=profile, n_events=len(per_event), year_profile=year_profile,
        )

    def _day_profile(self, rows: pd.DataFrame, post: np.ndarray, n_sku: int) -> np.ndarray:
        """Log multiplier by day of a multi-day campaign (n_sku, _MAX_CAMPAIGN_DAY), relative to its mean.

        Shop-wide first, then per SKU shrunk toward it by units of evidence (a promotion's first day
        may sell more than its fourth, and more so in some SKUs). Days never seen take the last seen.
        """
        profile = np.zeros((n_sku, _MAX_CAMPAIGN_DAY))
        day = rows["campaign_day"].to_numpy()
        if len(rows) == 0 or day.max() == 0:
            return profile
        i = rows["i"].to_numpy()
        units = rows["units"].to_numpy(dtype=float)
        fit = rows["expected"].to_numpy(dtype=float) * np.exp(post[i])
        k = _MAX_CAMPAIGN_DAY
        shop_units = np.bincount(day, weights=units, minlength=k)
        shop_fit = np.bincount(day, weights=fit, minlength=k)
        shop = np.log((shop_units + 50) / (shop_fit + 50)) - np.log((units.sum() + 50) / (fit.sum() + 50))
        seen = shop_fit > 0
        last_seen = np.maximum.accumulate(np.where(seen, np.arange(k), 0))
        shop = shop[last_seen]
        cell = i * k + day
        sku_units = np.bincount(cell, weights=units, minlength=n_sku * k).reshape(n_sku, k)
        sku_fit = np.bincount(cell, weights=fit, minlength=n_sku * k).reshape(n_sku, k)
        prior = self.effect_prior_units
        own = np.log((sku_units + prior * np.exp(shop)[None, :]) / (sku_fit + prior))
        total = np.log((sku_units.sum(axis=1) + prior) / (sku_fit.sum(axis=1) + prior))
        profile = (own - total[:, None])[:, last_seen]
        return profile

    # -------------------------------------------------------------------------------------- forecast
    def _future(self, horizon: int, uplift_scale: dict | None = None, campaigns: pd.DataFrame | None = None):
        """Deterministic parts of the forecast: baseline (n, h), log-uplift mean and sd (n, h), event ids."""
        start = self.dates_[-1] + pd.Timedelta(days=1)
        span = pd.date_range(self.dates_[-1] - pd.Timedelta(days=DISTANCE_CAP), periods=horizon + DISTANCE_CAP + 1 + DISTANCE_CAP, freq="D")
        calendar = self.campaigns_ if campaigns is None else campaigns
        days = campaign_days(calendar, span) if calendar is not None else None
        cm = campaign_matrices(calendar, self.skus_, span, days=days)
        cut = slice(DISTANCE_CAP + 1, DISTANCE_CAP + 1 + horizon)
        future = pd.date_range(start, periods=horizon, freq="D")
        season_index = _season_index(future, self.season_length)
        holiday_key = _holiday_keys(future, self.market)
        holiday_mult = np.array([self.holiday_effect_.get(k, 1.0) for k in holiday_key], dtype=np.float32)
        baseline = self.level_[:, None] * self.season_[:, season_index] * holiday_mult[None, :] * self._calendar_matrix(future)
        if self.prepost_ is not None:
            baseline = baseline * _prepost_matrix(self.prepost_, cm.days_to[:, cut], cm.days_since[:, cut])
        log_mean, log_var, event, scale, event_ids = self._uplift_matrices(days, start, horizon, uplift_scale)
        return future, baseline.astype(np.float32), log_mean, log_var, event, scale, event_ids

    def _uplift_matrices(self, days: pd.DataFrame | None, start: pd.Timestamp, n_days: int, uplift_scale: dict | None = None):
        """Log-uplift mean and variance (n_sku, n_days) from ``start``, the campaign index of each
        campaign day (-1 elsewhere), the scenario scale of its extra units, and the campaign ids."""
        n_sku = len(self.skus_)
        log_mean = np.zeros((n_sku, n_days), dtype=np.float32)
        log_var = np.zeros((n_sku, n_days), dtype=np.float32)
        event = np.full((n_sku, n_days), -1, dtype=np.int64)
        scale = np.ones((n_sku, n_days), dtype=np.float32)
        event_ids: list = []
        if days is not None and len(days):
            d = days[(days["date"] >= start) & (days["date"] < start + pd.Timedelta(days=n_days))].copy()
            d["i"] = pd.Index(self.skus_).get_indexer(d["sku"])
            d = d[d["i"] >= 0]
            d["t"] = (d["date"] - start).dt.days.to_numpy()
            d["type"] = d["type"].where(d["type"].isin(CAMPAIGN_TYPES), "other")
            first_day = days.groupby(["campaign_id", "sku"])["date"].transform("min").loc[d.index]
            d["campaign_day"] = np.minimum((d["date"] - first_day).dt.days, _MAX_CAMPAIGN_DAY - 1)
            codes, event_ids = pd.factorize(d["campaign_id"])
            d["event"] = codes
            # several campaigns of one type on a day count once (the strongest); different types stack
            for kind in d["type"].unique():
                rows = d[d["type"] == kind]
                fit = self.uplift_.get(kind) or self._fit_type(kind, rows.iloc[:0], 1)
                column = INTENSITY[kind]
                raw = rows[column.replace("log_viewers", "expected_viewers").replace("log_budget", "daily_budget")]
                x = (np.log1p(raw) if column.startswith("log_") else raw).fillna(fit.typical).to_numpy() - fit.typical
                i, t = rows["i"].to_numpy(), rows["t"].to_numpy()
                mu = fit.mean[i] + fit.slope * x + fit.day_profile[i, rows["campaign_day"].to_numpy()]
                if fit.year_profile is not None:
                    mu = mu + fit.year_profile[rows["date"].dt.day_of_year.to_numpy() - 1]
                var = fit.var[i] + fit.event_var
                best = pd.DataFrame({"i": i, "t": t, "mu": mu, "var": var, "event": rows["event"].to_numpy(),
                                     "id": rows["campaign_id"].to_numpy()}).sort_values("mu").drop_duplicates(["i", "t"], keep="last")
                i, t = best["i"].to_numpy(), best["t"].to_numpy()
                log_mean[i, t] += best["mu"].to_numpy(np.float32)
                log_var[i, t] += best["var"].to_numpy(np.float32)
                event[i, t] = np.where(event[i, t] < 0, best["event"].to_numpy(), event[i, t])
                if uplift_scale:
                    factor = best["id"].map(uplift_scale).fillna(uplift_scale.get(kind, 1.0)).to_numpy(np.float32)
                    scale[i, t] *= factor
        return log_mean, log_var, event, scale, list(event_ids)

    def components(self, horizon: int, uplift_scale: dict | None = None, campaigns: pd.DataFrame | None = None) -> pd.DataFrame:
        """Decomposition of the mean forecast per SKU and day.

        Columns: sku, date, baseline (units without campaigns: level x season x holiday x run-up /
        hangover), uplift_factor (expected multiplier on campaign days, 1 elsewhere), uplift_units
        (mean - baseline), mean, campaign_id (the day's campaign, '' when none).
        """
        future, baseline, log_mean, log_var, event, scale, event_ids = self._future(horizon, uplift_scale, campaigns)
        factor = np.exp(log_mean + log_var / 2)
        factor = 1 + scale * (factor - 1)
        mean = baseline * factor
        n_sku = len(self.skus_)
        ids = np.array([""] + [str(e) for e in event_ids], dtype=object)[event.reshape(-1) + 1]
        return pd.DataFrame({
            "sku": np.repeat(self.skus_, horizon), "date": np.tile(future.values, n_sku),
            "baseline": baseline.reshape(-1).astype(float), "uplift_factor": factor.reshape(-1).astype(float),
            "uplift_units": (mean - baseline).reshape(-1).astype(float), "mean": mean.reshape(-1).astype(float),
            "campaign_id": ids,
        })

    def _draw_chunks(self, horizon, n_paths, seed, uplift_scale=None, campaigns=None):
        """Per chunk of SKUs: (lo, hi, future, ordered, campaign_cells, campaign_values, rng).

        ``ordered`` (n_paths, hi - lo, horizon) holds, per SKU and day, the stratified draws of an
        ordinary day sorted along paths (one per 1/n_paths slice of the negative binomial; see
        _nb_stratified). Campaign days are Poisson around mean x uplift x lognormal noise (same
        variance as the gamma), the uplift drawn once per SKU, path and campaign so that the days of a
        campaign move together: ``campaign_values`` (cells, n_paths) for ``campaign_cells`` (i, t).
        """
        prepared = self._prepare_draws(horizon, seed, uplift_scale, campaigns)
        for c in range(len(prepared["seeds"])):
            yield self._draw_chunk(prepared, c, n_paths)

    def _prepare_draws(self, horizon, seed, uplift_scale=None, campaigns=None) -> dict:
        """What every chunk's draws share: the forecast's deterministic parts and one seed per chunk."""
        future, baseline, log_mean, log_var, event, scale, event_ids = self._future(horizon, uplift_scale, campaigns)
        n_chunks = max(1, -(-len(self.skus_) // self.chunk_skus))
        return {"future": future, "baseline": baseline, "log_mean": log_mean, "sd": np.sqrt(log_var), "event": event,
                "scale": scale, "n_events": max(len(event_ids), 1),
                "seeds": np.random.SeedSequence(seed).spawn(n_chunks)}

    def _draw_chunk(self, prepared: dict, c: int, n_paths: int):
        """Chunk c's draws (see _draw_chunks); the same every time for the same prepared draws."""
        lo = c * self.chunk_skus
        hi = min(lo + self.chunk_skus, len(self.skus_))
        rng = np.random.default_rng(prepared["seeds"][c])
        n = hi - lo
        mu = prepared["baseline"][lo:hi]
        phi = np.broadcast_to(self.dispersion_[lo:hi, None], mu.shape)
        ordered = _nb_stratified(mu.reshape(-1), phi.reshape(-1), n_paths).reshape(n_paths, n, mu.shape[1])
        ev = prepared["event"][lo:hi]
        i, t = np.nonzero(ev >= 0)
        values = np.zeros((len(i), n_paths), dtype=np.float32)
        if len(i):
            z = rng.standard_normal((n, n_paths, prepared["n_events"]), dtype=np.float32)
            zc = z[i, :, ev[i, t]]  # (cells, n_paths)
            factor = np.exp(prepared["log_mean"][lo:hi][i, t][:, None] + prepared["sd"][lo:hi][i, t][:, None] * zc)
            factor = np.maximum(1 + prepared["scale"][lo:hi][i, t][:, None] * (factor - 1), 0)
            sigma2 = np.log1p(phi[i, t])[:, None]
            noise = np.exp(np.sqrt(sigma2) * rng.standard_normal(zc.shape, dtype=np.float32) - sigma2 / 2)
            values = rng.poisson(mu[i, t][:, None] * factor * noise).astype(np.float32)
        return lo, hi, prepared["future"], ordered, (i, t), values, rng

    def _path_chunks(self, horizon, n_paths, seed, uplift_scale=None, campaigns=None):
        """Sample paths per chunk of SKUs: (lo, hi, future, values (hi - lo, n_paths, horizon))."""
        for lo, hi, future, ordered, (i, t), campaign_values, rng in self._draw_chunks(
            horizon, n_paths, seed, uplift_scale, campaigns
        ):
            yield lo, hi, future, _shuffled(ordered, i, t, campaign_values, rng)

    def sample_paths(
        self, horizon: int, n_paths: int = 200, seed: int = 0, uplift_scale: dict | None = None,
        campaigns: pd.DataFrame | None = None,
    ) -> SamplePaths:
        """Joint draws of daily demand (n_sku, n_paths, horizon), float32.

        ``uplift_scale`` maps a campaign id (or a campaign type) to a factor on that campaign's extra
        units: 3 means "this creator live sells 3x the extra units we expect", 0 "it is cancelled".
        ``campaigns`` replaces the calendar given to ``fit`` (a scenario's planned campaigns).
        """
        values = np.empty((len(self.skus_), n_paths, horizon), dtype=np.float32)
        future = pd.date_range(self.dates_[-1] + pd.Timedelta(days=1), periods=horizon)
        for lo, hi, future, chunk in self._path_chunks(horizon, n_paths, seed, uplift_scale, campaigns):
            values[lo:hi] = chunk
        return SamplePaths(skus=self.skus_, start=future[0], values=values)

    def chunked_paths(
        self, horizon: int, n_paths: int = 200, seed: int = 0, uplift_scale: dict | None = None,
        campaigns: pd.DataFrame | None = None, keep_bytes: int = KEEP_BYTES,
    ) -> ChunkedPaths:
        """The draws of ``sample_paths`` (the same values), drawn ``chunk_skus`` SKUs at a time when
        read, with each chunk's mean and quantiles read off its sorted strata as ``predict`` does."""
        prepared = self._prepare_draws(horizon, seed, uplift_scale, campaigns)

        def draw(c: int):
            _, _, _, ordered, (i, t), campaign_values, rng = self._draw_chunk(prepared, c, n_paths)
            mean, qs = _ordered_summary(ordered, i, t, campaign_values, QUANTILES)
            return _shuffled(ordered, i, t, campaign_values, rng), mean, qs

        start = self.dates_[-1] + pd.Timedelta(days=1)
        return ChunkedPaths(self.skus_, start, n_paths, horizon, self.chunk_skus, draw, keep_bytes)

    def predict(
        self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200, seed: int = 0,
        uplift_scale: dict | None = None, campaigns: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Long forecast frame read off the same draws as ``sample_paths``, chunk by chunk.

        Ordinary days' draws come sorted, so their quantiles are read by position (numpy's 'linear'
        rule) without shuffling or sorting; campaign days use np.quantile on their draws.
        """
        n_sku = len(self.skus_)
        mean = np.empty((n_sku, horizon), dtype=np.float32)
        qs = np.empty((len(quantiles), n_sku, horizon), dtype=np.float32)
        future = pd.date_range(self.dates_[-1] + pd.Timedelta(days=1), periods=horizon)
        for lo, hi, future, ordered, (i, t), values, _ in self._draw_chunks(horizon, n_paths, seed, uplift_scale, campaigns):
            mean[lo:hi], qs[:, lo:hi] = _ordered_summary(ordered, i, t, values, quantiles)
        frame = pd.DataFrame({"sku": np.repeat(self.skus_, horizon), "date": np.tile(future.values, n_sku)})
        frame["model"] = self.name
        frame["mean"] = mean.reshape(-1).astype(float)
        for j, q in enumerate(quantiles):
            frame[quantile_column(q)] = qs[j].reshape(-1).astype(float)
        return frame


# ------------------------------------------------------------------------------------------ helpers
def _shuffled(ordered: np.ndarray, i: np.ndarray, t: np.ndarray, campaign_values: np.ndarray, rng) -> np.ndarray:
    """Sample paths (n, n_paths, horizon) from one chunk's draws: the sorted stratified draws of each SKU
    and day shuffled along paths by a random permutation (from a pool of 1,024 per chunk), which keeps
    days independent of one another; campaign cells take their own joint draws."""
    n_paths, n, horizon = ordered.shape
    pool = np.argsort(rng.random((1024, n_paths), dtype=np.float32), axis=1).astype(np.int16)
    pick = rng.integers(0, len(pool), n * horizon)
    flat = ordered.reshape(n_paths, n * horizon)
    shuffled = np.take_along_axis(flat, pool[pick].T, axis=0)
    values = shuffled.reshape(n_paths, n, horizon).transpose(1, 0, 2).copy()
    if len(i):
        values[i, :, t] = campaign_values
    return values


def _ordered_summary(ordered: np.ndarray, i: np.ndarray, t: np.ndarray, campaign_values: np.ndarray,
                     quantiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean (n, horizon) and quantiles (n_q, n, horizon) of one chunk's draws. Ordinary days' draws come
    sorted, so their quantiles are read by position (numpy's 'linear' rule) without shuffling or
    sorting; campaign days use np.quantile on their draws."""
    n_paths = ordered.shape[0]
    position = np.asarray(quantiles) * (n_paths - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n_paths - 1)
    weight = (position - below).astype(np.float32)
    mean = ordered.mean(axis=0)
    qs = np.stack([ordered[below[j]] + weight[j] * (ordered[above[j]] - ordered[below[j]]) for j in range(len(quantiles))])
    if len(i):
        mean[i, t] = campaign_values.mean(axis=1)
        qs[:, i, t] = np.quantile(campaign_values, quantiles, axis=1)
    return mean, qs


def _to_matrix(history: pd.DataFrame):
    """history (long) -> units (n_sku, n_days) float32 with NaN on censored days and before a SKU
    starts, the SKUs, the days, and what sold on censored days (NaN elsewhere; a lower bound of demand)."""
    sku_codes, skus = pd.factorize(history["sku"], sort=True)
    dates_raw = pd.to_datetime(history["date"]).to_numpy().astype("datetime64[D]")
    first, last = dates_raw.min(), dates_raw.max()
    dates = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    t = (dates_raw - first).astype(np.int64)
    y = np.full((len(skus), len(dates)), np.nan, dtype=np.float32)
    units = history["units"].to_numpy(dtype=np.float32)
    censored_sales = np.full_like(y, np.nan)
    if "censored" in history.columns:
        censored = history["censored"].to_numpy(dtype=bool)
        censored_sales[sku_codes[censored], t[censored]] = units[censored]
        units = np.where(censored, np.nan, units)
    y[sku_codes, t] = units
    return y, np.asarray(skus, dtype=object), dates, censored_sales


def _category_codes(skus: np.ndarray, products: pd.DataFrame | None) -> np.ndarray:
    if products is None or "category" not in products.columns or len(skus) == 0:
        return np.zeros(len(skus), dtype=np.int64)
    lookup = products.drop_duplicates("sku").set_index("sku")["category"]
    categories = pd.Series(skus).map(lookup).fillna("").astype(str)
    return pd.factorize(categories, sort=True)[0].astype(np.int64)


def _season_index(dates: pd.DatetimeIndex, season_length: int) -> np.ndarray:
    if season_length == 7:
        return dates.day_of_week.to_numpy()
    if season_length <= 1:
        return np.zeros(len(dates), dtype=np.int64)
    return ((dates - pd.Timestamp("1970-01-05")).days.to_numpy()) % season_length


def _holiday_keys(dates: pd.DatetimeIndex, market: str | None) -> np.ndarray:
    """Name of each day's holiday or mega-sale ('' on ordinary days); names repeat across years."""
    frame = holiday_features(dates, market)
    key = np.where(frame["mega_sale_name"].to_numpy() != "", frame["mega_sale_name"].to_numpy(), frame["holiday_name"].to_numpy())
    return key.astype(object)


def _pooled_profile(own: np.ndarray, units: np.ndarray, group: np.ndarray, n_group: int) -> np.ndarray:
    """Volume-weighted mean profile per group (NaN entries skipped) -> (n_group, m)."""
    m = own.shape[1]
    out = np.full((n_group, m), np.nan)
    weights = np.where(np.isnan(own), 0.0, units[:, None])
    values = np.nan_to_num(own)
    for k in range(m):
        num = np.bincount(group, weights=values[:, k] * weights[:, k], minlength=n_group)
        den = np.bincount(group, weights=weights[:, k], minlength=n_group)
        out[:, k] = np.divide(num, den, out=np.full(n_group, np.nan), where=den > 0)
    means = np.nanmean(np.where(np.isnan(out), np.nan, out), axis=1, keepdims=True) if n_group else out
    return np.where(np.isnan(out), 1.0, out / np.where(np.isnan(means) | (means == 0), 1.0, means))


def _decay(half_life: np.ndarray) -> np.ndarray:
    return np.power(0.5, 1.0 / np.maximum(half_life, 1e-3)).astype(np.float32)


def _forward_level(values: np.ndarray, usable: np.ndarray, half_life: np.ndarray):
    """Exponentially weighted mean of ``values`` on ``usable`` days as of the last day -> (level, weight)."""
    n_days = values.shape[1]
    age = (n_days - 1 - np.arange(n_days, dtype=np.float32))[None, :]
    weights = np.power(_decay(half_life)[:, None], age) * usable
    total = weights.sum(axis=1)
    level = np.divide((weights * np.where(usable, values, 0)).sum(axis=1), total, out=np.full(len(total), np.nan), where=total > 0)
    return level, total


def _pooled_drift(values, usable, half_life: np.ndarray, recent_half_life: float, category: np.ndarray,
                  n_cat: int) -> np.ndarray:
    """Per SKU, how far its category has moved since the memory of the SKU's own level: the category's sum
    of recent levels (half-life ``recent_half_life``) over its sum of levels at the SKU's half-life.

    Pooled, a ratio of sums over many SKUs is steady where one SKU's recent level is noise: it moves every
    SKU of a category by the category's drift and leaves each SKU's share alone. Read at a few half-lives
    between the shortest and longest of the SKUs and interpolated in log half-life.
    """
    n_sku = values.shape[0]
    recent, _ = _forward_level(values, usable, np.full(n_sku, recent_half_life, dtype=np.float32))
    grid = np.unique(np.geomspace(max(float(half_life.min()), 1.0), max(float(half_life.max()), 1.0), 5).round(1))
    ratios = np.ones((len(grid), n_cat))
    for k, h in enumerate(grid):
        slow, _ = _forward_level(values, usable, np.full(n_sku, h, dtype=np.float32))
        both = np.isfinite(slow) & np.isfinite(recent)
        total_slow = np.bincount(category[both], weights=slow[both], minlength=n_cat)
        total_fast = np.bincount(category[both], weights=recent[both], minlength=n_cat)
        ratios[k] = np.divide(total_fast, total_slow, out=np.ones(n_cat), where=total_slow > 0)
    own = ratios[:, category]  # (grid, n_sku)
    if len(grid) == 1:
        return own[0].astype(np.float32)
    x = np.log(np.maximum(half_life, 1.0))
    position = np.interp(x, np.log(grid), np.arange(len(grid)))
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, len(grid) - 1)
    w = position - below
    cols = np.arange(n_sku)
    return ((1 - w) * own[below, cols] + w * own[above, cols]).astype(np.float32)


def _two_sided_level(values: np.ndarray, usable: np.ndarray, half_life: np.ndarray) -> np.ndarray:
    """Local level at every day: exponentially weighted mean of usable neighbours on both sides.
    ``usable``: a mask, or weights per day (0 where unusable).

    A campaign day's baseline is the level around it, not the level today, so uplifts learnt from a
    campaign a year ago are not confounded with growth since.
    """
    n_sku, n_days = values.shape
    a = _decay(half_life)
    # day-major copies: each step of the recursion reads one contiguous row
    x = np.ascontiguousarray(np.where(usable, values * usable, 0).astype(np.float32).T)
    w = np.ascontiguousarray(usable.astype(np.float32).T)
    fs = np.empty_like(x)
    fw = np.empty_like(x)
    s = np.zeros(n_sku, dtype=np.float32)
    c = np.zeros(n_sku, dtype=np.float32)
    for t in range(n_days):  # a loop over days, vectorised over SKUs
        s *= a
        s += x[t]
        c *= a
        c += w[t]
        fs[t], fw[t] = s, c
    s = np.zeros(n_sku, dtype=np.float32)
    c = np.zeros(n_sku, dtype=np.float32)
    for t in range(n_days - 1, -1, -1):
        # the day itself is in the forward sums already
        fs[t] += a * s
        fw[t] += a * c
        s *= a
        s += x[t]
        c *= a
        c += w[t]
    return np.divide(fs, fw, out=np.full_like(fs, np.nan), where=fw > 1e-3).T


def _normal_ppf(p: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(p)


#: below this mean, ordinary days are drawn by the exact negative-binomial inverse CDF
_EXACT_BELOW = 20.0
_SUPPORT = 96


def _nb_stratified(mu: np.ndarray, phi: np.ndarray, n_strata: int) -> np.ndarray:
    """Inverse CDF of NB(mean mu, Var = mu + phi mu^2) at strata u_j = (j + 0.5) / n_strata.

    Returns (n_strata, cells) float32, sorted along axis 0. Means below _EXACT_BELOW use the exact CDF on
    0.._SUPPORT-1 (pmf by recursion, all cells at once): the value at stratum j is the number of support
    points whose CDF lies below u_j, accumulated from a histogram of where each CDF value falls. Larger
    means (and the far tail of small ones) use the Wilson-Hilferty cube-root normal approximation of
    the gamma with the same mean and variance.
    """
    mu = np.maximum(np.asarray(mu, dtype=np.float64), 0)
    phi = np.asarray(phi, dtype=np.float64)
    n_cells = len(mu)
    out = np.empty((n_strata, n_cells), dtype=np.float32)
    small = mu < _EXACT_BELOW
    large = np.flatnonzero(~small)
    if len(large):
        out[:, large] = _wilson_hilferty(mu[large], phi[large], n_strata)
    idx = np.flatnonzero(small)
    if len(idx):
        m, f = mu[idx], phi[idx]
        r = 1 / f
        q = f * m / (1 + f * m)
        pmf = np.exp(-r * np.log1p(f * m))  # P(0) = (1 + phi mu)^(-1/phi)
        cdf = pmf.copy()
        hist = np.zeros((n_strata + 1, len(idx)), dtype=np.int16)
        cols = np.arange(len(idx))
        last = (n_strata - 0.5) / n_strata
        for k in range(_SUPPORT - 1):
            # strata j with u_j > F(k) lie beyond k: each of them is at least k + 1
            first = np.clip(np.floor(cdf * n_strata - 0.5).astype(np.int64) + 1, 0, n_strata)
            hist[first, cols] += 1
            if cdf.min() > last:
                break
            pmf = pmf * (k + r) / (k + 1) * q
            cdf = cdf + pmf
        exact = np.cumsum(hist[:n_strata], axis=0, dtype=np.int16).astype(np.float32)
        tail = np.flatnonzero(exact[-1] >= _SUPPORT - 1)
        if len(tail):
            # a heavy tail beyond the support: the approximation takes over there
            approx = _wilson_hilferty(m[tail], f[tail], n_strata)
            exact[:, tail] = np.where(exact[:, tail] >= _SUPPORT - 1, np.maximum(approx, _SUPPORT - 1), exact[:, tail])
        out[:, idx] = exact
    return out


def _wilson_hilferty(mu: np.ndarray, phi: np.ndarray, n_strata: int) -> np.ndarray:
    """Gamma quantiles (mean mu, variance mu + phi mu^2) at the strata, rounded -> (n_strata, cells)."""
    var = mu + phi * mu**2
    shape = np.divide(mu**2, var, out=np.ones_like(mu), where=var > 0).astype(np.float32)
    z = _normal_ppf((np.arange(n_strata) + 0.5) / n_strata).astype(np.float32)[:, None]
    cube = np.maximum(1 - 1 / (9 * shape) + z / (3 * np.sqrt(shape)), 0)
    return np.floor(mu.astype(np.float32) * cube * cube * cube + 0.5)


def _calendar_profiles(deseasoned, ordinary, dates, yearly: bool, monthly: bool, per_sku: bool = False,
                       prior_units: float = 300.0, mid_half_life: float = 10.0):
    """Shop-wide day-of-year (366) and day-of-month (31) multipliers, mean 1, from ordinary days, and
    with ``per_sku`` each SKU's own day-of-year log deviation from the shop's (n_sku, 366), or None (see
    ``_sku_year_profiles``; a SKU's weighs as much as the shop's at ``prior_units`` units behind it).

    The shop's demand on each day is compared, pooled over SKUs (so big sellers weigh most), with a
    smooth local level: a short one (half-life ``mid_half_life`` days) against a long one (90 days)
    gives the slow yearly swing; the day's demand against the short one gives the day of month.
    Days of the year seen in fewer years are shrunk toward 1.
    """
    n_days = len(dates)
    year_profile = np.ones(366, dtype=np.float32)
    month_profile = np.ones(31, dtype=np.float32)
    sku_profiles = None
    n_sku = deseasoned.shape[0]
    short = _two_sided_level(deseasoned, ordinary, np.full(n_sku, mid_half_life, dtype=np.float32))
    doy = dates.day_of_year.to_numpy() - 1
    if yearly and n_days >= 400:
        long = _two_sided_level(deseasoned, ordinary, np.full(n_sku, 90.0, dtype=np.float32))
        both = np.isfinite(short) & np.isfinite(long)
        ratio = np.where(both, short, 0).sum(axis=0) / np.maximum(np.where(both, long, 0).sum(axis=0), 1e-9)
        valid = both.any(axis=0)
        sums = np.bincount(doy[valid], weights=ratio[valid], minlength=366)
        counts = np.bincount(doy[valid], minlength=366).astype(float)
        # circular smoothing over +-7 days of the year
        kernel = np.ones(15)
        wrap = lambda a: np.convolve(np.r_[a[-7:], a, a[:7]], kernel, mode="valid")  # noqa: E731
        smooth_sums, smooth_counts = wrap(sums), wrap(counts)
        mean = np.divide(smooth_sums, smooth_counts, out=np.ones(366), where=smooth_counts > 0)
        years = smooth_counts / 15.0
        shrunk = 1 + (mean - 1) * years / (years + 0.5)
        year_profile = (shrunk / shrunk.mean()).astype(np.float32)
    if yearly and n_days >= 400 and per_sku:
        # a SKU's own swing is read against a level that does not follow a yearly swing itself
        yearly_level = _two_sided_level(deseasoned, ordinary, np.full(n_sku, 365.0, dtype=np.float32))
        both = np.isfinite(short) & np.isfinite(yearly_level)
        shop_ratio = np.where(both, short, 0).sum(axis=0) / np.maximum(np.where(both, yearly_level, 0).sum(axis=0), 1e-9)
        units = np.where(ordinary, deseasoned, 0).sum(axis=1)
        sku_profiles = _sku_year_profiles(short, yearly_level, shop_ratio, dates, units / (units + prior_units))
    if monthly and n_days >= 90:
        usable = ordinary & np.isfinite(short)
        day_sum = np.where(usable, deseasoned, 0).sum(axis=0)
        level_sum = np.where(usable, short, 0).sum(axis=0)
        dom = dates.day.to_numpy() - 1
        sums = np.bincount(dom, weights=day_sum, minlength=31)
        levels = np.bincount(dom, weights=level_sum, minlength=31)
        n_months = np.bincount(dom, weights=usable.any(axis=0).astype(float), minlength=31)
        ratio = np.divide(sums, levels, out=np.ones(31), where=levels > 0)
        shrunk = 1 + (ratio - 1) * n_months / (n_months + 2.0)
        month_profile = (shrunk / np.average(shrunk, weights=np.maximum(n_months, 1e-9))).astype(np.float32)
    return year_profile, month_profile, sku_profiles


def _circular_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums over +-window along the last axis (366 days of the year), wrapping around the year end."""
    padded = np.concatenate([values[..., -window:], values, values[..., :window]], axis=-1)
    cumulative = np.concatenate([np.zeros(values.shape[:-1] + (1,), dtype=values.dtype), np.cumsum(padded, axis=-1)], axis=-1)
    return cumulative[..., 2 * window + 1 :] - cumulative[..., : -(2 * window + 1)]


def _agreed_year_profile(values: np.ndarray, seen: np.ndarray, window: int) -> np.ndarray:
    """Mean over years of log ratios by day of the year, weighted by how well the years agree.

    ``values``, ``seen``: (rows, n_years, 366), each day already the mean over +-``window`` days. Per
    row, rho, the correlation of the years' values over the days both saw, is the share of their
    variance that recurs; a correlation over a few overlapping weeks is mostly chance, so it is
    discounted by the independent (2 window + 1)-day blocks behind it (half at _SEASON_PRIOR_BLOCKS).
    A day seen in n years then weighs n rho / (1 + (n - 1) rho) (Spearman-Brown). Rows whose years
    do not agree (or with one year) get ~0. Returns (rows, 366).
    """
    rows, n_years, _ = values.shape
    products, squares_a, squares_b, overlap = (np.zeros(rows) for _ in range(4))
    for a in range(n_years):
        for b in range(a + 1, n_years):
            both = seen[:, a] & seen[:, b]
            products += (values[:, a] * values[:, b] * both).sum(axis=1)
            squares_a += (values[:, a] ** 2 * both).sum(axis=1)
            squares_b += (values[:, b] ** 2 * both).sum(axis=1)
            overlap += both.sum(axis=1)
    denominator = np.sqrt(squares_a * squares_b)
    rho = np.clip(np.divide(products, denominator, out=np.zeros(rows), where=denominator > 0), 0.0, 1.0)
    blocks = overlap / (2 * window + 1)
    rho = (rho * blocks / (blocks + _SEASON_PRIOR_BLOCKS))[:, None]
    n = seen.sum(axis=1)
    mean = np.divide(np.where(seen, values, 0).sum(axis=1), n, out=np.zeros((rows, 366)), where=n > 0)
    return n * rho / (1 + (n - 1) * rho) * mean


def _sku_year_profiles(short, long, shop_ratio, dates: pd.DatetimeIndex, evidence: np.ndarray,
                       window: int = 7) -> np.ndarray | None:
    """Each SKU's own yearly swing beyond the shop's: log multipliers (n_sku, 366), mean 0, or None.

    A SKU's short local level against its long one (a level that does not follow a yearly swing),
    divided by the shop's same ratio, says how much more (or less) seasonal it is than the shop on
    that day: a beach-town store peaks in July, a heater in January. Averaged per year and day of the
    year (+-``window`` days), it is believed as far as the SKU's years agree (``_agreed_year_profile``),
    times ``evidence`` (n_sku,) in [0, 1], the weight of the units behind it: a SKU selling a few
    units a year has no season of its own to show.
    """
    years = dates.year.to_numpy()
    n_years = int(years.max() - years.min() + 1)
    if n_years < 2:
        return None
    n_sku = short.shape[0]
    usable = np.isfinite(short) & np.isfinite(long) & (short > 0) & (long > 0) & (shop_ratio > 0)[None, :]
    deviation = np.where(usable, np.log(np.where(usable, short / np.where(usable, long, 1.0), 1.0)), 0.0)
    deviation -= np.where(usable, np.log(np.maximum(shop_ratio, 1e-9))[None, :], 0.0)
    cell = (years - years.min()) * 366 + dates.day_of_year.to_numpy() - 1
    # one cell per SKU, year and day of the year (a day occurs once a year)
    sums = np.zeros((n_sku, n_years * 366), dtype=np.float32)
    counts = np.zeros((n_sku, n_years * 366), dtype=np.float32)
    sums[:, cell] = deviation
    counts[:, cell] = usable
    sums = _circular_sums(sums.reshape(n_sku, n_years, 366), window)
    counts = _circular_sums(counts.reshape(n_sku, n_years, 366), window)
    seen = counts > 0.5
    mean = np.divide(sums, counts, out=np.zeros_like(sums), where=seen)
    profile = _agreed_year_profile(mean, seen, window) * evidence[:, None]
    profile -= profile.mean(axis=1, keepdims=True)
    return profile.astype(np.float32)


def _uplift_year_profile(dates: pd.Series, units: np.ndarray, fitted: np.ndarray, window: int = 7) -> np.ndarray | None:
    """Shop-wide log multiplier of a campaign type's uplift by day of the year (366,), or None.

    Campaign days' units against their fitted demand (baseline x the SKU's uplift x its day-of-campaign
    profile), summed per calendar year and day of the year over +-``window`` days (circular), give one
    log ratio per year and day, believed as far as the years agree (``_agreed_year_profile``): uplifts
    that do not repeat by season get none; a shop with under two years of campaigns gets none.
    """
    years = dates.dt.year.to_numpy()
    first = years.min()
    n_years = int(years.max() - first + 1)
    if n_years < 2:
        return None
    cell = (years - first) * 366 + dates.dt.day_of_year.to_numpy() - 1
    u = _circular_sums(np.bincount(cell, weights=units, minlength=n_years * 366).reshape(n_years, 366), window)
    f = _circular_sums(np.bincount(cell, weights=fitted, minlength=n_years * 366).reshape(n_years, 366), window)
    seen = f > 0
    total = np.log(max(units.sum(), 1e-9) / max(fitted.sum(), 1e-9))
    log_ratio = np.where(seen, np.log(np.maximum(u, 1e-9) / np.where(seen, f, 1.0)) - total, 0.0)
    return _agreed_year_profile(log_ratio[None], seen[None], window)[0].astype(np.float32)


def _calendar(dates: pd.DatetimeIndex, year_profile: np.ndarray, month_profile: np.ndarray) -> np.ndarray:
    return (year_profile[dates.day_of_year.to_numpy() - 1] * month_profile[dates.day.to_numpy() - 1]).astype(np.float32)


def _prepost_matrix(effects: np.ndarray, days_to: np.ndarray, days_since: np.ndarray) -> np.ndarray:
    out = np.ones(days_to.shape, dtype=np.float32)
    for d in range(1, PRE_DAYS + 1):
        out *= np.where(days_to == d, effects[:, d - 1 : d], 1.0)
    for d in range(1, POST_DAYS + 1):
        out *= np.where(days_since == d, effects[:, PRE_DAYS + d - 1 : PRE_DAYS + d], 1.0)
    return out


def _gamma_pool(units: np.ndarray, expected: np.ndarray, parent: np.ndarray, extra_var: np.ndarray | float = 0.0):
    """Gamma-Poisson posterior of multipliers: units ~ Poisson(m x expected), m ~ Gamma(mean parent, var tau2).

    tau2, the variance of true multipliers between units, by moments over units with evidence:
    Var(units) = parent x expected + tau2 x expected^2. Returns the posterior mean and variance of m
    (``extra_var`` adds the parent's own uncertainty for units without evidence).
    """
    has = expected > 0
    if has.sum() >= 2:
        excess = (units[has] - parent[has] * expected[has]) ** 2 - parent[has] * expected[has]
        tau2 = float(excess.sum() / (expected[has] ** 2).sum())
    else:
        tau2 = float(np.mean(parent**2))  # one unit: a prior as wide as the multiplier itself
    tau2 = float(np.clip(tau2, 1e-3 * float(np.mean(parent**2)), 10.0 * float(np.mean(parent**2)) + 1e-9))
    beta = parent / tau2
    mean = (beta * parent + units) / (beta + expected)
    var = mean / (beta + expected) + np.where(has, 0.0, extra_var)
    return mean, var


def _dispersion(y0: np.ndarray, expected: np.ndarray, usable: np.ndarray, prior_days: float = 60.0) -> np.ndarray:
    """Negative-binomial dispersion phi (Var = mu + phi mu^2) per SKU by moments, shrunk to the shop's."""
    mu = np.where(usable, expected, 0).astype(np.float64)
    excess = np.where(usable, (y0 - expected) ** 2 - expected, 0).astype(np.float64)
    mu2 = (mu**2).sum(axis=1)
    own = np.divide(excess.sum(axis=1), mu2, out=np.zeros(len(mu2)), where=mu2 > 0)
    shop = max(excess.sum() / max(mu2.sum(), 1e-9), 0.01)
    n = usable.sum(axis=1)
    w = n / (n + prior_days)
    return np.clip(w * own + (1 - w) * shop, 0.01, 10.0).astype(np.float32)
