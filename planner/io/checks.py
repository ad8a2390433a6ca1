"""Plausibility checks at the boundary: values every reader accepts one by one, but that cannot all be right.

The readers (planner/io/table.py, orders.py, inputs.py) check each cell: a date is a date, a quantity a
whole number. These checks look at a cell against its neighbours, where one typo would otherwise
wreck the plan without a word (issue 22):

* an order date in the future, before 2000, or far from the file's other dates (a year typed wrong):
  the row is refused, as any bad row (``--on-bad-rows skip`` moves it to the rejects file);
* one order line twice in a file with different quantities: the second row is refused, naming the first;
* a quantity far above what the SKU and the file usually sell (e.g. 1,000,000 where lines hold 1 to 4):
  kept out of the demand (stored, not counted) with a warning naming file, row and column;
* across the input tables (:func:`check_inputs`, warnings for the run's manifest): purchase orders past
  their expected arrival, a stale inventory snapshot, SKUs sold but missing from products.csv, products
  whose supplier is not in suppliers.csv.

Every threshold is in shop.toml's ``[checks]`` section (docs/inputs.md, "Plausibility").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.io.table import OnBadRows, Parsed, Problems

if TYPE_CHECKING:
    from planner.io.inputs import Inputs

__all__ = [
    "EARLIEST_DATE", "OUTLIER_MIN_UNITS", "OrderChecks", "add_copies", "check_inputs", "conflicting_copies",
    "date_problems", "implausible_dates", "main_run", "outlier_warning", "quantity_outliers",
]

#: no order line is older than this (TikTok Shop opened in 2021; the UCI Online Retail data start in 2009)
EARLIEST_DATE = pd.Timestamp("2000-01-01")
#: a line of at most this many units is never an outlier, whatever the file's usual quantities
OUTLIER_MIN_UNITS = 100
#: how many rows or SKUs a warning names before it says "and N more"
SHOWN = 5


@dataclass(frozen=True)
class OrderChecks:
    """The thresholds of the order-file checks (shop.toml ``[checks]``) and the day they are judged on."""

    max_date_gap_days: int = 365
    quantity_outlier_factor: float = 20
    today: pd.Timestamp | None = None  # the calendar day of the check; None: today

    @property
    def latest(self) -> pd.Timestamp:
        """The latest plausible time: the end of tomorrow (one day of slack covers any time zone)."""
        today = (self.today if self.today is not None else pd.Timestamp.now()).normalize()
        return today + pd.Timedelta(days=2) - pd.Timedelta(seconds=1)


def _listed(items: list[str], total: int | None = None) -> str:
    total = len(items) if total is None else total
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {total - SHOWN} more" if total > SHOWN else "")


# ---------------------------------------------------------------------------------------- dates

def implausible_dates(parsed: Parsed, file: str, columns: dict[str, str], on_bad_rows: OnBadRows,
                      checks: OrderChecks) -> Parsed:
    """Refuse order lines whose times (``columns``: frame column -> the file's header) are after
    tomorrow, before :data:`EARLIEST_DATE`, or more than ``max_date_gap_days`` away from the file's main
    run of dates.

    The main run: the file's demand days split wherever two consecutive days are more than
    ``max_date_gap_days`` apart, and the part holding most lines. A 1970 or 2021 typo in a 2026 export
    stands alone and is refused; a file of several years without such a gap is read as it is.
    """
    frame = parsed.frame
    if frame.empty:
        return parsed
    days = frame["demand_date"]
    plausible = days.notna() & (days >= EARLIEST_DATE) & (days <= checks.latest)
    low, high = main_run(days[plausible].dt.normalize().value_counts().sort_index(), checks)
    problems = Problems(file)
    date_problems(frame, columns, checks, low, high, problems)
    return _drop(parsed, problems, on_bad_rows)


def date_problems(frame: pd.DataFrame, columns: dict[str, str], checks: OrderChecks, low: pd.Timestamp | None,
                  high: pd.Timestamp | None, problems: Problems) -> None:
    """Add the problems of :func:`implausible_dates` in ``frame``'s rows, the file's main run of dates
    being ``low`` to ``high`` (:func:`main_run`)."""
    rows = frame["source_row"].to_numpy()
    latest, gap = checks.latest, pd.Timedelta(days=checks.max_date_gap_days)
    for column, header in columns.items():
        values = frame[column]
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S").set_axis(rows)
        problems.add((values > latest).set_axis(rows), header, text,
                     f"is in the future; expected a time no later than {latest:%Y-%m-%d} (tomorrow)")
        problems.add((values < EARLIEST_DATE).set_axis(rows), header, text,
                     f"is before {EARLIEST_DATE:%Y-%m-%d}; expected a date of this shop's sales")
        if low is None:
            continue
        far = (values < low - gap) | ((values > high + gap) & (values <= latest))
        far &= values >= EARLIEST_DATE
        problems.add(far.set_axis(rows), header, text,
                     f"is more than {checks.max_date_gap_days} days from the file's other dates ({low:%Y-%m-%d} to "
                     f"{high:%Y-%m-%d}); expected a date among them (a year typed wrong?). shop.toml [checks] "
                     f"max_date_gap_days sets the gap")


def main_run(counts: pd.Series, checks: OrderChecks) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last day of the file's main run of dates, from its lines per plausible demand day
    (``counts``, indexed by day in order)."""
    if counts.empty:
        return None, None
    gap = pd.Timedelta(days=checks.max_date_gap_days)
    starts = np.r_[True, np.diff(counts.index.to_numpy()) > gap.to_timedelta64()]
    run = np.cumsum(starts)
    lines = pd.Series(counts.to_numpy(), index=run).groupby(level=0).sum()
    main = lines.idxmax()
    in_main = counts.index[run == main]
    return in_main.min(), in_main.max()


def _drop(parsed: Parsed, problems: Problems, on_bad_rows: OnBadRows) -> Parsed:
    """``parsed`` without the rows ``problems`` names (or the first problem raised, with 'fail')."""
    if not problems.rows:
        return parsed
    work = parsed.frame.assign(_row=parsed.frame["source_row"])
    checked = problems.drop_from(work, parsed.rejects, on_bad_rows)
    return Parsed(checked.frame.drop(columns="_row"), checked.rejects, parsed.warnings)


# ------------------------------------------------------------------------------------ duplicates

def conflicting_copies(lines: pd.DataFrame, keys: list[str], problems: Problems, quantity_header: str) -> None:
    """Add a problem for each row that repeats an earlier row's order line (same ``keys``: order, SKU,
    SKU ID, package, times and subtotal) with another quantity: a copy whose quantity was edited, and
    counting both would count the order twice. Equal copies, and lines whose subtotal follows their own
    quantity, are left alone: exports list a SKU once per unit, per package or per promotion, each its
    own line."""
    if lines.empty:
        return
    frame = lines[keys + ["quantity", "_row"]].copy()
    for key in keys:  # an empty package or time is a value like any other here
        frame[key] = frame[key].astype(str)
    first = frame.groupby(keys, sort=False, dropna=False)["quantity"].transform("first")
    first_row = frame.groupby(keys, sort=False, dropna=False)["_row"].transform("first")
    differs = frame["quantity"].to_numpy() != first.to_numpy()
    copies = pd.DataFrame({"row": frame["_row"], "quantity": frame["quantity"], "first_row": first_row,
                           "first_quantity": first, "order_id": frame[keys[0]], "sku": frame[keys[1]]})
    add_copies(copies[differs], problems, quantity_header)


def add_copies(copies: pd.DataFrame, problems: Problems, quantity_header: str) -> None:
    """The problems of :func:`conflicting_copies`: one per row of ``copies`` (row, quantity, first_row,
    first_quantity, order_id, sku)."""
    for c in copies.itertuples():
        problems.rows.append((int(c.row), quantity_header, f"{c.quantity:g}",
                              f"differs from row {int(c.first_row)} ({c.first_quantity:g}), the same order line "
                              f"(order {c.order_id}, SKU {c.sku}): a line must appear once; delete the wrong row"))


# -------------------------------------------------------------------------------------- outliers

def quantity_outliers(parsed: Parsed, file: str, header: str, checks: OrderChecks) -> Parsed:
    """Keep implausible quantities out of the demand, with a warning naming file, row and column.

    The rule: a demand line is an outlier when its quantity is above ``quantity_outlier_factor`` times
    the larger of the file's and the SKU's usual high, and above :data:`OUTLIER_MIN_UNITS`. The usual
    high is the 99th percentile of the line quantities, read at the line below it (numpy's 'lower'
    method), so that in a file of up to 100 lines the largest line never sets its own yardstick; the
    SKU's counts only when the file has two lines of it or more. The line is still stored, with
    ``is_demand`` false: nothing is lost, and importing the file again with the check off
    (``quantity_outlier_factor = 0``) counts it.
    """
    frame = parsed.frame
    factor = checks.quantity_outlier_factor
    demand = frame["is_demand"].astype(bool) & (frame["quantity"] > 0)
    if not factor or demand.sum() < 2:
        return parsed
    quantity = frame["quantity"].where(demand)
    usual = float(np.quantile(quantity.dropna(), 0.99, method="lower"))
    per_sku = quantity.groupby(frame["sku"]).transform(
        lambda q: np.quantile(q.dropna(), 0.99, method="lower") if q.count() >= 2 else np.nan)
    high = per_sku.fillna(0).clip(lower=usual).clip(lower=1)
    outlier = demand & (frame["quantity"] > factor * high) & (frame["quantity"] > OUTLIER_MIN_UNITS)
    if not outlier.any():
        return parsed
    warning = outlier_warning(frame[outlier].assign(high=high[outlier]), file, header, checks)
    frame = frame.copy()
    frame.loc[outlier, "is_demand"] = False
    return Parsed(frame, parsed.rejects, [*parsed.warnings, warning])


def outlier_warning(flagged: pd.DataFrame, file: str, header: str, checks: OrderChecks) -> str:
    """The warning of :func:`quantity_outliers` about the ``flagged`` lines (source_row, sku, quantity, high)."""
    listed = [f"row {int(r.source_row)} (SKU {r.sku}: {r.quantity:,.0f} units; usual high {r.high:g})"
              for r in flagged.itertuples()]
    return (f"{file}, column {header!r}: {len(flagged)} line(s) far above the usual quantities kept out of the "
            f"demand: {_listed(listed)}. Rule: above {checks.quantity_outlier_factor:g} x the usual high (99th "
            f"percentile of the file's and the SKU's lines). If a quantity is right, set shop.toml [checks] "
            f"quantity_outlier_factor = 0 and import the file again")


# ------------------------------------------------------------------------------- across the tables

def check_inputs(inputs: "Inputs", history: pd.DataFrame | None, planning_day: pd.Timestamp,
                 max_snapshot_age_days: int = 7, default_lead_time_days: float = 21,
                 today: pd.Timestamp | None = None, spikes: pd.DataFrame | None = None) -> list[str]:
    """Warnings about the input tables read together (and with the order history when given): each
    names the file, the row or SKUs, and what the plan does about it. ``spikes``: the history's
    unexplained spikes (forecast.spikes.unexplained_spikes), listed for the seller to label."""
    warnings = unexplained_spikes_warning(spikes) if spikes is not None else []
    planning_day = pd.Timestamp(planning_day).normalize()
    warnings += _overdue_orders(inputs.purchase_orders, planning_day)
    warnings += _stale_snapshot(inputs, history, planning_day, max_snapshot_age_days, today)
    if history is not None:
        warnings += _sold_not_in_products(inputs, history)
    warnings += _unknown_suppliers(inputs, default_lead_time_days)
    warnings += _closed_inbound(inputs)
    return warnings


def unexplained_spikes_warning(spikes: pd.DataFrame) -> list[str]:
    """The likely unlogged campaigns, largest first, and what to do about them (none: no warning)."""
    from forecast.spikes import spike_summary

    summary = spike_summary(spikes)
    if summary.empty:
        return []
    summary = summary.sort_values(["extra_units", "spike_id"], ascending=[False, True])
    listed = [f"{r.start:%Y-%m-%d}{'' if r.end == r.start else f' to {r.end:%Y-%m-%d}'} "
              f"{_sku_list(r.sku_list, r.skus)} ({r.units:,.0f} units, {r.multiple:.1f}x the usual)"
              for r in summary.itertuples()]
    return [f"{len(summary)} sales spike(s) that no campaign, event or holiday explains, likely campaigns missing from "
            f"campaigns.csv: {_listed(listed)}. Until labelled the forecast reads them as campaigns of type 'other' "
            f"(unexplained_spikes.csv in the run folder lists them by SKU); add each to campaigns.csv with its type "
            f"and times (docs/inputs.md, \"Unlogged campaigns\")"]


def _sku_list(skus: str, count: int) -> str:
    names = skus.split(";")
    return names[0] if count == 1 else f"{count} SKUs ({', '.join(names[:3])}{', ...' if count > 3 else ''})"


def _closed_inbound(inputs: "Inputs") -> list[str]:
    """FBT inbound requests closed for want of an arrival (planner.io.fbt_stock): not on order."""
    closed = getattr(inputs.fbt, "closed", None)
    if closed is None or closed.empty:
        return []
    from planner.io.fbt_stock import CLOSE_AFTER_DAYS

    requests = closed.groupby("request_id", sort=False).agg(file=("file", "first"), row=("source_row", "min"),
                                                           created=("created", "min"), units=("quantity", "sum"))
    listed = _listed([f"{r.Index} ({r.file}, row {r.row}: created {r.created:%Y-%m-%d}, {r.units:,.0f} units)"
                      for r in requests.itertuples()])
    return [f"FBT inbound request(s) with nothing arrived {CLOSE_AFTER_DAYS} days after creation are closed by FBT "
            f"and not counted as on order: {listed}. Create a new inbound request for what is still to be sent"]


def _overdue_orders(orders: pd.DataFrame, planning_day: pd.Timestamp) -> list[str]:
    if orders.empty:
        return []
    overdue = orders[orders["expected_arrival"] < planning_day]
    warnings = []
    for po_id, lines in overdue.groupby("po_id", sort=False):
        first = lines.iloc[0]
        late = (planning_day - first["expected_arrival"]).days
        skus = _listed([f"{r.sku} ({r.quantity:,.0f})" for r in lines.itertuples()])
        if lines["_row"].isna().all():  # approved with `restock approve`: in the store, not the file
            warnings.append(f"PO {po_id} (approved in restock) was expected {first['expected_arrival']:%Y-%m-%d}, {late} "
                            f"days before the planning day {planning_day:%Y-%m-%d}; the plan counts it as arriving on "
                            f"the planning day: {skus}. Record its delivery with restock receive {po_id}")
            continue
        rows = ", ".join(str(int(r)) for r in lines["_row"])
        plural = "s" if len(lines) > 1 else ""
        warnings.append(f"purchase_orders.csv, row{plural} {rows}, column 'expected_arrival': PO {po_id} was expected "
                        f"{first['expected_arrival']:%Y-%m-%d}, {late} days before the planning day "
                        f"{planning_day:%Y-%m-%d}; the plan counts it as arriving on the planning day: {skus}. "
                        f"Update its expected_arrival, or remove it if it will not come")
    return warnings


def _stale_snapshot(inputs: "Inputs", history: pd.DataFrame | None, planning_day: pd.Timestamp,
                    max_age: int, today: pd.Timestamp | None) -> list[str]:
    today = (today if today is not None else pd.Timestamp.now()).normalize()
    snapshot = inputs.snapshot_date
    warnings = []
    what = f"the inventory snapshot (inventory.csv, snapshot_date {snapshot:%Y-%m-%d})" if snapshot is not None else \
        f"the planning day ({planning_day:%Y-%m-%d}, the day after the last sale: inventory.csv has no snapshot_date)"
    age = (today - planning_day).days
    if age > max_age:
        warnings.append(f"{what} is {age} days old (today is {today:%Y-%m-%d}): the plan is made for that day, and "
                        f"order-by dates before today are already past. Export a fresh inventory snapshot "
                        f"(shop.toml [checks] max_snapshot_age_days = {max_age})")
    if snapshot is not None and history is not None and len(history):
        last_sale = pd.Timestamp(history["date"].max()).normalize()
        behind = (last_sale - snapshot.normalize()).days
        if behind > max_age:
            warnings.append(f"{what} is {behind} days older than the newest sale ({last_sale:%Y-%m-%d}): what sold "
                            f"since is still counted as on hand. Export a fresh inventory snapshot "
                            f"(shop.toml [checks] max_snapshot_age_days = {max_age})")
    return warnings


def _sold_not_in_products(inputs: "Inputs", history: pd.DataFrame) -> list[str]:
    sold = history.loc[history["units"] > 0, "sku"].astype(str).unique()
    known = set(inputs.products["sku"].astype(str)) | set(inputs.bundles["bundle_sku"].astype(str))
    missing = sorted(set(sold) - known)
    if not missing:
        return []
    return [f"{len(missing)} SKU(s) sold but not in products.csv are left out of the plan: {_listed(missing)}. "
            f"Add them to products.csv with their supplier, cost and price"]


def _unknown_suppliers(inputs: "Inputs", default_lead_time_days: float) -> list[str]:
    products = inputs.products
    if products.empty:
        return []
    known = sorted(set(inputs.suppliers["supplier"].astype(str)))
    unknown = products[~products["supplier"].astype(str).isin(known)]
    warnings = []
    for supplier, group in unknown.groupby("supplier", sort=True):
        close = difflib.get_close_matches(str(supplier), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        rows = _listed([f"{int(r)} ({s})" for r, s in zip(group["_row"], group["sku"])])
        plural = "s" if len(group) > 1 else ""
        warnings.append(f"products.csv, row{plural} {rows}, column 'supplier': {supplier!r} is not in suppliers.csv{hint}; "
                        f"these products are planned with their own lead time where products.csv gives one, "
                        f"else the shop default of {default_lead_time_days:g} days ([lead_time] default_days)")
    return warnings
