"""The engine's model class: runs the phases in order (``fit``) and reads the forecast off them.

See the package docstring for the model; each phase lives in its own module, this one only passes
their results along and keeps the fitted state (attributes ending in ``_``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

from forecast.contract import QUANTILES, quantile_column
from forecast.features import DISTANCE_CAP, CampaignMatrices, campaign_days, campaign_matrices
from forecast.models.base import KEEP_BYTES, ChunkedPaths, Forecaster, SamplePaths, register
from forecast.models.campaign.level import (
    fill_level, forward_level, half_lives, level_observations, pooled_drift, shrink_level, two_sided_level,
)
from forecast.models.campaign.matrices import (
    DayKinds, SalesMatrix, category_codes, day_kinds, event_cells, holiday_keys, sales_matrix, season_index,
)
from forecast.models.campaign.sampling import (
    ChunkDraws, PreparedDraws, campaign_key, dispersion, draw_chunk, ordered_summary, shuffled,
)
from forecast.models.campaign.seasonality import (
    CalendarProfiles, calendar_profiles, event_effects, event_multipliers, holiday_effects, holiday_multipliers,
    weekly_profile,
)
from forecast.models.campaign.uplift import (
    UpliftMatrices, UpliftPooling, fit_prepost, fit_uplifts, prepost_matrix, uplift_matrices,
)
from forecast.spikes import spikes_as_campaigns, unexplained_spikes


@dataclass(frozen=True)
class Baseline:
    """Expected demand on the history's days without campaign uplift or named days, and its parts."""

    season: np.ndarray  # (n_sku, season_length) float32 weekly profile, mean 1
    calendar: CalendarProfiles  # time of year
    calendar_matrix: np.ndarray  # (1 or n_sku, n_days) float32 the time of year on the history's days
    prepost_effects: np.ndarray | None  # (n_sku, PRE_DAYS + POST_DAYS) run-up / hangover; None without campaigns
    prepost: np.ndarray  # (n_sku, n_days) float32 their multiplier on each day (1 without campaigns)
    expected: np.ndarray  # (n_sku, n_days) float32 local level x season x time of year


@dataclass(frozen=True)
class ForecastParts:
    """The forecast's deterministic parts over the horizon: what ``components`` shows and the draws share."""

    dates: pd.DatetimeIndex  # the horizon's days
    baseline: np.ndarray  # (n_sku, horizon) float32 level x season x time of year x holiday x run-up / hangover
    uplift: UpliftMatrices


