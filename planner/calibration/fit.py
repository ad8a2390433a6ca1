"""The calibration itself: what past errors say of a SKU's level and of its band's noise, and the demand
samples that follow.

- ``fit_calibration``: per SKU a level factor (its realised / forecast units shrunk toward its volume
  band's), per volume band the pooled pairs of ratios (lead time, review period), recent windows
  weighing more (``window_weights``); the result is a ``Calibration``, which also carries the service
  curve the target step reads (service.py draws it; ``internal_targets`` reads it back).
- ``calibrated_demand``: a SKU's lead-time and cycle demand samples from its forecast means, its factor
  and its band's ratio pairs, stratified over the pool's quantiles.
- ``calibration_notes``: the calibration in words for plan.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.calibration.errors import ERROR_COLUMNS

VOLUME_BANDS = (2.0, 8.0, 32.0, 128.0)  # forecast units per lead time + review: < 2, 2-8, 8-32, 32-128, 128+
BAND_NAMES = ("<2", "2-8", "8-32", "32-128", "128+")
CALIBRATION_COLUMNS = ("kind", "band", "lead_ratio", "review_ratio", "weight", "sku", "factor", "target", "achieved")
#: days after which a past window counts half, in the calibration and in the target step's judgement
CALIBRATION_HALF_LIFE = 56.0


def volume_band(forecast_cycle_units: np.ndarray) -> np.ndarray:
    """Band index (0 .. 4) of forecast units per lead time + review: < 2, 2-8, 8-32, 32-128, 128+.

    >>> volume_band(np.array([0.5, 2.0, 40.0, 500.0])).tolist()
    [0, 1, 3, 4]
    """
    return np.digitize(np.asarray(forecast_cycle_units, dtype=float), VOLUME_BANDS)


@dataclass(frozen=True)
class Calibration:
    """What ``fit_calibration`` learnt. ``pairs``: band, lead_ratio, review_ratio (one row per past
    window, divided by its SKU's factor) and weight (the window's forecast units x the factor);
    ``sku_factor``: level factor per SKU (index sku)."""

    pairs: pd.DataFrame
    sku_factor: pd.Series
    service: pd.DataFrame | None = None  # target, achieved: fill rate past windows got at each grid target

    @property
    def windows(self) -> int:
        return int(len(self.pairs))

    def to_frame(self) -> pd.DataFrame:
        """One table for a CSV: rows of kind 'pair' (band, lead_ratio, review_ratio) and 'sku' (sku, factor)."""
        pairs = self.pairs.assign(kind="pair", sku=None, factor=np.nan)
        skus = pd.DataFrame({"kind": "sku", "sku": self.sku_factor.index.astype(str), "factor": self.sku_factor.to_numpy(),
                             "band": -1})
        service = (self.service if self.service is not None else pd.DataFrame(columns=["target", "achieved"])).assign(
            kind="service", band=-1)
        return pd.concat([pairs, skus, service], ignore_index=True).reindex(columns=list(CALIBRATION_COLUMNS))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Calibration:
        missing = [c for c in CALIBRATION_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"calibration table: missing column(s) {missing}; found {list(frame.columns)}")
        pairs = frame[frame["kind"] == "pair"]
        skus = frame[frame["kind"] == "sku"]
        service = frame.loc[frame["kind"] == "service", ["target", "achieved"]].astype(float).reset_index(drop=True)
        return cls(pairs=pairs[["band", "lead_ratio", "review_ratio", "weight"]].astype({"band": int}).reset_index(drop=True),
                   sku_factor=pd.Series(skus["factor"].to_numpy(float), index=skus["sku"].astype(str).to_numpy()),
                   service=service if len(service) else None)

    def planned_targets(self, targets: np.ndarray) -> np.ndarray:
        """The targets to plan at for the promised ``targets`` (internal_targets on ``service``); as
        promised without a service curve."""
        if self.service is None or self.service.empty:
            return np.asarray(targets, dtype=float)
        return internal_targets(targets, self.service["target"].to_numpy(), self.service["achieved"].to_numpy())

    def achieved_at(self, targets: np.ndarray) -> np.ndarray:
        """What the past windows were served at levels set for ``targets`` (linear between grid targets)."""
        if self.service is None or self.service.empty:
            return np.full(np.shape(targets), np.nan)
        return np.interp(targets, self.service["target"].to_numpy(), self.service["achieved"].to_numpy())

    def _pool(self, band: int, min_windows: int = 30) -> pd.DataFrame:
        """The pairs of the band; of all bands when the band has fewer than ``min_windows``."""
        own = self.pairs[self.pairs["band"] == band]
        return own if len(own) >= min_windows else self.pairs


def calibration_notes(calibration: Calibration, skus, forecast_cycle_units: np.ndarray, min_windows: int = 30) -> np.ndarray:
    """Per SKU, the calibration in words for plan.csv, e.g. 'level x1.21 (own past errors); noise of
    412 past windows of SKUs forecast 8-32 units (realised / forecast lead time demand P50 0.92, P95 2.31)'."""
    factor = calibration.sku_factor.reindex(pd.Index(np.asarray(skus).astype(str)))
    band = volume_band(forecast_cycle_units)
    words = {}
    for b in np.unique(band):
        pool = calibration._pool(int(b), min_windows)
        who = f"SKUs forecast {BAND_NAMES[b]} units" if (pool["band"] == b).all() else "all SKUs"
        ratio, weight = pool["lead_ratio"].to_numpy(), pool["weight"].to_numpy()
        words[b] = (f"noise of {len(pool)} past windows of {who} (realised / forecast lead-time demand "
                    f"P50 {weighted_quantile(ratio, weight, 0.5):.2f}, P95 {weighted_quantile(ratio, weight, 0.95):.2f})")
    level = np.where(factor.isna(), "level x1.00 (no past errors of its own)",
                     "level x" + factor.fillna(1.0).map("{:.2f}".format).to_numpy() + " (own past errors)")
    return np.array([f"{lv}; {words[b]}" for lv, b in zip(level, band)], dtype=object)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose weighted share at or below it reaches q.

    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(np.asarray(weights, dtype=float)[order])
    return float(np.asarray(values)[order][min(np.searchsorted(cdf, q * cdf[-1] - 1e-12), len(cdf) - 1)])


