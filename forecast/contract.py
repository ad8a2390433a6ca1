"""The long-format frames the forecast package takes and returns, and the checks that enforce them.

Everything inside `forecast` may assume these shapes: the library's public entry points (every model's
``fit`` and forecast methods, ``backtest``, ``complete_history``, ``mark_stockouts``) pass their frames
through ``checked_inputs`` / ``checked_horizon`` first, which raise a ``ValueError`` naming the frame,
the column and an offending key instead of forecasting from a frame that silently means something else
(a SKU fed twice whose second copy overwrote the first; integer SKUs in the history and strings in the
campaigns, so that no campaign matched). The planner checks its files at its own boundary (planner.io)
and hands over clean frames, which pass unchanged.

history  : sku (str), date (datetime64[ns], a day), units (float >= 0), censored (bool)
           One row per SKU and day, days without sales included (units 0). ``censored`` marks days
           whose sales do not show demand (out of stock, sold out mid-livestream): models neither
           learn from them as zeros nor are they scored on them.
campaigns: one row per campaign and featured SKU (the planner expands "all" and "category:X"):
           campaign_id, type, start, end (datetime64, shop-local), sku, and where known
           expected_viewers, daily_budget, discount_pct (float, NaN when unknown).
products : sku, category (for pooling new SKUs and uplift across categories).
events   : days that move demand and are known ahead, beyond the market's calendar: regional and school
           holidays, paydays, a sports final, the shop's own off-platform promotions. One row per event,
           or per event and SKU: start, end (datetime64, days; ``end`` inclusive, equal to ``start`` for
           one day), name, type, and optionally sku and magnitude. A row whose sku is missing (or a frame
           without a sku column) concerns every SKU; the planner expands "category:X" and SKU lists to
           one row per SKU, as it does campaigns. ``magnitude`` (default 1) scales the event's effect:
           the engine learns one effect per ``type`` (and per day of its 2-day run-up and hangover),
           pooled over the SKUs it touched, each SKU's own shrunk to it; an event of magnitude 2
           moves demand by that effect squared.
forecast : sku, date, mean, and one column per quantile: p50, p80, p90, p95, p99 (float >= 0).

Normalisation (documented, not an error): SKUs are compared as strings in every frame, so integer
SKUs (12) become '12' -- a whole float (12.0, what a CSV column with a gap reads as) too; dates given as
text are parsed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEMAND_COLUMNS = ("sku", "date", "units")
HISTORY_COLUMNS = ("sku", "date", "units", "censored")
CAMPAIGN_TYPES = ("livestream_own", "livestream_creator", "ad", "flash_sale", "mega_sale", "video", "other")
CAMPAIGN_COLUMNS = (
    "campaign_id", "type", "start", "end", "sku", "expected_viewers", "daily_budget", "discount_pct",
)
EVENT_COLUMNS = ("start", "end", "name", "type", "sku", "magnitude")
QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.99)


def quantile_column(q: float) -> str:
    """Column name of quantile q in a forecast frame: 0.9 -> 'p90', 0.995 -> 'p99.5'."""
    pct = round(q * 100, 4)
    return f"p{int(pct)}" if pct == int(pct) else f"p{pct:g}"


# ---------------------------------------------------------------------------------------------------
# checks at the library boundary: vectorised, a fraction of a second on 10,000 SKUs x 730 days


def checked_inputs(history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
                   products: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                   daily: bool = True):
    """The frames of a fit, checked and normalised: (history, campaigns, products, events).

    ``daily``: the history must be one row per SKU and day (a model's fit); False for raw demand that
    ``complete_history`` sums per day (several rows a day, times of day allowed). Frames that need no
    normalisation come back as they are (no copy).
    """
    history = checked_history(history, daily=daily)
    campaigns = checked_campaigns(campaigns)
    products = None if products is None else _with_string_skus(_require(products, "products", ("sku",)), "products")[0]
    events = checked_events(events)
    return history, campaigns, products, events


def checked_history(history: pd.DataFrame, daily: bool = True, frame: str = "history") -> pd.DataFrame:
    """``history`` with string SKUs and datetime days, or a ValueError (see ``checked_inputs``)."""
    history, codes = _with_string_skus(_require(history, frame, DEMAND_COLUMNS), frame)
    history = _with_dates(history, frame, ("date",), whole_days=daily)
    _check_units(history, frame)
    if daily:
        _check_unique(history, codes, frame)
    return history


def checked_campaigns(campaigns: pd.DataFrame | None) -> pd.DataFrame | None:
    """The campaign calendar with string SKUs and parsed start / end, or a ValueError."""
    if campaigns is None:
        return None
    campaigns = _with_string_skus(_require(campaigns, "campaigns", ("campaign_id", "type", "start", "end", "sku")), "campaigns")[0]
    return _with_dates(campaigns, "campaigns", ("start", "end"), whole_days=False)


def checked_events(events: pd.DataFrame | None) -> pd.DataFrame | None:
    """The events frame with parsed days, string SKUs (missing: every SKU) and a magnitude, or a ValueError."""
    if events is None:
        return None
    events = _require(events, "events", ("start", "end", "name", "type"))
    if "sku" in events.columns:
        events = _with_string_skus(events, "events", missing_ok=True)[0]
    events = _with_dates(events, "events", ("start", "end"), whole_days=True)
    _check_event_spans(events)
    if "magnitude" in events.columns:
        magnitude = pd.to_numeric(events["magnitude"], errors="coerce")
        _fail_where(~np.isfinite(magnitude.to_numpy(dtype=float)) & events["magnitude"].notna().to_numpy(),
                    events, "events", "magnitude", "a number")
    return events


def checked_horizon(horizon) -> int:
    """``horizon`` as an int >= 1, or a ValueError saying what was given."""
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon: expected a whole number of days >= 1, got {horizon!r}")
    return int(horizon)


def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name}: expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}")
    return frame


def _example(frame: pd.DataFrame, bad: np.ndarray, columns: tuple[str, ...]) -> str:
    """The first offending row of ``frame`` as 'row 3 (sku='A', date=...)'."""
    at = int(np.flatnonzero(bad)[0])
    values = ", ".join(f"{c}={frame[c].iloc[at]!r}" for c in columns if c in frame.columns)
    return f"row {frame.index[at]} ({values})"


def _fail_where(bad: np.ndarray, frame: pd.DataFrame, name: str, column: str, expected: str) -> None:
    if bad.any():
        keys = tuple(dict.fromkeys(("sku", "date", "campaign_id", "name", column)))
        raise ValueError(f"{name}.{column}: expected {expected}; {int(bad.sum())} row(s) are not, first "
                         f"{_example(frame, bad, keys)}")


def _with_string_skus(frame: pd.DataFrame, name: str, missing_ok: bool = False) -> pd.DataFrame:
    """SKUs as strings (the documented normalisation); a missing SKU is an error unless ``missing_ok``.
    Returns the frame and the SKU codes (pandas.factorize's, -1 missing) for the duplicate check."""
    codes, uniques = pd.factorize(frame["sku"])
    if not missing_ok:
        _fail_where(codes < 0, frame, name, "sku", "a SKU in every row")
    if not all(isinstance(u, str) for u in uniques):
        text = np.array([_sku_text(u) for u in uniques] + [None], dtype=object)
        frame = frame.assign(sku=pd.Series(text[codes], index=frame.index, dtype=object))
    return frame, codes


def _sku_text(value) -> str:
    """A SKU as text: 12 and 12.0 -> '12' (a whole float is what a CSV column with a gap reads as)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _with_dates(frame: pd.DataFrame, name: str, columns: tuple[str, ...], whole_days: bool) -> pd.DataFrame:
    """``columns`` as datetime64 (any resolution), parsed if given as text; with ``whole_days``, no time of day."""
    changed = {}
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_datetime64_any_dtype(values.dtype) or getattr(values.dt, "tz", None) is not None:
            parsed = pd.to_datetime(values, errors="coerce", format="mixed")
            _fail_where(parsed.isna().to_numpy() & values.notna().to_numpy(), frame, name, column, "a date")
            values = changed[column] = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed
        _fail_where(values.isna().to_numpy(), frame, name, column, "a date in every row")
        if whole_days:
            raw = values.to_numpy()
            _fail_where(_ticks(raw) % _ticks_per_day(raw) != 0, frame, name, column, "a day (no time of day)")
    return frame.assign(**changed) if changed else frame


def _check_units(history: pd.DataFrame, name: str) -> None:
    units = history["units"]
    if not pd.api.types.is_numeric_dtype(units.dtype) or pd.api.types.is_bool_dtype(units.dtype):
        numeric = pd.to_numeric(units, errors="coerce")
        _fail_where(numeric.isna().to_numpy(), history, name, "units", "a number")
        units = numeric
    values = units.to_numpy(dtype=float)
    _fail_where(~np.isfinite(values), history, name, "units", "a finite number (not NaN or infinite)")
    _fail_where(values < 0, history, name, "units", "units >= 0")


def _check_unique(history: pd.DataFrame, codes: np.ndarray, name: str) -> None:
    """One row per SKU and day: a second row would silently overwrite the first. ``codes``: the SKUs'."""
    values = history["date"].to_numpy()
    ticks = _ticks(values)  # whole days here: ticks differ where days do
    step_sku, step_day = np.diff(codes), np.diff(ticks)
    # the usual frame, sorted by SKU (codes number SKUs as they first appear) and day: no sort needed
    if ((step_sku > 0) | ((step_sku == 0) & (step_day > 0))).all():
        return
    day = (ticks - ticks.min()) // _ticks_per_day(values)
    key = codes.astype(np.int64) * (int(day.max()) + 1) + day
    order = np.argsort(key, kind="stable")
    repeated = key[order][1:] == key[order][:-1]
    if repeated.any():
        bad = np.zeros(len(key), dtype=bool)
        bad[order[1:][repeated]] = True
        _fail_where(bad, history, name, "date", "one row per sku and date (this one repeats an earlier row)")


def _ticks(values: np.ndarray) -> np.ndarray:
    """datetime64 values as their integer ticks (a view, no copy: converting units took 0.6 s at 7M rows)."""
    return values.view(np.int64)


def _ticks_per_day(values: np.ndarray) -> int:
    """Ticks of a day in the unit of datetime64 ``values`` (86,400,000,000,000 for ns)."""
    return int(np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(values.dtype)[0]))


def _check_event_spans(events: pd.DataFrame) -> None:
    _fail_where((events["end"] < events["start"]).to_numpy(), events, "events", "end", "an end on or after the start")
