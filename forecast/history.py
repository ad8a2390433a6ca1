"""Daily demand history: complete calendars, stockout censoring, category priors for new SKUs.

``daily_demand`` (order lines -> units per SKU and day) lives with the store on the planner side; this
module takes its output (sku, date, units) and makes the history every model reads
(forecast.contract: sku, date, units, censored).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
import pandas as pd
from scipy.special import gammaln

from forecast.contract import HISTORY_COLUMNS, checked_history

#: a run of zero days is judged against the SKU's own zero share over this many days before it
WINDOW_DAYS = 91
#: fewer observed days than this before a run: too little to judge it
MIN_WINDOW_DAYS = 28
#: Syntetos, Boylan & Croston (2005): above this average inter-demand interval a SKU is intermittent
INTERMITTENT_ADI = 1.32
#: a 5 % chance of one false stockout per SKU-year: Bonferroni over the (at most 365) days a run can start
SIGNIFICANCE = 0.05 / 365


def complete_history(demand: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """One row per SKU and day, from the SKU's first sale (or ``start`` if later) to ``end``.

    Parameters
    ----------
    demand : sku, date, units, and optionally censored. Several rows of one SKU and day (locations)
        are summed; a day is censored if any of its rows is.
    start, end : first and last day of the calendar; by default each SKU's first sale and the last
        date in ``demand``. Days without a row get units 0, not censored.

    Returns
    -------
    history frame (forecast.contract.HISTORY_COLUMNS), sorted by sku and date.
    """
    demand = checked_history(demand, daily=False, frame="demand")
    frame = demand.loc[:, [c for c in ("sku", "date", "units", "censored") if c in demand.columns]].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize().astype("datetime64[ns]")
    frame["units"] = frame["units"].astype(float)
    frame["censored"] = frame["censored"].astype(bool) if "censored" in frame.columns else False
    if len(frame) == 0:
        return pd.DataFrame({
            "sku": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]"),
            "units": pd.Series(dtype=float), "censored": pd.Series(dtype=bool),
        })
    daily = frame.groupby(["sku", "date"], sort=True, observed=True).agg(units=("units", "sum"), censored=("censored", "any"))
    daily = daily.reset_index()
    last = pd.Timestamp(end).normalize() if end is not None else daily["date"].max()
    # the grid is laid out with numpy: one block of days per SKU (sorted), each day's row found by
    # arithmetic; merging millions of (sku, date) keys took seconds at 10,000 SKUs
    codes, skus = pd.factorize(daily["sku"])  # daily is sorted by SKU: codes ascend, skus are sorted
    day = daily["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    n_sku = len(skus)
    first = day[np.unique(codes, return_index=True)[1]]  # a SKU that never sold starts at its first row
    selling = daily["units"].to_numpy() > 0
    sold_codes, at = np.unique(codes[selling], return_index=True)
    first[sold_codes] = day[selling][at]
    if start is not None:
        first = np.maximum(first, pd.Timestamp(start).normalize().to_datetime64().astype("datetime64[D]").astype(np.int64))
    last_day = last.to_datetime64().astype("datetime64[D]").astype(np.int64)
    n_days = np.clip(last_day - first + 1, 0, None)
    offset = np.cumsum(n_days) - n_days
    rows = int(n_days.sum())
    sku_of_row = np.repeat(np.arange(n_sku), n_days)
    dates = (np.repeat(first, n_days) + np.arange(rows) - np.repeat(offset, n_days)).astype("datetime64[D]")
    inside = (day >= first[codes]) & (day <= last_day)
    position = (offset[codes] + day - first[codes])[inside]
    units = np.zeros(rows)
    units[position] = daily["units"].to_numpy(dtype=float)[inside]
    censored = np.zeros(rows, dtype=bool)
    censored[position] = daily["censored"].to_numpy(dtype=bool)[inside]
    return pd.DataFrame({"sku": skus.take(sku_of_row).array, "date": dates.astype("datetime64[ns]"), "units": units,
                         "censored": censored})[list(HISTORY_COLUMNS)]


def mark_stockouts(
    history: pd.DataFrame,
    inventory_history: pd.DataFrame | None = None,
    significance: float = SIGNIFICANCE,
    spike_factor: float = 4.0,
) -> pd.DataFrame:
    """Mark the days whose sales do not show demand as ``censored`` (a new frame; the input is kept).

    Flags already in ``history``'s ``censored`` column are kept.

    With ``inventory_history`` (sku, date, on_hand at the end of the day): a day that ended with no
    stock is censored (what sold is a lower bound on demand), and so is a day without sales that
    started with none. The stock levels decide the days they cover (from a SKU's first to its last
    stock row): nothing is inferred there.

    Without stock levels, a run of zero days is a stockout only when the SKU's own demand makes it
    improbable (stockout_runs): sales data alone cannot tell a stockout from a quiet spell, so the
    test is set to flag few runs that demand could have produced, and a lumpy or intermittent SKU's
    silence is taken as its demand. The day before a flagged run is censored too when it was a spike
    (more than ``spike_factor`` times the SKU's daily mean before the run): a livestream that sold out
    mid-session; its sales are a lower bound.

    Parameters
    ----------
    history : sku, date, units, and optionally censored; one row per SKU and day (complete_history).
    inventory_history : sku, date, on_hand (several rows of a SKU and day, locations, are summed).
    significance : the zero-run test's level per run (SIGNIFICANCE; see stockout_runs).
    spike_factor : a day selling more than this times the SKU's mean before a flagged run sold out.
    """
    out = checked_history(history).copy()
    out["censored"] = out["censored"].astype(bool) if "censored" in out.columns else False
    out = out.sort_values(["sku", "date"], ignore_index=True)
    covered = np.zeros(len(out), dtype=bool)
    if inventory_history is not None and len(inventory_history):
        stock = inventory_history.loc[:, ["sku", "date", "on_hand"]].copy()
        stock["date"] = pd.to_datetime(stock["date"]).dt.normalize().astype("datetime64[ns]")
        stock = stock.groupby(["sku", "date"], as_index=False)["on_hand"].sum()
        merged = out[["sku", "date"]].merge(stock, on=["sku", "date"], how="left")
        on_hand = merged["on_hand"].to_numpy(dtype=float)
        same_sku = np.r_[False, out["sku"].to_numpy()[1:] == out["sku"].to_numpy()[:-1]]
        opening = np.where(same_sku, np.r_[np.nan, on_hand[:-1]], np.nan)
        sold_out = on_hand <= 0
        started_empty = (opening <= 0) & (out["units"].to_numpy() == 0)
        out["censored"] |= sold_out | started_empty
        span = stock.groupby("sku")["date"].agg(["min", "max"])
        first = out["sku"].map(span["min"]).to_numpy(dtype="datetime64[ns]")
        last = out["sku"].map(span["max"]).to_numpy(dtype="datetime64[ns]")
        days = out["date"].to_numpy(dtype="datetime64[ns]")
        covered = (days >= first) & (days <= last)  # NaT (a SKU without stock rows) compares False
    detected = stockout_runs(out, significance, spike_factor)
    out["censored"] |= detected & ~covered
    return out


def zero_run_probability(run_days: ArrayLike, zero_days: ArrayLike, observed_days: ArrayLike) -> np.ndarray:
    """Probability that a SKU sells nothing on ``run_days`` days in a row, from its zero share.

    Each day is a zero with probability p0 (days independent), and p0 is not known but seen as
    ``zero_days`` zeros in ``observed_days`` days: with Jeffreys' prior Beta(1/2, 1/2) its posterior is
    Beta(a, b), a = zero_days + 1/2, b = observed_days - zero_days + 1/2, and the predictive probability
    of k zeros in a row is

        E[p0^k] = B(a + k, b) / B(a, b) = prod_{i<k} (a + i) / (a + b + i)

    (the beta-binomial at k of k). It exceeds the plug-in (zero_days / observed_days)^k (Jensen), the
    more the fewer days were observed, and is never 0: a SKU that sold every day of the last 91 still
    has a 1-in-184 chance of a quiet day. Vectorised over numpy arrays.

    >>> f"{zero_run_probability(10, 0, 91):.2g}"      # sold every day of a quarter, then silent ten days
    '9.2e-15'
    >>> round(float(zero_run_probability(3, 45, 91)), 4)   # half its days are zeros anyway
    0.125
    """
    a = np.asarray(zero_days, dtype=float) + 0.5
    b = np.asarray(observed_days, dtype=float) - np.asarray(zero_days, dtype=float) + 0.5
    k = np.asarray(run_days, dtype=float)
    return np.exp(gammaln(a + k) - gammaln(a) + gammaln(a + b) - gammaln(a + b + k))


def stockout_runs(history: pd.DataFrame, significance: float = SIGNIFICANCE, spike_factor: float = 4.0,
                  passes: int = 3) -> np.ndarray:
    """Boolean mask (rows of ``history``, sorted by sku and date) of likely stockout days, from sales alone.

    The model: a SKU's demand on a day is zero with probability p0, days independent, p0 its own over
    the WINDOW_DAYS days before the run (days already censored left out). Demand is read as
    occurrence, not units: whether a day sells at all is the process Croston (1972) and Syntetos &
    Boylan separate from the order sizes, and a wholesale SKU that sells 200 units a month in five
    orders has p0 near 0.8, not the exp(-7) a Poisson rate of 7 units a day gives.

    A run of k zero days is a stockout when

    * the SKU is not intermittent over the window: its average inter-demand interval (observed days
      / days with a sale) is at most INTERMITTENT_ADI = 1.32, the cut-off of Syntetos, Boylan &
      Croston (2005, "On the categorization of demand patterns", JORS 56(5)), i.e. p0 <= 0.24. An
      intermittent or lumpy SKU's zeros come in spells (a customer's reorder cycle, a season) that
      independent days do not describe, and without stock levels its silence is its demand;
    * at least MIN_WINDOW_DAYS days were observed before the run;
    * the run is improbable: zero_run_probability(k, zeros, days) < ``significance``. Under the model
      a SKU-year holds about 365 (1 - p0) p0^k runs of k or more zeros, so a level of 0.05 / 365
      (SIGNIFICANCE, Bonferroni over the days a run can start) keeps false stockouts below one per
      20 SKU-years. For a SKU that sold every day of the window 2 silent days are enough, at p0 = 0.2
      (18 zeros in 91 days) 6.

    A flagged run leaves later windows (``passes`` rounds, so that a long stockout does not make the
    next one look ordinary). A run still open on the last day is judged on its days so far: a fast
    mover that was delisted looks the same as one out of stock, and only stock levels tell them apart.

    Why a zero-run test: with lost sales the observed sales are demand censored at the stock level
    (Nahmias 1994, "Demand estimation in lost sales inventory systems", NRL 41(6); Agrawal & Smith
    1996, "Estimating negative binomial demand for retail inventory management with unobservable lost
    sales", NRL 43(6)), and when stock levels are not recorded the days that were censored must be
    inferred; retailers' out-of-shelf detection from point-of-sale data flags a product whose sales
    stop for longer than its own selling rate makes likely (Papakiriakopoulos, Pramatari & Doukidis
    2009, Decision Support Systems 46(3)). Flagging too much is not conservative here: a censored
    day's zero is dropped from the level, which then rises, and the calibration's tails with it.
    """
    units = history["units"].to_numpy(dtype=float)
    n = len(units)
    if n == 0:
        return np.zeros(0, dtype=bool)
    sku_codes = pd.factorize(history["sku"])[0]
    new_sku = np.r_[True, sku_codes[1:] != sku_codes[:-1]]
    zero = units == 0
    # runs of zeros: a run starts at a zero whose predecessor is not a zero of the same SKU
    run_start = zero & (new_sku | ~np.r_[False, zero[:-1]])
    run_id = np.cumsum(run_start) * zero
    starts = np.flatnonzero(run_start)
    run_length = np.bincount(run_id)[1:]
    sku_first = np.maximum.accumulate(np.where(new_sku, np.arange(n), 0))
    window_begin = np.maximum(starts - WINDOW_DAYS, sku_first[starts])
    known = history["censored"].to_numpy(dtype=bool)
    mask = np.zeros(n, dtype=bool)
    flagged = np.zeros(len(starts), dtype=bool)
    for _ in range(passes):
        usable = ~(known | mask)
        cum_days = np.r_[0, np.cumsum(usable)]
        cum_zeros = np.r_[0, np.cumsum(usable & zero)]
        days = cum_days[starts] - cum_days[window_begin]
        zeros = cum_zeros[starts] - cum_zeros[window_begin]
        regular = days <= INTERMITTENT_ADI * (days - zeros)  # False too for a window without a sale
        suspicious = regular & (days >= MIN_WINDOW_DAYS) & (zero_run_probability(run_length, zeros, days) < significance)
        if np.array_equal(suspicious, flagged):
            break
        flagged = suspicious
        mask = np.isin(run_id, np.flatnonzero(flagged) + 1)
    # the spike day right before a flagged run: sold out mid-session
    cum_units = np.r_[0.0, np.cumsum(np.where(usable, units, 0.0))]
    rate = np.divide(cum_units[starts] - cum_units[window_begin], days, out=np.zeros(len(starts)), where=days > 0)
    before = starts[flagged] - 1
    ok = (before >= 0) & ~new_sku[np.clip(before + 1, 0, n - 1)]
    before, rates = before[ok], rate[flagged][ok]
    spike = units[before] > spike_factor * np.maximum(rates, 1.0)
    mask[before[spike]] = True
    return mask


def category_prior(history: pd.DataFrame, products: pd.DataFrame | None, last_days: int = 91) -> pd.DataFrame:
    """Level and weekly shape of a typical SKU of each category, for SKUs with little history.

    Over the last ``last_days`` days (censored days left out): ``level`` is the median over the
    category's SKUs of their mean daily units, ``dow_0`` ... ``dow_6`` (Monday = 0) the category's
    weekday profile (mean 1), ``n_skus`` how many SKUs it rests on. Category ``""`` is the whole shop,
    the fallback for SKUs without one.
    """
    recent = history[history["date"] > history["date"].max() - pd.Timedelta(days=last_days)]
    recent = recent[~recent["censored"]]
    categories = _categories(recent["sku"], products)
    frame = pd.DataFrame({
        "sku": recent["sku"].to_numpy(), "category": categories, "dow": recent["date"].dt.day_of_week.to_numpy(),
        "units": recent["units"].to_numpy(),
    })
    rows = []
    for category, group in [("", frame)] + list(frame.groupby("category", sort=True)):
        per_sku = group.groupby("sku")["units"].mean()
        by_dow = group.groupby("dow")["units"].mean().reindex(range(7))
        shape = (by_dow / by_dow.mean()).fillna(1.0)
        row = {"category": category, "level": float(per_sku.median()) if len(per_sku) else 0.0, "n_skus": len(per_sku)}
        row.update({f"dow_{d}": float(shape[d]) for d in range(7)})
        rows.append(row)
    return pd.DataFrame(rows)


def _categories(skus: pd.Series, products: pd.DataFrame | None) -> np.ndarray:
    """Category of each SKU ('' when unknown)."""
    if products is None or "category" not in products.columns:
        return np.full(len(skus), "", dtype=object)
    lookup = products.drop_duplicates("sku").set_index("sku")["category"]
    return skus.map(lookup).fillna("").astype(object).to_numpy()
