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
from forecast.models.baselines import wide_history

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
    fitted_skus, _, matrix = wide_history(history)
    return pd.DataFrame(_rates(matrix), index=pd.Index(fitted_skus, name="sku"))


def _rates(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Each intermittent model's rate per row of a SKU x day matrix."""
    return {name: get_model(name).rate_of(matrix) for name in _RATE_MODELS}


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
    One row per class of INTERMITTENT_PATTERNS that had scored days, in order of the pattern: pattern,
    point_method, skus, days, and rmsse_<method> for every method (CHOICE_COLUMNS).
    """
    if forecasts.empty or "model" not in forecasts:
        return pd.DataFrame(columns=list(CHOICE_COLUMNS))
    rows = forecasts[(forecasts["model"] == model) & forecasts["pattern"].isin(INTERMITTENT_PATTERNS)]
    scale = rows["scale_sq"].to_numpy(dtype=float)
    rows, scale = rows[np.isfinite(scale) & (scale > 0)], scale[np.isfinite(scale) & (scale > 0)]
    if rows.empty:
        return pd.DataFrame(columns=list(CHOICE_COLUMNS))
    # a backtest's SKUs and classes are categorical: codes, no string work on millions of rows
    sku_code, skus = pd.factorize(rows["sku"])
    pattern_code, patterns = pd.factorize(rows["pattern"])
    rates = _rates_at_cutoffs(history, rows["cutoff"], sku_code, np.asarray(skus, dtype=object).astype(str))
    mean, actual = rows["mean"].to_numpy(dtype=float), rows["actual"].to_numpy(dtype=float)
    campaign_day = rows["campaign_day"].fillna(False).to_numpy(dtype=bool)
    # each SKU's RMSSE within a class (a cell), then the mean over the class's SKUs
    cell = pattern_code * len(skus) + sku_code
    n_cells = len(patterns) * len(skus)
    days_in_cell = np.bincount(cell, minlength=n_cells)
    used = days_in_cell > 0
    class_of_cell = (np.arange(n_cells) // len(skus))[used]
    skus_in_class = np.bincount(class_of_cell, minlength=len(patterns))
    scores = np.empty((len(patterns), len(POINT_METHODS)))
    for j, method in enumerate(POINT_METHODS):
        error = (actual - method_values(method, mean, rates, campaign_day)) ** 2 / scale
        per_sku = np.sqrt(np.bincount(cell, weights=error, minlength=n_cells)[used] / days_in_cell[used])
        scores[:, j] = np.bincount(class_of_cell, weights=per_sku, minlength=len(patterns)) / skus_in_class
    best = scores.argmin(axis=1)  # the first of equal scores: "mean" wins a tie
    out = pd.DataFrame({"pattern": np.asarray(patterns, dtype=object).astype(str),
                        "point_method": np.asarray(POINT_METHODS, dtype=object)[best],
                        "skus": skus_in_class, "days": np.bincount(pattern_code, minlength=len(patterns))})
    for j, method in enumerate(POINT_METHODS):
        out[f"rmsse_{method}"] = scores[:, j]
    return out.sort_values("pattern", ignore_index=True)[list(CHOICE_COLUMNS)]


def _rates_at_cutoffs(history: pd.DataFrame, cutoffs: pd.Series, sku_code: np.ndarray,
                      skus: np.ndarray) -> dict[str, np.ndarray]:
    """SBA's and TSB's rate of each row's SKU (``skus[sku_code]``), fitted on the history up to the
    row's cut-off: the history read into one SKU x day matrix once, cut at each cut-off."""
    out = {name: np.zeros(len(sku_code)) for name in _RATE_MODELS}
    fitted_skus, start, matrix = wide_history(history)  # every SKU: cheaper than selecting rows first
    first_day = start - pd.Timedelta(days=matrix.shape[1])
    row_of = pd.Index(fitted_skus).get_indexer(skus)  # -1: no history (rate 0)
    cut = pd.to_datetime(cutoffs).to_numpy()
    for cutoff in np.unique(cut):
        at = cut == cutoff
        present = np.unique(sku_code[at])
        present = present[row_of[present] >= 0]
        days = int(np.clip((pd.Timestamp(cutoff) - first_day).days + 1, 0, matrix.shape[1]))
        fitted = _rates(matrix[row_of[present], :days])
        for name in _RATE_MODELS:
            per_sku = np.zeros(len(skus))
            per_sku[present] = fitted[name]
            out[name][at] = per_sku[sku_code[at]]
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
    # per SKU first (thousands), then to the rows (millions) by the SKU's code
    sku_code, skus = pd.factorize(forecast["sku"])
    skus = np.asarray(skus, dtype=object)
    patterns = classify_skus(history).set_index("sku")["pattern"]
    pattern_of_sku = patterns.reindex(skus.astype(str)).fillna("no demand").to_numpy(dtype=object)
    chosen = {} if choice is None or choice.empty else dict(zip(choice["pattern"], choice["point_method"]))
    method_of_sku = np.array([POINT_METHODS.index(chosen.get(p, "mean")) for p in pattern_of_sku], dtype=np.int64)
    mean = forecast["mean"].to_numpy(dtype=float)
    campaign_day = _campaign_flags(forecast, sku_code, skus, campaign_cells)
    point = mean.copy()
    needs_rates = method_of_sku > 0
    if needs_rates.any():
        fitted = rates_for(history, skus[needs_rates].astype(str)).reindex(skus.astype(str)).fillna(0.0)
        for j in np.unique(method_of_sku[needs_rates]):
            at = (method_of_sku == j)[sku_code]
            rates = {name: fitted[name].to_numpy(dtype=float)[sku_code[at]] for name in _RATE_MODELS}
            point[at] = method_values(POINT_METHODS[j], mean[at], rates, campaign_day[at])
    method = np.where(campaign_day, 0, method_of_sku[sku_code])
    # a reason per (pattern, method, campaign day), written once and shared by its rows
    pattern_index, pattern_names = pd.factorize(pattern_of_sku)
    combo = (pattern_index[sku_code] * len(POINT_METHODS) + method) * 2 + campaign_day
    unique, inverse = np.unique(combo, return_inverse=True)
    texts = [_reason(pattern_names[c // 2 // len(POINT_METHODS)], POINT_METHODS[c // 2 % len(POINT_METHODS)],
                     bool(c % 2), choice) for c in unique]
    text_code, text = pd.factorize(pd.Series(texts, dtype=object))
    return forecast.assign(
        point=point,
        point_method=pd.Categorical.from_codes(method, categories=list(POINT_METHODS)),
        point_reason=pd.Categorical.from_codes(text_code[inverse], categories=list(text)),
    )


def _campaign_flags(forecast: pd.DataFrame, sku_code: np.ndarray, skus: np.ndarray,
                    campaign_cells: pd.DataFrame | None) -> np.ndarray:
    """Per forecast row, whether a campaign features its SKU that day."""
    if campaign_cells is None or campaign_cells.empty:
        return np.zeros(len(forecast), dtype=bool)
    first = pd.Timestamp(forecast["date"].min())
    day = (pd.to_datetime(forecast["date"]) - first).dt.days.to_numpy()
    cell_sku = pd.Index(skus.astype(str)).get_indexer(campaign_cells["sku"].astype(str))
    cell_day = (pd.to_datetime(campaign_cells["date"]) - first).dt.days.to_numpy()
    span = int(day.max()) + 1
    keep = (cell_sku >= 0) & (cell_day >= 0) & (cell_day < span)
    return np.isin(sku_code * span + day, cell_sku[keep] * span + cell_day[keep])


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
