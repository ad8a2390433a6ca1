"""FBT's inbound rules applied to the plan's transfers (frames in, frames out).

From the seller help pages "FBT Inbound Request (IBR) Creation and Management Process" and "FBT
Capacity Management":

* the requests of one inbound plan must all arrive within INBOUND_PLAN_DAYS of the first arrival, so
  transfers are grouped into inbound plans whose expected receipts span at most that many days
  (group_inbound_plans);
* FBT gives each shop a monthly inbound quota (shown for the current month and the next three): the
  units of a month's transfers, with the requests already made for that month, stay within it; the
  transfers that avoid the most lost margin are kept first, and each cut says which month's quota bound
  (apply_monthly_quota);
* a request with nothing arrived 75 days after creation is closed (planner.io.fbt_stock: not on order).

These are the platform's rules, not tuned figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: days within which every request of one inbound plan must arrive, counted from its first arrival
INBOUND_PLAN_DAYS = 14


def group_inbound_plans(expected_receipt: pd.Series, plan_days: int = INBOUND_PLAN_DAYS) -> pd.Series:
    """An inbound plan label per transfer (``IBP-1``, ``IBP-2``, ... in order of arrival): a plan takes
    the transfers expected within ``plan_days`` of its first one.

    >>> days = pd.Series(pd.to_datetime(["2026-12-01", "2026-12-20", "2026-12-15", "2026-12-29"]))
    >>> group_inbound_plans(days).tolist()
    ['IBP-1', 'IBP-2', 'IBP-1', 'IBP-2']
    """
    order = np.argsort(expected_receipt.to_numpy(), kind="stable")
    labels = np.empty(len(order), dtype=object)
    plan, first = 0, None
    for i in order:
        day = expected_receipt.iloc[i]
        if first is None or day > first + pd.Timedelta(days=plan_days):
            plan, first = plan + 1, day
        labels[i] = f"IBP-{plan}"
    return pd.Series(labels, index=expected_receipt.index, dtype=object)


def month_quota(quota: float | dict | None, month: str) -> float | None:
    """The quota of ``month`` ('YYYY-MM'): the month's own when ``quota`` is a table, else the one figure
    for every month (None: no quota)."""
    if isinstance(quota, dict):
        value = quota.get(month)
        return None if value is None else float(value)
    return None if quota is None else float(quota)


def apply_monthly_quota(transfers: pd.DataFrame, quota: float | dict | None, used: dict[str, float] | None = None
                        ) -> tuple[pd.DataFrame, list[dict]]:
    """Keep, per month of expected receipt, the transfers that avoid the most lost margin (``priority``)
    while the month's quota, less the units ``used`` by requests already made for it, lasts; a transfer
    cut (in part or whole) becomes an ``fbt_quota`` alert naming the month, its quota and what was used."""
    if quota is None or transfers.empty:
        return transfers, []
    used = used or {}
    month = pd.to_datetime(transfers["expected_receipt"]).dt.strftime("%Y-%m")
    kept, alerts = [], []
    for name, part in transfers.assign(_month=month, _at=np.arange(len(transfers))).groupby("_month", sort=True):
        limit = month_quota(quota, name)
        if limit is None:
            kept += part.to_dict("records")
            continue
        left = max(limit - float(used.get(name, 0.0)), 0.0)
        for row in part.sort_values("priority", ascending=False, kind="stable").to_dict("records"):
            take = float(min(row["quantity"], left))
            if take < row["quantity"]:
                alerts.append({"sku": row["sku"], "location": "fbt", "kind": "fbt_quota", "date": row["ship_by"],
                               "quantity": row["quantity"], "kept": take, "month": name, "quota": limit,
                               "used": float(used.get(name, 0.0))})
            if take > 0:
                kept.append({**row, "quantity": take})
                left -= take
    frame = pd.DataFrame(kept, columns=[*transfers.columns, "_month", "_at"]).sort_values("_at")
    return frame.drop(columns=["_month", "_at"]).reset_index(drop=True), alerts


__all__ = ["INBOUND_PLAN_DAYS", "apply_monthly_quota", "group_inbound_plans", "month_quota"]
