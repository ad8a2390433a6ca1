"""Level: each SKU's rate of demand on an ordinary day, as exponentially weighted means.

Two readings of it: a local level at every day (``two_sided_level``, the baseline a past campaign is
measured against) and the level as of the last day (``forward_level``, what the forecast starts from),
moved by its category's drift (``pooled_drift``) and, for SKUs with little history, shrunk to the
category's (``shrink_level``). A level is sum(units) / sum(expected multipliers) over the days it
reads: a day the shop barely trades on counts little, not as a near-zero.
"""

from __future__ import annotations

import numpy as np

from forecast.models.campaign.matrices import SalesMatrix


def half_lives(sales: SalesMatrix, half_life: float, max_half_life: float) -> np.ndarray:
    """Half-life of each SKU's level in days (n_sku,) float32.

    Intermittent SKUs smooth over a similar number of sales, not of days: ``half_life`` is stretched by
    the mean interval between days with sales, up to ``max_half_life``.
    """
    sale_days = np.maximum((sales.units > 0).sum(axis=1), 1)
    interval = np.maximum(sales.observed.sum(axis=1) / sale_days, 1.0)
    return np.minimum(half_life * interval, max_half_life).astype(np.float32)


def fill_level(local: np.ndarray, units: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """A local level where a SKU has no ordinary day to read one from: its mean observed demand."""
    missing = np.isnan(local)
    if missing.any():
        counts = observed.sum(axis=1)
        mean = np.divide(units.sum(axis=1), counts, out=np.zeros(len(counts)), where=counts > 0)
        local = np.where(missing, mean[:, None].astype(np.float32), local)  # float32: no float64 SKU x day copy
    return np.maximum(local, 0).astype(np.float32)


def level_observations(sales: SalesMatrix, on_campaign: np.ndarray, divisor: np.ndarray, expected: np.ndarray,
                       campaign_factor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What the final level reads: each day's demand over its expected multiplier, and the day's weight.

    Each day weighs by what it is expected to sell, so the level is sum(units) / sum(expected
    multipliers) (the Poisson estimate of a multiplicative level), not a mean of ratios: on a shop that
    barely trades one weekday the mean of ratios counts that day's zeros at full weight and reads the
    level a seventh low (UCI: the mean forecast was 27 % below the next 21 days' sales).

    With ``campaign_factor``, campaign days count too, their fitted uplift divided out, with weight
    1 / uplift (a 5x day is mostly campaign noise): twice the evidence where campaigns are frequent
    (Rossmann runs a promotion every other week).

    The day a SKU ran out sold what it had, and its demand was at least that: dropping the day (as the
    days after it, whose demand went unseen) drops the days demand ran highest, so a season that
    empties the shelves never reaches the level. It counts as what sold or, where that is less, what
    the day was expected to sell (UCI's replay: the planner at a 90 % target served 86.6 % -> 87.5 %).

    Parameters
    ----------
    sales : the history's matrices (not changed).
    on_campaign : (n_sku, n_days) bool.
    divisor : (n_sku, n_days) each day's expected multiplier of the level (season x calendar x holiday x
        run-up / hangover).
    expected : (n_sku, n_days) expected demand without campaigns (a ran-out day's demand is at least it).
    campaign_factor : (n_sku, n_days) expected uplift multiplier on campaign days, or None to skip them.

    Returns
    -------
    values, weight : (n_sku, n_days) demand / multiplier, and the weight of each day in the level.
    """
    weight = ((sales.observed & ~on_campaign) * divisor).astype(np.float32)
    if campaign_factor is not None:
        weight = np.where(on_campaign & sales.observed, divisor / np.maximum(campaign_factor, 1.0), weight).astype(np.float32)
        divisor = divisor * np.where(on_campaign, campaign_factor, 1.0)
    with np.errstate(invalid="ignore"):
        ran_out = (sales.censored_sales > 0) & ~on_campaign  # NaN (not censored) compares False
    weight[ran_out] = divisor[ran_out]
    values = sales.units / divisor
    # the ran-out day's demand as the units matrix would hold it (its dtype), then over its multiplier
    demand = np.maximum(sales.censored_sales[ran_out], expected[ran_out]).astype(sales.units.dtype)
    values[ran_out] = demand / divisor[ran_out]
    return values, weight


def forward_level(values: np.ndarray, usable: np.ndarray, half_life: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exponentially weighted mean of ``values`` on ``usable`` days as of the last day.

    Parameters
    ----------
    values : (n_sku, n_days).
    usable : (n_sku, n_days) a mask, or weights per day (0 where unusable).
    half_life : (n_sku,) days over which a day's weight halves.

    Returns
    -------
    level, weight : (n_sku,) the mean (NaN without a usable day) and the sum of the weights behind it.
    """
    n_days = values.shape[1]
    age = (n_days - 1 - np.arange(n_days, dtype=np.float32))[None, :]
    weights = np.power(_decay(half_life)[:, None], age) * usable
    total = weights.sum(axis=1)
    level = np.divide((weights * np.where(usable, values, 0)).sum(axis=1), total, out=np.full(len(total), np.nan), where=total > 0)
    return level, total


def two_sided_level(values: np.ndarray, usable: np.ndarray, half_life: np.ndarray) -> np.ndarray:
    """Local level at every day: exponentially weighted mean of usable neighbours on both sides.

    A campaign day's baseline is the level around it, not the level today, so uplifts learnt from a
    campaign a year ago are not confounded with growth since.

    Parameters
    ----------
    values, usable, half_life : as ``forward_level`` (a neighbour's weight halves over ``half_life`` days).

    Returns
    -------
    (n_sku, n_days) float32, NaN where no usable day is near enough.
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


def pooled_drift(values: np.ndarray, usable: np.ndarray, half_life: np.ndarray, recent_half_life: float,
                 category: np.ndarray, n_cat: int) -> np.ndarray:
    """Per SKU, how far its category has moved since the memory of the SKU's own level.

    The category's sum of recent levels (half-life ``recent_half_life``) over its sum of levels at the
    SKU's half-life. Pooled, a ratio of sums over many SKUs is steady where one SKU's recent level is
    noise: it moves every SKU of a category by the category's drift and leaves each SKU's share alone.
    Read at a few half-lives between the shortest and longest of the SKUs and interpolated in log
    half-life.

    Parameters
    ----------
    values, usable : as ``forward_level``.
    half_life : (n_sku,) each SKU's half-life.
    recent_half_life : half-life of the recent level in days.
    category : (n_sku,) category code of each SKU; ``n_cat`` codes in all.

    Returns
    -------
    (n_sku,) float32 multiplier of each SKU's level.
    """
    n_sku = values.shape[0]
    recent, _ = forward_level(values, usable, np.full(n_sku, recent_half_life, dtype=np.float32))
    grid = np.unique(np.geomspace(max(float(half_life.min()), 1.0), max(float(half_life.max()), 1.0), 5).round(1))
    ratios = np.ones((len(grid), n_cat))
    for k, h in enumerate(grid):
        slow, _ = forward_level(values, usable, np.full(n_sku, h, dtype=np.float32))
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


def shrink_level(level: np.ndarray, n_days: np.ndarray, category: np.ndarray, n_cat: int,
                 prior_days: float) -> np.ndarray:
    """New SKUs (few days behind their level) borrow the category's typical level.

    Parameters
    ----------
    level : (n_sku,) each SKU's own level (NaN where it has none).
    n_days : (n_sku,) days behind it.
    category : (n_sku,) category code of each SKU; ``n_cat`` codes in all.
    prior_days : days at which a SKU's own level weighs as much as its category's median level.

    Returns
    -------
    (n_sku,) float32.
    """
    known = (n_days > 0) & np.isfinite(level)
    cat_level = np.zeros(n_cat)
    for c in range(n_cat):
        members = known & (category == c)
        cat_level[c] = np.median(level[members]) if members.any() else np.nan
    shop_level = np.median(level[known]) if known.any() else 0.0
    cat_level = np.where(np.isnan(cat_level), shop_level, cat_level)
    prior = cat_level[category]
    w = n_days / (n_days + prior_days)
    return np.where(known, w * np.nan_to_num(level) + (1 - w) * prior, prior).astype(np.float32)


def _decay(half_life: np.ndarray) -> np.ndarray:
    return np.power(0.5, 1.0 / np.maximum(half_life, 1e-3)).astype(np.float32)
