"""The forecast's past errors, window by window: what it said over a lead time (and lead time + review)
next to what then sold.

``window_errors`` reads one origin's windows from daily arrays; ``backtest_errors`` runs it over a
rolling-origin backtest's forecasts. A window with a stockout day is kept and marked ``censored`` (its
sales only bound demand from below); the calibration (fit.py) and the service step (service.py) read
these frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY_NS = 86_400 * 10**9
ERROR_COLUMNS = ("sku", "origin", "forecast_lead", "forecast_cycle", "realised_lead", "realised_cycle", "censored")


def window_errors(forecast_daily: np.ndarray, realised_daily: np.ndarray, censored_daily: np.ndarray,
                  lead_days: np.ndarray, review_days: int, skus: np.ndarray, origin) -> pd.DataFrame:
    """The errors of one origin: forecast mean and realised units over the lead time and lead time +
    review, per SKU (ERROR_COLUMNS, and ``sold_cycle``: the units sold, stockout days as they were). A
    stockout day (``censored_daily``) counts as at least its forecast: what sold understates demand,
    and leaving such windows out would drop the high ones.

    forecast_daily, realised_daily, censored_daily : (n_sku, days from the origin), days >= the
        longest lead time + review (a SKU whose window runs past them is left out).
    lead_days : (n_sku,) whole days of lead time (supplier + transit + receiving).
    """
    n, days = realised_daily.shape
    lead = np.asarray(lead_days, dtype=int)
    cycle = lead + int(review_days)
    keep = cycle <= days
    zero = np.zeros((n, 1))
    mean = np.concatenate([zero, np.cumsum(forecast_daily, axis=1)], axis=1)
    # a stockout day sold less than its demand: count it as at least its forecast
    floor = np.where(censored_daily, np.maximum(realised_daily, forecast_daily[:, :days]), realised_daily)
    real = np.concatenate([zero, np.cumsum(floor, axis=1)], axis=1)
    sold = np.concatenate([zero, np.cumsum(realised_daily, axis=1)], axis=1)
    out = np.concatenate([zero, np.cumsum(censored_daily, axis=1)], axis=1)
    rows = np.arange(n)[keep]
    lead, cycle = lead[keep], cycle[keep]
    return pd.DataFrame({
        "sku": np.asarray(skus, dtype=object)[keep], "origin": origin,
        "forecast_lead": mean[rows, lead], "forecast_cycle": mean[rows, cycle],
        "realised_lead": real[rows, lead], "realised_cycle": real[rows, cycle],
        "censored": out[rows, cycle] > 0, "sold_cycle": sold[rows, cycle], "lead_days": lead,
        "out_days": out[rows, cycle], "window_days": cycle,
    })


def backtest_errors(forecasts: pd.DataFrame, lead_days: pd.Series, review_days: int, choice: pd.DataFrame | None = None,
                    step: int = 7) -> pd.DataFrame:
    """Window errors (ERROR_COLUMNS) from a rolling-origin backtest (forecast.backtest.backtest's
    ``forecasts``: sku, date, cutoff, model, mean, actual; censored days are not in it).

    Each SKU's errors come from the model ``choice`` gives it (else every model's rows are used as they
    are: pass a single model's). Windows start at each cut-off and every ``step`` days after it while a
    whole lead time + review fits in the backtest's horizon; a window with a day missing (censored:
    a stockout) is marked censored, the day counted as its forecast. A ``cutoff`` column says which
    backtest origin each window came from (backtest_service cross-fits on it).

    lead_days : whole days of lead time per SKU (index sku; supplier + transit + FBT receiving).
    """
    missing = [c for c in ("sku", "date", "cutoff", "model", "mean", "actual") if c not in forecasts.columns]
    if missing:
        raise ValueError(f"backtest forecasts: missing column(s) {missing}; found {list(forecasts.columns)}")
    sku_code, sku_names = _codes(forecasts["sku"])  # codes per row, strings per SKU
    sku_names = np.asarray(pd.Index(sku_names).astype(str), dtype=object)
    lead = pd.Series(lead_days).rename(index=str)
    wanted = pd.Index(sku_names).isin(lead.index)[sku_code] & (sku_code >= 0)
    if choice is not None and len(choice):
        wanted &= _chosen_rows(forecasts["model"], sku_code, sku_names, choice)
    cutoff_code, cutoffs = pd.factorize(forecasts["cutoff"], sort=True)
    stamps = pd.to_datetime(forecasts["date"]).to_numpy().astype("datetime64[ns]").astype(np.int64)
    means, actuals = forecasts["mean"].to_numpy(float), forecasts["actual"].to_numpy(float)
    parts = []
    for k, cutoff in enumerate(cutoffs):
        at = np.flatnonzero(wanted & (cutoff_code == k))
        if not len(at):
            continue
        cutoff = pd.Timestamp(cutoff)
        day = (stamps[at] - cutoff.value) // DAY_NS - 1
        present = np.unique(sku_code[at])
        order = np.argsort(sku_names[present], kind="stable")
        skus = sku_names[present][order]
        position = np.zeros(len(sku_names), dtype=np.int64)
        position[present[order]] = np.arange(len(present))
        row = position[sku_code[at]]
        horizon = int(day.max()) + 1
        mean, actual = np.zeros((len(skus), horizon)), np.zeros((len(skus), horizon))
        seen = np.zeros((len(skus), horizon), dtype=bool)
        mean[row, day], actual[row, day], seen[row, day] = means[at], actuals[at], True
        # the backtest leaves censored days out, their forecast too: take the SKU's mean forecast per day
        typical = mean.sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
        mean = np.where(seen, mean, typical[:, None])
        sku_lead = np.rint(lead.reindex(skus).to_numpy(float)).astype(int)
        for offset in range(0, horizon - int(sku_lead.min()) - review_days + 1, step):
            parts.append(window_errors(mean[:, offset:], actual[:, offset:], ~seen[:, offset:], sku_lead, review_days,
                                       skus, cutoff + pd.Timedelta(days=offset)).assign(cutoff=cutoff))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(ERROR_COLUMNS))


def _chosen_rows(models: pd.Series, sku_code: np.ndarray, sku_names: np.ndarray, choice: pd.DataFrame) -> np.ndarray:
    """Per forecast row: is its model the one ``choice`` gives its SKU (a SKU ``choice`` does not name:
    every model's rows). Looked up once per SKU and model, not per row."""
    chosen = choice.assign(sku=choice["sku"].astype(str)).set_index("sku")["model"]
    model_code, model_names = _codes(models)
    per_sku = chosen.reindex(sku_names)
    named = per_sku.notna().to_numpy()
    want = pd.Index(model_names).get_indexer(per_sku.where(named, None))  # -1: a model without rows here
    ok = ~named[sku_code] | (want[sku_code] == model_code)
    return ok & (sku_code >= 0)


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column's values and the values they number (-1: missing); a categorical's own
    codes (the backtest's SKU and model columns: millions of rows, a few thousand labels)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(np.int64), column.cat.categories
    codes, uniques = pd.factorize(column)
    return codes, pd.Index(uniques)


__all__ = ["ERROR_COLUMNS", "backtest_errors", "window_errors"]
