"""Windows that ran out of stock: their demand, estimated from all windows.

A window with a stockout shows what sold, and demand was at least that. ``censored_tail_means`` is the
Kaplan-Meier mean above such a bound; ``impute_censored_windows`` applies it to a volume band's ratios of
demand to forecast; ``judged_demand`` picks how the service step (service.py) reads such windows
(``CENSORED_WINDOWS``).
"""

from __future__ import annotations

import numpy as np

from planner.calibration.fit import VOLUME_BANDS, volume_band


def censored_tail_means(values: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """Each censored value c replaced by E[X | X > c] under the Kaplan-Meier (product-limit) estimate of
    X's distribution from all the values: exact where not censored, lower bounds where censored. A
    censored value with no exact value above it keeps its bound.

    Kaplan & Meier, "Nonparametric estimation from incomplete observations", JASA 53 (1958); for demand
    hidden by stockouts, Huh, Levi, Rusmevichientong & Orlin, "Adaptive data-driven inventory control with
    censored demand based on Kaplan-Meier estimator", Operations Research 59(4), 2011.

    >>> censored_tail_means(np.array([1.0, 2.0, 3.0, 2.5]), np.array([False, False, False, True])).tolist()
    [1.0, 2.0, 3.0, 3.0]
    >>> censored_tail_means(np.array([1.0, 1.5, 2.0, 3.0]), np.array([False, True, False, False])).tolist()
    [1.0, 2.5, 2.0, 3.0]
    """
    values, censored = np.asarray(values, dtype=float), np.asarray(censored, dtype=bool)
    order = np.lexsort((censored, values))  # ascending; at a tie the exact value first
    x, cens = values[order], censored[order]
    at_risk = np.arange(len(x), 0, -1, dtype=float)
    survival = np.cumprod(np.where(cens, 1.0, 1.0 - 1.0 / at_risk))
    jump = np.concatenate([[1.0], survival[:-1]]) - survival  # probability mass at each exact value
    after_mass = np.concatenate([np.cumsum(jump[::-1])[::-1][1:], [0.0]])  # mass beyond each position
    after_sum = np.concatenate([np.cumsum((jump * x)[::-1])[::-1][1:], [0.0]])
    tail = np.where(cens & (after_mass > 1e-12), after_sum / np.maximum(after_mass, 1e-12), x)
    out = np.empty_like(tail)
    out[order] = np.maximum(tail, x)
    return out


def impute_censored_windows(forecast_lead: np.ndarray, forecast_cycle: np.ndarray, realised_lead: np.ndarray,
                            realised_cycle: np.ndarray, sold_cycle: np.ndarray, censored: np.ndarray,
                            min_exact: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """The lead-time and lead time + review demand of windows that ran out, estimated from all windows.

    A window that ran out shows what sold, and its demand was at least that. Counting its stockout days
    at their forecast (window_errors' ``realised_*``) assumes demand kept to the forecast just when it
    ran out; on UCI's replay those windows' demand was 3.5 times their forecast and the forecast-filled
    estimate found 59 % of it. Here each such window's ratio of demand to forecast is the mean of the
    ratios above what it sold under the Kaplan-Meier estimate of its volume band's ratios
    (censored_tail_means; a band with fewer than ``min_exact`` windows that did not run out borrows all
    windows), and never less than the forecast-filled estimate. The lead time's share of it stays.
    """
    f_lead, f_cycle = np.asarray(forecast_lead, dtype=float), np.asarray(forecast_cycle, dtype=float)
    lead, cycle = np.asarray(realised_lead, dtype=float), np.asarray(realised_cycle, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if not censored.any():
        return lead, cycle
    scale = np.maximum(f_cycle, 1e-9)
    ratio = np.where(censored, np.asarray(sold_cycle, dtype=float), cycle) / scale
    band = volume_band(f_cycle)
    exact = np.bincount(band[~censored], minlength=len(VOLUME_BANDS) + 1)
    band = np.where(exact[band] >= min_exact, band, -1)
    tail = ratio.copy()
    for b in np.unique(band[censored]):
        rows = band == b
        tail[rows] = (censored_tail_means(ratio, censored)[rows] if b < 0
                      else censored_tail_means(ratio[rows], censored[rows]))
    imputed = np.where(censored, np.maximum(cycle, tail * scale), cycle)
    share = np.where(cycle > 0, lead / np.where(cycle > 0, cycle, 1.0), f_lead / scale)
    return np.where(censored, imputed * share, lead), imputed


CENSORED_WINDOWS = ("km", "imputed", "conditional", "in_stock")


def in_stock_rate_demand(forecast_lead: np.ndarray, forecast_cycle: np.ndarray, realised_lead: np.ndarray,
                         realised_cycle: np.ndarray, sold_cycle: np.ndarray, censored: np.ndarray,
                         out_days: np.ndarray, window_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows that ran out read at the rate they sold while in stock, within the two readings that err
    in opposite directions: never below the forecast-filled demand (stockout days at their forecast,
    which misses the demand of a ramp the forecast lags) and never above the Kaplan-Meier tail of the
    band (impute_censored_windows, which lends a calm SKU the tail of lumpy ones). A window's demand
    rate on its stockout days is its own in-stock rate: sold / open days x window days (the classic
    in-stock imputation of lost sales; Nahmias 1994 on demand estimation under lost sales)."""
    km_lead, km_cycle = impute_censored_windows(forecast_lead, forecast_cycle, realised_lead, realised_cycle,
                                                sold_cycle, censored)
    cycle = np.asarray(realised_cycle, dtype=float)
    days = np.asarray(window_days, dtype=float)
    open_days = np.maximum(days - np.asarray(out_days, dtype=float), 1.0)
    rate = np.asarray(sold_cycle, dtype=float) * days / open_days
    judged = np.where(np.asarray(censored, dtype=bool), np.clip(rate, cycle, np.maximum(km_cycle, cycle)), cycle)
    lead = np.asarray(realised_lead, dtype=float)
    share = np.where(cycle > 0, lead / np.where(cycle > 0, cycle, 1.0), 0.0)
    return np.where(censored, judged * share, lead), judged


def judged_demand(censored_windows: str, forecast_lead: np.ndarray, forecast_cycle: np.ndarray, realised_lead: np.ndarray,
                  realised_cycle: np.ndarray, sold_cycle: np.ndarray, censored: np.ndarray,
                  out_days: np.ndarray | None = None, window_days: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The lead-time and lead time + review demand the target step judges past windows on, by how it reads
    a window that ran out (backtest_service's ``censored_windows``): "km" as impute_censored_windows
    estimates it; "imputed" and "conditional" as window_errors realised it (the conditional form then
    replaces a censored window's demand inside achieved_fill_rates)."""
    if censored_windows not in CENSORED_WINDOWS:
        raise ValueError(f"censored_windows must be 'km', 'imputed' or 'conditional'; got {censored_windows!r}")
    if censored_windows == "km":
        return impute_censored_windows(forecast_lead, forecast_cycle, realised_lead, realised_cycle, sold_cycle, censored)
    if censored_windows == "in_stock":
        return in_stock_rate_demand(forecast_lead, forecast_cycle, realised_lead, realised_cycle, sold_cycle, censored,
                                    out_days, window_days)
    return np.asarray(realised_lead, dtype=float), np.asarray(realised_cycle, dtype=float)


__all__ = ["CENSORED_WINDOWS", "censored_tail_means", "impute_censored_windows", "in_stock_rate_demand", "judged_demand"]