def fit_calibration(errors: pd.DataFrame, prior_windows: float = 12.0, max_ratio: float = 50.0,
                    half_life_days: float | None = CALIBRATION_HALF_LIFE) -> Calibration:
    """Per-SKU level factors and per-band pooled ratio pairs from past windows (module docstring).

    Parameters
    ----------
    errors : ERROR_COLUMNS, e.g. window_errors at several origins; windows with a forecast of 0 units
        over the review period are left out (no ratio).
    prior_windows : weight of the band's ratio in a SKU's factor, in windows of that SKU (windows a week
        apart overlap: 12 weekly windows of 21 days hold about 4 independent ones).
    max_ratio : ratios are capped here (a window a hundred times its forecast is a data error or a
        one-off wholesale order no safety stock should chase).
    half_life_days : a window's weight halves every this many days of age (from the newest origin), so
        a bias the model has since outgrown fades; None: every window counts the same.
    """
    missing = [c for c in ERROR_COLUMNS if c not in errors.columns]
    if missing:
        raise ValueError(f"errors: missing column(s) {missing}; found {list(errors.columns)}")
    frame = errors[(errors["forecast_cycle"] - errors["forecast_lead"] > 1e-9) & (errors["forecast_lead"] > 1e-9)]
    if frame.empty:
        return Calibration(pd.DataFrame({"band": pd.Series(dtype=int), "lead_ratio": pd.Series(dtype=float),
                                         "review_ratio": pd.Series(dtype=float), "weight": pd.Series(dtype=float)}),
                           pd.Series(dtype=float))
    band = volume_band(frame["forecast_cycle"].to_numpy())
    recency = np.ones(len(frame)) if half_life_days is None else 0.5 ** (_age_days(frame["origin"]) / half_life_days)
    real, forecast = frame["realised_cycle"].to_numpy(float), frame["forecast_cycle"].to_numpy(float)
    band_ratio = pd.Series(recency * real).groupby(band).sum() / pd.Series(recency * forecast).groupby(band).sum()
    expected = forecast * band_ratio.reindex(band).to_numpy()  # what the band's level would have said
    sku = frame["sku"].astype(str).to_numpy()
    sums = pd.DataFrame({"sku": sku, "real": recency * real, "expected": recency * expected, "count": recency}).groupby("sku")
    totals = sums[["real", "expected"]].sum()
    counts = sums["count"].sum()
    prior = prior_windows * totals["expected"] / counts  # prior_windows of the SKU's average window
    # a band whose windows all sold nothing has a ratio of 0, so its SKUs expect 0 and 0 / 0 says nothing
    # of them against the band: factor 1 (a NaN here made every sample of the band NaN)
    factor = ((totals["real"] + prior) / (totals["expected"] + prior)).clip(0.2, 5.0).fillna(1.0)
    per_window = factor.reindex(sku).to_numpy()
    lead_ratio = frame["realised_lead"].to_numpy(float) / frame["forecast_lead"].to_numpy(float) / per_window
    review = (frame["realised_cycle"] - frame["realised_lead"]).to_numpy(float)
    review_ratio = review / (frame["forecast_cycle"] - frame["forecast_lead"]).to_numpy(float) / per_window
    pairs = pd.DataFrame({"band": band.astype(int), "lead_ratio": np.minimum(lead_ratio, max_ratio),
                          "review_ratio": np.minimum(np.maximum(review_ratio, 0.0), max_ratio),
                          "weight": recency * forecast * per_window})
    return Calibration(pairs=pairs, sku_factor=factor.astype(float))


