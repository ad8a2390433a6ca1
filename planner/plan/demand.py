"""The plan's demand figures, read off the forecast's sample paths a block of SKUs at a time.

All SKUs' paths at once do not fit in memory for a large shop (100,000 SKUs x 200 paths x 91 days of
float32 = 7.3 GB, and as much again for their running totals). ``read_demand`` goes through the plan's
SKUs in blocks, in the paths' own order (so paths drawn a chunk at a time, forecast.models.ChunkedPaths,
are drawn once), and keeps per SKU only what the plan reads: the mean per day, demand over each path's
lead time and lead time + review period, and demand over the few other day windows asked for (campaign
windows, transfer windows). Everything the plan decides across SKUs (ABC classes, budget cap, FBT
inbound capacity) is decided afterwards on these. The figures are those of the whole paths at once, to
the bit: each SKU's paths, bundle demand and running totals are computed by the same operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.calibration import calibrated_demand, calibration_notes

#: SKUs whose paths and running totals are held at once (2,000 x 200 paths x 92 days x 2 x 4 bytes = 0.3 GB)
BLOCK_SKUS = 2000


@dataclass
class Demand:
    """Per plan SKU (rows in the order of ``skus`` given to read_demand):

    daily_mean  (n, days) mean demand per day from today
    lead        (n, n_paths) demand over each path's lead-time window (days 0 .. lead_days - 1)
    cycle       (n, n_paths) the same over lead time + review period
    windows     (i, first, end) -> (n_paths,) demand of SKU i on days first .. end - 1
    """

    daily_mean: np.ndarray
    lead: np.ndarray
    cycle: np.ndarray
    windows: dict[tuple[int, int, int], np.ndarray]

    def window(self, i: int, first: int, end: int) -> np.ndarray:
        return self.windows[(int(i), int(first), int(end))]


def plan_days(paths, today_index: int) -> int:
    """Days of the paths from today on (``today_index``: see read_demand)."""
    return max(paths.horizon - today_index, 0)


def read_demand(paths, bundles: pd.DataFrame | None, skus: list[str], today_index: int, lead_days: np.ndarray,
                cycle_days: np.ndarray, windows: list[tuple[int, int, int]] = (),
                block_skus: int = BLOCK_SKUS) -> Demand:
    """The Demand of ``skus`` (zeros for a SKU without a forecast) from today on.

    ``paths`` is a SamplePaths or ChunkedPaths (anything with skus, horizon, n_paths and rows(...)).
    Bundle demand is moved onto the components (times the kit quantity), as planner.plan.explode_bundles
    does. ``today_index`` is the path day of today (0 when the paths start today, -1 when they start
    tomorrow: the missing leading days repeat the paths' first day). ``lead_days`` and ``cycle_days``
    (n, n_paths) are window lengths per path; ``windows`` the (SKU position, first day, end day) windows
    wanted besides."""
    n, n_paths, days = len(skus), paths.n_paths, plan_days(paths, today_index)
    daily_mean = np.zeros((n, days), np.float32)
    lead = np.zeros((n, n_paths), np.float32)
    cycle = np.zeros((n, n_paths), np.float32)
    want = np.array(sorted(set(windows)), dtype=int).reshape(-1, 3)
    found = np.zeros((len(want), n_paths), np.float32)
    local = np.full(n, -1)
    for members, values in demand_blocks(paths, bundles, skus, block_skus):
        if today_index > 0:
            values = values[:, :, today_index:]
        elif today_index < 0:
            values = np.concatenate([np.repeat(values[:, :, :1], -today_index, axis=2), values], axis=2)
        # float32 holds whole units exactly up to 16 million: enough, and half the memory of float64
        cumulative = np.zeros((len(members), n_paths, days + 1), np.float32)
        cumulative[:, :, 1:] = np.cumsum(values, axis=2, dtype=np.float32)
        daily_mean[members] = values.mean(axis=1)
        rows, cols = np.arange(len(members))[:, None], np.arange(n_paths)[None, :]
        lead[members] = cumulative[rows, cols, lead_days[members]]
        cycle[members] = cumulative[rows, cols, cycle_days[members]]
        if len(want):
            local[members] = np.arange(len(members))
            mine = np.flatnonzero(local[want[:, 0]] >= 0)
            at = local[want[mine, 0]]
            found[mine] = cumulative[at, :, want[mine, 2]] - cumulative[at, :, want[mine, 1]]
            local[members] = -1
    return Demand(daily_mean, lead, cycle, {tuple(int(x) for x in w): found[k] for k, w in enumerate(want)})


def demand_blocks(paths, bundles: pd.DataFrame | None, skus: list[str], block_skus: int = BLOCK_SKUS):
    """Yield (positions in ``skus``, their paths (k, n_paths, horizon) with bundle demand moved onto the
    components) a block of at most ``block_skus`` SKUs at a time, in the paths' own order; zeros for a
    SKU without a forecast. The values are those planner.plan.explode_bundles gives, to the bit."""
    model_row = {str(s): i for i, s in enumerate(paths.skus)}
    bundle_rows = _bundle_rows(bundles, model_row)
    # one read of every bundle's paths, not one per block of components
    needed = sorted({row for parts in bundle_rows.values() for row, _ in parts})
    bundle_paths = dict(zip(needed, paths.rows(needed))) if needed else {}
    own = np.array([model_row.get(s, -1) for s in skus], dtype=int)
    # SKUs without paths of their own (components of bundles only) last
    order = np.argsort(np.where(own >= 0, own, len(model_row) + np.arange(len(skus))), kind="stable")
    step = max(int(block_skus), 1)
    for first in range(0, len(skus), step):
        block = order[first:first + step]
        mine = own[block] >= 0
        if mine.all():
            values = paths.rows(own[block])
        else:
            values = np.zeros((len(block), paths.n_paths, paths.horizon), np.float32)
            values[mine] = paths.rows(own[block[mine]])
        for k, i in enumerate(block):
            for row, quantity in bundle_rows.get(skus[i], ()):
                values[k] += bundle_paths[row] * quantity
        yield block, values


def _bundle_rows(bundles: pd.DataFrame | None, model_row: dict[str, int]) -> dict[str, list[tuple[int, float]]]:
    """Component SKU -> [(path row of a bundle holding it, kit quantity)], in the bundles table's order."""
    parts: dict[str, list[tuple[int, float]]] = {}
    if bundles is None or len(bundles) == 0:
        return parts
    bundle_skus = set(bundles["bundle_sku"].astype(str))
    for row in bundles.itertuples(index=False):
        bundle, component = str(row.bundle_sku), str(row.component_sku)
        # a component that is itself a bundle is not planned (explode_bundles drops it too)
        if bundle in model_row and component not in bundle_skus:
            parts.setdefault(component, []).append((model_row[bundle], float(row.quantity)))
    return parts


@dataclass
class LeadTimeDemand:
    """Stage 4 of the plan, per plan SKU: the paths' figures (``paths``: a Demand) and the lead-time
    demand the levels are set on.

    lead, cycle   (n, n_paths) demand over each path's lead time and lead time + review: the paths'
                  own, or calibrated on the forecast's past errors (planner.calibration)
    running       (n, days + 1) expected units on days 0 .. d - 1
    notes         (n,) the calibration in words for plan.csv ('' without one)
    """

    paths: Demand
    lead: np.ndarray
    cycle: np.ndarray
    running: np.ndarray
    notes: np.ndarray

    @property
    def daily_mean(self) -> np.ndarray:
        return self.paths.daily_mean

    def window(self, i: int, first: int, end: int) -> np.ndarray:
        return self.paths.window(i, first, end)


def lead_time_demand(paths, bundles: pd.DataFrame | None, skus: list[str], today_index: int, lead_days: np.ndarray,
                     cycle_days: np.ndarray, windows: list[tuple[int, int, int]], calibration=None, seed: int = 0,
                     block_skus: int = BLOCK_SKUS) -> LeadTimeDemand:
    """read_demand, then, with a ``calibration`` (planner.calibration.Calibration) that has windows, the
    lead-time and cycle demand drawn from the forecast means over each path's lead time times the
    calibration's ratios (planner.calibration.calibrated_demand)."""
    demand = read_demand(paths, bundles, skus, today_index, lead_days, cycle_days, windows, block_skus)
    n = len(skus)
    running = np.concatenate([np.zeros((n, 1)), np.cumsum(demand.daily_mean, axis=1, dtype=float)], axis=1)
    lead, cycle, notes = demand.lead, demand.cycle, np.full(n, "", dtype=object)
    if calibration is not None and calibration.windows:
        rows = np.arange(n)[:, None]
        lead, cycle = calibrated_demand(calibration, skus, running[rows, lead_days], running[rows, cycle_days], seed=seed)
        notes = calibration_notes(calibration, skus, running[rows, cycle_days].mean(axis=1))
    return LeadTimeDemand(paths=demand, lead=lead, cycle=cycle, running=running, notes=notes)


def windows_wanted(camp: pd.DataFrame, shipping: np.ndarray, ship_day: np.ndarray, fixed: np.ndarray,
                    window_end: np.ndarray, today: pd.Timestamp, review_days: int,
                    horizon: int) -> list[tuple[int, int, int]]:
    """The day windows (SKU, first day, end day) whose demand the plan reads besides lead time and
    cycle: a transfer's (ship day to ship day + transit + review; today to the ship day), a campaign
    pre-build's (today to the campaign's end), the campaign stock a transfer must bring (ship day to the
    campaign's end) and a campaign whose order-by date has passed (its own days)."""
    wanted = []
    for i in shipping:
        d = int(ship_day[i])
        wanted += [(int(i), d, int(min(d + fixed[i] + review_days, horizon))), (int(i), 0, d)]
    if len(camp) == 0:
        return wanted
    i = camp["i"].to_numpy(int)
    start_day, end_day = camp["start_day"].to_numpy(int), camp["end_day"].to_numpy(int)
    order_by = pd.DatetimeIndex(camp["order_by"])
    inside = end_day < horizon
    pre_build = inside & (start_day >= window_end[i]) & (order_by < today + pd.Timedelta(days=review_days))
    wanted += [(int(k), 0, int(e) + 1) for k, e in zip(i[pre_build], end_day[pre_build])]
    before = inside & (ship_day[i] >= 0) & (start_day >= ship_day[i] + fixed[i])
    wanted += [(int(k), int(ship_day[k]), int(e) + 1) for k, e in zip(i[before], end_day[before])]
    late = (camp["type"].to_numpy() != "ad") & (order_by < today)
    wanted += [(int(k), int(a), int(min(e, horizon - 1)) + 1) for k, a, e in zip(i[late], start_day[late], end_day[late])]
    return wanted
