"""Lead-time demand calibrated on the planner's own forecast errors.

A fill-rate promise is only as honest as the lead-time demand distribution behind it. On lumpy real
demand a forecast model's sample paths can have the median right and the tails far too thin (UCI
Online Retail: the P95 of demand over lead time + review covered 86 % of what happened, the mean
fell short by 44 %), and an (R, S) level read off them delivers far less than promised. The
calibration here replaces the model's demand noise by the noise the model's *errors* actually had:

1. **Errors** (``window_errors``): at past origins (rolling, data up to each origin only), the
   forecast mean over the lead time and over lead time + review, next to what was then sold. Windows
   with a stockout day show sales, not demand (``censored``); they are kept as lower bounds, because
   dropping them drops exactly the windows where demand ran high and would thin the tail again.
2. **Fit** (``fit_calibration``): per SKU a level factor, its realised / forecast total shrunk toward
   its volume band's with the weight of ``prior_windows`` windows (empirical Bayes, as the forecast
   engine shrinks its uplifts); per volume band of forecast units per cycle (< 2, 2-8, 8-32, 32-128,
   128+; a band with too few windows borrows all windows) the pooled *pairs* of ratios (realised lead
   demand / forecast lead demand, realised review-period demand / forecast review demand), each
   divided by its SKU's factor.
3. **Apply** (``calibrated_demand``): a SKU's lead-time and cycle demand samples become its forecast
   means (over each path's sampled lead time: the lead-time spread and the campaigns in the window
   stay) times its level factor times the band's ratio pairs, stratified over the pool's quantiles.

This is the empirical (distribution-free) lead-time demand of the forecast-error literature: safety
stock from the empirical distribution of lead-time forecast errors instead of a parametric one
(Trapero, Cardós & Kourentzes, "Empirical safety stock estimation based on kernel and GARCH
models", Omega 84, 2019; Prak & Teunter, "On the calculation of safety stocks when demand is
forecasted", EJOR 256, 2017, on why the model's own spread understates lead-time uncertainty), in
multiplicative form so that SKUs of different sizes share one pool. When the model is calibrated the
pooled ratios spread like its own paths and the levels barely move.

The package, by job:

- ``errors.py``: the windows of past forecast errors (window_errors, backtest_errors, ERROR_COLUMNS);
- ``fit.py``: the Calibration, its fit (fit_calibration, volume bands, window weights), the calibrated
  demand samples and their notes, and internal_targets (the service curve read back);
- ``censored.py``: windows that ran out of stock (Kaplan-Meier tail means, judged_demand);
- ``service.py``: the service step, the fill rate past windows got at each target (backtest_service,
  achieved_fill_rates, SERVICE_GRID).
"""

from __future__ import annotations

from planner.calibration.censored import CENSORED_WINDOWS, censored_tail_means, impute_censored_windows, judged_demand
from planner.calibration.errors import ERROR_COLUMNS, backtest_errors, window_errors
from planner.calibration.fit import (
    BAND_NAMES, CALIBRATION_COLUMNS, CALIBRATION_HALF_LIFE, VOLUME_BANDS, Calibration, calibrated_demand, calibration_notes,
    fit_calibration, internal_targets, volume_band, weighted_quantile, window_weights,
)
from planner.calibration.service import SERVICE_GRID, achieved_fill_rates, backtest_service

__all__ = ["BAND_NAMES", "CALIBRATION_COLUMNS", "CALIBRATION_HALF_LIFE", "CENSORED_WINDOWS", "Calibration", "ERROR_COLUMNS",
           "SERVICE_GRID", "VOLUME_BANDS", "achieved_fill_rates", "backtest_errors", "backtest_service", "calibrated_demand",
           "calibration_notes", "censored_tail_means", "fit_calibration", "impute_censored_windows", "internal_targets",
           "judged_demand", "volume_band", "weighted_quantile", "window_errors", "window_weights"]