def _age_days(origins: pd.Series) -> np.ndarray:
    """Days from each origin to the newest (origins are day numbers or dates)."""
    if pd.api.types.is_numeric_dtype(origins):
        values = origins.to_numpy(float)
        return values.max() - values
    stamps = pd.to_datetime(origins)
    return (stamps.max() - stamps).dt.days.to_numpy(float)


def window_weights(origins: pd.Series, half_life_days: float | None = CALIBRATION_HALF_LIFE) -> np.ndarray:
    """A window's weight by its age (from the newest origin), as fit_calibration weighs it; None: all 1."""
    origins = pd.Series(origins)
    return np.ones(len(origins)) if half_life_days is None else 0.5 ** (_age_days(origins) / half_life_days)



def calibrated_demand(calibration: Calibration, skus, mean_lead: np.ndarray, mean_cycle: np.ndarray,
                      seed: int = 0, min_windows: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated demand samples over the lead time and lead time + review, (n_sku, n_paths) each.

    mean_lead, mean_cycle : (n_sku, n_paths) the forecast *mean* demand over each path's sampled lead
        time (and it + review): the mean of the paths, read at each path's lead time.

    Sample j of SKU i = factor_i x (mean_lead[i, j] x lead_ratio_j, + (mean_cycle - mean_lead)[i, j] x
    review_ratio_j), the pairs taken at evenly spaced quantiles of the SKU's band pool (ordered by their
    total), in a seeded order. SKUs without a factor get 1; with no windows at all the means are returned.
    """
    mean_lead, mean_cycle = np.asarray(mean_lead, dtype=float), np.asarray(mean_cycle, dtype=float)
    n, n_paths = mean_lead.shape
    if calibration.windows == 0:
        return mean_lead.copy(), mean_cycle.copy()
    factor = calibration.sku_factor.reindex(pd.Index(np.asarray(skus).astype(str))).fillna(1.0).to_numpy()
    band = volume_band(mean_cycle.mean(axis=1))
    review_mean = np.maximum(mean_cycle - mean_lead, 0.0)
    lead, cycle = np.empty((n, n_paths)), np.empty((n, n_paths))
    order = np.random.default_rng(seed).permutation(n_paths)
    for b in np.unique(band):
        rows = band == b
        pool = calibration._pool(int(b), min_windows)
        share = mean_lead[rows].sum() / max(mean_cycle[rows].sum(), 1e-12)
        # order the pairs by their total over a typical window of the band, take n_paths strata of their
        # distribution weighted by forecast units (so the pool's mean ratio is the band's realised /
        # forecast units, not the plain mean of ratios, which windows forecast too low inflate)
        total = pool["lead_ratio"].to_numpy() * share + pool["review_ratio"].to_numpy() * (1 - share)
        ranked = pool.iloc[np.argsort(total, kind="stable")]
        cdf = np.cumsum(ranked["weight"].to_numpy(float))
        strata = (np.arange(n_paths) + 0.5) / n_paths * cdf[-1]
        picks = np.minimum(np.searchsorted(cdf, strata), len(ranked) - 1)[order]
        lead_ratio, review_ratio = ranked["lead_ratio"].to_numpy()[picks], ranked["review_ratio"].to_numpy()[picks]
        lead[rows] = mean_lead[rows] * lead_ratio[None, :]
        cycle[rows] = lead[rows] + review_mean[rows] * review_ratio[None, :]
    return lead * factor[:, None], cycle * factor[:, None]


# here, not in service.py next to the curve's making: Calibration.planned_targets reads it, and service.py
# imports this module
def internal_targets(targets, grid, achieved) -> np.ndarray:
    """The target to plan at so that the past windows would have been served at ``targets``: the grid
    target whose achieved fill rate equals it, linear between grid points, within the grid's ends.

    >>> internal_targets(np.array([0.95]), (0.9, 0.95, 0.99), np.array([0.85, 0.91, 0.97])).round(4).tolist()
    [0.9767]
    """
    grid = np.asarray(grid, dtype=float)
    achieved = np.maximum.accumulate(np.asarray(achieved, dtype=float))  # more stock never serves less
    return np.interp(np.asarray(targets, dtype=float), achieved + np.arange(len(achieved)) * 1e-9, grid)


__all__ = ["BAND_NAMES", "CALIBRATION_HALF_LIFE", "Calibration", "VOLUME_BANDS", "calibrated_demand", "calibration_notes",
           "fit_calibration", "internal_targets", "volume_band", "weighted_quantile", "window_weights"]
