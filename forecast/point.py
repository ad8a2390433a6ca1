"""The point forecast: the one figure per SKU and day that stands for the forecast, and why.

A forecast frame holds a distribution (``mean``, ``p50`` ... ``p99``); a buyer, a report or an accuracy
table needs one figure. It is a mean (what squared error and RMSSE reward, and what demand summed over
a lead time adds up), never the median: on an intermittent SKU most days sell nothing, so the median of
the paths is 0 or far below the mean (on UCI's lumpy wholesale SKUs, 69 % below it).

Which mean depends on the SKU's demand pattern, classified as Syntetos, Boylan & Croston (2005) do
(forecast.backtest.classify_skus: ADI = days per day with demand, CV2 of the sizes; cut-offs 1.32 and
0.49):

* smooth and erratic SKUs (ADI < 1.32): the model's mean, ``mean`` (the paths' mean);
* intermittent and lumpy SKUs (ADI >= 1.32): the point method their class scored best with on the shop's
  last backtest, out of ``POINT_METHODS``:

  - ``mean``: the model's mean;
  - ``sba``: the Syntetos-Boylan approximation's rate (Croston's, bias-corrected; forecast.models.intermittent);
  - ``tsb``: Teunter, Syntetos & Babai's rate (the demand probability smoothed every day, so it decays
    for a SKU that stopped selling);
  - ``mean+tsb``: the equal-weight average of the model's mean and TSB's rate. Equal weights, not weights
    fitted on the backtest: fitted combination weights rarely beat the simple average out of sample
    (the "forecast combination puzzle", Smith & Wallis 2009; Claeskens et al. 2016).

  On a SKU's campaign days the point is the model's mean whatever the method: SBA and TSB know no
  campaigns, the model's mean holds the campaign's uplift.

**The choice** (``choose_point``) is made per pattern class, not per SKU: per class, the method with the
lowest RMSSE on the backtest's windows of the shop's model (each SKU's root mean squared error over its
scored days of every cut-off, scaled by its in-sample seasonal-naive error, averaged over the class's
SKUs, each SKU in the class it had at each cut-off). A lumpy SKU's own few windows hold too few demand
days to tell the methods apart (on UCI, choosing per SKU gained less on the SKUs held out than choosing
per class: bench/README.md); a class pools hundreds. No margin or weight is tuned: the lowest score wins,
and ``mean`` wins a tie. Without a backtest every SKU's point is the model's mean.

Only the point columns change: the paths, their ``mean`` and quantiles, and so the plan, are the model's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.backtest import ADI_CUT, classify_skus
from forecast.models import get_model

#: the point methods an intermittent class may use (``mean``: the model's own; wins a tie)
POINT_METHODS = ("mean", "sba", "tsb", "mean+tsb")
#: the Syntetos-Boylan-Croston classes whose point the backtest chooses (ADI >= ADI_CUT)
INTERMITTENT_PATTERNS = ("intermittent", "lumpy")
#: the intermittent-demand models behind the methods (registry names)
_RATE_MODELS = ("sba", "tsb")
POINT_COLUMNS = ("point", "point_method", "point_reason")
CHOICE_COLUMNS = ("pattern", "point_method", "skus", "days") + tuple(f"rmsse_{m}" for m in POINT_METHODS)

_METHOD_WORDS = {
    "mean": "the model's mean",
    "sba": "SBA's rate (Croston, bias-corrected)",
    "tsb": "TSB's rate",
    "mean+tsb": "the average of the model's mean and TSB's rate",
}


def method_values(method: str, mean: np.ndarray, rates: dict[str, np.ndarray], campaign_day: np.ndarray) -> np.ndarray:
    """The point of ``method`` per cell: from the model's ``mean``, the intermittent models' ``rates``
    (name -> per-cell rate) and the cells' ``campaign_day`` flags (there the model's mean). The one
    definition the backtest's scoring and the forecast's point both use."""
    if method not in POINT_METHODS:
        raise ValueError(f"unknown point method {method!r}; known: {', '.join(POINT_METHODS)}")
    if method == "mean":
        return mean
    value = (mean + rates["tsb"]) / 2 if method == "mean+tsb" else rates[method]
    return np.where(campaign_day, mean, value)


def rates_for(history: pd.DataFrame, skus=None) -> pd.DataFrame:
    """SBA's and TSB's daily rate per SKU (index: sku) fitted on ``history`` (only ``skus`` if given)."""
    if skus is not None:
        history = history[history["sku"].isin(set(skus))]
    if history.empty:
        return pd.DataFrame(columns=list(_RATE_MODELS), index=pd.Index([], name="sku", dtype=object))
    columns = {}
    for name in _RATE_MODELS:
        model = get_model(name).fit(history)
        columns[name] = pd.Series(model.rate_, index=pd.Index(model.skus_, name="sku"))
    return pd.DataFrame(columns)


def choose_point(forecasts: pd.DataFrame, history: pd.DataFrame, model: str = "campaign") -> pd.DataFrame:
    """Per intermittent pattern class, the point method with the lowest RMSSE on the backtest.

    Parameters
    ----------
    forecasts : BacktestResult.forecasts (sku, date, cutoff, model, mean, actual, pattern, campaign_day,
        scale_sq); only ``model``'s rows are read.
    history : the history the backtest ran on (SBA and TSB are fitted on it up to each cut-off).
    model : the shop's model, whose mean the methods are built on.

    Returns
    -------
    One row per class of INTERMITTENT_PATTERNS that had scored days: pattern, point_method, skus, days,
    and rmsse_<method> for every method (CHOICE_COLUMNS).
    """
    if forecasts.empty or "model" not in forecasts:
        return pd.DataFrame(columns=list(CHOICE_COLUMNS))
    rows = forecasts[(forecasts["model"] == model) & forecasts["pattern"].isin(INTERMITTENT_PATTERNS)]
    rows = rows[np.isfinite(rows["scale_sq"].to_numpy(dtype=float)) & (rows["scale_sq"].to_numpy(dtype=float) > 0)]
    if rows.empty:
        return pd.DataFrame(columns=list(CHOICE_COLUMNS))
    sku_code, skus = pd.factorize(rows["sku"])  # a backtest's SKUs are categorical: codes, no string work
    skus = np.asarray(skus, dtype=object).astype(str)
    rates = _rates_at_cutoffs(history, rows["cutoff"], sku_code, skus)
    mean = rows["mean"].to_numpy(dtype=float)
    campaign_day = rows["campaign_day"].fillna(False).to_numpy(dtype=bool)
    actual, scale = rows["actual"].to_numpy(dtype=float), rows["scale_sq"].to_numpy(dtype=float)
    error = {m: (actual - method_values(m, mean, rates, campaign_day)) ** 2 / scale for m in POINT_METHODS}
    pattern_code, patterns = pd.factorize(rows["pattern"].astype(str))
    keys = pd.MultiIndex.from_arrays([pattern_code, sku_code], names=["pattern", "sku"])
    per_sku = np.sqrt(pd.DataFrame(error, index=keys).groupby(level=["pattern", "sku"]).mean())
    scores = per_sku.groupby(level="pattern").mean()
    counts = per_sku.groupby(level="pattern").size()
    days = pd.Series(pattern_code).value_counts()
    best = scores.to_numpy().argmin(axis=1)  # the first of equal scores: "mean" wins a tie
    out = pd.DataFrame({"pattern": np.asarray(patterns, dtype=object)[scores.index.to_numpy()],
                        "point_method": np.asarray(POINT_METHODS, dtype=object)[best],
                        "skus": counts.reindex(scores.index).to_numpy(), "days": days.reindex(scores.index).to_numpy()})
    for m in POINT_METHODS:
        out[f"rmsse_{m}"] = scores[m].to_numpy()
    return out[list(CHOICE_COLUMNS)]


def _rates_at_cutoffs(history: pd.DataFrame, cutoffs: pd.Series, sku_code: np.ndarray,
                      skus: np.ndarray) -> dict[str, np.ndarray]:
    """SBA's and TSB's rate of each row's SKU (``skus[sku_code]``), fitted on the history up to the
    row's cut-off."""
    out = {name: np.zeros(len(sku_code)) for name in _RATE_MODELS}
    cut = pd.to_datetime(cutoffs).to_numpy()
    dates = pd.to_datetime(history["date"])
    for cutoff in np.unique(cut):
        at = cut == cutoff
        fitted = rates_for(history[dates <= cutoff], skus[np.unique(sku_code[at])]).reindex(skus).fillna(0.0)
        for name in _RATE_MODELS:
            out[name][at] = fitted[name].to_numpy(dtype=float)[sku_code[at]]
    return out


