"""The service step: the fill rate past windows would have been served at levels set for each target.

``backtest_service`` plans every past window at each SERVICE_GRID target on calibrated demand (cross-
fitted by backtest origin) and judges the levels on what then sold (``achieved_fill_rates``, under lost
sales when a SKU's windows follow one another); the resulting curve (target, achieved) is
Calibration.service, from which the plan reads the target to plan at for a promise (fit.internal_targets).
Windows that ran out are judged on their estimated demand (censored.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.calibration.censored import CENSORED_WINDOWS, judged_demand
from planner.calibration.fit import CALIBRATION_HALF_LIFE, Calibration, calibrated_demand, fit_calibration, window_weights
from planner.inventory.allocation import value_weights
from planner.inventory.levels import levels_at_targets, order_lot_sizes
from planner.inventory.policy import cycle_shortage

#: the internal targets the target step reads past levels at; the highest promise it can keep lies below
#: the top (at 0.995 the sample shop's replay stopped at 99.45 %, below what its 60 days of cover serve)
SERVICE_GRID = (0.50, 0.60, 0.70, 0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)


def backtest_service(errors: pd.DataFrame, order_terms: pd.DataFrame | None = None, n_paths: int = 100,
                     max_windows: int = 5000, seed: int = 0, slow_units: float = 20.0,
                     unit_values: pd.Series | None = None, floor: float = 0.5, review_days: int | None = None,
                     censored_windows: str = "in_stock", half_life_days: float | None = CALIBRATION_HALF_LIFE,
                     **fit_options) -> pd.DataFrame:
    """The fill rate past windows would have been served at each SERVICE_GRID target with levels set on
    calibrated demand (target, achieved), for Calibration.service.

    A window that ran out of stock (``censored_windows``): "in_stock" (default) judges it at the rate it
    sold while in stock, within the forecast-filled and the Kaplan-Meier readings
    (censored.in_stock_rate_demand; through the real plan on UCI at 80 / 90 / 95 %: 76.8 / 89.1 / 96.6 %
    served, where Kaplan-Meier served 83.5 / 91.9 / 97.0 % and forecast-filled 87.3 % at 90 %); "km" on
    the demand impute_censored_windows estimates for it (the Kaplan-Meier estimate of its band's ratios
    to the forecast above what it sold, which lends a calm SKU the tail of lumpy ones); "imputed" on its
    realised demand as window_errors reads it, sales on
    the days with stock and at least the forecast on the days without, as the calibration does;
    "conditional" on the expectation of the whole window's forecast distribution given that it reached
    what sold (achieved_fill_rates). Both of the latter understate what a window that ran out lost, and
    the step then believes low levels served: on UCI's replay, levels that served 88.9 % of the true
    demand were judged at 97.3 % imputed, 94.6 % conditional, 94.4 % by Kaplan-Meier; the step
    planned lower as the autumn's stockouts grew (docs/decisions.md). The conditional form also replaces
    the open days' sales and with calibrated tails overstated the sample shop's losses (96.64 % served
    at a 95 % target). Windows weigh by age as the calibration weighs them (``half_life_days``, also
    passed to fit_calibration), so the step judges the levels on the windows the calibration learns
    from. Cross-fitted by backtest origin when there are several (``cutoff`` column): the windows of one
    origin are planned with the calibration fitted on the others, so the ratios a window is judged
    against never include its own. About ``max_windows`` windows per origin at most (a seeded sample of
    SKUs, with all their windows).
    ``order_terms``: moq and case_pack per SKU (index sku), for the lots orders come in
    (planner.plan.order_lot_sizes); without it orders are exact. ``slow_units``: the plan's
    slow_mover_units (below it, the discrete formulas). ``unit_values`` (index sku; the plan's
    fill_rate_scope 'class'): each grid target is kept over the units of all windows of an origin at the
    least stock value (planner.plan.allocated_levels, no SKU below ``floor``, or below the window's own
    ``floor`` column where ``errors`` has one: a campaign inside it), as the plan keeps it over
    a class; without it every window's SKU meets the target on its own. ``review_days`` (windows one
    review apart, as backtest_errors makes them with ``step`` = the review period): the windows of a SKU
    and backtest origin are judged in turn under lost sales (achieved_fill_rates' ``chains``); without
    it, or without the ``cutoff`` and ``lead_days`` columns, each window on its own.
    """
    if censored_windows not in CENSORED_WINDOWS:  # before the work, not after it
        raise ValueError(f"censored_windows must be 'km', 'imputed' or 'conditional'; got {censored_windows!r}")

    frame = errors[(errors["forecast_cycle"] - errors["forecast_lead"] > 1e-9) & (errors["forecast_lead"] > 1e-9)]
    groups = frame["cutoff"] if "cutoff" in frame.columns and frame["cutoff"].nunique() > 1 else pd.Series(0, index=frame.index)
    rng = np.random.default_rng(seed)
    chained = bool(review_days) and {"cutoff", "lead_days"} <= set(frame.columns)
    origins = []
    for group in groups.unique():
        others = frame[groups != group] if groups.nunique() > 1 else frame
        calibration = fit_calibration(others, half_life_days=half_life_days, **fit_options)
        mine = _sampled_windows(frame[groups == group], max_windows, rng)
        origins.append(_origin_levels(mine, calibration, order_terms, n_paths, seed, slow_units, unit_values, floor,
                                      int(review_days) if chained else None))
    if not origins:
        return pd.DataFrame({"target": pd.Series(dtype=float), "achieved": pd.Series(dtype=float)})
    return pd.DataFrame({"target": SERVICE_GRID, "achieved": _judge_levels(origins, censored_windows, half_life_days)})


@dataclass(frozen=True)
class _OriginLevels:
    """One backtest origin's windows and the levels set for them, per SERVICE_GRID target."""

    windows: pd.DataFrame
    levels: np.ndarray         # (n_windows, len(SERVICE_GRID))
    lead_samples: np.ndarray   # (n_windows, n_paths): the calibrated demand the levels were set on
    cycle_samples: np.ndarray
    lots: np.ndarray
    chain: pd.DataFrame | None  # chain, step, reach: the windows judged in turn (None: each on its own)


def _sampled_windows(windows: pd.DataFrame, max_windows: int, rng: np.random.Generator) -> pd.DataFrame:
    """An origin's windows; past ``max_windows``, those of a seeded sample of SKUs."""
    if len(windows) <= max_windows:
        return windows
    # a seeded sample of SKUs, all windows of each: a window judged in turn needs its predecessors
    skus = np.sort(windows["sku"].astype(str).unique())
    keep = max(1, int(len(skus) * max_windows / len(windows)))
    return windows[windows["sku"].astype(str).isin(rng.choice(skus, keep, replace=False))]


def _origin_levels(windows: pd.DataFrame, calibration: Calibration, order_terms: pd.DataFrame | None, n_paths: int,
                   seed: int, slow_units: float, unit_values: pd.Series | None, floor: float,
                   review_days: int | None) -> _OriginLevels:
    """The levels at each SERVICE_GRID target of one origin's ``windows``, on ``calibration``'s demand
    (backtest_service's arguments); ``review_days``: chain the windows (None: each on its own)."""
    mean_lead = np.repeat(windows["forecast_lead"].to_numpy(float)[:, None], n_paths, axis=1)
    mean_cycle = np.repeat(windows["forecast_cycle"].to_numpy(float)[:, None], n_paths, axis=1)
    lead, cycle = calibrated_demand(calibration, windows["sku"].to_numpy(), mean_lead, mean_cycle, seed=seed)
    terms = (order_terms.reindex(windows["sku"].astype(str)) if order_terms is not None
             else pd.DataFrame({"moq": np.ones(len(windows)), "case_pack": np.ones(len(windows))}))
    lot = order_lot_sizes(terms["moq"].fillna(1).to_numpy(float), terms["case_pack"].fillna(1).to_numpy(float),
                          cycle.mean(axis=1) - lead.mean(axis=1))
    values = groups_of = None
    if unit_values is not None:
        # a window whose SKU has no value takes the median, as value_weights does for a SKU without prices
        values = value_weights(np.nan_to_num(
            pd.Series(unit_values).rename(index=str).reindex(windows["sku"].astype(str)).to_numpy(float)))
        groups_of = windows["origin"].astype(str).to_numpy()
        if "group" in windows.columns:  # e.g. the plan's ABC classes: a target is kept over each one's windows
            groups_of = groups_of + "|" + windows["group"].astype(str).to_numpy()
    floors = windows["floor"].to_numpy(float) if "floor" in windows.columns else floor
    levels = levels_at_targets(lead, cycle, SERVICE_GRID, "fill_rate", slow_units, lot, values, groups_of, floors,
                               base_floor=floor)
    chain = None if review_days is None else _window_chain(windows, review_days)
    return _OriginLevels(windows, levels, lead, cycle, lot, chain)


def _window_chain(windows: pd.DataFrame, review_days: int) -> pd.DataFrame:
    """Per window its chain (backtest origin and SKU), its step (reviews from the origin) and its lead time
    in reviews, for achieved_fill_rates' lost-sales judgement."""
    days = (pd.to_datetime(windows["origin"]) - pd.to_datetime(windows["cutoff"])).dt.days.to_numpy()
    if (days % review_days).any():
        raise ValueError(f"backtest_service: windows must be one review ({review_days} days) apart to be "
                         f"judged in turn; found origins {sorted(set(days % review_days))} days off that "
                         f"step (backtest_errors(..., step=review_days), or leave review_days out)")
    return pd.DataFrame({"chain": windows["cutoff"].astype(str).to_numpy() + "|" + windows["sku"].astype(str).to_numpy(),
                         "step": days // review_days,
                         "reach": windows["lead_days"].to_numpy(float) / review_days})


def _judge_levels(origins: list[_OriginLevels], censored_windows: str, half_life_days: float | None) -> np.ndarray:
    """The fill rate all origins' levels achieved per SERVICE_GRID target, windows that ran out read as
    ``censored_windows`` says."""
    def column(name: str, dtype=float) -> np.ndarray:
        return np.concatenate([o.windows[name].to_numpy(dtype) for o in origins])

    censored = column("censored", bool)
    sold = np.concatenate([(o.windows["sold_cycle"] if "sold_cycle" in o.windows.columns else o.windows["realised_cycle"])
                           .to_numpy(float) for o in origins])
    mode = censored_windows
    has_days = all("out_days" in o.windows.columns and "window_days" in o.windows.columns for o in origins)
    if mode == "in_stock" and not has_days:  # windows from an older errors table: no stockout day counts
        mode = "km"
    lead_real, cycle_real = judged_demand(mode, column("forecast_lead"), column("forecast_cycle"),
                                          column("realised_lead"), column("realised_cycle"), sold, censored,
                                          column("out_days") if has_days else None,
                                          column("window_days") if has_days else None)
    return achieved_fill_rates(np.concatenate([o.levels for o in origins]), lead_real, cycle_real,
                               np.concatenate([o.lots for o in origins]),
                               censored if censored_windows == "conditional" else None,
                               np.concatenate([o.lead_samples for o in origins]),
                               np.concatenate([o.cycle_samples for o in origins]), sold,
                               **_chain_arguments([o.chain for o in origins if o.chain is not None]),
                               weights=window_weights(pd.concat([o.windows["origin"] for o in origins], ignore_index=True),
                                                      half_life_days))


def _chain_arguments(chains: list[pd.DataFrame]) -> dict:
    if not chains:
        return {}
    frame = pd.concat(chains, ignore_index=True)
    return {"chains": frame["chain"].to_numpy(), "steps": frame["step"].to_numpy(int), "lead_reviews": frame["reach"].to_numpy(float)}


def achieved_fill_rates(levels: np.ndarray, realised_lead: np.ndarray, realised_cycle: np.ndarray,
                        lot_sizes: np.ndarray | None = None, censored: np.ndarray | None = None,
                        lead_samples: np.ndarray | None = None, cycle_samples: np.ndarray | None = None,
                        sold_cycle: np.ndarray | None = None, chains: np.ndarray | None = None, steps: np.ndarray | None = None,
                        lead_reviews: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
    """Fill rate the order-up-to ``levels`` (n_windows, n_targets) would have had on the realised demand
    of those windows, per target column: 1 - sum of shortages / sum of review-period demand, the
    shortage of a window being (D_{L+R} - S)^+ - (D_L - S)^+ (the (R, S) backorder approximation),
    averaged over the positions S .. S + Q - 1 when orders come in lots of Q (``lot_sizes`` per window;
    planner.policy.cycle_shortage).

    Windows that ran out of stock (``censored``): sales then only bound demand from below (lost sales
    are not seen), and judging a higher level against them would credit it with serving demand that was
    never measured. Such a window's shortage and demand are instead their expectation under its forecast
    distribution (``lead_samples``, ``cycle_samples``: (n_windows, n_paths), the calibrated demand the
    levels were set on) given that demand was at least what sold: the mean over the samples whose lead
    time + review demand reaches ``sold_cycle`` (the realised demand when not given); the censored
    demand estimate of the lost-sales literature (e.g. Nahmias, "Demand estimation in lost sales
    inventory systems", Naval Research Logistics 41, 1994). A window with no such sample keeps its sales.

    Lost sales (``chains``, ``steps``, ``lead_reviews``): the backorder approximation counts a unit the
    previous cycle lost inside this cycle's lead time as using up this cycle's S, but a lost sale never
    comes back: the position falls only by what is served, so the stock left when this review's order
    arrives is S less the lead-time demand *served*. On the sample shop's replay that approximation
    judged levels that served 96.0 % at 94.0 %, and the target step planned too high. When the windows
    of a chain (one SKU and lead time; ``steps``: consecutive reviews) are given, each window's lead-time
    demand is lessened by what the earlier windows lost inside it (the review periods of the previous
    ``lead_reviews`` = lead time / review period windows; of a window only partly inside, the units it
    lost in that part, at most that part's share of its demand, as a stock that runs out stays out)
    before its shortage is taken; windows whose predecessors are missing are judged as above.

    ``weights`` (per window, e.g. window_weights): the fill rate is taken over weighted units, so recent
    windows can count more.

    >>> achieved_fill_rates(np.array([[5.0, 8.0]]), np.array([4.0]), np.array([10.0])).round(4).tolist()   # (6-1)/6 short, 2/6
    [0.1667, 0.6667]

    Two windows a review apart, lead time one review, S = 5. The first loses 2 of its 7 units. The
    second's lead time is the first's review period: 4 demanded, 2 of them lost, so 2 served and 3 left
    for its 6: it loses 3, where the backorder form says (10 - 5) - 0 = 5. Fill 1 - 5 / 13:

    >>> achieved_fill_rates(np.array([[5.0], [5.0]]), np.array([0.0, 4.0]), np.array([7.0, 10.0]),
    ...                     chains=np.array([0, 0]), steps=np.array([0, 1]), lead_reviews=np.array([1.0, 1.0])).round(4).tolist()
    [0.6154]
    """
    levels = np.asarray(levels, dtype=float)
    lead, cycle = np.asarray(realised_lead, dtype=float), np.asarray(realised_cycle, dtype=float)
    lots = None if lot_sizes is None else np.maximum(np.asarray(lot_sizes, dtype=float), 1.0)
    tails = _censored_tails(censored, lead_samples, cycle_samples, cycle if sold_cycle is None else np.asarray(sold_cycle, dtype=float))
    demand = cycle - lead
    if tails.rows.size:
        demand[tails.rows] = ((tails.cycle - tails.lead) * tails.above).sum(axis=1) / tails.count
    windows = _JudgedWindows(lead, cycle, levels, lots, tails)
    if chains is None:
        short = windows.shortage(np.arange(len(lead)), np.zeros(levels.shape))
    else:
        short = _lost_sales_shortage(windows, demand, chains, steps, lead_reviews)
    weight = np.ones(len(lead)) if weights is None else np.asarray(weights, dtype=float)
    total = float((weight * demand).sum())
    return 1 - (weight[:, None] * short).sum(axis=0) / total if total > 0 else np.ones(levels.shape[1])


@dataclass(frozen=True)
class _CensoredTails:
    """The windows that ran out and are judged on their forecast distribution given that it reached what
    sold: ``rows`` (window indices), their samples, which samples reach (``above``) and how many."""

    rows: np.ndarray
    sample_row: np.ndarray        # per window, its row in the arrays below (-1: judged on its own demand)
    lead: np.ndarray | None       # (len(rows), n_paths)
    cycle: np.ndarray | None
    above: np.ndarray | None
    count: np.ndarray | None


def _censored_tails(censored: np.ndarray | None, lead_samples: np.ndarray | None, cycle_samples: np.ndarray | None,
                    bound: np.ndarray) -> _CensoredTails:
    """The censored windows with a sample at or above ``bound`` (what sold over lead time + review)."""
    rows = np.array([], dtype=int) if censored is None else np.flatnonzero(np.asarray(censored, dtype=bool))
    lead = cycle = above = count = None
    if rows.size:
        lead, cycle = np.asarray(lead_samples, dtype=float)[rows], np.asarray(cycle_samples, dtype=float)[rows]
        above = cycle >= bound[rows, None] - 1e-9
        count = above.sum(axis=1)
        ok = count > 0
        rows, lead, cycle, above, count = rows[ok], lead[ok], cycle[ok], above[ok], count[ok]
    sample_row = np.full(len(bound), -1)
    sample_row[rows] = np.arange(len(rows))
    return _CensoredTails(rows, sample_row, lead, cycle, above, count)


@dataclass(frozen=True)
class _JudgedWindows:
    """What achieved_fill_rates judges: per window its realised demand, its levels (one per target
    column), its lot size and, when it ran out, its samples."""

    lead: np.ndarray
    cycle: np.ndarray
    levels: np.ndarray
    lots: np.ndarray | None
    tails: _CensoredTails

    def shortage(self, at: np.ndarray, carry: np.ndarray) -> np.ndarray:
        """Shortage of windows ``at`` at every level column, their lead-time demand less ``carry``
        (n_at, n_levels): the units earlier windows already lost in it."""
        q = None if self.lots is None else self.lots[at, None]
        out = cycle_shortage(np.maximum(self.lead[at, None] - carry, 0.0), np.maximum(self.cycle[at, None] - carry, 0.0),
                             self.levels[at], q)
        tails = self.tails
        mine = tails.sample_row[at]
        has = mine >= 0
        if has.any():
            k, c = mine[has], carry[has][:, None, :]
            gap = cycle_shortage(np.maximum(tails.lead[k][:, :, None] - c, 0.0), np.maximum(tails.cycle[k][:, :, None] - c, 0.0),
                                 self.levels[at[has]][:, None, :], None if q is None else q[has][:, :, None])
            out[has] = (gap * tails.above[k][:, :, None]).sum(axis=1) / tails.count[k][:, None]
        return out


def _lost_sales_shortage(windows: _JudgedWindows, demand: np.ndarray, chains: np.ndarray, steps: np.ndarray,
                         lead_reviews: np.ndarray) -> np.ndarray:
    """Shortage per window and level column with what earlier windows of its chain lost inside its lead
    time taken off its lead-time demand (achieved_fill_rates' lost sales)."""
    # the order placed at a review lifts the position to S, and the position falls only by what is served;
    # so the stock left when it arrives is S less the lead-time demand *served*, and units the previous
    # windows lost inside this lead time do not use it up. Windows of one chain are one review apart: a
    # lead time of m.f reviews holds the review periods of the m previous windows and f of the one before.
    n = len(windows.lead)
    short = np.zeros(windows.levels.shape)
    code = pd.factorize(np.asarray(chains))[0]
    step = np.asarray(steps, dtype=int)
    step = step - step.min()
    index = np.full((code.max() + 1, step.max() + 1), -1)
    index[code, step] = np.arange(n)
    if (index >= 0).sum() < n:
        raise ValueError("achieved_fill_rates: two windows share a chain and a step; a chain's windows must be "
                         "one review apart, one per step")
    reach = np.asarray(lead_reviews, dtype=float)
    for k in range(index.shape[1]):
        at = index[:, k][index[:, k] >= 0]
        carry = np.zeros((len(at), windows.levels.shape[1]))
        for back in range(1, int(np.ceil(reach[at].max())) + 1 if len(at) else 1):
            if k - back < 0:
                break
            before = index[code[at], k - back]
            part = np.clip(reach[at] - (back - 1), 0.0, 1.0) * (before >= 0)
            # of a window partly inside, the units lost in the part inside (its last days): a stock
            # runs out once and stays out, so that is all its shortage, or all that part's demand
            earlier = np.maximum(before, 0)
            carry += np.minimum(short[earlier], (part * demand[earlier])[:, None])
        short[at] = windows.shortage(at, carry)
    return short


__all__ = ["SERVICE_GRID", "achieved_fill_rates", "backtest_service"]
