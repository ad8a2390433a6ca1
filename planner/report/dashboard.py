"""The days-of-cover dashboard: one self-contained HTML file per run (runs/<id>/dashboard.html) that opens
offline from the run folder, its data embedded.

A table of every planned SKU (stock by location, days of cover, run-out date, next arrival, next campaign,
proposed order, alerts), sortable and filterable, and per SKU a chart (history, forecast band, projected
stock, campaigns) drawn as SVG by the page's own script when its row is opened: no library, no network.
The figures are the plan's own frames, the ones plan.csv, orders.csv, alerts.csv and projected.csv are
written from, and the chart's series are the PDF's (planner/report/skus.py): the last HISTORY_DAYS days
sold, the forecast's mean and 10-90 % band of the sample paths, the projected stock with this plan and
without action. Series are embedded in tenths of a unit as whole numbers (projected.csv's precision),
so that 10,000 SKUs stay a file a browser opens in seconds.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from planner.plan import Plan, PlanSettings

HISTORY_DAYS = 120
BAND = (0.1, 0.9)  # the PDF's forecast band (planner/report/skus.py)
BLOCK_SKUS = 500  # SKUs whose sample paths are summarised at a time


def build_dashboard(shop_name: str, currency: str, inputs, forecast_result, plan: Plan, settings: PlanSettings,
                    out_path) -> Path:
    """Write the dashboard of ``plan`` to ``out_path`` (atomically) and return the path."""
    today = pd.Timestamp(forecast_result.today).normalize()
    data = dashboard_data(shop_name, currency, inputs, forecast_result, plan, today, settings.overstock_days)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(render(data), encoding="utf-8")
    tmp.replace(out_path)
    return out_path


def render(data: dict) -> str:
    """The page: the template (planner/templates/dashboard.html) with its title and data filled in."""
    template = resources.files("planner").joinpath("templates/dashboard.html").read_text(encoding="utf-8")
    title = html.escape(f"restock · {data['shop']} · days of cover {data['today']}")
    # the data first: the title comes before it in the template, so neither can fill in the other's mark
    return template.replace("{{DATA}}", script_json(data), 1).replace("{{TITLE}}", title, 1)


def script_json(value) -> str:
    """JSON to embed in a <script> element: no '<', '>' or '&' (so no '</script>' or '<!--' in a
    product name can end it) and no line separators that older parsers read as line ends."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def dashboard_data(shop_name: str, currency: str, inputs, forecast_result, plan: Plan, today: pd.Timestamp,
                   overstock_days: float) -> dict:
    """Everything the page shows, one record per plan.csv row (in its order)."""
    frame = plan.plan.reset_index(drop=True)
    skus = frame["sku"].astype(str).tolist()
    first_history = today - pd.Timedelta(days=HISTORY_DAYS)
    projected = _projected(plan.projected, skus)
    band = _band(forecast_result.paths, skus, today)
    history, censored = _history(forecast_result.history, skus, first_history, HISTORY_DAYS)
    stock = _stock_by_location(inputs.inventory)
    names = inputs.products.drop_duplicates("sku").set_index("sku")["name"].astype(str)
    orders = _orders(plan.orders)
    alerts = _alerts(plan.alerts)
    campaign_table, campaigns = _campaigns(forecast_result.campaigns, today, first_history,
                                           today + pd.Timedelta(days=projected["days"]))
    arrivals = _arrivals(plan, frame)
    classes = [_text(c) for c in frame["class"]]
    runouts = _days(frame["stockout_date"])
    calendar = _days(pd.date_range(today, periods=projected["days"], freq="D"))
    records = []
    for i, row in enumerate(frame.itertuples(index=False)):
        sku = skus[i]
        receipts = projected["receipts"][i]
        landing = np.flatnonzero(receipts > 0)
        upcoming = campaigns.get(sku, [])
        record = {
            "sku": sku, "name": names.get(sku, ""), "location": str(row.location), "supplier": _text(row.supplier),
            "class": classes[i], "lead": _number(row.lead_time_days), "review": _number(row.review_period_days),
            "stock": stock.get(sku, {}),
            "position": _number(row.position), "upstream": _number(row.upstream_position),
            "cover": _number(row.cover_days), "runout": runouts[i],
            "arrival": [calendar[landing[0]], _number(receipts[landing[0]])] if len(landing) else None,
            "campaign": next((c for c in upcoming if campaign_table[c][3] >= 0), None),
            "order": _number(row.order_quantity), "order_by": orders.get(sku, (None, 0.0))[0],
            "value": orders.get(sku, (None, 0.0))[1], "reorder": _number(row.reorder_point),
            "safety": _number(row.safety_stock), "alerts": alerts.get(sku, []),
            "h": history[i], "hc": censored[i], "arrivals": arrivals.get(sku, []),
            "campaigns": upcoming,
        }
        if band is not None and band["rows"][i] >= 0:
            r = band["rows"][i]
            record["f"] = [band["mean"][r], band["low"][r], band["high"][r]]
        if projected["rows"][i] >= 0:
            r = projected["rows"][i]
            record["p"] = _deltas(projected["with_plan"][r])
            if projected["no_action"][r] != projected["with_plan"][r]:
                record["pn"] = _deltas(projected["no_action"][r])
        records.append(record)
    return {"shop": shop_name, "currency": currency, "today": _day(today), "history_days": HISTORY_DAYS,
            "overstock_days": _number(overstock_days), "campaigns": campaign_table,
            # as the run's headline and the PDF's cover add it up (pipeline.headline)
            "purchase_value": round(float(plan.orders["value"].sum()), 2) if len(plan.orders) else 0.0,
            "band_start": band["start"] if band is not None else None, "skus": records}


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _number(value):
    """A plan figure as plan.csv writes it (pipeline.write_frame: 4 decimals, whole numbers without a point)."""
    if value is None or pd.isna(value):
        return None
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def _day(value) -> str | None:
    return None if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _days(values) -> list[str | None]:
    """_day of many dates at once."""
    text = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]").astype(str)
    return [None if t == "NaT" else t for t in text.tolist()]


