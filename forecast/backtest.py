"""Rolling-origin backtest of any registered models, metrics per SKU class, per-SKU model choice.

At each cut-off the models are fitted on the history up to it (the campaign calendar is passed whole:
campaigns are planned, so the ones after the cut-off are known in advance) and forecast the next
``horizon`` days. Censored days are never scored. The result holds every forecast next to its actual,
the metrics overall / per ABC class / per demand pattern / on campaign days, and the model each SKU
should use, with the reason in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import metrics
from forecast.contract import QUANTILES, quantile_column
from forecast.features import campaign_matrices
from forecast.models.base import Forecaster, get_model

#: Syntetos-Boylan-Croston cut-offs of the demand-pattern classes
ADI_CUT = 1.32
CV2_CUT = 0.49


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
    seen = history[~history["censored"]] if "censored" in history.columns else history
    grouped = seen.groupby("sku", observed=True)["units"]
    units = grouped.sum()
    days = grouped.size()
    positive = seen[seen["units"] > 0].groupby("sku", observed=True)["units"]
    nonzero_days = positive.size().reindex(units.index).fillna(0)
    mean_size = positive.mean().reindex(units.index)
    var_size = positive.var(ddof=0).reindex(units.index)
    adi = days / nonzero_days.replace(0, np.nan)
    cv2 = var_size / mean_size**2
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
        "sku": units.index, "abc": abc.reindex(units.index).to_numpy(), "pattern": pattern,
        "adi": adi.to_numpy(), "cv2": cv2.to_numpy(), "units": units.to_numpy(), "revenue": revenue.to_numpy(),
    }).reset_index(drop=True)


def _naive_scales(history: pd.DataFrame, season: int) -> pd.DataFrame:
    """Per SKU, the in-sample mean absolute and mean squared seasonal-naive error (MASE / RMSSE scales)."""
    frame = history.sort_values(["sku", "date"])
    units = frame["units"].where(~frame["censored"]) if "censored" in frame.columns else frame["units"]
    lagged = units.groupby(frame["sku"], observed=True).shift(season)
    diff = units - lagged
    scales = pd.DataFrame({"sku": frame["sku"], "abs": diff.abs(), "sq": diff**2}).groupby("sku", observed=True).mean()
    return scales.rename(columns={"abs": "scale_abs", "sq": "scale_sq"}).reset_index()


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
) -> BacktestResult:
    """Fit every model at every cut-off, score the next ``horizon`` days, choose a model per SKU.

    Parameters
    ----------
    history : the history frame (forecast.contract); its censored days are never scored.
    models : registry names, or callables returning a fresh model (for custom parameters).
    campaigns, products : passed to every model's ``fit``.
    cutoffs : last training day of each origin; default ``default_cutoffs(history, horizon, n_cutoffs, step)``.
    season : seasonal lag of the naive forecast that scales MASE / RMSSE (7 for daily data).
    actuals : sku, date, units to score against instead of the history (e.g. true uncensored
        demand of a simulated shop); censoring still comes from ``history``.
    default_model : the model a SKU keeps unless another beat it clearly.
    """
    history = history.copy()
    history["date"] = pd.to_datetime(history["date"]).astype("datetime64[ns]")
    if "censored" not in history.columns:
        history["censored"] = False
    cutoffs = [pd.Timestamp(c) for c in (cutoffs if cutoffs is not None else default_cutoffs(history, horizon, n_cutoffs, step))]
    prices = None
    if products is not None and "price" in products.columns:
        prices = products.drop_duplicates("sku").set_index("sku")["price"].astype(float)
    truth = history[["sku", "date", "units", "censored"]].rename(columns={"units": "actual"})
    if actuals is not None:
        replaced = actuals[["sku", "date", "units"]].rename(columns={"units": "actual_true"})
        truth = truth.merge(replaced, on=["sku", "date"], how="left")
        truth["actual"] = truth["actual_true"].fillna(truth["actual"])
        truth = truth.drop(columns="actual_true")

    parts = []
    for cutoff in cutoffs:
        train = history[history["date"] <= cutoff]
        if train.empty:
            continue
        window = truth[(truth["date"] > cutoff) & (truth["date"] <= cutoff + pd.Timedelta(days=horizon))]
        window = window[~window["censored"]]
        classes = classify_skus(train, prices)
        scales = _naive_scales(train, season)
        skus = np.asarray(sorted(window["sku"].unique()))
        dates = pd.date_range(cutoff + pd.Timedelta(days=1), periods=horizon)
        on_campaign = campaign_matrices(campaigns, skus, dates).any_campaign if len(skus) else np.zeros((0, horizon))
        flags = pd.DataFrame({"sku": np.repeat(skus, horizon), "date": np.tile(dates.values, len(skus)),
                              "campaign_day": on_campaign.reshape(-1) > 0})
        scored = window.merge(flags, on=["sku", "date"], how="left").merge(classes[["sku", "abc", "pattern"]], on="sku", how="left")
        scored = scored.merge(scales, on="sku", how="left")
        for spec in models:
            model = get_model(spec) if isinstance(spec, str) else spec()
            model.fit(train, campaigns, products)
            forecast = model.predict(horizon, n_paths=n_paths, seed=seed)
            keep = ["sku", "date", "mean"] + [quantile_column(q) for q in QUANTILES]
            joined = scored.merge(forecast[keep], on=["sku", "date"], how="left")
            # a SKU the model did not forecast (no history before the cut-off) is scored as zero
            joined[keep[2:]] = joined[keep[2:]].fillna(0.0)
            joined["model"] = model.name
            joined["cutoff"] = cutoff
            parts.append(joined)
    forecasts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    table = _metric_table(forecasts)
    choice = choose_models(forecasts, default_model)
    return BacktestResult(forecasts=forecasts, metrics=table, choice=choice, cutoffs=cutoffs)


def _metrics_of(part: pd.DataFrame) -> dict:
    y, f = part["actual"].to_numpy(float), part["p50"].to_numpy(float)
    scale_abs = part["scale_abs"].to_numpy(float)
    scale_sq = part["scale_sq"].to_numpy(float)
    usable = np.isfinite(scale_abs) & (scale_abs > 0)
    total = max(np.abs(y).sum(), 1e-12)
    return {
        "n_days": len(part),
        "units": float(y.sum()),
        "wape": metrics.wape(y, f),
        "bias": metrics.bias(y, part["mean"].to_numpy(float)),
        "mase": float(np.mean(np.abs(y - f)[usable] / scale_abs[usable])) if usable.any() else np.nan,
        "rmsse": float(np.sqrt(np.mean((y - part["mean"].to_numpy(float))[usable] ** 2 / scale_sq[usable])))
        if usable.any() else np.nan,
        # pinball loss summed and divided by units: comparable across segments of different volume
        "pinball_p50": metrics.pinball_loss(y, f, 0.5) * len(y) / total,
        "pinball_p90": metrics.pinball_loss(y, part["p90"].to_numpy(float), 0.9) * len(y) / total,
        # the quantiles are upper ones: the interval [0, pX] should hold X % of the days
        **{f"coverage_{q}": metrics.coverage(y, np.zeros_like(y), part[q].to_numpy(float)) for q in ("p80", "p90", "p95")},
    }


def _metric_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Metrics per model and segment: all, abc=A/B/C, pattern=..., campaign days."""
    if forecasts.empty:
        return pd.DataFrame()
    rows = []
    segments = [("all", "all", slice(None))]
    segments += [("abc", v, forecasts["abc"] == v) for v in sorted(forecasts["abc"].dropna().unique())]
    segments += [("pattern", v, forecasts["pattern"] == v) for v in sorted(forecasts["pattern"].dropna().unique())]
    segments += [("campaign days", "yes", forecasts["campaign_day"].fillna(False).astype(bool))]
    for segment, value, mask in segments:
        part = forecasts[mask] if not isinstance(mask, slice) else forecasts
        for model, group in part.groupby("model", sort=False):
            rows.append({"model": model, "segment": segment, "value": value, **_metrics_of(group)})
    return pd.DataFrame(rows)


