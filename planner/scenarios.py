"""What-if scenarios: a small YAML file changes the plan's inputs, never the code.

A scenario is planned against the SAME forecast base as the shop's plan:

* supply changes (supplier delay, service level, budget cap, unit cost) reuse the forecast's sample
  paths as they are: nothing is refitted or redrawn;
* campaign changes (scale an uplift, add, cancel or move a campaign) redraw the paths from the already
  fitted model through its ``uplift_scale`` / ``campaigns`` hooks, with the same seed, so days and SKUs
  the change does not touch keep their draws wherever the calendar's shape allows;
* a category demand shock scales the paths.

Entry points: ``load_scenario(path)``, ``apply_scenario(scenario, inputs, settings)``,
``scenario_forecast(result, inputs, changes)``, ``evaluate_plan(plan, paths, inputs, settings, today)``
and ``compare_scenarios(shop, inputs, forecast_result, scenarios)``.

File format::

    name: Creator live sells 3x
    description: what the planner wants to learn
    changes:
      - campaign_uplift: {campaign: LIVE-CR-2026-12-20, scale: 3}    # a campaign id or a campaign type
      - supplier_delay: {supplier: Shenzhen Gadget Hub, days: 14}   # or supplier: all; open_orders: true
                                                                   # also delays its open POs
      - service_level: 0.98                                        # or {A: 0.99, B: 0.95, C: 0.9}
      - budget_cap: 50000                                          # or null: no cap
      - demand_shock: {category: beauty, pct: -20}                 # optional start, end (dates)
      - unit_cost: {supplier: GZ Cosmetics, pct: 10}               # or sku: ...
      - add_campaign: {campaign_id: ..., type: ..., start: ..., end: ..., skus: ...}
      - cancel_campaign: MEGA-12.12-2026
      - move_campaign: {campaign: ..., days: 7}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from forecast.contract import CAMPAIGN_TYPES
from forecast.models.base import SamplePaths, WhatIfForecaster
from planner.plan.demand import demand_blocks
from planner.errors import ConfigError
from planner.io.inputs import Inputs, expand_campaigns
from planner.plan import (
    Plan,
    PlanSettings,
    campaign_order_by_date,
    supply_terms,
)
from planner.plan.campaigns import campaign_rows
from planner.plan.replenish import Supply, plan_replenishment
from planner.plan.settings import plan_settings
from planner.positions import inventory_positions, scheduled_receipts

CHANGE_KINDS = ("campaign_uplift", "supplier_delay", "service_level", "budget_cap", "demand_shock", "unit_cost",
                "add_campaign", "cancel_campaign", "move_campaign")
SCENARIO_KEYS = ("name", "description", "changes")
_OPTIONAL_CAMPAIGN_FIELDS = ("creator", "expected_viewers", "daily_budget", "discount_pct", "reserved_units",
                             "location")


@dataclass(frozen=True)
class Change:
    """One change of a scenario: its kind (a key of CHANGE_KINDS) and its checked parameters."""

    kind: str
    params: dict[str, Any]
    where: str  # 'changes[2].supplier_delay' for messages


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    changes: tuple[Change, ...] = ()
    source: str = "<scenario>"  # the file it was read from, for messages


@dataclass
class ForecastChanges:
    """What a scenario changes in the forecast: uplift factors per campaign id or type, the campaign
    calendar when campaigns were added or moved (None: the fitted one), and demand shocks
    (SKUs, factor, first date, last date)."""

    uplift_scale: dict[str, float] = field(default_factory=dict)
    calendar_changed: bool = False
    demand_shocks: list[tuple[frozenset[str], float, pd.Timestamp | None, pd.Timestamp | None]] = field(default_factory=list)

    @property
    def redraw(self) -> bool:
        """True when the paths must be drawn again from the fitted model."""
        return bool(self.uplift_scale) or self.calendar_changed

    @property
    def empty(self) -> bool:
        return not self.redraw and not self.demand_shocks


# ------------------------------------------------------------------------------------------ loading

def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {problem}")


def _number(source: str, key: str, value: Any, low: float | None = None, high: float | None = None,
            whole: bool = False, low_open: bool = False, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and float(value) != int(value)):
        kind = "a whole number" if whole else "a number"
        raise _fail(source, key, f"{value!r} is not {kind}")
    value = int(value) if whole else float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
        right = "" if high is None else f"{'<' if high_open else '<='} {high:g}"
        raise _fail(source, key, f"{value:g} is out of range; allowed: {' and '.join(p for p in (left, right) if p)}")
    return value


def _mapping(source: str, key: str, value: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise _fail(source, key, f"expected a mapping with {', '.join(required)}; got {value!r}")
    unknown = [k for k in value if k not in required + optional]
    if unknown:
        raise _fail(source, f"{key}.{unknown[0]}", f"unknown key; allowed: {', '.join(required + optional)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise _fail(source, key, f"missing {', '.join(missing)} (needs {', '.join(required)})")
    return value


def _text(source: str, key: str, value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value).strip() == "":
        raise _fail(source, key, f"{value!r} is not a name")
    return str(value).strip()


def _date(source: str, key: str, value: Any) -> pd.Timestamp:
    if isinstance(value, (dt.date, dt.datetime)):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(str(value))
    except (ValueError, TypeError):
        raise _fail(source, key, f"{value!r} is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None


def _parse_change(source: str, index: int, item: Any) -> Change:
    where = f"changes[{index}]"
    if not isinstance(item, dict) or len(item) != 1:
        raise _fail(source, where, f"each change is one 'kind: value' pair; allowed kinds: {', '.join(CHANGE_KINDS)}")
    (kind, value), = item.items()
    if kind not in CHANGE_KINDS:
        raise _fail(source, f"{where}.{kind}", f"unknown change; allowed: {', '.join(CHANGE_KINDS)}")
    key = f"{where}.{kind}"
    if kind == "campaign_uplift":
        v = _mapping(source, key, value, ("campaign", "scale"))
        params = {"campaign": _text(source, f"{key}.campaign", v["campaign"]),
                  "scale": _number(source, f"{key}.scale", v["scale"], low=0)}
    elif kind == "supplier_delay":
        v = _mapping(source, key, value, ("supplier", "days"), ("open_orders",))
        if not isinstance(v.get("open_orders", False), bool):
            raise _fail(source, f"{key}.open_orders", f"{v['open_orders']!r} is not true or false")
        params = {"supplier": _text(source, f"{key}.supplier", v["supplier"]),
                  "days": _number(source, f"{key}.days", v["days"], low=-365, high=365, whole=True),
                  "open_orders": v.get("open_orders", False)}
    elif kind == "service_level":
        if isinstance(value, dict):
            unknown = [k for k in value if str(k) not in ("A", "B", "C")]
            if unknown:
                raise _fail(source, f"{key}.{unknown[0]}", "unknown class; allowed: A, B, C")
            params = {"classes": {str(k): _number(source, f"{key}.{k}", v, low=0, high=1, low_open=True, high_open=True)
                                  for k, v in value.items()}}
        else:
            params = {"level": _number(source, key, value, low=0, high=1, low_open=True, high_open=True)}
    elif kind == "budget_cap":
        params = {"cap": None if value is None else _number(source, key, value, low=0, low_open=True)}
    elif kind == "demand_shock":
        v = _mapping(source, key, value, ("pct",), ("category", "sku", "start", "end"))
        if ("category" in v) == ("sku" in v):
            raise _fail(source, key, "give exactly one of category (a category or 'all') or sku")
        params = {"pct": _number(source, f"{key}.pct", v["pct"], low=-100)}
        if "category" in v:
            params["category"] = _text(source, f"{key}.category", v["category"])
        else:
            params["sku"] = _text(source, f"{key}.sku", v["sku"])
        for end in ("start", "end"):
            params[end] = _date(source, f"{key}.{end}", v[end]) if v.get(end) is not None else None
    elif kind == "unit_cost":
        v = _mapping(source, key, value, ("pct",), ("supplier", "sku"))
        if ("supplier" in v) == ("sku" in v):
            raise _fail(source, key, "give exactly one of supplier (a supplier or 'all') or sku")
        target = "supplier" if "supplier" in v else "sku"
        params = {target: _text(source, f"{key}.{target}", v[target]),
                  "pct": _number(source, f"{key}.pct", v["pct"], low=-100, low_open=True)}
    elif kind == "add_campaign":
        v = _mapping(source, key, value, ("campaign_id", "type", "start", "end", "skus"), _OPTIONAL_CAMPAIGN_FIELDS)
        if v["type"] not in CAMPAIGN_TYPES:
            raise _fail(source, f"{key}.type", f"{v['type']!r} is not a campaign type; allowed: {', '.join(CAMPAIGN_TYPES)}")
        start, end = _date(source, f"{key}.start", v["start"]), _date(source, f"{key}.end", v["end"])
        if isinstance(v["end"], dt.date) and not isinstance(v["end"], dt.datetime):
            end = end + pd.Timedelta(hours=23, minutes=59)  # a bare end date means the whole day
        if end <= start:
            raise _fail(source, f"{key}.end", f"{end} is not after start {start}")
        skus = v["skus"]
        if isinstance(skus, list):
            skus = ";".join(_text(source, f"{key}.skus", s) for s in skus)
        params = {**{k: v.get(k) for k in _OPTIONAL_CAMPAIGN_FIELDS}, "campaign_id": _text(source, f"{key}.campaign_id", v["campaign_id"]),
                  "type": v["type"], "start": start, "end": end, "skus": _text(source, f"{key}.skus", skus)}
        for column in ("expected_viewers", "daily_budget", "discount_pct", "reserved_units"):
            if params[column] is not None:
                params[column] = _number(source, f"{key}.{column}", params[column], low=0)
    elif kind == "cancel_campaign":
        params = {"campaign": _text(source, key, value)}
    else:  # move_campaign
        v = _mapping(source, key, value, ("campaign", "days"))
        params = {"campaign": _text(source, f"{key}.campaign", v["campaign"]),
                  "days": _number(source, f"{key}.days", v["days"], low=-365, high=365, whole=True)}
    return Change(kind, params, key)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """A Scenario from the parsed YAML document (see the module docstring); ConfigError names the file
    and the key."""
    if not isinstance(data, dict):
        raise _fail(source, "(top level)", f"expected a mapping with {', '.join(SCENARIO_KEYS)}")
    unknown = [k for k in data if k not in SCENARIO_KEYS]
    if unknown:
        raise _fail(source, str(unknown[0]), f"unknown key; allowed: {', '.join(SCENARIO_KEYS)}")
    if "name" not in data:
        raise _fail(source, "name", "missing; every scenario needs a name")
    changes = data.get("changes") or []
    if not isinstance(changes, list):
        raise _fail(source, "changes", "expected a list of changes (each '- kind: value')")
    return Scenario(name=_text(source, "name", data["name"]), description=str(data.get("description") or "").strip(),
                    changes=tuple(_parse_change(source, i, item) for i, item in enumerate(changes)), source=source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file (structure and values; names of campaigns, suppliers and
    categories are checked against the shop by ``apply_scenario``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        raise _fail(path.name, where, f"not valid YAML ({getattr(error, 'problem', None) or error})") from None
    return parse_scenario(data, path.name)


# ------------------------------------------------------------------------------------------ applying

def _choices(values, limit: int = 12) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _campaign_ids(campaigns: pd.DataFrame, today: pd.Timestamp | None, source: str, key: str, name: str) -> str:
    ids = campaigns["campaign_id"].astype(str)
    if name in set(ids):
        return name
    upcoming = ids[campaigns["end"] >= today] if today is not None else ids
    raise _fail(source, key, f"unknown campaign {name!r}; planned campaigns: {_choices(upcoming)}")


def _supplier_skus(products: pd.DataFrame, suppliers: pd.DataFrame, source: str, key: str, name: str) -> pd.Series:
    known = sorted(set(products["supplier"].astype(str)) | set(suppliers["supplier"].astype(str)))
    if name.lower() == "all":
        return pd.Series(True, index=products.index)
    if name not in known:
        raise _fail(source, key, f"unknown supplier {name!r}; allowed: all, {_choices(known)}")
    return products["supplier"].astype(str).eq(name)


def apply_scenario(scenario: Scenario, inputs: Inputs, settings: PlanSettings) -> tuple[Inputs, PlanSettings, ForecastChanges]:
    """The scenario's inputs, plan settings and forecast changes. The caller's frames are not modified.

    Supplier delays add to the lead time (and its min/max) of the supplier and of its products that
    set their own, and with ``open_orders: true`` to the expected arrival of its open purchase orders; a cancelled campaign leaves the calendar (the forecast and the plan's pre-builds);
    a moved campaign shifts its start and end.
    """
    source = scenario.source
    campaigns = inputs.campaigns.copy()
    products = inputs.products.copy()
    suppliers = inputs.suppliers.copy()
    purchase_orders = inputs.purchase_orders.copy()
    today = inputs.snapshot_date
    changes = ForecastChanges()
    for change in scenario.changes:
        p, key = change.params, change.where
        if change.kind == "campaign_uplift":
            name = p["campaign"]
            if name not in CAMPAIGN_TYPES:
                name = _campaign_ids(campaigns, today, source, f"{key}.campaign", name)
            changes.uplift_scale[name] = changes.uplift_scale.get(name, 1.0) * p["scale"]
        elif change.kind == "supplier_delay":
            chosen = _supplier_skus(products, suppliers, source, f"{key}.supplier", p["supplier"])
            all_suppliers = p["supplier"].lower() == "all"
            rows = suppliers["supplier"].astype(str).eq(p["supplier"]) | all_suppliers
            for column in ("lead_time_days", "lead_time_min_days", "lead_time_max_days"):
                if column in suppliers.columns:
                    suppliers.loc[rows, column] = (pd.to_numeric(suppliers.loc[rows, column]) + p["days"]).clip(lower=1)
                if column in products.columns:
                    products.loc[chosen, column] = (pd.to_numeric(products.loc[chosen, column]) + p["days"]).clip(lower=1)
            without = chosen & ~products["supplier"].astype(str).isin(suppliers["supplier"].astype(str))
            if without.any():  # SKUs on the shop default: delay them too
                base = pd.to_numeric(products.loc[without, "lead_time_days"]).fillna(settings.default_lead_time_days)
                products.loc[without, "lead_time_days"] = (base + p["days"]).clip(lower=1)
            if p["open_orders"] and len(purchase_orders):
                theirs = set(products.loc[chosen, "sku"].astype(str))
                late = purchase_orders["sku"].astype(str).isin(theirs)
                if "supplier" in purchase_orders.columns and not all_suppliers:
                    named = purchase_orders["supplier"].notna()
                    late = (late & ~named) | purchase_orders["supplier"].astype(str).eq(p["supplier"])
                purchase_orders.loc[late, "expected_arrival"] = purchase_orders.loc[late, "expected_arrival"] + pd.Timedelta(days=p["days"])
        elif change.kind == "service_level":
            if "level" in p:
                settings = replace(settings, service_level=p["level"], class_service_levels={})
            else:
                settings = replace(settings, class_service_levels={**settings.class_service_levels, **p["classes"]})
        elif change.kind == "budget_cap":
            settings = replace(settings, budget_cap=p["cap"])
        elif change.kind == "unit_cost":
            if "sku" in p:
                if p["sku"] not in set(products["sku"].astype(str)):
                    raise _fail(source, f"{key}.sku", f"unknown SKU {p['sku']!r}; see products.csv")
                chosen = products["sku"].astype(str).eq(p["sku"])
            else:
                chosen = _supplier_skus(products, suppliers, source, f"{key}.supplier", p["supplier"])
            products.loc[chosen, "unit_cost"] = pd.to_numeric(products.loc[chosen, "unit_cost"]) * (1 + p["pct"] / 100)
        elif change.kind == "demand_shock":
            if "sku" in p:
                if p["sku"] not in set(products["sku"].astype(str)):
                    raise _fail(source, f"{key}.sku", f"unknown SKU {p['sku']!r}; see products.csv")
                skus = {p["sku"]}
            else:
                categories = sorted(products["category"].astype(str).unique())
                if p["category"].lower() == "all":
                    skus = set(products["sku"].astype(str))
                elif p["category"] in categories:
                    skus = set(products.loc[products["category"].astype(str).eq(p["category"]), "sku"].astype(str))
                else:
                    raise _fail(source, f"{key}.category", f"unknown category {p['category']!r}; allowed: all, {_choices(categories)}")
            changes.demand_shocks.append((frozenset(skus), 1 + p["pct"] / 100, p["start"], p["end"]))
        elif change.kind == "cancel_campaign":
            name = _campaign_ids(campaigns, today, source, key, p["campaign"])
            campaigns = campaigns[campaigns["campaign_id"].astype(str) != name]
            changes.calendar_changed = True
        elif change.kind == "move_campaign":
            name = _campaign_ids(campaigns, today, source, f"{key}.campaign", p["campaign"])
            rows = campaigns["campaign_id"].astype(str).eq(name)
            shift = pd.Timedelta(days=p["days"])
            campaigns.loc[rows, "start"] = campaigns.loc[rows, "start"] + shift
            campaigns.loc[rows, "end"] = campaigns.loc[rows, "end"] + shift
            changes.calendar_changed = True
        elif change.kind == "add_campaign":
            if p["campaign_id"] in set(campaigns["campaign_id"].astype(str)):
                raise _fail(source, f"{key}.campaign_id", f"{p['campaign_id']!r} is already in the calendar; "
                            f"use move_campaign or campaign_uplift to change it")
            _check_featured(products, source, f"{key}.skus", p["skus"])
            row = {c: None for c in campaigns.columns}
            row.update({k: v for k, v in p.items() if k in campaigns.columns})
            if "_row" in campaigns.columns:
                row["_row"] = 0
            addition = pd.DataFrame([row]).astype({c: campaigns[c].dtype for c in campaigns.columns if c in row}, errors="ignore")
            campaigns = pd.concat([campaigns, addition[campaigns.columns]], ignore_index=True) if len(campaigns) else addition
            changes.calendar_changed = True
    new_inputs = replace(inputs, campaigns=campaigns.reset_index(drop=True), products=products, suppliers=suppliers,
                         purchase_orders=purchase_orders)
    return new_inputs, settings, changes


def _check_featured(products: pd.DataFrame, source: str, key: str, spec: str) -> None:
    if spec.lower() == "all":
        return
    if spec.lower().startswith("category:"):
        category = spec.split(":", 1)[1].strip()
        categories = sorted(products["category"].astype(str).unique())
        if category not in categories:
            raise _fail(source, key, f"unknown category {category!r}; allowed: all, {_choices('category:' + c for c in categories)}")
        return
    known = set(products["sku"].astype(str))
    unknown = [s.strip() for s in spec.split(";") if s.strip() and s.strip() not in known]
    if unknown:
        raise _fail(source, key, f"SKU(s) {unknown} are not in products.csv; allowed: all, category:NAME or SKUs separated by ';'")


# ------------------------------------------------------------------------------------------ forecast

def scenario_forecast(result, inputs: Inputs, changes: ForecastChanges, seed: int = 0):
    """The forecast result the scenario plans against: the same one when only supply changes; paths
    redrawn from the fitted model (never refitted) when campaigns change; paths scaled by demand
    shocks. ``seed`` must be the one the base forecast was drawn with (pipeline.run_forecast: 0)."""
    if changes.empty:
        return result
    paths, calendar = result.paths, result.campaigns
    if changes.calendar_changed:
        calendar = campaign_rows(inputs, result.history)
    if changes.redraw:
        model = result.model
        if not isinstance(model, WhatIfForecaster):
            raise ConfigError(f"the {getattr(model, 'name', type(model).__name__)} model cannot replay campaign changes "
                              f"without refitting; plan campaign scenarios with the campaign model (planning.model = 'campaign')")
        scale = dict(changes.uplift_scale) or None
        new_calendar = calendar if changes.calendar_changed else None
        drawn = model.chunked_paths(paths.horizon, n_paths=paths.n_paths, seed=seed, uplift_scale=scale,
                                    campaigns=new_calendar)
        # Poisson draws consume a varying amount of randomness, so one changed mean re-noises every draw
        # after it: keep the base draws wherever the expected demand did not change (common random
        # numbers), and take the new draws only on the SKU-days the change touches.
        changed = _changed_cells(model, paths, scale, new_calendar)
        paths = paths.transformed(lambda lo, hi, values: np.where(changed[lo:hi, None, :],
                                                                  drawn.rows(np.arange(lo, hi)), values))
    if changes.demand_shocks:
        paths = shock_paths(paths, changes.demand_shocks)
    forecast = paths.to_frame()
    forecast.insert(2, "model", result.forecast["model"].iloc[0] if len(result.forecast) else getattr(result.model, "name", ""))
    return replace(result, paths=paths, forecast=forecast, campaigns=calendar)


def _changed_cells(model, paths: SamplePaths, uplift_scale: dict | None, calendar: pd.DataFrame | None) -> np.ndarray:
    """(n_sku, horizon) True where the model's expected demand differs under the scenario."""
    horizon = paths.horizon
    before = model.components(horizon)["mean"].to_numpy().reshape(len(paths.skus), horizon)
    after = model.components(horizon, uplift_scale=uplift_scale, campaigns=calendar)["mean"].to_numpy()
    after = after.reshape(len(paths.skus), horizon)
    return np.abs(after - before) > 1e-6 * (1 + np.abs(before))


def shock_paths(paths: SamplePaths, shocks) -> SamplePaths:
    """Paths with each shock's SKUs scaled by its factor between its first and last date (inclusive)."""
    dates = paths.dates
    skus = np.asarray([str(s) for s in paths.skus])
    changes = []
    for sku_set, factor, first, last in shocks:
        days = np.ones(len(dates), dtype=bool)
        if first is not None:
            days &= dates >= pd.Timestamp(first).normalize()
        if last is not None:
            days &= dates <= pd.Timestamp(last).normalize()
        changes.append((np.isin(skus, list(sku_set)), np.flatnonzero(days), np.float32(factor)))

    def shocked(lo: int, hi: int, values: np.ndarray) -> np.ndarray:
        values = values.copy()
        for rows, days, factor in changes:
            values[np.ix_(rows[lo:hi], np.arange(values.shape[1]), days)] *= factor
        return values

    return paths.transformed(shocked)


# ------------------------------------------------------------------------------------------ evaluation

def evaluate_plan(plan: Plan, paths: SamplePaths, inputs: Inputs, settings: PlanSettings,
                  today: pd.Timestamp, window_days: pd.Series | None = None) -> pd.DataFrame:
    """Replay every sample path against the plan's receipts with lost sales, per SKU.

    Each path starts from the stock available at the SKU's selling location, receives what is already
    scheduled (open POs, stock in transit), the plan's transfers on their expected receipt and its
    orders on their expected arrival (plus transit and FBT receiving for FBT SKUs), and loses what it
    cannot serve:  x_t = x_{t-1} + r_t - min(x_{t-1} + r_t, d_t),  lost_t = d_t - min(x_{t-1} + r_t, d_t).
    The plan orders once, so service is measured over the days its orders protect (``window_days``:
    supplier lead time + transit/FBT receiving + review period, from the day after ``today``): a later
    review orders again. ``window_days`` (per SKU) replaces that window, so that scenarios are measured
    over the same days as the baseline. The stock at the end is read at ``settings.horizon_days``,
    without later orders.

    Columns: sku, location, window_days, demand and lost_units (expected over the paths, in the
    window), fill_rate (1 - E[lost] / E[demand]), stockout_probability (a path loses a sale in the
    window), lost_margin (lost units x (price - unit cost)), horizon_demand, horizon_lost_units,
    end_on_hand (expected at the selling location on the horizon's last day), end_value (that plus the
    stock left upstream, at unit cost).
    """
    today = pd.Timestamp(today).normalize()
    skus = plan.plan["sku"].astype(str).tolist()
    terms = supply_terms(inputs.products, inputs.suppliers, settings).set_index("sku").reindex(skus)
    location = plan.plan.set_index("sku")["location"].reindex(skus).astype(str).to_numpy()
    first = max((today + pd.Timedelta(days=1) - pd.Timestamp(paths.start).normalize()).days, 0)
    horizon = max(0, min(int(settings.horizon_days), paths.horizon - first))
    row_of = {s: i for i, s in enumerate(skus)}
    receipts = np.zeros((len(skus), horizon))

    def receive(sku: str, date, quantity: float) -> None:
        i = row_of.get(str(sku))
        day = (pd.Timestamp(date).normalize() - today).days - 1
        if i is not None and day < horizon:
            receipts[i, max(day, 0)] += float(quantity)

    positions = inventory_positions(inputs.inventory, inputs.purchase_orders, today, settings.horizon_days)
    positions = positions[positions["sku"].isin(row_of)]
    selling = pd.Series(location, index=skus)
    at_selling = positions["location"].to_numpy() == selling.reindex(positions["sku"]).to_numpy()
    start = positions[at_selling].groupby("sku")["available"].sum().reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    scheduled = scheduled_receipts(inputs.inventory, inputs.purchase_orders, today, {"fbt": settings.fbt_receiving_days})
    for r in scheduled.itertuples():
        if selling.get(str(r.sku)) == r.location:
            receive(r.sku, r.date, r.quantity)
    for r in plan.transfers.itertuples():
        receive(r.sku, r.expected_receipt, r.quantity)
    fixed = (terms["transit_days"] + terms["receiving_days"]).fillna(0).round().astype(int)
    for r in plan.orders.itertuples():
        receive(r.sku, pd.Timestamp(r.expected_arrival) + pd.Timedelta(days=int(fixed.get(str(r.sku), 0))), r.quantity)

    # the days this plan's orders protect: until an order placed at the next review could land
    window = np.minimum(np.ceil(terms["lead_time_days"].fillna(settings.default_lead_time_days).to_numpy()
                                + fixed.reindex(skus).fillna(0).to_numpy()) + int(settings.review_period_days), horizon)
    window = window.astype(int)
    if window_days is not None:
        window = np.minimum(window_days.reindex(skus).fillna(pd.Series(window, index=skus)).to_numpy(), horizon).astype(int)
    n = len(skus)
    total, lost_units, stockout, horizon_demand, horizon_lost, end_on_hand = (np.zeros(n) for _ in range(6))
    # a block of SKUs at a time: all SKUs' paths at once do not fit in memory for a large shop
    for block, values in demand_blocks(paths, inputs.bundles, skus, settings.block_skus):
        demand = values[:, :, first:first + horizon]  # float32: _replay computes in float64
        (total[block], lost_units[block], stockout[block], horizon_demand[block], horizon_lost[block],
         end_on_hand[block]) = _replay(start[block], receipts[block], demand, window[block])
    unit_cost = terms["unit_cost"].fillna(0.0).to_numpy()
    margin = (terms["price"] - terms["unit_cost"]).fillna(0.0).clip(lower=0).to_numpy()
    by_sku = plan.plan.set_index("sku")
    upstream = (by_sku["upstream_position"] - by_sku["transfer_in"]).reindex(skus).fillna(0.0).clip(lower=0).to_numpy()
    return pd.DataFrame({
        "sku": skus, "location": location, "window_days": window, "demand": total, "lost_units": lost_units,
        "fill_rate": np.where(total > 0, 1 - lost_units / np.maximum(total, 1e-9), 1.0),
        "stockout_probability": stockout, "lost_margin": lost_units * margin,
        "horizon_demand": horizon_demand, "horizon_lost_units": horizon_lost,
        "end_on_hand": end_on_hand, "end_value": (end_on_hand + upstream) * unit_cost,
    })


#: SKUs replayed at once: their day's demand (256 x 200 paths x 8 bytes = 0.4 MB) stays in the CPU cache
REPLAY_SKUS = 256


def _replay(start: np.ndarray, receipts: np.ndarray, demand: np.ndarray, window: np.ndarray):
    """evaluate_plan's lost-sales replay of SKUs (k) over their paths (k, n_paths, days; float32 or
    float64, computed in float64): per SKU the expected demand and lost units in its window, the chance
    of a loss there, the expected demand and lost units over all days, and the expected stock at the end.

    A few hundred SKUs at a time, their paths laid out day by day: one day of all SKUs' paths at once
    is a strided read of the whole array, 90 times. The window figures are the running totals on the
    window's last day, so each SKU's figures come from the same additions in the same order as a
    replay of all SKUs at once, to the bit."""
    n, n_paths, days = demand.shape
    figures = np.zeros((6, n))
    for first in range(0, n, REPLAY_SKUS):
        block = slice(first, min(first + REPLAY_SKUS, n))
        by_day = np.ascontiguousarray(np.moveaxis(demand[block], 2, 0))
        ends = window[block]
        level = np.repeat(start[block, None], n_paths, axis=1)
        lost, demanded = np.zeros_like(level), np.zeros_like(level)
        window_lost, window_demand = np.zeros_like(level), np.zeros_like(level)
        for day in range(days):
            level += receipts[block, day:day + 1]
            sold = np.minimum(level, by_day[day])
            lost += by_day[day] - sold
            level -= sold
            demanded += by_day[day]
            closing = np.flatnonzero(ends == day + 1)
            window_lost[closing] = lost[closing]
            window_demand[closing] = demanded[closing]
        figures[:, block] = (window_demand.mean(axis=1), window_lost.mean(axis=1), (window_lost > 1e-9).mean(axis=1),
                             demand[block].astype(np.float64).sum(axis=2).mean(axis=1), lost.mean(axis=1),
                             level.mean(axis=1))
    return tuple(figures)


def campaign_order_by(inputs: Inputs, settings: PlanSettings, campaigns: pd.DataFrame,
                      today: pd.Timestamp | None = None) -> pd.DataFrame:
    """The date each featured SKU's stock must be ordered by to be in place for its campaign:
    start - (supplier lead time + transit + FBT receiving + receiving buffer), as the plan counts it.

    ``campaigns`` is the expanded calendar (one row per campaign and SKU, as ForecastResult.campaigns);
    with ``today``, only campaigns that have not ended. Columns: campaign_id, type, sku, supplier,
    start, order_by."""
    terms = supply_terms(inputs.products, inputs.suppliers, settings).set_index("sku")
    rows = campaigns[campaigns["sku"].astype(str).isin(terms.index)]
    if today is not None:
        rows = rows[rows["end"] >= pd.Timestamp(today)]
    t = terms.reindex(rows["sku"].astype(str))
    order_by = campaign_order_by_date(rows["start"], t["lead_time_days"].to_numpy(), t["transit_days"].to_numpy(),
                                      t["receiving_days"].to_numpy(), settings.receiving_buffer_days)
    return pd.DataFrame({
        "campaign_id": rows["campaign_id"].to_numpy(), "type": rows["type"].to_numpy(), "sku": rows["sku"].astype(str).to_numpy(),
        "supplier": t["supplier"].to_numpy(), "start": rows["start"].to_numpy(), "order_by": order_by.to_numpy(),
    })


def campaigns_at_risk(plan: Plan) -> list[str]:
    """Campaigns the plan flags: not covered in time, or an ad running into a stockout (the alerts'
    campaign_id field)."""
    alerts = plan.alerts
    if alerts.empty or "campaign_id" not in alerts.columns:
        return []
    flagged = alerts[alerts["kind"].isin(["campaign_not_covered", "ad_into_stockout"])]
    return sorted(set(flagged["campaign_id"].dropna().astype(str)))


COMPARISON_METRICS = ("purchase_value", "units", "fill_rate", "lost_units", "lost_margin", "campaigns_at_risk",
                      "end_inventory_value")


def plan_metrics(plan: Plan, evaluation: pd.DataFrame) -> dict[str, float]:
    """The comparison's figures of one plan (see compare_scenarios)."""
    orders = plan.orders
    demand = float(evaluation["demand"].sum())
    lost = float(evaluation["lost_units"].sum())
    return {
        "purchase_value": round(float(orders["value"].sum()), 2) if len(orders) else 0.0,
        "units": float(orders["quantity"].sum()) if len(orders) else 0.0,
        "fill_rate": 1 - lost / demand if demand > 0 else 1.0,
        "lost_units": lost,
        "lost_margin": float(evaluation["lost_margin"].sum()),
        "campaigns_at_risk": float(len(campaigns_at_risk(plan))),
        "end_inventory_value": float(evaluation["end_value"].sum()),
    }


def run_scenario(shop, inputs: Inputs, forecast_result, scenario: Scenario, settings: PlanSettings | None = None,
                 window_days: pd.Series | None = None):
    """(scenario inputs, scenario forecast result, its plan, its evaluation) for one scenario;
    ``window_days`` as in evaluate_plan."""
    settings = settings or plan_settings(shop.config)
    s_inputs, s_settings, changes = apply_scenario(scenario, inputs, settings)
    s_result = scenario_forecast(forecast_result, s_inputs, changes)
    supply = Supply(s_inputs.products, s_inputs.suppliers, s_inputs.inventory, s_inputs.purchase_orders, s_inputs.bundles)
    s_plan = plan_replenishment(s_result.paths, supply, s_result.today, s_settings, s_result.campaigns,
                                s_result.calibration, s_result.history)
    evaluation = evaluate_plan(s_plan, s_result.paths, s_inputs, s_settings, s_result.today, window_days)
    return s_inputs, s_result, s_plan, evaluation


def compare_scenarios(shop, inputs: Inputs, forecast_result, scenarios: list[Scenario],
                      settings: PlanSettings | None = None) -> pd.DataFrame:
    """Plan every scenario against the same forecast base and compare it with the shop's plan as is.

    One row per scenario: name, purchase_value, units, fill_rate (expected, over the sample paths),
    lost_units, lost_margin, campaigns_at_risk, end_inventory_value (expected stock at unit cost on
    the horizon's last day), and for each of these a ``*_vs_baseline`` difference. Fill rate and lost
    sales of every scenario count the days the baseline's orders cover, per SKU. ``note``: campaigns
    the scenario changes that start after those days (campaign_timing_notes), so that a row of zeros
    says why.
    """
    settings = settings or plan_settings(shop.config)
    baseline = run_scenario(shop, inputs, forecast_result, Scenario("baseline"), settings)
    base = plan_metrics(baseline[2], baseline[3])
    window = baseline[3].set_index("sku")["window_days"]
    rows = []
    for scenario in scenarios:
        s_inputs, _, plan, evaluation = run_scenario(shop, inputs, forecast_result, scenario, settings, window)
        figures = plan_metrics(plan, evaluation)
        row = {"scenario": scenario.name, "changes": len(scenario.changes)}
        for metric in COMPARISON_METRICS:
            row[metric] = figures[metric]
            row[f"{metric}_vs_baseline"] = figures[metric] - base[metric]
        row["note"] = campaign_timing_notes(scenario, inputs, s_inputs, settings, forecast_result.today, window)
        rows.append(row)
    return pd.DataFrame(rows, columns=["scenario", "changes"] + [c for m in COMPARISON_METRICS for c in (m, f"{m}_vs_baseline")]
                        + ["note"])


def campaign_timing_notes(scenario: Scenario, inputs: Inputs, scenario_inputs: Inputs, settings: PlanSettings,
                          today, window_days: pd.Series) -> str:
    """Campaigns the scenario changes (by id: an uplift, a cancellation, a move, an addition) that start
    after the days this plan's orders cover for their featured SKUs (``window_days`` from the day after
    ``today``, as evaluate_plan counts them): this plan cannot show their effect, a later review
    orders for them (not this one: their order-by date, planner.plan.campaign_order_by_date of the
    first featured SKU, is after the next review). E.g. 'LIVE-CR-2027-01-15 starts 15 Jan 2027, after
    the days this plan's orders cover (to 22 Dec 2026); its stock is due to be ordered by 20 Dec 2026,
    at a later review'. Empty when there are none."""
    today = pd.Timestamp(today).normalize()
    touched = []
    for change in scenario.changes:
        name = change.params.get("campaign_id" if change.kind == "add_campaign" else "campaign")
        if change.kind in ("campaign_uplift", "cancel_campaign", "move_campaign", "add_campaign") and name not in CAMPAIGN_TYPES:
            touched.append((name, inputs if change.kind == "cancel_campaign" else scenario_inputs))
    notes = []
    for name, source in dict(touched).items():
        rows = source.campaigns[source.campaigns["campaign_id"].astype(str) == str(name)]
        featured = campaign_order_by(inputs, settings, expand_campaigns(rows, source.products))
        if featured.empty:
            continue
        start, order_by = pd.Timestamp(featured["start"].min()), pd.Timestamp(featured["order_by"].min())
        covered_to = today + pd.Timedelta(days=int(window_days.reindex(featured["sku"]).fillna(0).max()))
        if start.normalize() <= covered_to:
            continue
        if order_by < today + pd.Timedelta(days=int(settings.review_period_days)):
            continue  # the plan pre-builds for it now (planner.plan), and the scenario's orders show it
        notes.append(f"{name} starts {start:%d %b %Y}, after the days this plan's orders cover "
                     f"(to {covered_to:%d %b %Y}); its stock is due to be ordered by {order_by:%d %b %Y}, at a later review")
    return "; ".join(notes)
