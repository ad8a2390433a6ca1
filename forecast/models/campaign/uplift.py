"""Uplift: what a campaign does to demand, on its days and on the days around it.

* pre-campaign dip / post-campaign hangover: a multiplier per distance (1..3 days) from the nearest
  campaign, per SKU shrunk to the shop's;
* campaign uplift per type: log of (campaign-day units / baseline units) per past campaign and SKU,
  pooled SKU <- category <- shop with empirical-Bayes (random-effects) shrinkage, growing with
  log(expected viewers) or log(daily budget) where the calendar gives them; a per-type profile over the
  days of a multi-day campaign (a promotion's first day differs from its fourth); and a shop-wide
  profile over the time of year, as far as past years' campaigns agree (peak-season promotions lift more).

On a future campaign day the log uplift is drawn per path and campaign from its posterior predictive
N(u[i, type] + slope[type] * (intensity - typical), s2[i, type]) (``uplift_matrices`` gives its mean
and variance per SKU and day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from forecast.features import POST_DAYS, PRE_DAYS, CampaignMatrices
from forecast.models.campaign.matrices import SalesMatrix
from forecast.models.campaign.seasonality import agreed_year_profile, circular_sums

#: prior log-uplift (and its spread) of a campaign type the shop has never run: a creator's live
#: sells more than the shop's own, an ad lifts least. Wide on purpose; the shop's own campaigns win fast.
PRIOR_UPLIFT = {
    "livestream_own": (np.log(2.0), 0.8),
    "livestream_creator": (np.log(3.0), 0.9),
    "ad": (np.log(1.3), 0.5),
    "flash_sale": (np.log(1.8), 0.6),
    "mega_sale": (np.log(2.5), 0.8),
    "video": (np.log(1.5), 0.6),  # a creator's shoppable video: no evidence to set it apart from "other"
    "other": (np.log(1.5), 0.6),
}
#: which intensity column drives the uplift of each type
INTENSITY = {
    "livestream_own": "log_viewers", "livestream_creator": "log_viewers", "ad": "log_budget",
    "flash_sale": "discount_pct", "mega_sale": "discount_pct", "video": "discount_pct", "other": "discount_pct",
}
MAX_CAMPAIGN_DAY = 7  # days of a campaign beyond the 7th share the 7th day's profile


@dataclass(frozen=True)
class UpliftFit:
    """Fitted log-uplift of one campaign type."""

    mean: np.ndarray  # (n_sku,) posterior mean log-uplift at typical intensity
    var: np.ndarray  # (n_sku,) posterior variance of that mean
    event_var: float  # spread of one campaign around the SKU's mean
    slope: float  # d log-uplift / d intensity
    typical: float  # intensity the mean refers to
    day_profile: np.ndarray  # (n_sku, MAX_CAMPAIGN_DAY) log multiplier by day of the campaign
    n_events: int
    year_profile: np.ndarray | None = None  # (366,) shop-wide log multiplier by day of the year


@dataclass(frozen=True)
class UpliftPooling:
    """What the uplift fit pools over and how it weighs past campaigns (the model's settings)."""

    category: np.ndarray  # (n_sku,) category code of each SKU
    n_cat: int
    n_days: int  # days of history: a campaign's age counts back from the last
    half_life: float | None  # age in days at which a past campaign counts half (None: all equal)
    prior_units: float  # units of evidence at which a SKU's day-of-campaign profile weighs as much as the shop's
    seasonal: bool  # let the uplift vary with the time of year


@dataclass(frozen=True)
class UpliftMatrices:
    """The log uplift of each SKU and day from a start day, and the campaign behind it."""

    log_mean: np.ndarray  # (n_sku, n_days) float32 mean log uplift, 0 off campaigns
    log_var: np.ndarray  # (n_sku, n_days) float32 its variance
    campaign: np.ndarray  # (n_sku, n_days) int64 index into ``campaign_ids``, -1 off campaigns
    scale: np.ndarray  # (n_sku, n_days) float32 the scenario's factor on the campaign's extra units
    campaign_ids: list  # the campaigns in the window, in order of first appearance


# ------------------------------------------------------------------------- run-up and hangover
def fit_prepost(units: np.ndarray, baseline: np.ndarray, usable: np.ndarray, campaign_cells: CampaignMatrices,
                prior_units: float) -> np.ndarray:
    """Run-up and hangover multipliers around campaigns, per SKU shrunk to the shop's.

    Parameters
    ----------
    units, baseline : (n_sku, n_days) units sold and the baseline expected of them.
    usable : (n_sku, n_days) bool, the days read (ordinary days).
    campaign_cells : the campaign calendar's matrices (its distances to and since a campaign day).
    prior_units : units of evidence at which a SKU's own multiplier weighs as much as the shop's.

    Returns
    -------
    (n_sku, PRE_DAYS + POST_DAYS) float32 in [0.2, 5]: run-up days 1..PRE_DAYS, hangover days 1..POST_DAYS.
    """
    effects = np.ones((units.shape[0], PRE_DAYS + POST_DAYS), dtype=np.float32)
    distances = ([(campaign_cells.days_to, d) for d in range(1, PRE_DAYS + 1)]
                 + [(campaign_cells.days_since, d) for d in range(1, POST_DAYS + 1)])
    for j, (distance, k) in enumerate(distances):
        mask = usable & (distance == k)
        sold = (units * mask).sum(axis=1)
        expected = (baseline * mask).sum(axis=1)
        shop = (sold.sum() + prior_units) / (expected.sum() + prior_units)
        effects[:, j] = (sold + prior_units * shop) / (expected + prior_units)
    return np.clip(effects, 0.2, 5.0)


def prepost_matrix(effects: np.ndarray, days_to: np.ndarray, days_since: np.ndarray) -> np.ndarray:
    """Each SKU-day's run-up / hangover multiplier (n_sku, n_days) float32 from ``fit_prepost``'s effects
    and the days to the next and since the last campaign day."""
    out = np.ones(days_to.shape, dtype=np.float32)
    for d in range(1, PRE_DAYS + 1):
        out *= np.where(days_to == d, effects[:, d - 1 : d], 1.0)
    for d in range(1, POST_DAYS + 1):
        out *= np.where(days_since == d, effects[:, PRE_DAYS + d - 1 : PRE_DAYS + d], 1.0)
    return out


# ------------------------------------------------------------------------------ campaign days
def fit_uplifts(sales: SalesMatrix, expected: np.ndarray, campaign_cells: CampaignMatrices, days: pd.DataFrame,
                pooling: UpliftPooling) -> dict[str, UpliftFit]:
    """Log-uplift per campaign type, pooled SKU <- category <- shop by empirical Bayes.

    Campaign days that sold out (censored) are where uplift was largest; leaving them out would bias
    the uplift down. Their demand is at least what sold: after a first fit on uncensored days they
    re-enter with max(sold, fitted demand), and the type is fitted again.

    Parameters
    ----------
    sales : the history's matrices.
    expected : (n_sku, n_days) expected demand without campaign uplift.
    campaign_cells : the campaign calendar's matrices (which types run on each SKU-day).
    days : one row per campaign, SKU and day (forecast.features.campaign_days).
    pooling : categories and settings.

    Returns
    -------
    type -> UpliftFit, for every type in CAMPAIGN_TYPES (the type's prior where it never ran).
    """
    events = _past_campaign_days(sales, expected, campaign_cells, days)
    usable = events[events["single"] & events["observed"]]
    sold = sales.censored_sales[events["i"], events["t"]]
    sold_out_rows = events["single"] & ~events["observed"] & np.isfinite(sold)
    sold_out = events[sold_out_rows].assign(units=sold[sold_out_rows.to_numpy()])
    fitted = {}
    for kind in CAMPAIGN_TYPES:
        rows = usable[usable["type"] == kind]
        fit = fit_type(kind, rows, pooling)
        lower_bounds = sold_out[sold_out["type"] == kind]
        if len(lower_bounds) and fit.n_events:
            i = lower_bounds["i"].to_numpy()
            x = lower_bounds["intensity"].fillna(fit.typical).to_numpy() - fit.typical
            log_uplift = (fit.mean[i] + (fit.var[i] + fit.event_var) / 2 + fit.slope * x
                          + fit.day_profile[i, lower_bounds["campaign_day"].to_numpy()])
            demand = np.maximum(lower_bounds["units"].to_numpy(float), lower_bounds["expected"].to_numpy(float) * np.exp(log_uplift))
            fit = fit_type(kind, pd.concat([rows, lower_bounds.assign(units=demand)]), pooling)
        fitted[kind] = fit
    return fitted


def _past_campaign_days(sales: SalesMatrix, expected: np.ndarray, campaign_cells: CampaignMatrices,
                        days: pd.DataFrame) -> pd.DataFrame:
    """The history's campaign days, one row per campaign, SKU and day: its SKU and day positions (i, t),
    units, expected units without uplift, intensity, day of the campaign, whether one type ran alone
    (``single``: only then is the day's uplift that type's) and whether demand was seen."""
    sku_index = pd.Index(sales.skus).get_indexer(days["sku"])
    day_index = sales.dates.get_indexer(days["date"])
    keep = (sku_index >= 0) & (day_index >= 0)
    events = days.loc[keep, ["campaign_id", "type", "date", "expected_viewers", "daily_budget", "discount_pct"]].copy()
    events["i"], events["t"] = sku_index[keep], day_index[keep]
    events["type"] = _known_type(events["type"])
    n_types_active = sum((m > 0).astype(np.int8) for m in campaign_cells.by_type.values())
    events["single"] = n_types_active[events["i"], events["t"]] == 1
    events["observed"] = sales.observed[events["i"], events["t"]]
    events["units"] = sales.units[events["i"], events["t"]]
    events["expected"] = expected[events["i"], events["t"]]
    events["campaign_day"] = _campaign_day(days, events)
    events["intensity"] = np.nan
    for kind in INTENSITY:
        rows = events["type"] == kind
        events.loc[rows, "intensity"] = _intensity(events[rows], kind)
    return events


def prior_fit(kind: str, n_sku: int) -> UpliftFit:
    """The uplift of a campaign type the shop has never run: its prior (PRIOR_UPLIFT) for every SKU."""
    prior_mean, prior_sd = PRIOR_UPLIFT[kind]
    return UpliftFit(
        mean=np.full(n_sku, prior_mean - prior_sd**2 / 2), var=np.full(n_sku, prior_sd**2), event_var=0.0,
        slope=0.0, typical=0.0, day_profile=np.zeros((n_sku, MAX_CAMPAIGN_DAY)), n_events=0,
    )


def fit_type(kind: str, rows: pd.DataFrame, pooling: UpliftPooling) -> UpliftFit:
    """Uplift of one campaign type: gamma-Poisson pooling SKU <- category <- shop <- type prior.

    Each SKU's campaign-day units Y against its baseline units B there (both summed over its past
    campaigns of the type, after scaling each campaign to typical intensity) estimate a multiplier; the
    posterior mean (beta m + Y) / (beta + B) shrinks it to the parent's m with a strength beta = m / tau2
    set by how much true multipliers vary between SKUs (tau2, by moments): a SKU with one small
    livestream stays near its category, one with twenty speaks for itself. Ratios of sums, not means of
    log-ratios: unbiased for slow sellers that sell 0-2 units a day.

    Parameters
    ----------
    kind : the campaign type.
    rows : its campaign days (``_past_campaign_days``'s rows).
    pooling : categories and settings.
    """
    n_sku = len(pooling.category)
    if len(rows) == 0:
        return prior_fit(kind, n_sku)
    per_event = rows.groupby(["campaign_id", "i"], sort=False).agg(
        units=("units", "sum"), expected=("expected", "sum"), intensity=("intensity", "mean"), last=("t", "max"),
    ).reset_index()
    per_event = per_event[per_event["expected"] > 0]
    if len(per_event) == 0:
        return prior_fit(kind, n_sku)
    sku = per_event["i"].to_numpy()
    # recent campaigns weigh more: how a shop's audience answers a campaign drifts
    age = pooling.n_days - 1 - per_event["last"].to_numpy(float)
    recency = np.power(0.5, age / pooling.half_life) if pooling.half_life else np.ones(len(age))
    y_e = per_event["units"].to_numpy(float) * recency
    b_e = per_event["expected"].to_numpy(float) * recency
    known = per_event["intensity"].notna()
    typical = float(per_event.loc[known, "intensity"].median()) if known.any() else 0.0
    x = per_event["intensity"].fillna(typical).to_numpy() - typical
    slope = _intensity_slope(x, y_e, b_e, sku, int(known.sum()))
    b_e = b_e * np.exp(slope * x)  # each campaign's baseline scaled to its intensity
    sku_m, sku_v = _pooled_multipliers(y_e, b_e, sku, float(np.exp(PRIOR_UPLIFT[kind][0])), pooling)
    # spread of single campaigns around their SKU's multiplier, beyond Poisson
    fitted = sku_m[sku] * b_e
    denominator = (fitted**2).sum()
    event_rel_var = float(np.clip(((y_e - fitted) ** 2 - fitted).sum() / denominator, 0.0, 3.0)) if denominator > 0 else 0.0
    event_var = float(np.log1p(event_rel_var))
    post_var = np.log1p(sku_v / np.maximum(sku_m, 1e-6) ** 2)
    log_m = np.log(np.maximum(sku_m, 1e-6))
    profile = day_profile(rows, log_m, n_sku, pooling.prior_units)
    year_profile = None
    if pooling.seasonal:
        i, day = rows["i"].to_numpy(), rows["campaign_day"].to_numpy()
        fit = rows["expected"].to_numpy(float) * np.exp(log_m[i] + profile[i, day])
        year_profile = uplift_year_profile(rows["date"], rows["units"].to_numpy(float), fit)
    return UpliftFit(
        mean=log_m - (post_var + event_var) / 2, var=post_var, event_var=event_var, slope=slope,
        typical=typical, day_profile=profile, n_events=len(per_event), year_profile=year_profile,
    )


def _intensity_slope(x: np.ndarray, units: np.ndarray, baseline: np.ndarray, sku: np.ndarray, n_known: int) -> float:
    """How log uplift grows with intensity (log viewers, log budget): the slope of each campaign's log
    ratio of units to baseline on its intensity ``x`` (centred), within SKUs; 0 with under 8 campaigns
    of known intensity or none that differ. Clipped to [0, 1.5]."""
    slope = 0.0
    if n_known >= 8 and np.ptp(x) > 0:
        r = np.log((units + 0.5) / (baseline + 0.5))
        w = baseline / (1 + baseline)  # campaigns with a tiny baseline say little
        counts = np.bincount(sku, weights=w)
        xd = x - (np.bincount(sku, weights=w * x) / np.maximum(counts, 1e-12))[sku]
        rd = r - (np.bincount(sku, weights=w * r) / np.maximum(counts, 1e-12))[sku]
        if (w * xd**2).sum() > 1e-6 * max(w.sum(), 1e-12) and (np.abs(xd) > 1e-9).sum() >= 5:
            slope = float((w * xd * rd).sum() / (w * xd**2).sum())
        else:  # every SKU ran one campaign: across SKUs
            xm = x - np.average(x, weights=w)
            slope = float((w * xm * (r - np.average(r, weights=w))).sum() / max((w * xm**2).sum(), 1e-12))
        slope = float(np.clip(slope, 0.0, 1.5))
    return slope


def _pooled_multipliers(units: np.ndarray, baseline: np.ndarray, sku: np.ndarray, prior_m: float,
                        pooling: UpliftPooling) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and variance of each SKU's uplift multiplier (n_sku,), pooled SKU <- category <-
    shop, from its campaigns' units and (intensity-scaled) baseline units."""
    n_sku, n_cat, cat = len(pooling.category), pooling.n_cat, pooling.category
    y_sku = np.bincount(sku, weights=units, minlength=n_sku)
    b_sku = np.bincount(sku, weights=baseline, minlength=n_sku)
    y_cat = np.bincount(cat, weights=y_sku, minlength=n_cat)
    b_cat = np.bincount(cat, weights=b_sku, minlength=n_cat)
    # shop: the type prior counts as 3 baseline units of evidence
    shop_m = (y_sku.sum() + 3.0 * prior_m) / (b_sku.sum() + 3.0)
    cat_m, cat_v = gamma_pool(y_cat, b_cat, np.full(n_cat, shop_m))
    return gamma_pool(y_sku, b_sku, cat_m[cat], extra_var=cat_v[cat])


def gamma_pool(units: np.ndarray, expected: np.ndarray, parent: np.ndarray,
               extra_var: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Gamma-Poisson posterior of multipliers: units ~ Poisson(m x expected), m ~ Gamma(mean parent, var tau2).

    tau2, the variance of true multipliers between units, by moments over units with evidence:
    Var(units) = parent x expected + tau2 x expected^2.

    Parameters
    ----------
    units, expected : (units,) what each unit (SKU, category) sold and was expected to sell.
    parent : (units,) each unit's prior mean multiplier.
    extra_var : the parent's own uncertainty, added for units without evidence.

    Returns
    -------
    mean, var : (units,) the posterior mean and variance of m.
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


def day_profile(rows: pd.DataFrame, post: np.ndarray, n_sku: int, prior_units: float) -> np.ndarray:
    """Log multiplier by day of a multi-day campaign (n_sku, MAX_CAMPAIGN_DAY), relative to its mean.

    Shop-wide first, then per SKU shrunk toward it by units of evidence (``prior_units`` weigh as much
    as the shop's): a promotion's first day may sell more than its fourth, and more so in some SKUs.
    Days never seen take the last seen.
    """
    profile = np.zeros((n_sku, MAX_CAMPAIGN_DAY))
    day = rows["campaign_day"].to_numpy()
    if len(rows) == 0 or day.max() == 0:
        return profile
    i = rows["i"].to_numpy()
    units = rows["units"].to_numpy(dtype=float)
    fit = rows["expected"].to_numpy(dtype=float) * np.exp(post[i])
    k = MAX_CAMPAIGN_DAY
    shop_units = np.bincount(day, weights=units, minlength=k)
    shop_fit = np.bincount(day, weights=fit, minlength=k)
    shop = np.log((shop_units + 50) / (shop_fit + 50)) - np.log((units.sum() + 50) / (fit.sum() + 50))
    seen = shop_fit > 0
    last_seen = np.maximum.accumulate(np.where(seen, np.arange(k), 0))
    shop = shop[last_seen]
    cell = i * k + day
    sku_units = np.bincount(cell, weights=units, minlength=n_sku * k).reshape(n_sku, k)
    sku_fit = np.bincount(cell, weights=fit, minlength=n_sku * k).reshape(n_sku, k)
    own = np.log((sku_units + prior_units * np.exp(shop)[None, :]) / (sku_fit + prior_units))
    total = np.log((sku_units.sum(axis=1) + prior_units) / (sku_fit.sum(axis=1) + prior_units))
    profile = (own - total[:, None])[:, last_seen]
    return profile


def uplift_year_profile(dates: pd.Series, units: np.ndarray, fitted: np.ndarray, window: int = 7) -> np.ndarray | None:
    """Shop-wide log multiplier of a campaign type's uplift by day of the year (366,), or None.

    Campaign days' units against their fitted demand (baseline x the SKU's uplift x its day-of-campaign
    profile), summed per calendar year and day of the year over +-``window`` days (circular), give one
    log ratio per year and day, believed as far as the years agree (``agreed_year_profile``): uplifts
    that do not repeat by season get none; a shop with under two years of campaigns gets none.
    """
    years = dates.dt.year.to_numpy()
    first = years.min()
    n_years = int(years.max() - first + 1)
    if n_years < 2:
        return None
    cell = (years - first) * 366 + dates.dt.day_of_year.to_numpy() - 1
    u = circular_sums(np.bincount(cell, weights=units, minlength=n_years * 366).reshape(n_years, 366), window)
    f = circular_sums(np.bincount(cell, weights=fitted, minlength=n_years * 366).reshape(n_years, 366), window)
    seen = f > 0
    total = np.log(max(units.sum(), 1e-9) / max(fitted.sum(), 1e-9))
    log_ratio = np.where(seen, np.log(np.maximum(u, 1e-9) / np.where(seen, f, 1.0)) - total, 0.0)
    return agreed_year_profile(log_ratio[None], seen[None], window)[0].astype(np.float32)


# ------------------------------------------------------------------------------ the forecast's
def uplift_matrices(fits: dict[str, UpliftFit], days: pd.DataFrame | None, skus: np.ndarray, start: pd.Timestamp,
                    n_days: int, uplift_scale: dict | None = None) -> UpliftMatrices:
    """Log-uplift mean and variance of each SKU and day from ``start``, and the campaign behind it.

    Several campaigns of one type on a day count once (the strongest); different types stack.

    Parameters
    ----------
    fits : type -> fitted uplift (a type without one takes its prior).
    days : one row per campaign, SKU and day (forecast.features.campaign_days), or None.
    skus : the fitted SKUs (rows).
    start, n_days : the window (columns).
    uplift_scale : campaign id (or type) -> factor on that campaign's extra units (a what-if scenario).
    """
    n_sku = len(skus)
    log_mean = np.zeros((n_sku, n_days), dtype=np.float32)
    log_var = np.zeros((n_sku, n_days), dtype=np.float32)
    campaign = np.full((n_sku, n_days), -1, dtype=np.int64)
    scale = np.ones((n_sku, n_days), dtype=np.float32)
    campaign_ids: list = []
    if days is not None and len(days):
        d, campaign_ids = _window_campaign_days(days, skus, start, n_days)
        for kind in d["type"].unique():
            rows = d[d["type"] == kind]
            fit = fits.get(kind) or prior_fit(kind, n_sku)
            x = _intensity(rows, kind).fillna(fit.typical).to_numpy() - fit.typical
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
            campaign[i, t] = np.where(campaign[i, t] < 0, best["event"].to_numpy(), campaign[i, t])
            if uplift_scale:
                factor = best["id"].map(uplift_scale).fillna(uplift_scale.get(kind, 1.0)).to_numpy(np.float32)
                scale[i, t] *= factor
    return UpliftMatrices(log_mean=log_mean, log_var=log_var, campaign=campaign, scale=scale,
                          campaign_ids=list(campaign_ids))


def _window_campaign_days(days: pd.DataFrame, skus: np.ndarray, start: pd.Timestamp,
                          n_days: int) -> tuple[pd.DataFrame, pd.Index]:
    """The campaign days of the fitted SKUs in the window, with their positions (i, t), day of the
    campaign and campaign index (``event``), and the campaign ids the index points into."""
    d = days[(days["date"] >= start) & (days["date"] < start + pd.Timedelta(days=n_days))].copy()
    d["i"] = pd.Index(skus).get_indexer(d["sku"])
    d = d[d["i"] >= 0]
    d["t"] = (d["date"] - start).dt.days.to_numpy()
    d["type"] = _known_type(d["type"])
    d["campaign_day"] = _campaign_day(days, d)
    codes, campaign_ids = pd.factorize(d["campaign_id"])
    d["event"] = codes
    return d, campaign_ids


def _known_type(types: pd.Series) -> pd.Series:
    """Campaign types outside CAMPAIGN_TYPES count as 'other'."""
    return types.where(types.isin(CAMPAIGN_TYPES), "other")


def _campaign_day(days: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Day of the campaign of each of ``rows`` (0 = the SKU's first day of it; at most MAX_CAMPAIGN_DAY - 1)."""
    first = days.groupby(["campaign_id", "sku"])["date"].transform("min").loc[rows.index]
    return np.minimum((rows["date"] - first).dt.days, MAX_CAMPAIGN_DAY - 1)


def _intensity(rows: pd.DataFrame, kind: str) -> pd.Series:
    """The intensity that drives a ``kind`` campaign's uplift: log(1 + viewers), log(1 + budget) or the discount."""
    column = INTENSITY[kind]
    raw = rows[column.replace("log_viewers", "expected_viewers").replace("log_budget", "daily_budget")]
    return np.log1p(raw) if column.startswith("log_") else raw