def _tenths(matrix: np.ndarray) -> list[list[int]]:
    """Rows of a matrix in tenths of a unit, as whole numbers (the page divides by 10)."""
    return np.rint(np.nan_to_num(np.asarray(matrix, dtype=float)) * 10).astype(np.int64).tolist()


def _deltas(values: list[int]) -> list[int]:
    """A smooth series as its first value and day-to-day changes (shorter to write; the page adds them up)."""
    return np.diff(np.asarray(values, dtype=np.int64), prepend=0).tolist()


def _rows_of(skus: list[str], keys) -> np.ndarray:
    """Position of each of ``skus`` in ``keys`` (-1 where absent)."""
    index = pd.Index(pd.Series(keys, dtype=object).astype(str))
    return index.get_indexer(pd.Index(skus, dtype=object))


def _projected(projected: pd.DataFrame, skus: list[str]) -> dict:
    """projected.csv per SKU and day as matrices (it holds every SKU for the same days)."""
    codes, keys = pd.factorize(projected["sku"].astype(str))
    days = int(len(projected) // max(len(keys), 1))
    order = np.argsort(codes, kind="stable")

    def matrix(column: str) -> np.ndarray:
        return projected[column].to_numpy(dtype=float)[order].reshape(len(keys), days)

    rows = _rows_of(skus, keys)
    receipts = matrix("receipts") if days else np.zeros((len(keys), 0))
    return {"rows": rows, "days": days, "with_plan": _tenths(matrix("on_hand_with_plan")) if days else [],
            "no_action": _tenths(matrix("on_hand_no_action")) if days else [],
            "receipts": [receipts[r] if r >= 0 else np.zeros(0) for r in rows]}


def _band(paths, skus: list[str], today: pd.Timestamp) -> dict | None:
    """The forecast's mean and 10-90 % band per SKU over the days after ``today`` (as the PDF's SKU pages),
    read a block of SKUs at a time."""
    if paths is None or len(paths.skus) == 0:
        return None
    dates = paths.dates
    first = int(np.searchsorted(dates.values, np.datetime64(today), side="right"))
    path_rows = _rows_of(skus, paths.skus)
    wanted = np.flatnonzero(path_rows >= 0)
    mean, low, high = [], [], []
    for lo in range(0, len(wanted), BLOCK_SKUS):
        values = paths.rows(path_rows[wanted[lo:lo + BLOCK_SKUS]])[:, :, first:]
        q = np.quantile(values, BAND, axis=1)
        mean += _tenths(values.mean(axis=1))
        low += _tenths(q[0])
        high += _tenths(q[1])
    rows = np.full(len(skus), -1)
    rows[wanted] = np.arange(len(wanted))
    return {"rows": rows, "mean": mean, "low": low, "high": high,
            "start": _day(dates[first]) if first < len(dates) else None}


def _history(history: pd.DataFrame, skus: list[str], first: pd.Timestamp, days: int):
    """Units sold per SKU on the ``days`` days from ``first`` (tenths), and the days out of stock."""
    dates = history["date"].to_numpy()
    keep = (dates >= np.datetime64(first)) & (dates < np.datetime64(first + pd.Timedelta(days=days)))
    window = history.loc[keep]
    rows = _rows_of(window["sku"].astype(str).tolist(), skus)
    day = ((window["date"].to_numpy() - np.datetime64(first)) // np.timedelta64(1, "D")).astype(int)
    found = rows >= 0
    units = np.zeros((len(skus), days))
    units[rows[found], day[found]] = window["units"].to_numpy(dtype=float)[found]
    out = np.zeros((len(skus), days), dtype=bool)
    if "censored" in window.columns:
        flags = window["censored"].fillna(False).to_numpy(dtype=bool) & found
        out[rows[flags], day[flags]] = True
    return _tenths(units), [np.flatnonzero(r).tolist() for r in out]


def _stock_by_location(inventory: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """On hand per SKU and location, as inventory.csv gives it."""
    if inventory is None or inventory.empty:
        return {}
    on_hand = pd.to_numeric(inventory["on_hand"], errors="coerce").fillna(0)
    totals = on_hand.groupby([inventory["sku"].astype(str), inventory["location"].astype(str)], sort=True).sum()
    out: dict[str, dict[str, float]] = {}
    for (sku, location), units in totals.items():
        out.setdefault(sku, {})[location] = _number(units)
    return out


def _orders(orders: pd.DataFrame) -> dict[str, tuple[str | None, float]]:
    """Per SKU: the first order-by date of its order lines and their value (orders.csv, to the cent)."""
    if orders.empty:
        return {}
    grouped = orders.groupby(orders["sku"].astype(str)).agg(order_by=("order_by", "min"), value=("value", "sum"))
    return {sku: (day, round(float(value), 2))
            for sku, day, value in zip(grouped.index, _days(grouped["order_by"]), grouped["value"].tolist())}


def _alerts(alerts: pd.DataFrame) -> dict[str, list[list]]:
    """Per SKU: its alerts as alerts.csv holds them (kind, date, message)."""
    out: dict[str, list[list]] = {}
    for sku, kind, date, message in zip(alerts["sku"].astype(str).tolist(), alerts["kind"].astype(str).tolist(),
                                        _days(alerts["date"]), alerts["message"].tolist()):
        out.setdefault(sku, []).append([kind, date, _text(message)])
    return out


def _campaigns(campaigns: pd.DataFrame | None, today: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp):
    """The campaigns that touch the chart's days, once each: [id, type, first day, last day (days from
    today), start date], by start; and per SKU the positions of its own in that list."""
    if campaigns is None or campaigns.empty:
        return [], {}
    start = pd.to_datetime(campaigns["start"]).dt.normalize()
    end = pd.to_datetime(campaigns["end"]).dt.normalize()
    shown = campaigns.assign(_start=start, _end=end)[(end >= first) & (start <= last)].sort_values(["_start", "campaign_id"])
    offset = {column: ((shown[column] - today) // pd.Timedelta(days=1)).astype(int).tolist() for column in ("_start", "_end")}
    table: list[list] = []
    position: dict[tuple, int] = {}
    out: dict[str, list[int]] = {}
    for sku, cid, kind, s, e, day in zip(shown["sku"].astype(str).tolist(), shown["campaign_id"].astype(str).tolist(),
                                         shown["type"].tolist(), offset["_start"], offset["_end"], _days(shown["_start"])):
        entry = [cid, _text(kind), s, e, day]
        at = position.setdefault(tuple(entry), len(table))
        if at == len(table):
            table.append(entry)
        out.setdefault(sku, []).append(at)
    return table, out


def _arrivals(plan: Plan, frame: pd.DataFrame) -> dict[str, list[list]]:
    """This plan's receipts at the selling location, days from today and units, as the PDF marks them:
    orders on their order-by date + the SKU's lead time, transfers on their expected receipt."""
    out: dict[str, list[list]] = {}
    lead = frame.set_index(frame["sku"].astype(str))["lead_time_days"]
    orders = plan.orders
    for sku, order_by, quantity in zip(orders["sku"].astype(str), orders["order_by"], orders["quantity"]):
        land = pd.Timestamp(order_by) + pd.Timedelta(days=round(float(lead.get(sku, 0.0))))
        out.setdefault(sku, []).append([_day(land), _number(quantity), "order"])
    transfers = plan.transfers
    for sku, receipt, quantity in zip(transfers["sku"].astype(str), transfers["expected_receipt"], transfers["quantity"]):
        out.setdefault(sku, []).append([_day(receipt), _number(quantity), "transfer"])
    return out


__all__ = ["BAND", "HISTORY_DAYS", "build_dashboard", "dashboard_data", "render", "script_json"]
