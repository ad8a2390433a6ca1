"""A shop's own history replayed: ``shop_replay`` turns it into a Replay (demand, costs, lead times,
campaigns; SKUs it cannot judge left out with the reason), and ``simulate_shop`` runs the planner and the
sellers' policies on it, one row per policy and segment (`restock simulate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from planner.errors import RestockError
from planner.io.inputs import Inputs, expand_campaigns
from planner.plan import PlanSettings, supply_terms
from planner.plan.terms import RECEIPT_COLUMNS, TRIANGULAR_RANGE_PER_SD
from planner.simulate.policies import CoverPolicy, MinMaxPolicy, PlannerPolicy, TextbookPolicy
from planner.simulate.replay import Outcome, Replay, abc_classes, campaign_day_mask, simulate

MIN_HISTORY_DAYS = 90  # the replay starts after at least this much history
MIN_REPLAY_DAYS = 28  # ... and replays at least this much
ESTABLISHED_WINDOW_DAYS = 180  # a SKU is replayed when it sold on ESTABLISHED_SELLING_DAYS of the
ESTABLISHED_SELLING_DAYS = 20  # last ESTABLISHED_WINDOW_DAYS days before the replay start (or all of them if fewer)


class ShortHistory(RestockError):
    """The history is too short to replay, or no SKU has enough of it."""

    exit_code = 3


def shop_replay(history: pd.DataFrame, inputs: Inputs, settings: PlanSettings, start_days: int | None = None,
                seed: int = 0, receipts: pd.DataFrame | None = None) -> Replay:
    """A shop's own history as a Replay: its observed daily demand, its costs, suppliers and campaigns.

    Parameters
    ----------
    history : sku, date, units, censored (planner.pipeline.load_history). A ``censored`` day is a
        stockout day: what sold understates demand. Those flags go into ``Replay.censored``; before the
        replay start the policies see them as their own stockouts (the planner's model treats them as
        unknown demand, its calibration skips them); inside the replay the demand of such a day is what
        sold, a lower bound, so every policy's fill rate there is measured against too little demand.
    inputs : planner.io.inputs.Inputs (products, suppliers, bundles, campaigns are used).
    settings : PlanSettings (FBT receiving days, default lead time, review period).
    start_days : days of history before the first replayed day; default half the history. At least
        MIN_HISTORY_DAYS (90), and MIN_REPLAY_DAYS (28) must remain to replay, else ShortHistory.
    seed : seed of the replay's lead-time draws.
    receipts : the shop's purchase-order receipts (planner.plan.terms.RECEIPT_COLUMNS, e.g.
        planner.approve.recorded_receipts); those received before the replay's first day are its
        warm-up (Replay.receipts), the plan measures its suppliers from them and from the replay's own
        deliveries. Give ``inputs`` the stated supplier terms then, not terms already measured from them.

    The replay:

    * demand: units per SKU and day over the calendar of the history, days without a row 0; a bundle's
      units move onto its components (times the kit quantity), and a component's day is censored when
      a kit holding it ran out;
    * unit value = unit cost (price where the cost is unknown), margin = price - unit cost;
    * lead time = the product's, else its supplier's, else the shop default (planner.plan.supply_terms),
      plus transit and FBT receiving days for FBT SKUs; its spread = the sd, or (max - min) / 4.9 when a
      min/max range is given (the sd of a triangular(min, mean, max)); ``supplier``: whose term it is
      (_supplier_routes);
    * MOQ and case pack as the plan rounds orders;
    * campaigns expanded to one row per featured SKU (planner.io.inputs.expand_campaigns); a kit's
      campaign features its components too, and ``campaign_days`` marks the featured days (not ads).

    SKUs left out, with the reason in ``Replay.excluded`` (sku, reason, selling_days): bundles (their
    demand is on their components), SKUs not in products.csv (no cost, no lead time), discontinued
    products, and SKUs that sold on fewer than ESTABLISHED_SELLING_DAYS of the last
    ESTABLISHED_WINDOW_DAYS days before the start (launches and dead stock: a policy cannot be judged on
    a SKU it had no history to plan).
    """
    if inputs.products is None or inputs.products.empty:
        raise RestockError("products.csv is empty: the replay needs each SKU's cost, supplier and lead time "
                           "(see docs/inputs.md)")
    if history.empty:
        raise ShortHistory("the history is empty: import order files first")
    frame = history.assign(sku=history["sku"].astype(str), date=pd.to_datetime(history["date"]).dt.normalize())
    if "censored" not in frame.columns:
        frame["censored"] = False
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq="D")
    start = _replay_start(dates, start_days)
    products = inputs.products.assign(sku=inputs.products["sku"].astype(str))
    days = _shop_days(frame, dates, products, inputs.bundles)
    keep, excluded = _replayed_skus(days, products, dates, start)
    rows = [days.index[s] for s in keep]
    terms = _replay_terms(products, inputs.suppliers, settings, keep)
    campaigns = _replay_campaigns(inputs.campaigns, products, days.skus, days.kits, keep)
    replay_skus = np.array(keep, dtype=object)
    return Replay(
        skus=replay_skus, dates=dates, demand=days.demand[rows], **terms,
        campaigns=campaigns, campaign_days=campaign_day_mask(campaigns, replay_skus, dates), start=start,
        review_period_days=int(settings.review_period_days), seed=seed, censored=days.stockout[rows], excluded=excluded,
        receipts=_past_receipts(receipts, dict(zip(keep, terms["supplier"])), dates[start]),
    )


def _past_receipts(receipts: pd.DataFrame | None, route: dict[str, str], first_day: pd.Timestamp) -> pd.DataFrame | None:
    """The receipts received before the replay's first day, each under its SKU's supplier in the replay
    (_supplier_routes); None when there are none."""
    if receipts is None or receipts.empty:
        return None
    past = receipts[pd.to_datetime(receipts["received_at"]) < first_day]
    past = past.assign(supplier=past["sku"].astype(str).map(route).fillna(past["supplier"]))
    return past[list(RECEIPT_COLUMNS)].reset_index(drop=True) if len(past) else None


def _replay_start(dates: pd.DatetimeIndex, start_days: int | None) -> int:
    """The first replayed day: ``start_days``, else half the history and at least MIN_HISTORY_DAYS;
    ShortHistory when too little history lies before it or too little remains to replay."""
    n_days = len(dates)
    start = max(n_days // 2, MIN_HISTORY_DAYS) if start_days is None else int(start_days)
    if start < MIN_HISTORY_DAYS or n_days - start < MIN_REPLAY_DAYS:
        raise ShortHistory(f"{n_days} days of history ({dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}) cannot replay from day "
                           f"{start}: the replay needs at least {MIN_HISTORY_DAYS} days of history before it and "
                           f"{MIN_REPLAY_DAYS} days to replay")
    return start


@dataclass(frozen=True)
class _ShopDays:
    """Every SKU of the history and of products.csv (``skus``, their rows in ``index``) with its daily
    demand and stockout flags (n_sku, n_days), kits moved onto their components (``kits``: components
    per bundle)."""

    skus: list[str]
    index: dict[str, int]
    demand: np.ndarray
    stockout: np.ndarray
    kits: dict[str, list[str]]


def _shop_days(frame: pd.DataFrame, dates: pd.DatetimeIndex, products: pd.DataFrame,
               bundles: pd.DataFrame | None) -> _ShopDays:
    """The history as daily arrays over ``dates``, days without a row 0; a bundle's units move onto its
    components (times the kit quantity), and a component's day is censored when a kit holding it ran out."""
    n_days = len(dates)
    wide = frame.pivot_table(index="sku", columns="date", values=["units", "censored"], aggfunc="sum", fill_value=0)
    units = wide["units"].reindex(columns=dates, fill_value=0).astype(float)
    censored = wide["censored"].reindex(columns=dates, fill_value=0).to_numpy() > 0
    if bundles is None or "bundle_sku" not in bundles.columns:
        bundles = pd.DataFrame(columns=["bundle_sku", "component_sku", "quantity"])
    skus = list(dict.fromkeys([*units.index, *products["sku"]]))
    index = {s: i for i, s in enumerate(skus)}
    demand = np.zeros((len(skus), n_days))
    stockout = np.zeros((len(skus), n_days), dtype=bool)
    rows = [index[s] for s in units.index]
    demand[rows], stockout[rows] = units.to_numpy(), censored
    kits = {str(b): [] for b in bundles["bundle_sku"]}
    for row in bundles.itertuples(index=False):
        kit, component = index.get(str(row.bundle_sku)), index.get(str(row.component_sku))
        kits[str(row.bundle_sku)].append(str(row.component_sku))
        if kit is not None and component is not None:
            demand[component] += demand[kit] * float(row.quantity)
            stockout[component] |= stockout[kit]
    return _ShopDays(skus, index, demand, stockout, kits)


