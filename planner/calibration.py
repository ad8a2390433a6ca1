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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

VOLUME_BANDS = (2.0, 8.0, 32.0, 128.0)  # forecast units per lead time + review: < 2, 2-8, 8-32, 32-128, 128+
BAND_NAMES = ("<2", "2-8", "8-32", "32-128", "128+")
CALIBRATION_COLUMNS = ("kind", "band", "lead_ratio", "review_ratio", "weight", "sku", "factor", "target", "achieved")
#: days after which a past window counts half, in the calibration and in the target step's judgement
CALIBRATION_HALF_LIFE = 56.0
ERROR_COLUMNS = ("sku", "origin", "forecast_lead", "forecast_cycle", "realised_lead", "realised_cycle", "censored")


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


def window_errors(forecast_daily: np.ndarray, realised_daily: np.ndarray, censored_daily: np.ndarray,
                  lead_days: np.ndarray, review_days: int, skus: np.ndarray, origin) -> pd.DataFrame:
    """The errors of one origin: forecast mean and realised units over the lead time and lead time +
    review, per SKU (ERROR_COLUMNS, and ``sold_cycle``: the units sold, stockout days as they were). A
    stockout day (``censored_daily``) counts as at least its forecast: what sold understates demand,
    and leaving such windows out would drop the high ones.

    forecast_daily, realised_daily, censored_daily : (n_sku, days from the origin), days >= the
        longest lead time + review (a SKU whose window runs past them is left out).
    lead_days : (n_sku,) whole days of lead time (supplier + transit + receiving).
    """
    n, days = realised_daily.shape
    lead = np.asarray(lead_days, dtype=int)
    cycle = lead + int(review_days)
    keep = cycle <= days
    zero = np.zeros((n, 1))
    mean = np.concatenate([zero, np.cumsum(forecast_daily, axis=1)], axis=1)
    # a stockout day sold less than its demand: count it as at least its forecast
    floor = np.where(censored_daily, np.maximum(realised_daily, forecast_daily[:, :days]), realised_daily)
    real = np.concatenate([zero, np.cumsum(floor, axis=1)], axis=1)
    sold = np.concatenate([zero, np.cumsum(realised_daily, axis=1)], axis=1)
    out = np.concatenate([zero, np.cumsum(censored_daily, axis=1)], axis=1)
    rows = np.arange(n)[keep]
    lead, cycle = lead[keep], cycle[keep]
    return pd.DataFrame({
        "sku": np.asarray(skus, dtype=object)[keep], "origin": origin,
        "forecast_lead": mean[rows, lead], "forecast_cycle": mean[rows, cycle],
        "realised_lead": real[rows, lead], "realised_cycle": real[rows, cycle],
        "censored": out[rows, cycle] > 0, "sold_cycle": sold[rows, cycle], "lead_days": lead,
    })


def backtest_errors(forecasts: pd.DataFrame, lead_days: pd.Series, review_days: int, choice: pd.DataFrame | None = None,
                    step: int = 7) -> pd.DataFrame:
    """Window errors (ERROR_COLUMNS) from a rolling-origin backtest (forecast.backtest.backtest's
    ``forecasts``: sku, date, cutoff, model, mean, actual; censored days are not in it).

    Each SKU's errors come from the model ``choice`` gives it (else every model's rows are used as they
    are: pass a single model's). Windows start at each cut-off and every ``step`` days after it while a
    whole lead time + review fits in the backtest's horizon; a window with a day missing (censored:
    a stockout) is marked censored, the day counted as its forecast. A ``cutoff`` column says which
    backtest origin each window came from (backtest_service cross-fits on it).

    lead_days : whole days of lead time per SKU (index sku; supplier + transit + FBT receiving).
    """
    missing = [c for c in ("sku", "date", "cutoff", "model", "mean", "actual") if c not in forecasts.columns]
    if missing:
        raise ValueError(f"backtest forecasts: missing column(s) {missing}; found {list(forecasts.columns)}")
    frame = forecasts.assign(sku=forecasts["sku"].astype(str))
    if choice is not None and len(choice):
        chosen = choice.assign(sku=choice["sku"].astype(str)).set_index("sku")["model"]
        frame = frame[frame["model"].to_numpy() == frame["sku"].map(chosen).fillna(frame["model"]).to_numpy()]
    lead = pd.Series(lead_days).rename(index=str)
    frame = frame[frame["sku"].isin(lead.index)]
    parts = []
    for cutoff, part in frame.groupby("cutoff", sort=True):
        cutoff = pd.Timestamp(cutoff)
        day = (pd.to_datetime(part["date"]) - cutoff).dt.days.to_numpy() - 1
        skus = np.sort(part["sku"].unique())
        row = np.searchsorted(skus, part["sku"].to_numpy())
        horizon = int(day.max()) + 1
        mean, actual = np.zeros((len(skus), horizon)), np.zeros((len(skus), horizon))
        seen = np.zeros((len(skus), horizon), dtype=bool)
        mean[row, day], actual[row, day], seen[row, day] = part["mean"].to_numpy(float), part["actual"].to_numpy(float), True
        # the backtest leaves censored days out, their forecast too: take the SKU's mean forecast per day
        typical = mean.sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
        mean = np.where(seen, mean, typical[:, None])
        sku_lead = np.rint(lead.reindex(skus).to_numpy(float)).astype(int)
        for offset in range(0, horizon - int(sku_lead.min()) - review_days + 1, step):
            parts.append(window_errors(mean[:, offset:], actual[:, offset:], ~seen[:, offset:], sku_lead, review_days,
                                       skus, cutoff + pd.Timedelta(days=offset)).assign(cutoff=cutoff))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(ERROR_COLUMNS))


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


