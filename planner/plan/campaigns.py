"""Stage 3 of the plan: the campaign calendar as the plan reads it, and bundles moved onto components.

The expanded calendar (one row per campaign and featured SKU, planner.io.inputs.expand_campaigns) becomes
day indices from today (``start_day``, ``end_day`` inclusive), the SKU's row ``i`` and the campaign's
order-by date (planner.plan.terms.campaign_order_by_date); campaigns that ended or start beyond the paths
are left out. A campaign's ``uplift`` is what the forecast expects beyond the SKU's campaign-free days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.features import campaign_last_day
from forecast.models.base import SamplePaths
from planner.io.inputs import Inputs, expand_campaigns, expand_events
from planner.plan.settings import PlanSettings
from planner.plan.terms import campaign_order_by_date

def explode_bundles(paths: SamplePaths, bundles: pd.DataFrame | None) -> SamplePaths:
    """Demand paths with every bundle's demand moved onto its components (times the kit quantity)."""
    if bundles is None or len(bundles) == 0:
        return paths
    skus = [str(s) for s in paths.skus]
    bundle_skus = set(bundles["bundle_sku"].astype(str))
    components = sorted(set(bundles["component_sku"].astype(str)) - set(skus))
    keep = [s for s in skus if s not in bundle_skus]
    out_skus = keep + components
    index = {s: i for i, s in enumerate(out_skus)}
    values = np.zeros((len(out_skus),) + paths.values.shape[1:], dtype=np.float32)
    source = {s: i for i, s in enumerate(skus)}
    for i, s in enumerate(keep):
        values[i] = paths.values[source[s]]
    for row in bundles.itertuples(index=False):
        bundle, component = str(row.bundle_sku), str(row.component_sku)
        if bundle in source and component in index:
            values[index[component]] += paths.values[source[bundle]] * float(row.quantity)
    return SamplePaths(skus=np.array(out_skus, dtype=object), start=paths.start, values=values)


CAMPAIGN_ROW_COLUMNS = ("campaign_id", "type", "start", "end", "sku")


def checked_calendar(campaigns: pd.DataFrame | None) -> pd.DataFrame:
    """The expanded calendar make_plan reads: one row per campaign and featured SKU (campaign_id, type,
    start, end, sku, and optionally location: where its stock must be), as
    planner.io.inputs.expand_campaigns makes it. Checked here; the caller's frame is not modified."""
    columns = [*CAMPAIGN_ROW_COLUMNS, "location"]
    if campaigns is None or len(campaigns) == 0:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in ("start", "end") else "object") for c in columns})
    missing = [c for c in CAMPAIGN_ROW_COLUMNS if c not in campaigns.columns]
    if missing:
        raise ValueError(f"campaigns: missing column(s) {missing}; make_plan takes one row per campaign and SKU "
                         f"(planner.io.inputs.expand_campaigns); found {list(campaigns.columns)}")
    frame = campaigns.assign(
        start=pd.to_datetime(campaigns["start"]), end=pd.to_datetime(campaigns["end"]),
        sku=campaigns["sku"].astype(str),
        location=campaigns["location"] if "location" in campaigns.columns else None,
    )
    return frame[columns].reset_index(drop=True)


def plan_campaigns(campaigns: pd.DataFrame | None, terms: pd.DataFrame, today: pd.Timestamp, horizon: int,
                   settings: PlanSettings) -> pd.DataFrame:
    """The campaigns that reach the plan's days: checked_calendar of the plan's SKUs that have not ended and
    start within ``horizon`` days, with the SKU's row ``i``, ``start_day``, ``end_day`` (inclusive, days
    from today, at least 0) and ``order_by``."""
    skus = terms["sku"].tolist()
    camp = checked_calendar(campaigns)
    camp = camp[camp["sku"].isin(skus) & (camp["end"] >= today)].copy()
    camp["i"] = camp["sku"].map({s: i for i, s in enumerate(skus)})
    camp["start_day"] = (camp["start"].dt.normalize() - today).dt.days.clip(lower=0)
    camp["end_day"] = (campaign_last_day(camp["start"], camp["end"]) - today).dt.days.clip(lower=0)  # inclusive
    camp = camp[camp["start_day"] < horizon].reset_index(drop=True)  # later ones are beyond every window
    at = camp["i"].to_numpy(int)
    camp["order_by"] = campaign_order_by_date(
        camp["start"], terms["lead_time_days"].to_numpy()[at], terms["transit_days"].to_numpy()[at],
        terms["receiving_days"].to_numpy()[at], settings.receiving_buffer_days).to_numpy()
    return camp


def campaign_uplift(camp: pd.DataFrame, running: np.ndarray, baseline: np.ndarray, horizon: int) -> np.ndarray:
    """Expected units beyond each campaign SKU's campaign-free baseline (baseline_daily) over the
    campaign's days, from the running totals of the mean daily demand (n, days + 1)."""
    at = camp["i"].to_numpy(int)
    start_day, end_day = camp["start_day"].to_numpy(int), camp["end_day"].to_numpy(int)
    return (running[at, np.minimum(end_day + 1, horizon)] - running[at, start_day]
            - baseline[at] * (end_day - start_day + 1))


def campaigns_by_sku(camp: pd.DataFrame) -> dict[int, list[dict]]:
    """The campaign rows of each SKU row, as records."""
    of: dict[int, list[dict]] = {}
    for record in records(camp):
        of.setdefault(record["i"], []).append(record)
    return of


def baseline_daily(daily_mean: np.ndarray, camp: pd.DataFrame, horizon: int) -> np.ndarray:
    """Mean daily demand on days without a campaign for the SKU (all days if every day has one)."""
    # +1 where a campaign starts, -1 the day after it ends: a running sum > 0 is a campaign day
    edges = np.zeros((daily_mean.shape[0], horizon + 1), dtype=int)
    at = camp["i"].to_numpy(int)
    np.add.at(edges, (at, np.minimum(camp["start_day"].to_numpy(int), horizon)), 1)
    np.add.at(edges, (at, np.minimum(camp["end_day"].to_numpy(int) + 1, horizon)), -1)
    mask = np.cumsum(edges, axis=1)[:, :horizon] <= 0
    counts = mask.sum(axis=1)
    sums = np.where(mask, daily_mean, 0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), daily_mean.mean(axis=1))


def records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")`` with text columns as Python strings first: boxing Arrow strings one
    cell at a time took seconds at 10,000 SKUs."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype) and frame[c].dtype != object]
    return frame.astype({c: object for c in text}).to_dict("records") if text else frame.to_dict("records")


def campaign_rows(inputs: Inputs, history: pd.DataFrame) -> pd.DataFrame:
    """The calendar expanded to one row per campaign and SKU, with where its stock must be."""
    expanded = expand_campaigns(inputs.campaigns, inputs.products, sorted(history["sku"].unique()))
    by_id = inputs.campaigns.set_index("campaign_id")
    expanded["location"] = expanded["campaign_id"].map(by_id["location"]) if len(expanded) else None
    return expanded


def event_rows(inputs: Inputs, history: pd.DataFrame) -> pd.DataFrame | None:
    """events.csv as the forecast contract's events frame (scopes expanded), or None without events."""
    if inputs.events is None or len(inputs.events) == 0:
        return None
    return expand_events(inputs.events, inputs.products, sorted(history["sku"].unique()))