def _replayed_skus(days: _ShopDays, products: pd.DataFrame, dates: pd.DatetimeIndex,
                   start: int) -> tuple[list[str], pd.DataFrame]:
    """The SKUs to replay, and those left out with the reason (sku, reason, selling_days; shop_replay's
    docstring); ShortHistory when none is left."""
    window = min(ESTABLISHED_WINDOW_DAYS, start)
    selling_days = (days.demand[:, start - window:start] > 0).sum(axis=1)
    status = products.set_index("sku")["status"].astype(str).str.lower() if "status" in products else pd.Series(dtype=str)
    listed = set(products["sku"])
    reasons = []
    for sku, sold in zip(days.skus, selling_days):
        if sku in days.kits:
            reasons.append("bundle: its demand is counted on its components")
        elif sku not in listed:
            reasons.append("not in products.csv: no cost or lead time")
        elif status.get(sku, "active") == "discontinued":
            reasons.append("discontinued")
        elif sold < ESTABLISHED_SELLING_DAYS:
            reasons.append(f"sold on {sold} of the {window} days before the replay start "
                           f"(fewer than {ESTABLISHED_SELLING_DAYS})")
        else:
            reasons.append("")
    keep = [s for s, why in zip(days.skus, reasons) if not why]
    excluded = pd.DataFrame({"sku": days.skus, "reason": reasons, "selling_days": selling_days})
    excluded = excluded[excluded["reason"] != ""].reset_index(drop=True)
    if not keep:
        raise ShortHistory(f"no SKU sold on {ESTABLISHED_SELLING_DAYS} of the {window} days before the replay start "
                           f"({dates[start]:%Y-%m-%d}); nothing to replay")
    return keep, excluded