@register
class CampaignForecaster(Forecaster):
    """Campaign-aware, probabilistic default engine (see the module docstring).

    Parameters
    ----------
    market : ISO country code for public holidays and the market's mega-sale days (None: no public
        holidays, every listed mega-sale day; see forecast.features.market_mega_sales).
    market_holidays : False leaves out the market's public holidays.
    mega_sales : True: the market's mega-sale days; False: none; or the names of the days to use.
    season_length : period of the within-week profile in days (7); 1 switches it off.
    half_life : days over which the level's weights halve, for a SKU selling every day.
    max_half_life : cap of the half-life of intermittent SKUs (it grows with the interval between sales).
    profile_days : days of history the seasonal profile is read from.
    profile_prior_units : units of evidence at which a SKU's own profile weighs as much as its pool's.
    level_prior_days : days of evidence at which a new SKU's level weighs as much as its category's.
    effect_prior_units : same, for per-SKU pre/post and holiday multipliers.
    yearly : learn a shop-wide day-of-year profile (needs more than a year of history).
    monthly : learn a shop-wide day-of-month profile (paydays, month-end).
    (Events -- school holidays, paydays, finals, the shop's own promotions -- come with the frames, to ``fit``.)
    level_from_campaign_days : let campaign days, their uplift divided out, inform the level.
    uplift_half_life : age in days at which a past campaign counts half in the uplift (None: all equal).
    sku_seasonality : give each SKU its own yearly swing beyond the shop's, as far as its years agree.
    seasonal_uplift : let a type's uplift vary with the time of year, as far as past years' campaigns
        at the same time of year agree (a promotion before Christmas lifts more than one in October).
    drift_half_life : half-life in days of a recent level read beside each SKU's own (None: off). The
        ratio of the two, pooled over the SKUs of a category (units-weighted), is the drift the slow levels
        have not caught up with yet (a season starting across the shop); every SKU's level is moved by it.
    chunk_skus : SKUs simulated at once (bounds memory; results depend on it only through the seed).
    discover_spikes : read the history's unexplained spikes (forecast.spikes, ``spikes_`` once fitted) as
        campaigns of type 'other', so that an unlogged livestream is learnt neither as noise nor as trend.
    """

    name = "campaign"

    def __init__(
        self,
        market: str | None = None,
        season_length: int = 7,
        half_life: float = 28.0,
        max_half_life: float = 180.0,
        profile_days: int = 364,
        profile_prior_units: float = 300.0,
        level_prior_days: float = 7.0,
        effect_prior_units: float = 200.0,
        yearly: bool = True,
        monthly: bool = True,
        level_from_campaign_days: bool = True,
        uplift_half_life: float | None = 365.0,
        seasonal_uplift: bool = True,
        sku_seasonality: bool = True,
        drift_half_life: float | None = 21.0,
        chunk_skus: int = 1000,
        market_holidays: bool = True,
        mega_sales: bool | tuple[str, ...] = True,
        discover_spikes: bool = True,
    ):
        self.market = market
        self.market_holidays = market_holidays
        self.mega_sales = mega_sales
        self.season_length = season_length
        self.half_life = half_life
        self.max_half_life = max_half_life
        self.profile_days = profile_days
        self.profile_prior_units = profile_prior_units
        self.level_prior_days = level_prior_days
        self.effect_prior_units = effect_prior_units
        self.yearly = yearly
        self.monthly = monthly
        self.level_from_campaign_days = level_from_campaign_days
        self.uplift_half_life = uplift_half_life
        self.seasonal_uplift = seasonal_uplift
        self.sku_seasonality = sku_seasonality
        self.drift_half_life = drift_half_life
        self.chunk_skus = chunk_skus
        self.discover_spikes = discover_spikes

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> Self:
        """Learn every phase from ``history`` (see forecast.contract).

        ``campaigns`` is the whole calendar, past and planned: past rows are evidence, rows after the
        history are used when predicting; ``products`` gives the categories SKUs are pooled in;
        ``events``, past and coming, the days whose type's effect is learnt like a named day's.
        """
        campaigns = self._with_spikes(history, campaigns, events)
        sales = sales_matrix(history)
        self.skus_, self.dates_, self.campaigns_ = sales.skus, sales.dates, campaigns
        self.category_ = category_codes(sales.skus, products)
        n_cat = int(self.category_.max()) + 1 if len(sales.skus) else 1
        self.campaign_days_ = campaign_days(campaigns) if campaigns is not None else None
        campaign_cells = campaign_matrices(campaigns, sales.skus, sales.dates, days=self.campaign_days_)
        self.events_ = events if events is not None and len(events) else None
        history_events = event_cells(self.events_, sales.skus, sales.dates) if self.events_ is not None else None
        days = day_kinds(sales, campaign_cells, self._holiday_keys(sales.dates), self.season_length, history_events)
        self.holiday_names_ = days.holiday_names
        self.half_life_ = half_lives(sales, self.half_life, self.max_half_life)

        baseline = self._fit_baseline(sales, days, campaign_cells, n_cat)
        self.season_ = baseline.season.astype(np.float32)
        self.yearly_, self.monthly_ = baseline.calendar.yearly, baseline.calendar.monthly
        self.sku_yearly_ = baseline.calendar.sku_yearly
        self.prepost_ = baseline.prepost_effects
        self.holiday_effect_ = holiday_effects(sales, days, baseline.expected, baseline.prepost, self.effect_prior_units)
        holiday = holiday_multipliers(days.holiday_key, self.holiday_effect_)
        expected = baseline.expected * baseline.prepost * holiday[None, :]
        self.event_effect_ = {} if history_events is None else event_effects(sales, days, expected, self.effect_prior_units)
        event = event_multipliers(history_events, self.event_effect_)
        expected = expected * event  # demand without campaign uplift

        self.uplift_ = {}
        if self.campaign_days_ is not None and len(self.campaign_days_):
            self.uplift_ = fit_uplifts(sales, expected, campaign_cells, self.campaign_days_, self._uplift_pooling(n_cat))
        # SKU x day matrices are dropped once used: at 100k SKUs x 730 days each is 0.3 GB
        del campaign_cells
        # each day's expected multiplier of the level, what the level's days are divided by
        divisor = baseline.prepost * baseline.season[:, days.season_index] * holiday[None, :] * baseline.calendar_matrix * event
        del baseline
        self._fit_level(sales, days, divisor, expected, n_cat)
        del divisor
        self.dispersion_ = dispersion(sales.units, expected, days.ordinary)
        return self

    def _with_spikes(self, history: pd.DataFrame, campaigns: pd.DataFrame | None,
                     events: pd.DataFrame | None) -> pd.DataFrame | None:
        """The calendar with the history's unexplained spikes added as campaigns (``spikes_``: the spikes)."""
        self.spikes_ = None
        if not self.discover_spikes:
            return campaigns
        self.spikes_ = unexplained_spikes(history, campaigns, events, self.market, self.mega_sales, self.market_holidays)
        return self._plus_spikes(campaigns)

    def _plus_spikes(self, campaigns: pd.DataFrame | None) -> pd.DataFrame | None:
        """``campaigns`` and the spikes found in the fit (a scenario's calendar keeps them as the fit's does)."""
        if self.spikes_ is None or not len(self.spikes_):
            return campaigns
        found = spikes_as_campaigns(self.spikes_)
        return found if campaigns is None else pd.concat([campaigns, found], ignore_index=True)

    def _fit_baseline(self, sales: SalesMatrix, days: DayKinds, campaign_cells: CampaignMatrices,
                      n_cat: int) -> Baseline:
        """Season, time of year and run-up / hangover with the local level they multiply.

        Each needs the others divided out, so they are fitted in turn, three rounds (one without
        campaigns): the time of year once, in the first round, on demand with the season divided out.
        """
        units, season_days = sales.units, days.season_index
        prepost = np.ones_like(units)
        prepost_effects = None
        calendar = CalendarProfiles.flat()
        calendar_matrix = np.ones((1, len(sales.dates)), dtype=np.float32)
        for iteration in range(3):
            adjusted = units / (prepost * calendar_matrix)
            season = weekly_profile(adjusted, days.ordinary, season_days, self.season_length, self.profile_days,
                                    self.profile_prior_units, self.category_, n_cat)
            deseasoned = adjusted / season[:, season_days]
            if iteration == 0 and (self.yearly or self.monthly):
                calendar = calendar_profiles(deseasoned, days.ordinary, sales.dates, self.yearly, self.monthly,
                                             self.sku_seasonality, self.profile_prior_units)
                calendar_matrix = calendar.multipliers(sales.dates)
                deseasoned = deseasoned / calendar_matrix
            # days weigh by what they are expected to sell (a ratio estimator): a day the shop barely
            # trades on (UCI's Saturdays) says little about the level, not that it is nearly zero
            weight = prepost * calendar_matrix  # one SKU x day temporary, multiplied in place
            weight *= season[:, season_days]
            weight *= days.ordinary
            local = two_sided_level(deseasoned, weight, self.half_life_)
            del weight
            local = fill_level(local, units, sales.observed)
            expected = local * season[:, season_days] * calendar_matrix
            if not days.on_campaign.any():
                break
            prepost_effects = fit_prepost(units, expected, days.ordinary, campaign_cells, self.effect_prior_units)
            prepost = prepost_matrix(prepost_effects, campaign_cells.days_to, campaign_cells.days_since)
        return Baseline(season=season, calendar=calendar, calendar_matrix=calendar_matrix,
                        prepost_effects=prepost_effects, prepost=prepost, expected=expected)

    def _holiday_keys(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Each day's holiday or mega-sale name under the model's market switches."""
        return holiday_keys(dates, self.market, self.mega_sales, self.market_holidays)

    def _uplift_pooling(self, n_cat: int) -> UpliftPooling:
        return UpliftPooling(category=self.category_, n_cat=n_cat, n_days=len(self.dates_),
                             half_life=self.uplift_half_life, prior_units=self.effect_prior_units,
                             seasonal=self.seasonal_uplift)

    def _fit_level(self, sales: SalesMatrix, days: DayKinds, divisor: np.ndarray, expected: np.ndarray,
                   n_cat: int) -> None:
        """The level as of the last day (``level_``) and its category's drift (``drift_``).

        One-sided exponentially weighted over the days' demand over their expected multiplier
        (``divisor``); campaign days count too, their fitted uplift divided out, where the model lets them.
        """
        campaign_factor = None
        if self.uplift_ and self.level_from_campaign_days:
            uplift = uplift_matrices(self.uplift_, self.campaign_days_, self.skus_, self.dates_[0], len(self.dates_))
            campaign_factor = np.exp(uplift.log_mean + uplift.log_var / 2)
            del uplift
        values, weight = level_observations(sales, days.on_campaign, divisor, expected, campaign_factor)
        del campaign_factor
        level, _ = forward_level(values, weight, self.half_life_)
        self.drift_ = np.ones(len(self.skus_), dtype=np.float32)
        if self.drift_half_life:
            self.drift_ = pooled_drift(values, weight, self.half_life_, self.drift_half_life, self.category_, n_cat)
            level = level * self.drift_
        self.level_ = shrink_level(level, (weight > 0).sum(axis=1), self.category_, n_cat, self.level_prior_days)

    # -------------------------------------------------------------------------------------- forecast
    def _forecast_parts(self, horizon: int, uplift_scale: dict | None = None,
                        campaigns: pd.DataFrame | None = None) -> ForecastParts:
        """Deterministic parts of the forecast over the ``horizon`` days after the history."""
        start = self.dates_[-1] + pd.Timedelta(days=1)
        # the calendar from DISTANCE_CAP days before the horizon to as many after: run-up and hangover
        span = pd.date_range(self.dates_[-1] - pd.Timedelta(days=DISTANCE_CAP), periods=horizon + DISTANCE_CAP + 1 + DISTANCE_CAP, freq="D")
        calendar = self.campaigns_ if campaigns is None else self._plus_spikes(campaigns)
        days = campaign_days(calendar, span) if calendar is not None else None
        campaign_cells = campaign_matrices(calendar, self.skus_, span, days=days)
        cut = slice(DISTANCE_CAP + 1, DISTANCE_CAP + 1 + horizon)
        future = pd.date_range(start, periods=horizon, freq="D")
        holiday = holiday_multipliers(self._holiday_keys(future), self.holiday_effect_)
        time_of_year = CalendarProfiles(yearly=self.yearly_, monthly=self.monthly_, sku_yearly=self.sku_yearly_)
        baseline = (self.level_[:, None] * self.season_[:, season_index(future, self.season_length)]
                    * holiday[None, :] * time_of_year.multipliers(future))
        if self.events_ is not None:
            baseline = baseline * event_multipliers(event_cells(self.events_, self.skus_, span), self.event_effect_)[..., cut]
        if self.prepost_ is not None:
            baseline = baseline * prepost_matrix(self.prepost_, campaign_cells.days_to[:, cut], campaign_cells.days_since[:, cut])
        uplift = uplift_matrices(self.uplift_, days, self.skus_, start, horizon, uplift_scale)
        return ForecastParts(dates=future, baseline=baseline.astype(np.float32), uplift=uplift)

    def components(self, horizon: int, uplift_scale: dict | None = None, campaigns: pd.DataFrame | None = None) -> pd.DataFrame:
        """Decomposition of the mean forecast per SKU and day.

        Columns: sku, date, baseline (units without campaigns: level x season x holiday x run-up /
        hangover), uplift_factor (expected multiplier on campaign days, 1 elsewhere), uplift_units
        (mean - baseline), mean, campaign_id (the day's campaign, '' when none).
        """
        parts = self._forecast_parts(horizon, uplift_scale, campaigns)
        uplift = parts.uplift
        factor = np.exp(uplift.log_mean + uplift.log_var / 2)
        factor = 1 + uplift.scale * (factor - 1)
        mean = parts.baseline * factor
        n_sku = len(self.skus_)
        ids = np.array([""] + [str(e) for e in uplift.campaign_ids], dtype=object)[uplift.campaign.reshape(-1) + 1]
        return pd.DataFrame({
            "sku": np.repeat(self.skus_, horizon), "date": np.tile(parts.dates.values, n_sku),
            "baseline": parts.baseline.reshape(-1).astype(float), "uplift_factor": factor.reshape(-1).astype(float),
            "uplift_units": (mean - parts.baseline).reshape(-1).astype(float), "mean": mean.reshape(-1).astype(float),
            "campaign_id": ids,
        })

    def _prepare_draws(self, horizon: int, seed: int, uplift_scale: dict | None = None,
                       campaigns: pd.DataFrame | None = None) -> PreparedDraws:
        """What every chunk's draws share: the forecast's deterministic parts and one seed per chunk."""
        parts = self._forecast_parts(horizon, uplift_scale, campaigns)
        n_chunks = max(1, -(-len(self.skus_) // self.chunk_skus))
        return PreparedDraws(
            dates=parts.dates, baseline=parts.baseline, log_mean=parts.uplift.log_mean,
            log_sd=np.sqrt(parts.uplift.log_var), campaign=parts.uplift.campaign, scale=parts.uplift.scale,
            n_campaigns=max(len(parts.uplift.campaign_ids), 1), seeds=np.random.SeedSequence(seed).spawn(n_chunks),
            campaign_keys=np.array([campaign_key(c) for c in parts.uplift.campaign_ids], dtype=np.uint32),
        )

    def _draw_chunk(self, prepared: PreparedDraws, c: int, n_paths: int) -> ChunkDraws:
        """Chunk c's draws (sampling.draw_chunk); the same every time for the same prepared draws."""
        return draw_chunk(prepared, c, n_paths, self.chunk_skus, self.dispersion_)

    def _chunk_draws(self, prepared: PreparedDraws, n_paths: int) -> Iterator[ChunkDraws]:
        """Every chunk's draws in order of the SKUs."""
        for c in range(len(prepared.seeds)):
            yield self._draw_chunk(prepared, c, n_paths)

    def sample_paths(
        self, horizon: int, n_paths: int = 200, seed: int = 0, uplift_scale: dict | None = None,
        campaigns: pd.DataFrame | None = None,
    ) -> SamplePaths:
        """Joint draws of daily demand (n_sku, n_paths, horizon), float32.

        ``uplift_scale`` maps a campaign id (or a campaign type) to a factor on that campaign's extra
        units: 3 means "this creator live sells 3x the extra units we expect", 0 "it is cancelled".
        ``campaigns`` replaces the calendar given to ``fit`` (a scenario's planned campaigns).
        """
        prepared = self._prepare_draws(horizon, seed, uplift_scale, campaigns)
        values = np.empty((len(self.skus_), n_paths, horizon), dtype=np.float32)
        for draws in self._chunk_draws(prepared, n_paths):
            values[draws.lo:draws.hi] = shuffled(draws)
        return SamplePaths(skus=self.skus_, start=prepared.dates[0], values=values)

    def chunked_paths(
        self, horizon: int, n_paths: int = 200, seed: int = 0, uplift_scale: dict | None = None,
        campaigns: pd.DataFrame | None = None, keep_bytes: int = KEEP_BYTES,
    ) -> ChunkedPaths:
        """The draws of ``sample_paths`` (the same values), drawn ``chunk_skus`` SKUs at a time when
        read, with each chunk's mean and quantiles read off its sorted strata as ``predict`` does."""
        prepared = self._prepare_draws(horizon, seed, uplift_scale, campaigns)

        def draw(c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            draws = self._draw_chunk(prepared, c, n_paths)
            mean, qs = ordered_summary(draws, QUANTILES)
            return shuffled(draws), mean, qs

        start = self.dates_[-1] + pd.Timedelta(days=1)
        return ChunkedPaths(self.skus_, start, n_paths, horizon, self.chunk_skus, draw, keep_bytes)

    def predict(
        self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200, seed: int = 0,
        uplift_scale: dict | None = None, campaigns: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Long forecast frame read off the same draws as ``sample_paths``, chunk by chunk.

        Ordinary days' draws come sorted, so their quantiles are read by position (numpy's 'linear'
        rule) without shuffling or sorting; campaign days use np.quantile on their draws.
        """
        prepared = self._prepare_draws(horizon, seed, uplift_scale, campaigns)
        n_sku = len(self.skus_)
        mean = np.empty((n_sku, horizon), dtype=np.float32)
        qs = np.empty((len(quantiles), n_sku, horizon), dtype=np.float32)
        for draws in self._chunk_draws(prepared, n_paths):
            mean[draws.lo:draws.hi], qs[:, draws.lo:draws.hi] = ordered_summary(draws, quantiles)
        frame = pd.DataFrame({"sku": np.repeat(self.skus_, horizon), "date": np.tile(prepared.dates.values, n_sku)})
        frame["model"] = self.name
        frame["mean"] = mean.reshape(-1).astype(float)
        for j, q in enumerate(quantiles):
            frame[quantile_column(q)] = qs[j].reshape(-1).astype(float)
        return frame
