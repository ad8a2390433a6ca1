"""Stage 1 of the plan: supply terms per SKU and the lead times drawn from them.

Per SKU, the product's terms, else its supplier's, else the shop's default (supply_terms); a supplier's
stated lead time moved toward the lead times its deliveries took (measured_supplier_terms); whole-day
supplier lead times per sample path, triangular(min, mean, max) where a min/max is given, else
normal(mean, sd) (sample_lead_times); and the dates and spans that follow from them: a campaign's
order-by date, the transit and receiving days after the lead time, the days a campaign floor reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from planner.plan.settings import PlanSettings


def supply_terms(products: pd.DataFrame, suppliers: pd.DataFrame | None, settings: PlanSettings) -> pd.DataFrame:
    """Per SKU: the product's terms, else its supplier's, else the shop default."""
    terms = products.copy()
    terms["sku"] = terms["sku"].astype(str)
    spec = {"lead_time_days": settings.default_lead_time_days, "lead_time_sd_days": 0.0, "lead_time_min_days": np.nan,
            "lead_time_max_days": np.nan, "ordering_cost": 0.0, "transit_days": 0.0}
    if suppliers is not None and len(suppliers):
        sup = suppliers.copy()
        sup["supplier"] = sup["supplier"].astype(str)
        sup = sup[[c for c in ["supplier", *spec] if c in sup.columns]].add_suffix("_supplier")
        terms = terms.merge(sup, left_on="supplier", right_on="supplier_supplier", how="left")
    for column, default in spec.items():
        value = pd.to_numeric(terms[column], errors="coerce") if column in terms.columns else pd.Series(np.nan, index=terms.index)
        if f"{column}_supplier" in terms.columns:
            value = value.fillna(pd.to_numeric(terms[f"{column}_supplier"], errors="coerce"))
        terms[column] = value.fillna(default).astype(float)
    for column, default in (("moq", 1), ("case_pack", 1)):
        value = pd.to_numeric(terms[column], errors="coerce") if column in terms.columns else pd.Series(np.nan, index=terms.index)
        terms[column] = value.fillna(default).clip(lower=1).astype(int)
    for column in ("unit_cost", "price"):  # unknown: 0 (allocation.value_weights then takes the median)
        value = terms[column] if column in terms.columns else pd.Series(np.nan, index=terms.index)
        terms[column] = pd.to_numeric(value, errors="coerce").fillna(0.0).astype(float)
    if "supplier" not in terms.columns:
        terms["supplier"] = ""
    fulfillment = terms["fulfillment"] if "fulfillment" in terms.columns else pd.Series("own", index=terms.index)
    terms["location"] = fulfillment.fillna("own").astype(str).str.strip().str.lower()
    status = terms["status"] if "status" in terms.columns else pd.Series("active", index=terms.index)
    terms["status"] = status.fillna("active").astype(str).str.lower()
    if "name" not in terms.columns:
        terms["name"] = terms["sku"]
    is_fbt = terms["location"].eq("fbt")
    terms["transit_days"] = terms["transit_days"].where(is_fbt, 0.0)
    terms["receiving_days"] = np.where(is_fbt, float(settings.fbt_receiving_days), 0.0)
    return terms.drop(columns=[c for c in terms.columns if c.endswith("_supplier")]).reset_index(drop=True)


#: the deliveries a supplier's stated lead time (or the shop default) counts as when measured ones are
#: blended in: one late delivery moves a 21-day term by a quarter of its delay, a dozen outweigh the word
STATED_AS_DELIVERIES = 3.0


def measured_supplier_terms(suppliers: pd.DataFrame | None, deliveries: pd.DataFrame, default_days: float,
                            default_sd_days: float) -> pd.DataFrame:
    """suppliers.csv's rows with each supplier's lead time and its spread moved toward its deliveries'.

    ``deliveries``: supplier, lead_time_days (ordered to received), one row per delivery. With n of
    them (mean m, variance v) and the stated term L, sd S (else the shop defaults), counted as
    k = STATED_AS_DELIVERIES deliveries (a normal prior of k observations on the mean, Gelman et al.,
    Bayesian Data Analysis, 3rd ed., sec. 2.5; the variance pooled the same way):
        lead_time = (n m + k L) / (n + k),   sd^2 = (n v + k S^2) / (n + k).
    A supplier with deliveries but no row gets one; ``lead_time_source`` says where each term comes from.
    A measured supplier's min / max range gives way to normal(lead_time, sd), its stated spread read
    from the range as (max - min) / 4.9 (the sd of a triangular(min, mode, max)): a range kept with the
    blended term as its mode would hold the draws inside the stated range, so a supplier 8 days late on
    a 25-45 day range would be planned at 38 days, not 43.

    >>> suppliers = pd.DataFrame({"supplier": ["A", "B"], "lead_time_days": [20.0, 10.0], "lead_time_sd_days": [2.0, 1.0]})
    >>> deliveries = pd.DataFrame({"supplier": ["A"] * 3, "lead_time_days": [30.0, 30.0, 30.0]})
    >>> measured_supplier_terms(suppliers, deliveries, 21, 4)[["supplier", "lead_time_days", "lead_time_sd_days"]].values.tolist()
    [['A', 25.0, 1.4142135623730951], ['B', 10.0, 1.0]]
    """
    frame = (suppliers.copy() if suppliers is not None and len(suppliers) else pd.DataFrame({"supplier": pd.Series(dtype=str)}))
    frame["supplier"] = frame["supplier"].astype(str)
    frame["lead_time_source"] = "stated"
    measured = deliveries.dropna(subset=["lead_time_days"])
    measured = measured[measured["lead_time_days"] >= 0].groupby(measured["supplier"].astype(str))["lead_time_days"]
    stats = pd.DataFrame({"n": measured.size(), "mean": measured.mean(), "var": measured.var(ddof=0)})
    if stats.empty:
        return frame
    missing = sorted(set(stats.index) - set(frame["supplier"]))
    if missing:
        frame = pd.concat([frame, pd.DataFrame({"supplier": missing, "lead_time_source": "stated"})], ignore_index=True)
    for column in ("lead_time_days", "lead_time_sd_days", "lead_time_min_days", "lead_time_max_days"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float) if column in frame.columns else np.nan
    row = frame["supplier"].isin(stats.index).to_numpy()
    own = stats.reindex(frame.loc[row, "supplier"])
    n, k = own["n"].to_numpy(float), STATED_AS_DELIVERIES
    stated = frame.loc[row, "lead_time_days"].fillna(default_days).to_numpy(float)
    ranged = (frame.loc[row, "lead_time_max_days"] - frame.loc[row, "lead_time_min_days"]) / TRIANGULAR_RANGE_PER_SD
    stated_sd = frame.loc[row, "lead_time_sd_days"].fillna(ranged.where(ranged > 0)).fillna(default_sd_days).to_numpy(float)
    frame.loc[row, "lead_time_days"] = (n * own["mean"].to_numpy() + k * stated) / (n + k)
    frame.loc[row, "lead_time_sd_days"] = np.sqrt((n * own["var"].to_numpy() + k * stated_sd**2) / (n + k))
    frame.loc[row, ["lead_time_min_days", "lead_time_max_days"]] = np.nan
    frame.loc[row, "lead_time_source"] = [f"{int(c)} deliveries (mean {m:.1f} days) and the stated {t:.0f}"
                                          for c, m, t in zip(n, own["mean"], stated)]
    return frame


#: a lead-time range (max - min) per sd of the triangular(min, mode, max) it describes (about 4.9 for a
#: symmetric one: sd = (max - min) / sqrt(24)); the replay reads a range's spread the same way
TRIANGULAR_RANGE_PER_SD = 4.9

#: the columns of a purchase-order receipt as `restock receive` records it (table po_receipts, with the
#: PO's supplier); the replay records its deliveries in them too
RECEIPT_COLUMNS = ("po_number", "sku", "supplier", "ordered_at", "expected_arrival", "received_at",
                   "ordered_quantity", "received_quantity")


def receipt_lead_times(receipts: pd.DataFrame) -> pd.DataFrame:
    """Receipts (RECEIPT_COLUMNS) with the days from placing the order to receiving it
    (``lead_time_days``) and how late against the expected arrival (``days_late``).

    >>> receipts = pd.DataFrame({"po_number": ["P1"], "sku": ["A"], "supplier": ["S"], "ordered_at": ["2026-10-01"],
    ...                          "expected_arrival": ["2026-10-11"], "received_at": ["2026-10-19"],
    ...                          "ordered_quantity": [12.0], "received_quantity": [12.0]})
    >>> receipt_lead_times(receipts)[["lead_time_days", "days_late"]].values.tolist()
    [[18, 8]]
    """
    day = {c: pd.to_datetime(receipts[c]).dt.normalize() for c in ("ordered_at", "expected_arrival", "received_at")}
    return receipts.assign(lead_time_days=(day["received_at"] - day["ordered_at"]).dt.days.astype("Int64"),
                           days_late=(day["received_at"] - day["expected_arrival"]).dt.days.astype("Int64"))


def suppliers_with_receipts(suppliers: pd.DataFrame | None, receipts: pd.DataFrame, default_days: float,
                            default_sd_days: float) -> pd.DataFrame | None:
    """suppliers.csv's terms moved toward the lead times of the deliveries ``receipts`` record
    (RECEIPT_COLUMNS; one delivery per PO and day received, whatever its lines), by
    measured_supplier_terms; ``suppliers`` as it is when nothing was received. `restock plan` (Shop.inputs,
    from po_receipts) and the replay (from the deliveries it received) both measure through here."""
    if receipts is None or receipts.empty:
        return suppliers
    return measured_supplier_terms(suppliers, receipt_deliveries(receipts), default_days, default_sd_days)


def receipt_deliveries(receipts: pd.DataFrame) -> pd.DataFrame:
    """The deliveries ``receipts`` (RECEIPT_COLUMNS) record: one per PO and day received, whatever its
    lines, with float ``lead_time_days`` and ``days_late`` (receipt_lead_times) and ``supplier`` as text."""
    deliveries = receipt_lead_times(receipts).drop_duplicates(["po_number", "received_at"])
    return deliveries.assign(supplier=deliveries["supplier"].astype(str),
                             lead_time_days=deliveries["lead_time_days"].astype(float),
                             days_late=deliveries["days_late"].astype(float))


def supplier_deliveries(receipts: pd.DataFrame, stated: pd.DataFrame | None, planned: pd.DataFrame | None,
                        default_days: float) -> pd.DataFrame:
    """Per supplier with deliveries: what it said against what it did, for the buyer (the report's
    supplier page). ``receipts``: RECEIPT_COLUMNS, one row per PO line received; ``stated``: suppliers.csv
    as written; ``planned``: the terms the plan uses (suppliers_with_receipts). One delivery per PO and
    day received, as suppliers_with_receipts counts them. Columns: supplier, deliveries, stated_days
    (suppliers.csv, else the shop default), measured_days (mean ordered -> received), measured_sd_days,
    on_time (share received on or before the expected day), mean_delay_days (days after the expected
    day, early deliveries counting as 0), planned_days.

    >>> receipts = pd.DataFrame({"po_number": ["P1", "P2"], "sku": ["A", "A"], "supplier": ["S", "S"],
    ...     "ordered_at": ["2026-10-01", "2026-10-08"], "expected_arrival": ["2026-10-11", "2026-10-18"],
    ...     "received_at": ["2026-10-19", "2026-10-17"], "ordered_quantity": [12.0, 6.0], "received_quantity": [12.0, 6.0]})
    >>> stated = pd.DataFrame({"supplier": ["S"], "lead_time_days": [10.0]})
    >>> row = supplier_deliveries(receipts, stated, suppliers_with_receipts(stated, receipts, 21, 4), 21).iloc[0]
    >>> row[["deliveries", "stated_days", "measured_days", "on_time", "mean_delay_days", "planned_days"]].astype(float).tolist()
    [2.0, 10.0, 13.5, 0.5, 4.0, 11.4]
    """
    columns = ["supplier", "deliveries", "stated_days", "measured_days", "measured_sd_days", "on_time",
               "mean_delay_days", "planned_days"]
    if receipts is None or receipts.empty:
        return pd.DataFrame(columns=columns)
    deliveries = receipt_deliveries(receipts)
    deliveries = deliveries.assign(on_time=(deliveries["days_late"] <= 0).astype(float),
                                   delay=deliveries["days_late"].clip(lower=0))
    by = deliveries.groupby("supplier", sort=True)
    out = pd.DataFrame({"deliveries": by.size(), "measured_days": by["lead_time_days"].mean(),
                        "measured_sd_days": by["lead_time_days"].std(ddof=0), "on_time": by["on_time"].mean(),
                        "mean_delay_days": by["delay"].mean()})

    def term(frame: pd.DataFrame | None) -> pd.Series:
        if frame is None or frame.empty or "lead_time_days" not in frame.columns:
            return pd.Series(dtype=float)
        return pd.to_numeric(frame.set_index(frame["supplier"].astype(str))["lead_time_days"], errors="coerce")

    out["stated_days"] = term(stated).reindex(out.index).fillna(float(default_days)).to_numpy(float)
    out["planned_days"] = term(planned).reindex(out.index).round(1).to_numpy(float)
    return out.reset_index(names="supplier")[columns]


def measured_receiving_days(days: np.ndarray, stated: float) -> tuple[float, str]:
    """FBT's receiving time (days from a request's arrival to its receipt) moved from the ``stated``
    one toward the measured ``days``, the stated counting as STATED_AS_DELIVERIES requests (the same
    normal prior as measured_supplier_terms), and words saying where it comes from.

    >>> measured_receiving_days(np.array([8.0, 9.0, 10.0]), 5)
    (7.0, '3 received requests (mean 9.0 days) and the stated 5')
    >>> measured_receiving_days(np.array([]), 5)
    (5.0, 'stated')
    """
    days = np.asarray(days, dtype=float)
    days = days[np.isfinite(days) & (days >= 0)]
    if days.size == 0:
        return float(stated), "stated"
    n, k = days.size, STATED_AS_DELIVERIES
    blended = (n * days.mean() + k * float(stated)) / (n + k)
    return float(blended), f"{n} received requests (mean {days.mean():.1f} days) and the stated {float(stated):g}"


def sample_lead_times(terms: pd.DataFrame, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Whole-day supplier lead times per SKU and path (n_sku, n_paths): triangular(min, mean, max) when a
    min/max is given, else normal(mean, sd) rounded, at least 1 day."""
    mean = terms["lead_time_days"].to_numpy(float)[:, None]
    sd = terms["lead_time_sd_days"].to_numpy(float)[:, None]
    shape = (len(terms), n_paths)
    draws = mean + sd * rng.standard_normal(shape)
    has_range, lo, mode, hi = _lead_time_range(terms)
    if has_range.any():
        triangular = _triangular_inverse(rng.random(shape), lo[:, None], mode[:, None], hi[:, None])
        draws = np.where(has_range[:, None], triangular, draws)
    return np.maximum(np.rint(draws), 1).astype(int)