def _replay_terms(products: pd.DataFrame, suppliers: pd.DataFrame | None, settings: PlanSettings,
                  keep: list[str]) -> dict[str, np.ndarray]:
    """Replay fields of the ``keep`` SKUs: unit value, margin, lead time and its spread, MOQ, case pack."""
    terms = supply_terms(products, suppliers, settings).drop_duplicates("sku").set_index("sku").loc[keep]
    stated = products.drop_duplicates("sku").set_index("sku").reindex(keep)
    own = (pd.to_numeric(stated["lead_time_days"], errors="coerce").notna() if "lead_time_days" in stated
           else pd.Series(False, index=terms.index))
    low, high = terms["lead_time_min_days"], terms["lead_time_max_days"]
    # a min/max range as a spread: the sd of a triangular(min, mean, max) is about (max - min) / 4.9
    spread = terms["lead_time_sd_days"].where(~(low.notna() & high.notna()), (high - low) / TRIANGULAR_RANGE_PER_SD)
    lead = terms["lead_time_days"] + terms["transit_days"] + terms["receiving_days"]
    cost, price = terms["unit_cost"].to_numpy(float), terms["price"].to_numpy(float)
    spread = spread.fillna(0)
    return {"unit_value": np.where(cost > 0, cost, price), "margin": price - cost, "lead_time_days": lead.to_numpy(float),
            "lead_time_sd_days": spread.to_numpy(float), "moq": terms["moq"].to_numpy(int),
            "case_pack": terms["case_pack"].to_numpy(int),
            "supplier": _supplier_routes(terms["supplier"], lead, spread, own.to_numpy()), "own_lead_time": own.to_numpy()}