def point_frame(forecast: pd.DataFrame, history: pd.DataFrame, choice: pd.DataFrame | None,
                campaign_cells: pd.DataFrame | None = None) -> pd.DataFrame:
    """``forecast`` (sku, date, mean ...) with the point columns: ``point`` (units), ``point_method``
    (POINT_METHODS) and ``point_reason`` (the SKU's pattern and why that method).

    Parameters
    ----------
    forecast : the long forecast frame (a new frame is returned; the caller's is not changed).
    history : the history the forecast was fitted on (the SKUs' patterns; SBA and TSB are fitted on it).
    choice : ``choose_point``'s table of the shop's last backtest; None or empty: every point is the mean.
    campaign_cells : sku, date of the campaign days in the horizon (forecast.features.campaign_days).
    """
    patterns = classify_skus(history).set_index("sku")
    pattern_of = forecast["sku"].map(patterns["pattern"]).fillna("no demand").astype(str).to_numpy(dtype=object)
    method_of_class = {} if choice is None or choice.empty else dict(zip(choice["pattern"], choice["point_method"]))
    method = np.array([method_of_class.get(p, "mean") for p in pattern_of], dtype=object)
    mean = forecast["mean"].to_numpy(dtype=float)
    campaign_day = _campaign_flags(forecast, campaign_cells)
    needs_rates = method != "mean"
    point = mean.copy()
    if needs_rates.any():
        fitted = rates_for(history, forecast.loc[needs_rates, "sku"].unique())
        rates = {name: forecast["sku"].map(fitted[name]).fillna(0.0).to_numpy(dtype=float) for name in _RATE_MODELS}
        for m in set(method[needs_rates]):
            at = method == m
            point[at] = method_values(m, mean[at], {k: v[at] for k, v in rates.items()}, campaign_day[at])
    method = np.where(campaign_day, "mean", method)
    # a reason per (pattern, method, campaign day), written once and shared by its rows
    combos = pd.MultiIndex.from_arrays([pattern_of, method, campaign_day])
    codes, unique = pd.factorize(combos)
    reasons = np.array([_reason(p, m, bool(c), choice) for p, m, c in unique], dtype=object)
    return forecast.assign(point=point, point_method=pd.Categorical(method),
                           point_reason=pd.Categorical(reasons[codes]))


