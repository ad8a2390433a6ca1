"""Rolling-origin backtest of any registered models, metrics per SKU class, per-SKU model choice.

At each cut-off the models are fitted on the history up to it (the campaign calendar is passed whole:
campaigns are planned, so the ones after the cut-off are known in advance) and forecast the next
``horizon`` days. Censored days are never scored. The result holds every forecast next to its actual,
the metrics overall / per ABC class / per demand pattern / on campaign days, and the model each SKU
should use, with the reason in words.

The scoring side works on SKU x day matrices (the history is read into one once), not on joins of
long frames: at 10,000 SKUs the long frame has millions of rows, and merges, pandas masks and a
Python loop over SKUs had cost more than fitting the models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import metrics
from forecast.contract import QUANTILES, checked_horizon, checked_inputs, quantile_column
from forecast.features import campaign_days
from forecast.models import get_model
from forecast.models.base import Forecaster

#: Syntetos-Boylan-Croston cut-offs of the demand-pattern classes
ADI_CUT = 1.32
CV2_CUT = 0.49
ABC_CLASSES = ("A", "B", "C")
PATTERNS = ("erratic", "intermittent", "lumpy", "no demand", "smooth")


@dataclass
class BacktestResult:
    forecasts: pd.DataFrame  # sku, date, cutoff, model, mean, p50.., actual, campaign_day, abc, pattern
    metrics: pd.DataFrame  # model, segment, value, n_days, units, wape, bias, mase, rmsse, pinball_p50/p90, coverage_p80/p90/p95
    choice: pd.DataFrame  # sku, model, reason, score, default_score
    cutoffs: list[pd.Timestamp]


def default_cutoffs(history: pd.DataFrame, horizon: int, n_cutoffs: int = 3, step: int | None = None) -> list[pd.Timestamp]:
    """The last ``n_cutoffs`` origins, ``step`` days apart (default: the horizon, so windows do not
    overlap), the latest leaving a full horizon of actuals after it."""
    last = pd.Timestamp(history["date"].max())
    step = step or horizon
    return sorted(last - pd.Timedelta(days=horizon + k * step) for k in range(n_cutoffs))


def classify_skus(history: pd.DataFrame, prices: pd.Series | None = None) -> pd.DataFrame:
    """ABC class and demand pattern per SKU from its (uncensored) history.

    abc: A = the SKUs making the first 80 % of revenue (units x price, or units when no price),
    B = the next 15 %, C = the rest. pattern (Syntetos, Boylan & Croston 2005): ADI = days per
    non-zero day, CV2 = squared coefficient of variation of the non-zero sizes; smooth (ADI < 1.32,
    CV2 < 0.49), erratic (ADI < 1.32), intermittent (CV2 < 0.49), lumpy (both high).
    """
    if history.empty:
        return pd.DataFrame(columns=["sku", "abc", "pattern", "adi", "cv2", "units", "revenue"])
    panel = _panel(_with_censored(history))
    return _classify(panel.skus, panel.seen, prices)


def _classify(skus: np.ndarray, seen: np.ndarray, prices: pd.Series | None) -> pd.DataFrame:
    """classify_skus on the SKU x day matrix of uncensored units (NaN: censored or no row)."""
    observed = ~np.isnan(seen)
    keep = observed.any(axis=1)  # a SKU with no uncensored day has no class
    seen, observed = seen[keep], observed[keep]
    index = pd.Index(skus[keep], name="sku")
    positive = seen > 0  # NaN compares False
    nonzero_days = positive.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_size = np.where(positive, seen, 0).sum(axis=1) / nonzero_days
        var_size = np.where(positive, (seen - mean_size[:, None]) ** 2, 0).sum(axis=1) / nonzero_days
        adi = pd.Series(observed.sum(axis=1) / np.where(nonzero_days > 0, nonzero_days, np.nan), index=index)
        cv2 = pd.Series(var_size / mean_size**2, index=index)
    units = pd.Series(np.where(observed, seen, 0).sum(axis=1), index=index)
    revenue = units * (prices.reindex(units.index).fillna(1.0) if prices is not None else 1.0)
    order = revenue.sort_values(ascending=False)
    share = order.cumsum() / max(order.sum(), 1e-12)
    # a SKU is A if the revenue before it is under 80 %
    before = share - order / max(order.sum(), 1e-12)
    abc = pd.Series(np.where(before < 0.80, "A", np.where(before < 0.95, "B", "C")), index=order.index)
    pattern = np.where(
        nonzero_days == 0, "no demand",
        np.where(adi < ADI_CUT, np.where(cv2.fillna(0) < CV2_CUT, "smooth", "erratic"),
                 np.where(cv2.fillna(0) < CV2_CUT, "intermittent", "lumpy")),
    )
    return pd.DataFrame({
        "sku": units.index.to_numpy(dtype=object), "abc": abc.reindex(units.index).to_numpy(), "pattern": pattern,
        "adi": adi.to_numpy(), "cv2": cv2.to_numpy(), "units": units.to_numpy(), "revenue": revenue.to_numpy(),
    })


@dataclass
class _Panel:
    """A history as SKU x day matrices: rows are the sorted SKUs, columns the consecutive days."""

    skus: np.ndarray  # object
    days: pd.DatetimeIndex
    seen: np.ndarray  # float64 units, NaN on censored days and days without a row


def _with_censored(history: pd.DataFrame) -> pd.DataFrame:
    return history if "censored" in history.columns else history.assign(censored=False)


def _panel(history: pd.DataFrame) -> _Panel:
    if history.empty:
        raise ValueError("history is empty: nothing to backtest")
    codes, skus = pd.factorize(history["sku"], sort=True)
    day = pd.to_datetime(history["date"]).to_numpy().astype("datetime64[D]")
    first = day.min()
    column = (day - first).astype(np.int64)
    n_days = int(column.max()) + 1
    seen = np.full((len(skus), n_days), np.nan)
    units = history["units"].to_numpy(dtype=float, na_value=np.nan)
    seen[codes, column] = np.where(history["censored"].to_numpy(dtype=bool), np.nan, units)
    days = pd.date_range(pd.Timestamp(first), periods=n_days, freq="D")
    return _Panel(skus=np.asarray(skus, dtype=object), days=days, seen=seen)


def _scored_actuals(panel: _Panel, actuals: pd.DataFrame | None) -> np.ndarray:
    """What each uncensored day is scored against: ``actuals`` where it has the day, else the units
    sold; NaN on days never scored (censored, or no row in the history)."""
    if actuals is None:
        return panel.seen
    i = pd.Index(panel.skus).get_indexer(actuals["sku"])
    t = _day_offsets(actuals["date"], panel.days[0])
    units = actuals["units"].to_numpy(dtype=float, na_value=np.nan)
    keep = (i >= 0) & (t >= 0) & (t < len(panel.days)) & ~np.isnan(units)
    keep[keep] = ~np.isnan(panel.seen[i[keep], t[keep]])
    replaced = panel.seen.copy()
    replaced[i[keep], t[keep]] = units[keep]
    return replaced


def _day_offsets(dates: pd.Series, first: pd.Timestamp) -> np.ndarray:
    """Whole days from ``first`` to each date."""
    return (pd.to_datetime(dates).to_numpy().astype("datetime64[D]") - np.datetime64(first.date(), "D")).astype(np.int64)


def _naive_scales(seen: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray]:
    """Per SKU, the in-sample mean absolute and mean squared seasonal-naive error (MASE / RMSSE scales);
    NaN for a SKU without a pair of uncensored days ``season`` apart."""
    if seen.shape[1] <= season:
        return np.full(len(seen), np.nan), np.full(len(seen), np.nan)
    diff = seen[:, season:] - seen[:, :-season]
    valid = ~np.isnan(diff)
    count = valid.sum(axis=1)
    diff = np.where(valid, diff, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.where(count > 0, count, np.nan)
        return np.abs(diff).sum(axis=1) / denominator, (diff**2).sum(axis=1) / denominator


def _campaign_flags(campaigns: pd.DataFrame | None, skus: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """(n_sku, n_days) True where a campaign features the SKU that day."""
    flags = np.zeros((len(skus), len(dates)), dtype=bool)
    days = campaign_days(campaigns, dates) if campaigns is not None else None
    if days is not None and len(days):
        i = pd.Index(skus).get_indexer(days["sku"])
        t = dates.get_indexer(days["date"])
        keep = (i >= 0) & (t >= 0)
        flags[i[keep], t[keep]] = True
    return flags


FORECAST_VALUES = ("mean",) + tuple(quantile_column(q) for q in QUANTILES)


def _forecast_cells(forecast: pd.DataFrame, skus: np.ndarray, dates: pd.DatetimeIndex, cells) -> dict[str, np.ndarray]:
    """The forecast's mean and quantiles on the scored cells (row i of ``skus``, column t of
    ``dates``); a cell the model did not forecast (a SKU without history before the cut-off) is 0."""
    n_sku, n_days = len(skus), len(dates)
    codes, labels = pd.factorize(forecast["sku"])  # look up each SKU once, not each of its days
    i = np.append(pd.Index(skus).get_indexer(labels), -1)[codes]  # a missing id (code -1) stays -1
    t = _day_offsets(forecast["date"], dates[0])
    keep = (i >= 0) & (t >= 0) & (t < n_days)
    flat = i[keep] * n_days + t[keep]
    out = {}
    for column in FORECAST_VALUES:
        matrix = np.zeros(n_sku * n_days)
        matrix[flat] = forecast[column].to_numpy(dtype=float)[keep]
        out[column] = matrix.reshape(n_sku, n_days)[cells]
    return out


def backtest(
    history: pd.DataFrame,
    models: Sequence[str | Callable[[], Forecaster]] = ("campaign",),
    campaigns: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    horizon: int = 90,
    cutoffs: Sequence | None = None,
    n_cutoffs: int = 3,
    step: int | None = None,
    n_paths: int = 200,
    seed: int = 0,
    season: int = 7,
    actuals: pd.DataFrame | None = None,
    default_model: str = "campaign",
    progress: Callable[[], None] | None = None,
    events: pd.DataFrame | None = None,
) -> BacktestResult:
    """Fit every model at every cut-off, score the next ``horizon`` days, choose a model per SKU.
    ``progress`` is called after each cut-off (a terminal's progress bar).

    Parameters
    ----------
    history : the history frame (forecast.contract); its censored days are never scored.
    models : registry names, or callables returning a fresh model (for custom parameters).
    campaigns, products, events : passed to every model's ``fit`` (forecast.contract; all checked here once).
    cutoffs : last training day of each origin; default ``default_cutoffs(history, horizon, n_cutoffs, step)``.
    season : seasonal lag of the naive forecast that scales MASE / RMSSE (7 for daily data).
    actuals : sku, date, units to score against instead of the history (e.g. true uncensored
        demand of a simulated shop); censoring still comes from ``history``.
    default_model : the model a SKU keeps unless another beat it clearly.
    """
    history, campaigns, products, events = checked_inputs(history, campaigns, products, events)
    horizon = checked_horizon(horizon)
    history = _with_censored(history)
    if not pd.api.types.is_datetime64_ns_dtype(history["date"]):
        history = history.assign(date=pd.to_datetime(history["date"]).astype("datetime64[ns]"))
    cutoffs = [pd.Timestamp(c) for c in (cutoffs if cutoffs is not None else default_cutoffs(history, horizon, n_cutoffs, step))]
    prices = None
    if products is not None and "price" in products.columns:
        prices = products.drop_duplicates("sku").set_index("sku")["price"].astype(float)
    panel = _panel(history)
    truth = _scored_actuals(panel, actuals)
    skus, days = panel.skus, panel.days
    on_campaign = _campaign_flags(campaigns, skus, days)  # the calendar is the same at every cut-off

    def score(cutoff: pd.Timestamp) -> list[tuple[str, dict[str, np.ndarray]]]:
        """Every model fitted up to ``cutoff``, on the scored days after it: [(model name, columns)]."""
        trained = int(days.searchsorted(cutoff, side="right"))  # columns up to the cut-off
        window = slice(trained, min(trained + horizon, len(days)))
        cells = ~np.isnan(truth[:, window])  # the days scored: uncensored, with a row in the history
        if trained == 0 or not cells.any():
            return []
        train = history[history["date"] <= cutoff]
        i, t = np.nonzero(cells)
        classes = _classify(skus, panel.seen[:, :trained], prices)
        row_of = pd.Index(skus).get_indexer(classes["sku"])
        abc, pattern = np.full(len(skus), -1), np.full(len(skus), -1)  # -1: no class (no history yet)
        abc[row_of] = pd.Index(ABC_CLASSES).get_indexer(classes["abc"])
        pattern[row_of] = pd.Index(PATTERNS).get_indexer(classes["pattern"])
        scale_abs, scale_sq = _naive_scales(panel.seen[:, :trained], season)
        dates = days[window]
        shared = {"sku": i, "date": dates.values[t], "cutoff": np.full(len(i), cutoff.to_datetime64()),
                  "abc": abc[i], "pattern": pattern[i], "actual": truth[:, window][cells],
                  "campaign_day": on_campaign[:, window][cells],
                  "scale_abs": scale_abs[i], "scale_sq": scale_sq[i]}
        scored = []
        for spec in models:
            model = get_model(spec) if isinstance(spec, str) else spec()
            model.fit(train, campaigns, products, events)
            forecast = model.predict(horizon, n_paths=n_paths, seed=seed)
            scored.append((model.name, {**shared, **_forecast_cells(forecast, skus, dates, cells)}))
        return scored

    per_cutoff = []
    for cutoff in cutoffs:
        per_cutoff.append(score(cutoff))
        if progress:
            progress()
    names = list(dict.fromkeys(name for scored in per_cutoff for name, _ in scored))
    parts = [{**columns, "model": np.full(len(columns["sku"]), names.index(name))}
             for scored in per_cutoff for name, columns in scored]
    if not names:
        empty = pd.DataFrame()
        return BacktestResult(forecasts=empty, metrics=_metric_table(empty), choice=choose_models(empty), cutoffs=cutoffs)
    joined = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}

    def labelled(codes, labels):
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))

    # SKU, model and class labels as categoricals (codes into a few labels, not millions of strings);
    # the arrays are not copied into the frame
    forecasts = pd.DataFrame({
        "sku": labelled(joined["sku"], skus), "date": joined["date"], "actual": joined["actual"],
        "censored": np.zeros(len(joined["actual"]), dtype=bool), "campaign_day": joined["campaign_day"],
        "abc": labelled(joined["abc"], ABC_CLASSES), "pattern": labelled(joined["pattern"], PATTERNS),
        "scale_abs": joined["scale_abs"], "scale_sq": joined["scale_sq"],
        **{column: joined[column] for column in FORECAST_VALUES},
        "model": labelled(joined["model"], names), "cutoff": joined["cutoff"],
    }, copy=False)
    return BacktestResult(forecasts=forecasts, metrics=_metric_table(forecasts),
                          choice=choose_models(forecasts, default_model), cutoffs=cutoffs)


def _metrics_of(part: dict[str, np.ndarray]) -> dict:
    y, f, mean = part["actual"], part["p50"], part["mean"]
    scale_abs, scale_sq = part["scale_abs"], part["scale_sq"]
    usable = np.isfinite(scale_abs) & (scale_abs > 0)
    total = max(np.abs(y).sum(), 1e-12)
    return {
        "n_days": len(y),
        "units": float(y.sum()),
        "wape": metrics.wape(y, f),
        "bias": metrics.bias(y, mean),
        "mase": float(np.mean(np.abs(y - f)[usable] / scale_abs[usable])) if usable.any() else np.nan,
        "rmsse": float(np.sqrt(np.mean((y - mean)[usable] ** 2 / scale_sq[usable]))) if usable.any() else np.nan,
        # pinball loss summed and divided by units: comparable across segments of different volume
        "pinball_p50": metrics.pinball_loss(y, f, 0.5) * len(y) / total,
        "pinball_p90": metrics.pinball_loss(y, part["p90"], 0.9) * len(y) / total,
        # the quantiles are upper ones: the interval [0, pX] should hold X % of the days
        **{f"coverage_{q}": metrics.coverage(y, np.zeros_like(y), part[q]) for q in ("p80", "p90", "p95")},
    }


_SCORED = ("actual", "p50", "mean", "p80", "p90", "p95", "scale_abs", "scale_sq")


def _metric_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Metrics per model and segment: all, abc=A/B/C, pattern=..., campaign days."""
    if forecasts.empty:
        return pd.DataFrame()
    arrays = {column: forecasts[column].to_numpy(dtype=float) for column in _SCORED}
    model_code, model_names = pd.factorize(forecasts["model"], sort=False)  # models in order of appearance
    segments = [("all", "all", np.ones(len(forecasts), dtype=bool))]
    for family in ("abc", "pattern"):
        column = forecasts[family]
        segments += [(family, v, (column == v).to_numpy(dtype=bool)) for v in sorted(column.dropna().unique())]
    segments += [("campaign days", "yes", forecasts["campaign_day"].fillna(False).to_numpy(dtype=bool))]
    rows = []
    per_model = [np.flatnonzero(model_code == code) for code in range(len(model_names))]
    for segment, value, mask in segments:
        for model, rows_of_model in zip(model_names, per_model):
            index = rows_of_model[mask[rows_of_model]]
            if len(index):
                part = {column: values[index] for column, values in arrays.items()}
                rows.append({"model": model, "segment": segment, "value": value, **_metrics_of(part)})
    return pd.DataFrame(rows)


def choose_models(forecasts: pd.DataFrame, default_model: str = "campaign", margin: float = 0.05) -> pd.DataFrame:
    """The model each SKU should use, with the reason.

    Score = pinball loss of P50 plus of P90 over all the SKU's scored days and cut-offs (it rewards a
    right median and a right upper quantile, what the reorder point reads). Another model replaces
    the default only if it scores at least ``margin`` better; SKUs without a scored unit keep the
    default.
    """
    columns = ["sku", "model", "reason", "score", "default_score"]
    if forecasts.empty:
        return pd.DataFrame(columns=columns)
    sku_code, skus = _sorted_codes(forecasts["sku"])
    model_code, models = _sorted_codes(forecasts["model"])  # a tie goes to the first name
    cutoff_code, cutoffs = pd.factorize(forecasts["cutoff"])
    n_sku, n_model = len(skus), len(models)
    y = forecasts["actual"].to_numpy(dtype=float)
    p50, p90 = forecasts["p50"].to_numpy(dtype=float), forecasts["p90"].to_numpy(dtype=float)
    loss = np.maximum(0.5 * (y - p50), -0.5 * (y - p50)) + np.maximum(0.9 * (y - p90), -0.1 * (y - p90))
    cell = sku_code * n_model + model_code
    size = n_sku * n_model

    def per_cell(weights=None):
        return np.bincount(cell, weights=weights, minlength=size).reshape(n_sku, n_model)

    total = per_cell(np.nan_to_num(loss))  # a missing value counts as no loss, like a pandas sum
    units = per_cell(np.nan_to_num(y))
    days = per_cell().astype(int)
    scored_cutoffs = np.bincount(np.unique(cell * len(cutoffs) + cutoff_code) // len(cutoffs),
                                 minlength=size).reshape(n_sku, n_model)
    present = days > 0
    d = list(models).index(default_model) if default_model in list(models) else -1
    has_default = present[:, d] if d >= 0 else np.zeros(n_sku, dtype=bool)
    default = np.where(has_default, total[:, d], np.nan)
    best = np.where(present, total, np.inf).argmin(axis=1)
    n_cut, n_days = scored_cutoffs.max(axis=1), days.max(axis=1)
    no_demand = (np.where(present, units, -np.inf).max(axis=1) <= 0) | ~np.isfinite(default)
    best_loss = total[np.arange(n_sku), best]
    switch = ~no_demand & (best != d) & (best_loss < (1 - margin) * default)
    others = present.copy()
    if d >= 0:
        others[:, d] = False
    runner = np.where(others.any(axis=1), np.where(others, total, np.inf).argmin(axis=1), d)
    chosen = np.where(no_demand, np.where(has_default, d, best), np.where(switch, best, d))
    reasons = []
    for k in range(n_sku):
        cut, span = int(n_cut[k]), int(n_days[k])
        if no_demand[k]:
            reasons.append(f"no demand in {span} scored days over {cut} cut-off(s): keeps {models[chosen[k]]}")
        elif switch[k]:
            gain = 1 - best_loss[k] / default[k]
            reasons.append(f"{models[best[k]]} scored {gain:.0%} lower pinball loss (P50+P90) than {default_model} "
                           f"over {cut} cut-off(s), {span} days")
        else:
            reasons.append(f"{default_model} best or within {margin:.0%} of the best ({models[runner[k]]}) "
                           f"over {cut} cut-off(s), {span} days")
    return pd.DataFrame({
        "sku": skus, "model": models[chosen],
        "reason": reasons, "score": total[np.arange(n_sku), chosen].astype(float), "default_score": default.astype(float),
    })


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column's values numbered in sorted order of the values (as a pandas groupby orders
    its groups), and the values."""
    codes, uniques = pd.factorize(column)
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]