def _supplier_routes(supplier: pd.Series, lead: pd.Series, spread: pd.Series, own: np.ndarray) -> np.ndarray:
    """Replay.supplier per SKU: its supplier, or, where the supplier's SKUs differ in lead time (FBT's
    transit and receiving), the supplier and the term, e.g. "GZ Cosmetics, 38 +- 6 d": the replay holds
    stock at one place, so each such route is measured on its own deliveries. A product with its own
    lead time (``own``), which the measured supplier terms do not move, is a route of its own ("..., own
    term"), so its deliveries do not move its supplier's either."""
    name = supplier.fillna("").astype(str).str.strip().replace("", "(no supplier)")
    term = (lead.round(2).astype(str) + "/" + spread.round(2).astype(str)).where(~own)
    mixed = term.groupby(name.to_numpy()).transform("nunique").to_numpy() > 1
    route = np.where(mixed, name + ", " + lead.map("{:g}".format) + " +- " + spread.map("{:.2g}".format) + " d", name)
    return np.where(own, name + ", own term", route).astype(object)


def _replay_campaigns(campaigns: pd.DataFrame | None, products: pd.DataFrame, skus: list[str], kits: dict[str, list[str]],
                      keep: list[str]) -> pd.DataFrame:
    """The calendar, one row per campaign and featured replayed SKU; a featured kit features its components."""
    if campaigns is None or len(campaigns) == 0:
        return None
    expanded = expand_campaigns(campaigns, products, skus)
    via_kits = [expanded[expanded["sku"] == kit].assign(sku=component) for kit, parts in kits.items() for component in parts]
    expanded = pd.concat([expanded, *via_kits], ignore_index=True) if via_kits else expanded
    expanded = expanded[expanded["sku"].isin(set(keep))]
    return expanded.drop_duplicates(["campaign_id", "sku"]).reset_index(drop=True)


SELLER_POLICIES = {"min/max": (MinMaxPolicy, 20.0), "cover": (CoverPolicy, 30.0), "textbook": (TextbookPolicy, 1.65)}
SEGMENTS = ("all", "class A", "class B", "class C", "campaign days")


def review_count(replay: Replay) -> int:
    """Review days of a replay (the units simulate_shop's ``progress`` counts per policy)."""
    return len(range(replay.start, replay.demand.shape[1], replay.review_period_days))