def lead_time_quantile(terms: pd.DataFrame, q: float) -> np.ndarray:
    """Supplier lead time (days) per SKU at quantile ``q`` of the distribution sample_lead_times draws
    from: triangular(min, mean, max) when a min/max is given, else normal(mean, sd).

    >>> terms = pd.DataFrame({"lead_time_days": [14.0, 20.0], "lead_time_sd_days": [2.0, 0.0],
    ...                       "lead_time_min_days": [np.nan, 10.0], "lead_time_max_days": [np.nan, 40.0]})
    >>> lead_time_quantile(terms, 0.9).round(2).tolist()
    [16.56, 32.25]
    """
    mean = terms["lead_time_days"].to_numpy(float)
    normal = mean + terms["lead_time_sd_days"].to_numpy(float) * NormalDist().inv_cdf(q)
    has_range, lo, mode, hi = _lead_time_range(terms)
    return np.where(has_range, _triangular_inverse(np.full(len(terms), q), lo, mode, hi), normal)


def _lead_time_range(terms: pd.DataFrame):
    """Which SKUs give a lead-time min/max, and their (min, mode, max); mode = the mean, inside the range."""
    low = terms["lead_time_min_days"].to_numpy(float)
    high = terms["lead_time_max_days"].to_numpy(float)
    has_range = np.isfinite(low) & np.isfinite(high) & (high > low)
    lo, hi = np.where(has_range, low, 0.0), np.where(has_range, high, 1.0)
    return has_range, lo, np.clip(terms["lead_time_days"].to_numpy(float), lo, hi), hi