CENSORED_WINDOWS = ("km", "imputed", "conditional")


def judged_demand(censored_windows: str, forecast_lead: np.ndarray, forecast_cycle: np.ndarray, realised_lead: np.ndarray,
                  realised_cycle: np.ndarray, sold_cycle: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lead-time and lead time + review demand the target step judges past windows on, by how it reads
    a window that ran out (backtest_service's ``censored_windows``): "km" as impute_censored_windows
    estimates it; "imputed" and "conditional" as window_errors realised it (the conditional form then
    replaces a censored window's demand inside achieved_fill_rates)."""
    if censored_windows not in CENSORED_WINDOWS:
        raise ValueError(f"censored_windows must be 'km', 'imputed' or 'conditional'; got {censored_windows!r}")
    if censored_windows == "km":
        return impute_censored_windows(forecast_lead, forecast_cycle, realised_lead, realised_cycle, sold_cycle, censored)
    return np.asarray(realised_lead, dtype=float), np.asarray(realised_cycle, dtype=float)


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


def backtest_service(errors: pd.DataFrame, order_terms: pd.DataFrame | None = None, n_paths: int = 100,
                     max_windows: int = 5000, seed: int = 0, slow_units: float = 20.0,
                     unit_values: pd.Series | None = None, floor: float = 0.5, review_days: int | None = None,
                     censored_windows: str = "km", half_life_days: float | None = CALIBRATION_HALF_LIFE,
                     **fit_options) -> pd.DataFrame:
    """The fill rate past windows would have been served at each SERVICE_GRID target with levels set on
    calibrated demand (target, achieved), for Calibration.service.

    A window that ran out of stock (``censored_windows``): "km" (default) judges it on the demand
    impute_censored_windows estimates for it (the Kaplan-Meier estimate of its band's ratios to the
    forecast above what it sold); "imputed" on its realised demand as window_errors reads it, sales on
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
    from planner.inventory.allocation import value_weights
    from planner.inventory.levels import levels_at_targets, order_lot_sizes

    if censored_windows not in CENSORED_WINDOWS:  # before the work, not after it
        raise ValueError(f"censored_windows must be 'km', 'imputed' or 'conditional'; got {censored_windows!r}")

    frame = errors[(errors["forecast_cycle"] - errors["forecast_lead"] > 1e-9) & (errors["forecast_lead"] > 1e-9)]
    groups = frame["cutoff"] if "cutoff" in frame.columns and frame["cutoff"].nunique() > 1 else pd.Series(0, index=frame.index)
    rng = np.random.default_rng(seed)
    levels, lead_real, cycle_real, lots, censored, samples, sold, chains = [], [], [], [], [], [], [], []
    forecast_lead, forecast_cycle, origins = [], [], []
    chained = bool(review_days) and {"cutoff", "lead_days"} <= set(frame.columns)
    for group in groups.unique():
        mine = frame[groups == group]
        others = frame[groups != group] if groups.nunique() > 1 else frame
        calibration = fit_calibration(others, half_life_days=half_life_days, **fit_options)
        if len(mine) > max_windows:
            # a seeded sample of SKUs, all windows of each: a window judged in turn needs its predecessors
            skus = np.sort(mine["sku"].astype(str).unique())
            keep = max(1, int(len(skus) * max_windows / len(mine)))
            mine = mine[mine["sku"].astype(str).isin(rng.choice(skus, keep, replace=False))]
        mean_lead = np.repeat(mine["forecast_lead"].to_numpy(float)[:, None], n_paths, axis=1)
        mean_cycle = np.repeat(mine["forecast_cycle"].to_numpy(float)[:, None], n_paths, axis=1)
        lead, cycle = calibrated_demand(calibration, mine["sku"].to_numpy(), mean_lead, mean_cycle, seed=seed)
        terms = (order_terms.reindex(mine["sku"].astype(str)) if order_terms is not None
                 else pd.DataFrame({"moq": np.ones(len(mine)), "case_pack": np.ones(len(mine))}))
        lot = order_lot_sizes(terms["moq"].fillna(1).to_numpy(float), terms["case_pack"].fillna(1).to_numpy(float),
                              cycle.mean(axis=1) - lead.mean(axis=1))
        values = groups_of = None
        if unit_values is not None:
            # a window whose SKU has no value takes the median, as value_weights does for a SKU without prices
            values = value_weights(np.nan_to_num(
                pd.Series(unit_values).rename(index=str).reindex(mine["sku"].astype(str)).to_numpy(float)))
            groups_of = mine["origin"].astype(str).to_numpy()
            if "group" in mine.columns:  # e.g. the plan's ABC classes: a target is kept over each one's windows
                groups_of = groups_of + "|" + mine["group"].astype(str).to_numpy()
        floors = mine["floor"].to_numpy(float) if "floor" in mine.columns else floor
        levels.append(levels_at_targets(lead, cycle, SERVICE_GRID, "fill_rate", slow_units, lot, values, groups_of, floors))
        lead_real.append(mine["realised_lead"].to_numpy(float))
        cycle_real.append(mine["realised_cycle"].to_numpy(float))
        forecast_lead.append(mine["forecast_lead"].to_numpy(float))
        forecast_cycle.append(mine["forecast_cycle"].to_numpy(float))
        origins.append(mine["origin"])
        censored.append(mine["censored"].to_numpy(bool))
        sold.append((mine["sold_cycle"] if "sold_cycle" in mine.columns else mine["realised_cycle"]).to_numpy(float))
        samples.append((lead, cycle))
        lots.append(lot)
        if chained:
            days = (pd.to_datetime(mine["origin"]) - pd.to_datetime(mine["cutoff"])).dt.days.to_numpy()
            if (days % int(review_days)).any():
                raise ValueError(f"backtest_service: windows must be one review ({int(review_days)} days) apart to be "
                                 f"judged in turn; found origins {sorted(set(days % int(review_days)))} days off that "
                                 f"step (backtest_errors(..., step=review_days), or leave review_days out)")
            chains.append(pd.DataFrame({"chain": mine["cutoff"].astype(str).to_numpy() + "|" + mine["sku"].astype(str).to_numpy(),
                                        "step": days // int(review_days),
                                        "reach": mine["lead_days"].to_numpy(float) / int(review_days)}))
    if not levels:
        return pd.DataFrame({"target": pd.Series(dtype=float), "achieved": pd.Series(dtype=float)})
    judged_censored = np.concatenate(censored) if censored_windows == "conditional" else None
    sold = np.concatenate(sold)
    lead_real, cycle_real = judged_demand(censored_windows, np.concatenate(forecast_lead), np.concatenate(forecast_cycle),
                                          np.concatenate(lead_real), np.concatenate(cycle_real), sold, np.concatenate(censored))
    achieved = achieved_fill_rates(np.concatenate(levels), lead_real, cycle_real,
                                   np.concatenate(lots), judged_censored, np.concatenate([s[0] for s in samples]),
                                   np.concatenate([s[1] for s in samples]), sold,
                                   **_chain_arguments(chains),
                                   weights=window_weights(pd.concat(origins, ignore_index=True), half_life_days))
    return pd.DataFrame({"target": SERVICE_GRID, "achieved": achieved})


def _chain_arguments(chains: list[pd.DataFrame]) -> dict:
    if not chains:
        return {}
    frame = pd.concat(chains, ignore_index=True)
    return {"chains": frame["chain"].to_numpy(), "steps": frame["step"].to_numpy(int), "lead_reviews": frame["reach"].to_numpy(float)}


#: the internal targets the target step reads past levels at; the highest promise it can keep lies below
#: the top (at 0.995 the sample shop's replay stopped at 99.45 %, below what its 60 days of cover serve)
SERVICE_GRID = (0.50, 0.60, 0.70, 0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)


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
    from planner.inventory.policy import cycle_shortage

    levels = np.asarray(levels, dtype=float)
    lead, cycle = np.asarray(realised_lead, dtype=float), np.asarray(realised_cycle, dtype=float)
    n = len(lead)
    lots = None if lot_sizes is None else np.maximum(np.asarray(lot_sizes, dtype=float), 1.0)
    demand = cycle - lead
    rows = np.array([], dtype=int) if censored is None else np.flatnonzero(np.asarray(censored, dtype=bool))
    above = count = l_s = c_s = None
    if rows.size:
        l_s, c_s = np.asarray(lead_samples, dtype=float)[rows], np.asarray(cycle_samples, dtype=float)[rows]
        bound = cycle if sold_cycle is None else np.asarray(sold_cycle, dtype=float)
        above = c_s >= bound[rows, None] - 1e-9
        count = above.sum(axis=1)
        ok = count > 0
        rows, l_s, c_s, above, count = rows[ok], l_s[ok], c_s[ok], above[ok], count[ok]
        demand[rows] = ((c_s - l_s) * above).sum(axis=1) / count
    sample_row = np.full(n, -1)
    sample_row[rows] = np.arange(len(rows))

    def shortage(at: np.ndarray, carry: np.ndarray) -> np.ndarray:
        """Shortage of windows ``at`` at every level column, their lead-time demand less ``carry``
        (n_at, n_levels): the units earlier windows already lost in it."""
        q = None if lots is None else lots[at, None]
        out = cycle_shortage(np.maximum(lead[at, None] - carry, 0.0), np.maximum(cycle[at, None] - carry, 0.0), levels[at], q)
        mine = sample_row[at]
        has = mine >= 0
        if has.any():
            k, c = mine[has], carry[has][:, None, :]
            gap = cycle_shortage(np.maximum(l_s[k][:, :, None] - c, 0.0), np.maximum(c_s[k][:, :, None] - c, 0.0),
                                 levels[at[has]][:, None, :], None if q is None else q[has][:, :, None])
            out[has] = (gap * above[k][:, :, None]).sum(axis=1) / count[k][:, None]
        return out

    short = np.zeros(levels.shape)
    if chains is None:
        short[:] = shortage(np.arange(n), np.zeros(levels.shape))
    else:
        # lost sales: the order placed at a review lifts the position to S, and the position falls only by
        # what is served; so the stock left when it arrives is S less the lead-time demand *served*, and
        # units the previous windows lost inside this lead time do not use it up. Windows of one chain are
        # one review apart: a lead time of m.f reviews holds the review periods of the m previous windows
        # and f of the one before.
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
            carry = np.zeros((len(at), levels.shape[1]))
            for back in range(1, int(np.ceil(reach[at].max())) + 1 if len(at) else 1):
                if k - back < 0:
                    break
                before = index[code[at], k - back]
                part = np.clip(reach[at] - (back - 1), 0.0, 1.0) * (before >= 0)
                # of a window partly inside, the units lost in the part inside (its last days): a stock
                # runs out once and stays out, so that is all its shortage, or all that part's demand
                earlier = np.maximum(before, 0)
                carry += np.minimum(short[earlier], (part * demand[earlier])[:, None])
            short[at] = shortage(at, carry)
    weight = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    total = float((weight * demand).sum())
    return 1 - (weight[:, None] * short).sum(axis=0) / total if total > 0 else np.ones(levels.shape[1])


def internal_targets(targets, grid, achieved) -> np.ndarray:
    """The target to plan at so that the past windows would have been served at ``targets``: the grid
    target whose achieved fill rate equals it, linear between grid points, within the grid's ends.

    >>> internal_targets(np.array([0.95]), (0.9, 0.95, 0.99), np.array([0.85, 0.91, 0.97])).round(4).tolist()
    [0.9767]
    """
    grid = np.asarray(grid, dtype=float)
    achieved = np.maximum.accumulate(np.asarray(achieved, dtype=float))  # more stock never serves less
    return np.interp(np.asarray(targets, dtype=float), achieved + np.arange(len(achieved)) * 1e-9, grid)


__all__ = ["BAND_NAMES", "CALIBRATION_HALF_LIFE", "Calibration", "ERROR_COLUMNS", "SERVICE_GRID", "achieved_fill_rates",
           "backtest_errors", "backtest_service", "calibrated_demand", "calibration_notes", "censored_tail_means",
           "fit_calibration", "impute_censored_windows", "internal_targets", "judged_demand", "volume_band", "window_errors",
           "window_weights"]