def simulate_shop(replay: Replay, model: str = "campaign", service_level: float | None = None, n_paths: int = 100,
                  policies: tuple[str, ...] = ("planner", "min/max", "cover", "textbook"),
                  service_measure: Literal["cycle", "fill_rate"] = "fill_rate",
                  model_params: dict | None = None, fill_rate_scope: Literal["class", "sku"] = "class",
                  min_sku_service: float = PlanSettings.min_sku_service,
                  campaign_service: float | None = PlanSettings.campaign_service,
                  progress=None) -> pd.DataFrame:
    """Replay the planner and the sellers' policies at their usual knobs on one Replay (lost sales).
    ``progress``: called after every review of every policy (review_count(replay) per policy).

    Parameters
    ----------
    replay : e.g. shop_replay(...).
    model : the planner's forecast model (forecast.models registry name).
    service_level : the planner's target; None: 0.95 (the planner's default; pass the shop's).
    n_paths : forecast sample paths per review.
    policies : any of "planner", "min/max" (20 safety units), "cover" (30 days), "textbook" (z = 1.65).
    model_params : keyword arguments of the model (e.g. ``{"market": "TH"}`` for ``campaign``).
    fill_rate_scope, min_sku_service, campaign_service : as PlanSettings (the shop's planning settings).

    Returns
    -------
    One row per policy and segment (SEGMENTS: all SKUs, each ABC class by margin before the replay,
    the featured SKU-days of campaigns) with: policy, knob, segment, skus, demand_units, fill_rate,
    stockout_share (SKU-days ending with no stock, of SKUs with demand in the replay), stockout_days
    (SKU-days with lost sales), average_units and average_value (end-of-day stock), turns (cost of
    sales / average value, yearly), orders, lost_units, lost_margin. Stock, turns and orders are per
    SKU, so the campaign segment leaves them empty. Each policy runs on the same replay and seed.
    """
    known = ("planner", *SELLER_POLICIES)
    unknown = [p for p in policies if p not in known]
    if unknown:
        raise RestockError(f"unknown polic{'y' if len(unknown) == 1 else 'ies'} {unknown}; known: {list(known)}")
    frames = []
    classes = abc_classes(replay)
    for label in policies:
        if label == "planner":
            knob = 0.95 if service_level is None else float(service_level)
            rule = PlannerPolicy(knob, service_measure=service_measure, model=model, model_params=dict(model_params or {}),
                                 n_paths=n_paths, fill_rate_scope=fill_rate_scope, min_sku_service=min_sku_service,
                                 campaign_service=campaign_service)
        else:
            cls, knob = SELLER_POLICIES[label]
            rule = cls(knob)
        outcome = simulate(replay, rule, knob=knob, progress=progress)
        frames.append(_segment_rows(replay, outcome, classes).assign(policy=label, knob=knob))
    out = pd.concat(frames, ignore_index=True)
    return out[["policy", "knob", *[c for c in out.columns if c not in ("policy", "knob")]]]


def _segment_rows(r: Replay, outcome: Outcome, classes: np.ndarray) -> pd.DataFrame:
    """The outcome's daily arrays cut by segment (SKU rows for all and the classes, SKU-days for campaigns)."""
    served, missed, stock, orders = (outcome.daily[k] for k in ("sales", "lost", "stock", "orders"))
    demand = served + missed
    days = served.shape[1]
    featured = r.campaign_days[:, r.start:]
    rows = []
    for segment in SEGMENTS:
        if segment == "campaign days":
            cells = featured
            skus = featured.any(axis=1)
        else:
            skus = np.ones(len(r.skus), bool) if segment == "all" else classes == segment[-1]
            cells = np.broadcast_to(skus[:, None], served.shape)
        active = cells & (demand.sum(axis=1) > 0)[:, None]
        total = demand[cells].sum()
        row = {"segment": segment, "skus": int(skus.sum()), "demand_units": float(total),
               "fill_rate": float(served[cells].sum() / total) if total > 0 else float("nan"),
               "stockout_share": float((stock[active] <= 0).mean()) if active.any() else float("nan"),
               "stockout_days": int(((missed > 0) & cells).sum()),
               "average_units": float("nan"), "average_value": float("nan"), "turns": float("nan"), "orders": float("nan")}
        if segment != "campaign days":
            value = float((stock[skus] * r.unit_value[skus, None]).sum(axis=0).mean()) if skus.any() else 0.0
            cogs = float((served[skus].sum(axis=1) * r.unit_value[skus]).sum())
            row.update(average_units=float(stock[skus].sum(axis=0).mean()) if skus.any() else 0.0, average_value=value,
                       turns=cogs / value * 365 / days if value > 0 else float("nan"), orders=float(orders[skus].sum()))
        row.update(lost_units=float(missed[cells].sum()), lost_margin=float((missed * r.margin[:, None])[cells].sum()))
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = [
    "ESTABLISHED_SELLING_DAYS", "ESTABLISHED_WINDOW_DAYS", "MIN_HISTORY_DAYS", "MIN_REPLAY_DAYS", "SEGMENTS",
    "SELLER_POLICIES", "ShortHistory", "shop_replay", "simulate_shop",
]
