"""A planner's own figures laid over the forecast, with who set them and why (overrides.csv).

A row of overrides.csv (planner.io.inputs.OVERRIDES) names a scope (a SKU, SKUs separated by ';',
'category:NAME' or 'all'), days (start, end), and either ``units`` per day or ``pct``, a change in
percent, with its ``reason`` and ``author``. On each SKU-day it covers the sample paths are scaled so
that their mean is the override's figure. ``units`` above the model's mean adds the difference to
every path (a confirmed order is known demand on top of the uncertain one: the spread stays the
model's), below it scales the paths down (less of the same uncertain demand); ``pct`` scales them by
that percent. Where two rows cover
the same SKU-day the later row wins. Days past the forecast horizon are not planned and are not
counted.

``applied`` is the audit trail, one row per override and SKU: the statistical forecast over its days,
the overridden one, the change, and ``flagged`` when they are more than FLAG_CHANGE apart, which the
report's cover and the run's warnings list. The run writes it (overrides_applied.csv) and its manifest
holds the hash of overrides.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.io.inputs import Scopes

#: an override this far from the statistical forecast (either way) is listed for a second look
FLAG_CHANGE = 0.30
APPLIED_COLUMNS = ["sku", "scope", "start", "end", "units", "pct", "days", "forecast_units", "override_units",
                   "change", "flagged", "reason", "author"]


def apply_overrides(paths, forecast: pd.DataFrame, overrides: pd.DataFrame, products: pd.DataFrame):
    """(paths with the overrides applied, the applied table) for the forecast frame of ``paths``
    (sku, date, mean). No overrides: the paths unchanged and an empty table."""
    if overrides is None or overrides.empty:
        return paths, pd.DataFrame(columns=APPLIED_COLUMNS)
    skus = list(paths.skus)
    dates = pd.date_range(paths.start, periods=paths.horizon, freq="D")
    mean = (forecast.pivot(index="sku", columns="date", values="mean").reindex(index=skus, columns=dates)
            .fillna(0.0).to_numpy(float))
    factor, added = np.ones(mean.shape), np.zeros(mean.shape)
    scopes = Scopes(products, skus, "overrides.csv", "scope")
    row_of = {sku: i for i, sku in enumerate(skus)}
    rows = []
    for override in overrides.to_dict("records"):
        days = slice(dates.searchsorted(pd.Timestamp(override["start"])),
                     dates.searchsorted(pd.Timestamp(override["end"]), side="right"))
        for sku in scopes.skus(override["scope"], override.get("_row")):
            i = row_of.get(sku)
            if i is None:  # a SKU with no forecast (no sales yet): nothing to lay the figure over
                continue
            stat = mean[i, days]
            if pd.notna(override["pct"]):
                factor[i, days], added[i, days] = 1 + float(override["pct"]) / 100, 0.0
            else:
                units = float(override["units"])
                raise_ = units >= stat
                factor[i, days] = np.where(raise_, 1.0, units / np.where(raise_, 1.0, stat))
                added[i, days] = np.where(raise_, units - stat, 0.0)
            rows.append(_applied_row(sku, override, stat, stat * factor[i, days] + added[i, days]))
    changed = paths.transformed(lambda lo, hi, values: (values * factor[lo:hi, None, :]
                                                        + added[lo:hi, None, :]).astype(values.dtype))
    return changed, pd.DataFrame(rows, columns=APPLIED_COLUMNS)


def _applied_row(sku: str, override: dict, stat: np.ndarray, new: np.ndarray) -> dict:
    before, after = float(stat.sum()), float(new.sum())
    change = after / before - 1 if before > 0 else (np.inf if after > 0 else 0.0)
    return {"sku": sku, "scope": override["scope"], "start": override["start"], "end": override["end"],
            "units": override["units"], "pct": override["pct"], "days": len(stat), "forecast_units": round(before, 2),
            "override_units": round(after, 2), "change": change, "flagged": bool(len(stat) and abs(change) > FLAG_CHANGE),
            "reason": override["reason"], "author": override["author"]}


def override_warnings(applied: pd.DataFrame | None) -> list[str]:
    """The overrides more than FLAG_CHANGE from the statistical forecast, one warning listing them."""
    if applied is None or applied.empty or not applied["flagged"].any():
        return []
    flagged = applied[applied["flagged"]]
    listed = [f"{r.sku} {pd.Timestamp(r.start):%Y-%m-%d} to {pd.Timestamp(r.end):%Y-%m-%d} by {r.author}: "
              f"{_units(r.override_units)} units against a forecast of {_units(r.forecast_units)} "
              f"({_change(r.change)}; {r.reason})" for r in flagged.head(5).itertuples()]
    more = f" and {len(flagged) - 5} more" if len(flagged) > 5 else ""
    return [f"{len(flagged)} forecast override(s) more than {FLAG_CHANGE:.0%} away from the statistical forecast: "
            f"{'; '.join(listed)}{more}. The plan uses the overrides (overrides_applied.csv lists every one)"]


def _units(units: float) -> str:
    return f"{units:,.0f}" if units >= 10 else f"{units:.1f}"


def _change(change: float) -> str:
    """+25 %, -40 %, 3.0x the forecast, or new demand (a forecast of zero)."""
    if not np.isfinite(change):
        return "new demand"
    return f"{1 + change:.1f}x the forecast" if change >= 1 else f"{change:+.0%}"


def overridden_points(forecast: pd.DataFrame, applied: pd.DataFrame | None) -> pd.DataFrame:
    """The forecast frame's point columns on overridden SKU-days: the overridden mean, and who set it (a
    SKU-day two overrides cover: the later one's, as the paths take it)."""
    if applied is None or applied.empty or "point" not in forecast.columns:
        return forecast
    cells = (applied.assign(date=[pd.date_range(start, end) for start, end in zip(applied["start"], applied["end"])])
             .explode("date").drop_duplicates(["sku", "date"], keep="last"))
    at = pd.MultiIndex.from_frame(forecast[["sku", "date"]].astype({"sku": str})).get_indexer(
        pd.MultiIndex.from_arrays([cells["sku"].astype(str), pd.to_datetime(cells["date"])]))
    cells, at = cells[at >= 0], at[at >= 0]  # days past the horizon are not in the frame
    forecast = forecast.assign(point_method=forecast["point_method"].astype(object),
                               point_reason=forecast["point_reason"].astype(object))
    forecast.iloc[at, forecast.columns.get_loc("point")] = forecast["mean"].to_numpy()[at]
    forecast.iloc[at, forecast.columns.get_loc("point_method")] = "override"
    forecast.iloc[at, forecast.columns.get_loc("point_reason")] = [
        f"overrides.csv by {author}: {reason}" for author, reason in zip(cells["author"], cells["reason"])]
    return forecast