def _triangular_inverse(u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution (lo, mode, hi) at ``u``."""
    cut = (mode - lo) / (hi - lo)
    return np.where(u < cut, lo + np.sqrt(u * (hi - lo) * (mode - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))


def campaign_order_by_date(campaign_start, lead_time_days, transit_days=0.0, receiving_days=0.0,
                           receiving_buffer_days=0.0):
    """Last day to order a campaign's stock so it is in place in time (scalars, or arrays per row):

    order_by = start day - ceil(supplier lead time + transit + receiving (FBT) + receiving buffer)

    >>> campaign_order_by_date(pd.Timestamp("2026-12-15 20:00"), 30, 3, 5, 2)
    Timestamp('2026-11-05 00:00:00')
    """
    days = np.ceil(np.asarray(lead_time_days, dtype=float) + np.asarray(transit_days, dtype=float)
                   + np.asarray(receiving_days, dtype=float) + float(receiving_buffer_days))
    if np.ndim(days) == 0 and np.ndim(campaign_start) == 0:
        return pd.Timestamp(campaign_start).normalize() - pd.Timedelta(days=float(days))
    starts = pd.DatetimeIndex(pd.to_datetime(campaign_start)).normalize()
    return pd.Series(starts - pd.to_timedelta(np.broadcast_to(days, (len(starts),)), unit="D"))


#: a campaign floor reaches over the days an order covers with the supplier's lead time at this
#: quantile: a campaign the order reaches only when the supplier is late is still one it must cover
#: (the order before it was planned on the days up to its own mean arrival)
CAMPAIGN_REACH_QUANTILE = 0.9


def fixed_days(terms: pd.DataFrame) -> np.ndarray:
    """Whole days of transit and (FBT) receiving after the supplier's lead time, per SKU (supply_terms)."""
    return (terms["transit_days"] + terms["receiving_days"]).round().astype(int).to_numpy()


def campaign_reach_days(terms: pd.DataFrame, review_days: int) -> np.ndarray:
    """Days from an order to the end of the window a campaign floor looks at, per SKU: the supplier lead
    time at CAMPAIGN_REACH_QUANTILE (rounded up) + transit and receiving (fixed_days) + the review."""
    lead = lead_time_quantile(terms, CAMPAIGN_REACH_QUANTILE)
    return np.ceil(np.maximum(lead, 1.0)).astype(int) + fixed_days(terms) + int(review_days)


@dataclass(frozen=True)
class LeadTimes:
    """Per plan SKU: the lead times the plan reads demand over.

    supplier   (n, n_paths) whole-day supplier lead time drawn per path (sample_lead_times)
    fixed      (n,) whole days of transit + (FBT) receiving after it (fixed_days)
    lead_days  (n, n_paths) supplier + fixed, at most the horizon
    cycle_days (n, n_paths) lead_days + the review period, at most the horizon
    mean       (n,) mean supplier lead time + fixed (plan.csv's lead_time_days)
    window_end (n,) the end of the regular order's window in days from today (mean lead + review)
    reach_end  (n,) the days a campaign floor looks at: window_end, or the lead time at its
               CAMPAIGN_REACH_QUANTILE + fixed + review if later (campaign_reach_days)
    """

    supplier: np.ndarray
    fixed: np.ndarray
    lead_days: np.ndarray
    cycle_days: np.ndarray
    mean: np.ndarray
    window_end: np.ndarray
    reach_end: np.ndarray


def draw_lead_times(terms: pd.DataFrame, n_paths: int, horizon: int, review_days: int,
                    rng: np.random.Generator) -> LeadTimes:
    """The LeadTimes of the SKUs of ``terms`` over ``n_paths`` paths of ``horizon`` days."""
    fixed = fixed_days(terms)
    supplier = sample_lead_times(terms, n_paths, rng)
    lead_days = np.minimum(supplier + fixed[:, None], horizon)
    cycle_days = np.minimum(lead_days + review_days, horizon)
    window_end = np.ceil(lead_days.mean(axis=1)).astype(int) + review_days
    return LeadTimes(supplier=supplier, fixed=fixed, lead_days=lead_days, cycle_days=cycle_days,
                     mean=terms["lead_time_days"].to_numpy() + fixed, window_end=window_end,
                     reach_end=np.maximum(campaign_reach_days(terms, review_days), window_end))


def planned_terms(products: pd.DataFrame, suppliers: pd.DataFrame | None, bundles: pd.DataFrame | None,
                  settings: PlanSettings) -> pd.DataFrame:
    """supply_terms of the products the plan orders: not discontinued, not a bundle (a kit's demand is
    planned on its components)."""
    terms = supply_terms(products, suppliers, settings)
    bundle_skus = set() if bundles is None or len(bundles) == 0 else set(bundles["bundle_sku"].astype(str))
    return terms[terms["status"].ne("discontinued") & ~terms["sku"].isin(bundle_skus)].reset_index(drop=True)
