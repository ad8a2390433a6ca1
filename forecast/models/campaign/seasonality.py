"""Seasonality: the within-week profile, the time of year and the named days (holidays, mega-sales).

Every profile is a multiplier of the level with mean 1, read on ordinary days:

* season (weekly by default): ratio of each weekday to the SKU's mean, shrunk toward the category's and
  the shop's profile by how many units the SKU's own profile rests on;
* time of year: a shop-wide day-of-year and day-of-month profile, and each SKU's own yearly swing
  beyond the shop's (a beach-town store peaks in July), as far as its years agree;
* holidays and mega-sale days: one multiplier per named day, from the shop's past years;
* events (school holidays, paydays, a final, the shop's own promotions): one multiplier per event type
  and for its run-up and hangover, pooled over the SKUs it touched, the same ratio as a named day's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.models.campaign.level import two_sided_level
from forecast.models.campaign.matrices import DayKinds, EventCells, SalesMatrix

#: days of an event key at which a SKU's own effect weighs as much as the pooled one
EVENT_PRIOR_DAYS = 3.0
#: independent two-week blocks of overlap between years at which their agreement is half-believed
_SEASON_PRIOR_BLOCKS = 10.0


@dataclass(frozen=True)
class CalendarProfiles:
    """Time-of-year multipliers: shop-wide by day of the year and of the month, and each SKU's own swing."""

    yearly: np.ndarray  # (366,) float32, mean 1
    monthly: np.ndarray  # (31,) float32
    sku_yearly: np.ndarray | None  # (n_sku, 366) float32 log deviation from the shop's, mean 0; None: none

    @classmethod
    def flat(cls) -> CalendarProfiles:
        """No time of year: every multiplier 1."""
        return cls(yearly=np.ones(366, dtype=np.float32), monthly=np.ones(31, dtype=np.float32), sku_yearly=None)

    def multipliers(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Day-of-year x day-of-month multipliers on ``dates``: (1, days) shop-wide, or (n_sku, days)
        with each SKU's own yearly swing."""
        day_of_year = dates.day_of_year.to_numpy() - 1
        calendar = (self.yearly[day_of_year] * self.monthly[dates.day.to_numpy() - 1]).astype(np.float32)[None, :]
        if self.sku_yearly is None:
            return calendar
        return calendar * np.exp(self.sku_yearly[:, day_of_year])


def weekly_profile(adjusted: np.ndarray, ordinary: np.ndarray, season_index: np.ndarray, season_length: int,
                   profile_days: int, prior_units: float, category: np.ndarray, n_cat: int) -> np.ndarray:
    """Seasonal profile (n_sku, m), mean 1, shrunk SKU -> category -> shop by units of evidence.

    Parameters
    ----------
    adjusted : (n_sku, n_days) demand with the other multipliers divided out.
    ordinary : (n_sku, n_days) bool, the days the profile is read on.
    season_index : (n_days,) position of each day in the season; ``season_length`` positions (1: off).
    profile_days : the profile reads the last ``profile_days`` days.
    prior_units : units of evidence at which a SKU's (or category's) own profile weighs as much as its pool's.
    category : (n_sku,) category code of each SKU; ``n_cat`` codes in all.

    Returns
    -------
    (n_sku, season_length) float32.
    """
    m = season_length
    n_sku, n_days = adjusted.shape
    if m <= 1:
        return np.ones((n_sku, 1), dtype=np.float32)
    recent = np.zeros(n_days, dtype=bool)
    recent[-profile_days:] = True
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
    cats = _pooled_profile(own, units, category, n_cat)
    cat_units = np.bincount(category, weights=units, minlength=n_cat)
    w_cat = cat_units / (cat_units + prior_units)
    cats = w_cat[:, None] * np.nan_to_num(cats, nan=1.0) + (1 - w_cat[:, None]) * shop[None, :]
    prior = cats[category]
    w = (units / (units + prior_units))[:, None]
    profile = np.where(np.isnan(own), prior, w * own + (1 - w) * prior)
    profile = np.clip(profile, 0.05, None)
    return (profile / profile.mean(axis=1, keepdims=True)).astype(np.float32)


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


def calendar_profiles(deseasoned: np.ndarray, ordinary: np.ndarray, dates: pd.DatetimeIndex, yearly: bool,
                      monthly: bool, per_sku: bool = False, prior_units: float = 300.0,
                      mid_half_life: float = 10.0) -> CalendarProfiles:
    """Shop-wide day-of-year (366) and day-of-month (31) multipliers, mean 1, from ordinary days, and
    with ``per_sku`` each SKU's own day-of-year log deviation from the shop's.

    The shop's demand on each day is compared, pooled over SKUs (so big sellers weigh most), with a
    smooth local level: a short one (half-life ``mid_half_life`` days) against a long one (90 days)
    gives the slow yearly swing; the day's demand against the short one gives the day of month.
    Days of the year seen in fewer years are shrunk toward 1.

    Parameters
    ----------
    deseasoned : (n_sku, n_days) demand with the weekly profile and run-up / hangover divided out.
    ordinary : (n_sku, n_days) bool, the days the profiles are read on.
    dates : (n_days,) the days.
    yearly, monthly : learn the day-of-year (needs 400 days), the day-of-month profile (needs 90).
    per_sku : also each SKU's own yearly swing (``_sku_year_profiles``).
    prior_units : units behind a SKU at which its own swing weighs as much as the shop's.
    mid_half_life : half-life in days of the short local level.

    Returns
    -------
    CalendarProfiles; a profile not learnt is flat (1; None for the SKUs' own).
    """
    n_days = len(dates)
    year_profile = np.ones(366, dtype=np.float32)
    month_profile = np.ones(31, dtype=np.float32)
    sku_profiles = None
    n_sku = deseasoned.shape[0]
    short = two_sided_level(deseasoned, ordinary, np.full(n_sku, mid_half_life, dtype=np.float32))
    doy = dates.day_of_year.to_numpy() - 1
    if yearly and n_days >= 400:
        long = two_sided_level(deseasoned, ordinary, np.full(n_sku, 90.0, dtype=np.float32))
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
        yearly_level = two_sided_level(deseasoned, ordinary, np.full(n_sku, 365.0, dtype=np.float32))
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
    return CalendarProfiles(yearly=year_profile, monthly=month_profile, sku_yearly=sku_profiles)


def circular_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums over +-window along the last axis (366 days of the year), wrapping around the year end."""
    padded = np.concatenate([values[..., -window:], values, values[..., :window]], axis=-1)
    cumulative = np.concatenate([np.zeros(values.shape[:-1] + (1,), dtype=values.dtype), np.cumsum(padded, axis=-1)], axis=-1)
    return cumulative[..., 2 * window + 1 :] - cumulative[..., : -(2 * window + 1)]


def agreed_year_profile(values: np.ndarray, seen: np.ndarray, window: int) -> np.ndarray:
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
    year (+-``window`` days), it is believed as far as the SKU's years agree (``agreed_year_profile``),
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
    sums = circular_sums(sums.reshape(n_sku, n_years, 366), window)
    counts = circular_sums(counts.reshape(n_sku, n_years, 366), window)
    seen = counts > 0.5
    mean = np.divide(sums, counts, out=np.zeros_like(sums), where=seen)
    profile = agreed_year_profile(mean, seen, window) * evidence[:, None]
    profile -= profile.mean(axis=1, keepdims=True)
    return profile.astype(np.float32)


def holiday_effects(sales: SalesMatrix, days: DayKinds, baseline: np.ndarray, prepost: np.ndarray,
                    prior_units: float) -> dict[str, float]:
    """One shop-wide multiplier per named day (holiday, mega-sale), from days without a campaign.

    Parameters
    ----------
    sales, days : the history's matrices and kinds of day.
    baseline : (n_sku, n_days) expected demand from level, season and time of year.
    prepost : (n_sku, n_days) run-up and hangover multipliers around campaigns.
    prior_units : units of evidence at which a day's own multiplier weighs as much as 1.

    Returns
    -------
    name -> multiplier, for every named day in the history.
    """
    effects = {}
    for key in days.holiday_names:
        cols = days.holiday_key == key
        mask = sales.observed[:, cols] & ~days.on_campaign[:, cols]
        effects[key] = _named_ratio(sales.units[:, cols], baseline[:, cols] * prepost[:, cols], mask, prior_units)
    return effects


def _named_ratio(units: np.ndarray, expected: np.ndarray, mask: np.ndarray, prior_units: float) -> float:
    """A named day's (or event's) multiplier: units over expected units on its cells, shrunk to 1 by
    ``prior_units`` units of evidence."""
    return (float((units * mask).sum()) + prior_units) / (float((expected * mask).sum()) + prior_units)


def event_effects(sales: SalesMatrix, days: DayKinds, expected: np.ndarray, prior_units: float,
                  sweeps: int = 2) -> dict[str, np.ndarray]:
    """Log multiplier per unit of magnitude of each event key (type, day of run-up or hangover) per SKU:
    the key's ratio pooled over the SKU-days it touched without a campaign (as ``holiday_effects``
    reads a named day), and each SKU's own ratio shrunk to it by ``prior_units`` expected units (a
    school holiday empties a city store and fills one at the seaside).

    Events overlap (a school holiday around a public one), so each key is read with the others'
    current multipliers divided out, over ``sweeps`` rounds. A ratio is the effect at the mean
    magnitude of its cells: the log per unit of magnitude is its log over that mean.

    Parameters
    ----------
    sales, days : the history's matrices and kinds of day (``days.events`` set).
    expected : (n_sku, n_days) demand expected without events (level, season, time of year, named
        days, campaign run-up / hangover).
    prior_units : expected units at which a SKU's own ratio weighs as much as the pooled one.

    Returns
    -------
    key -> (n_sku,) float32; SKUs the key never touched get the pooled value, keys never seen 0.
    """
    events = days.events
    n_sku = expected.shape[0]
    effects = {key: np.zeros(n_sku, dtype=np.float32) for key in events.keys}
    usable = sales.observed & ~days.on_campaign
    log_total = np.zeros(events.cells.shape[1:], dtype=np.float32)  # the sum of every key's log effect
    for _ in range(sweeps):
        for k, key in enumerate(events.keys):
            cells = events.cells[k]
            mask = usable & (cells > 0)
            if not mask.any():
                continue
            log_total -= effects[key][:, None] * cells
            effects[key] = _shrunk_log_ratio(sales.units, expected * np.exp(log_total), mask, cells, prior_units)
            log_total += effects[key][:, None] * cells
    return effects


def _shrunk_log_ratio(units: np.ndarray, expected: np.ndarray, mask: np.ndarray, cells: np.ndarray,
                      prior_units: float, prior_days: float = None) -> np.ndarray:
    """Per SKU: log of (own units + prior x pooled ratio) / (own expected units + prior), weighed
    against the pooled log by its days, n / (n + ``prior_days``) (a SKU's two past Easters are two
    draws, however many units they sold), over the mean magnitude of the SKU's cells."""
    prior_days = EVENT_PRIOR_DAYS if prior_days is None else prior_days
    own_units = np.where(mask, units, 0).sum(axis=1, dtype=np.float64)
    own_expected = np.where(mask, expected, 0).sum(axis=1, dtype=np.float64)
    pooled = (own_units.sum() + prior_units) / (own_expected.sum() + prior_units)
    ratio = (own_units + prior_units * pooled) / (own_expected + prior_units)
    n_cells = mask.sum(axis=1)
    weight = n_cells / (n_cells + prior_days)
    ratio = np.exp(weight * np.log(np.maximum(ratio, 1e-6)) + (1 - weight) * np.log(pooled))
    magnitude = np.where(mask, cells, 0).sum(axis=1) / np.maximum(n_cells, 1)
    magnitude = np.where(n_cells > 0, magnitude, cells[mask].mean())
    return (np.log(np.maximum(ratio, 1e-6)) / magnitude).astype(np.float32)


def event_multipliers(events: EventCells | None, effects: dict[str, np.ndarray]) -> np.ndarray:
    """Each SKU-day's event multiplier (n_sku, n_days) float32: exp(sum of log effect x magnitude);
    1 where no event is, and for keys never seen in the history. (1, 1) without events."""
    if events is None or not len(events.keys):
        return np.ones((1, 1), dtype=np.float32)
    log = np.zeros(events.cells.shape[1:], dtype=np.float32)
    for k, key in enumerate(events.keys):
        if key in effects:
            log += effects[key][:, None] * events.cells[k]
    return np.exp(log)


def holiday_multipliers(holiday_key: np.ndarray, effects: dict[str, float]) -> np.ndarray:
    """Each day's named-day multiplier (n_days,) float32: 1 on other days and on names never seen."""
    return np.array([effects.get(k, 1.0) for k in holiday_key], dtype=np.float32)