def choose_models(forecasts: pd.DataFrame, default_model: str = "campaign", margin: float = 0.05) -> pd.DataFrame:
    """The model each SKU should use, with the reason.

    Score = pinball loss of P50 plus of P90 over all the SKU's scored days and cut-offs (it rewards a
    right median and a right upper quantile, what the reorder point reads). Another model replaces
    the default only if it scores at least ``margin`` better; SKUs without a scored unit keep the
    default.
    """
    if forecasts.empty:
        return pd.DataFrame(columns=["sku", "model", "reason", "score", "default_score"])
    y = forecasts["actual"].to_numpy(float)
    loss = (np.maximum(0.5 * (y - forecasts["p50"]), -0.5 * (y - forecasts["p50"]))
            + np.maximum(0.9 * (y - forecasts["p90"]), -0.1 * (y - forecasts["p90"])))
    scores = forecasts.assign(loss=loss).groupby(["sku", "model"], observed=True).agg(
        loss=("loss", "sum"), units=("actual", "sum"), days=("actual", "size"), cutoffs=("cutoff", "nunique"))
    scores = scores.reset_index()
    rows = []
    for sku, group in scores.groupby("sku", sort=True, observed=True):
        group = group.set_index("model")
        default = group["loss"].get(default_model, np.nan)
        best = group["loss"].idxmin()
        n_cut, days = int(group["cutoffs"].max()), int(group["days"].max())
        if group["units"].max() <= 0 or not np.isfinite(default):
            model = default_model if default_model in group.index else best
            reason = f"no demand in {days} scored days over {n_cut} cut-off(s): keeps {model}"
        elif best != default_model and group.at[best, "loss"] < (1 - margin) * default:
            model = best
            gain = 1 - group.at[best, "loss"] / default
            reason = (f"{best} scored {gain:.0%} lower pinball loss (P50+P90) than {default_model} "
                      f"over {n_cut} cut-off(s), {days} days")
        else:
            model = default_model
            runner = group.drop(index=default_model)["loss"].idxmin() if len(group) > 1 else default_model
            reason = (f"{default_model} best or within {margin:.0%} of the best ({runner}) "
                      f"over {n_cut} cut-off(s), {days} days")
        rows.append({"sku": sku, "model": model, "reason": reason, "score": float(group.at[model, "loss"]),
                     "default_score": float(default)})
    return pd.DataFrame(rows)
