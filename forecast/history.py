"""Daily demand history: complete calendars, stockout censoring, category priors for new SKUs.

``daily_demand`` (order lines -> units per SKU and day) lives with the store on the planner side; this
module takes its output (sku, date, units) and makes the history every model reads
(forecast.contract: sku, date, units, censored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.contract import HISTORY_COLUMNS

#: the rate of a SKU before a run of zero days is read over this many days
RATE_WINDOW = 28


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
    min_run: int = 3,
    surprise: float = 6.0,
    spike_factor: float = 4.0,
    min_rate: float = 1.0,
) -> pd.DataFrame:
    """Mark the days whose sales do not show demand as ``censored`` (a new frame; the input is kept).

    With ``inventory_history`` (sku, date, on_hand at the end of the day): a day that ended with no
    stock is censored (what sold is a lower bound on demand), and so is a day without sales that
    started with none.

    Without it, or for SKUs it does not cover, likely stockouts are detected:

    * a run of at least ``min_run`` zero days of a fast mover (at least ``min_rate`` units a day over
      the RATE_WINDOW days before the run) whose expected sales over the run exceed ``surprise``
      units. Under Poisson demand such a run has probability below exp(-surprise) (0.25 % for 6). A
      slow SKU's zeros are its demand: overdispersed slow sellers go quiet for weeks, so they are
      never suspected without inventory data;
    * the day before such a run when it was a spike (more than ``spike_factor`` times the rate): a
      livestream that sold out mid-session; its sales are a lower bound too.
    """
    out = history.copy()
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
        covered = out["sku"].isin(stock["sku"].unique()).to_numpy()
    detected = _detect_stockouts(out, min_run, surprise, spike_factor, min_rate)
    out["censored"] |= detected & ~covered
    return out


def _detect_stockouts(
    history: pd.DataFrame, min_run: int, surprise: float, spike_factor: float, min_rate: float
) -> np.ndarray:
    """Boolean mask (rows of ``history``, sorted by sku and date) of likely stockout days."""
    units = history["units"].to_numpy(dtype=float)
    sku_codes = pd.factorize(history["sku"])[0]
    n = len(units)
    if n == 0:
        return np.zeros(0, dtype=bool)
    new_sku = np.r_[True, sku_codes[1:] != sku_codes[:-1]]
    zero = units == 0
    # runs of zeros: a run starts at a zero whose predecessor is not a zero of the same SKU
    run_start = zero & (new_sku | ~np.r_[False, zero[:-1]])
    run_id = np.cumsum(run_start) * zero
    run_lengths = np.bincount(run_id)
    # rate over the RATE_WINDOW days before each run, within the SKU, censored days left out
    usable = ~history["censored"].to_numpy()
    cum_units = np.r_[0.0, np.cumsum(np.where(usable, units, 0.0))]
    cum_days = np.r_[0, np.cumsum(usable)]
    sku_first = np.maximum.accumulate(np.where(new_sku, np.arange(n), 0))
    starts = np.flatnonzero(run_start)
    window_begin = np.maximum(starts - RATE_WINDOW, sku_first[starts])
    days = cum_days[starts] - cum_days[window_begin]
    rate = np.divide(cum_units[starts] - cum_units[window_begin], days, out=np.zeros(len(starts)), where=days > 0)
    run_length = run_lengths[np.arange(1, len(starts) + 1)]
    # enough days before the run to know the rate at all
    suspicious = (run_length >= min_run) & (rate >= min_rate) & (rate * run_length > surprise) & (days >= 7)
    mask = np.zeros(n, dtype=bool)
    flagged_runs = np.flatnonzero(suspicious) + 1
    mask[np.isin(run_id, flagged_runs)] = True
    # the spike day right before a flagged run: sold out mid-session
    before = starts[suspicious] - 1
    ok = (before >= 0) & ~new_sku[np.clip(before + 1, 0, n - 1)]
    before, rates = before[ok], rate[suspicious][ok]
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
