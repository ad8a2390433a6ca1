"""A scenario file read and checked: ``load_scenario`` (YAML) and ``parse_scenario`` (a mapping) give a
``Scenario`` of ``Change``s, every value checked at the boundary; an error names the file, the key
(``changes[2].supplier_delay.days``) and what is allowed.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from planner.errors import ConfigError
from planner.io.safe_yaml import load_yaml

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
    data = load_yaml(path)  # no anchors or aliases, size and depth capped (planner/io/safe_yaml.py)
    return parse_scenario(data, path.name)


__all__ = ["CHANGE_KINDS", "SCENARIO_KEYS", "Change", "Scenario", "load_scenario", "parse_scenario"]