def _campaign_flags(forecast: pd.DataFrame, campaign_cells: pd.DataFrame | None) -> np.ndarray:
    if campaign_cells is None or campaign_cells.empty:
        return np.zeros(len(forecast), dtype=bool)
    cells = pd.MultiIndex.from_arrays([campaign_cells["sku"].astype(str), pd.to_datetime(campaign_cells["date"])])
    keys = pd.MultiIndex.from_arrays([forecast["sku"].astype(str), pd.to_datetime(forecast["date"])])
    return keys.isin(cells)


def _reason(pattern: str, method: str, campaign_day: bool, choice: pd.DataFrame | None) -> str:
    """The short reason of a point: the SKU's pattern, then why ``method`` (written from the fields)."""
    if campaign_day and pattern in INTERMITTENT_PATTERNS:
        return f"{pattern} demand, campaign day: the model's mean, which holds the campaign's uplift"
    if pattern not in INTERMITTENT_PATTERNS:
        return f"{pattern} demand (ADI < {ADI_CUT}): the model's mean"
    row = None if choice is None or choice.empty else choice[choice["pattern"] == pattern]
    if row is None or row.empty:
        return f"{pattern} demand: the model's mean (no backtest has scored {pattern} SKUs yet)"
    row = row.iloc[0]
    scores = ", ".join(f"{m} {row[f'rmsse_{m}']:.3f}" for m in POINT_METHODS)
    return (f"{pattern} demand: {_METHOD_WORDS[method]}, lowest RMSSE on the last backtest's {pattern} SKUs "
            f"({int(row['skus'])} SKUs; {scores})")
