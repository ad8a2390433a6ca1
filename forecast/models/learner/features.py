"""The learner's rows: one per SKU, forecast origin and day ahead, described as seen from the origin.

A row is day ``d = o + ahead`` of a SKU forecast from origin ``o`` (the last day seen). Its features are
either known at the origin (the SKU's recent levels, its weekday profile and last year's same days, what
its past campaigns sold) or known ahead for day d (calendar, the campaign calendar, events, holidays and
mega-sale days). Levels are divided by the SKU's scale at the origin (its mean over the last 91 observed
days), so one model serves SKUs of every size: the model learns ``log(mean / scale)``, the scale enters
as an offset. Training rows come from many origins of the history, predicting rows from its last day.

Everything is read off SKU x day matrices through cumulative sums, so a window's mean at any origin is
two lookups: no Python loop over SKUs or origins' rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES
from forecast.features import campaign_matrices, distances, event_days, holiday_features

#: the scale's window, and the floor that keeps log(scale) finite for a SKU without recent sales
SCALE_DAYS = 91
MIN_SCALE = 0.02
#: run-up and hangover of events, in days (as the engine's)
EVENT_REACH = 7

#: no day of the year: with a year or two of history it names single days, which the trees learnt by
#: heart (on a 200-day history the holdout's error rose from the fourth round); last year's same days
#: carry the time of year instead
CALENDAR_FEATURES = ("ahead", "weekday", "day_of_month", "month")
ORIGIN_FEATURES = ("log_scale", "recent_7", "recent_28", "year_level", "zero_share", "weekday_ratio",
                   "last_year", "last_year_shape", "campaign_lift")
CAMPAIGN_FEATURES = CAMPAIGN_TYPES + ("hours", "log_viewers", "log_budget", "discount_pct",
                                      "days_to_campaign", "days_since_campaign")
DAY_FEATURES = ("holiday", "mega_sale", "days_to_mega_sale", "days_to_event", "days_since_event")


@dataclass(frozen=True)
class Rows:
    """Rows of the learner: features (n_rows, n_features) float32, their SKU and day, and the offset."""

    features: np.ndarray
    sku: np.ndarray  # row of the SKU in the matrices
    day: np.ndarray  # column of the target day (history days first, then the horizon's)
    log_scale: np.ndarray  # the offset: log of the SKU's scale at the origin
    seen: np.ndarray  # bool: the SKU has an observed day at or before the origin (else nothing is known)


class Matrices:
    """The SKU x day matrices rows are read from: the history's units and everything known ahead, over
    the history's days followed by ``ahead_days`` days after it.

    Parameters
    ----------
    units : (n_sku, n_days) units sold, NaN on censored days and before a SKU's first row.
    skus, dates : its rows and its (consecutive) days.
    campaigns, events : the contract's frames (past and planned), or None.
    category : (n_sku,) int category code of each SKU.
    event_types : the event types to give a column each (the ones seen at fit).
    market, mega_sales : the holiday calendar (forecast.features.holiday_features).
    """

    def __init__(self, units: np.ndarray, skus: np.ndarray, dates: pd.DatetimeIndex, ahead_days: int,
                 campaigns: pd.DataFrame | None, events: pd.DataFrame | None, category: np.ndarray,
                 event_types: tuple[str, ...], market: str | None, mega_sales=True):
        self.units, self.skus, self.category = units, skus, category
        self.n_history = units.shape[1]
        self.all_dates = pd.date_range(dates[0], periods=self.n_history + ahead_days, freq="D")
        observed = ~np.isnan(units)
        filled = np.where(observed, units, 0.0)
        self.sums, self.counts = _cumulative(filled), _cumulative(observed)
        self.weekly_sums, self.weekly_counts = _weekly_cumulative(filled), _weekly_cumulative(observed)
        self.campaign = campaign_matrices(campaigns, skus, self.all_dates)
        on_campaign = self.campaign.any_campaign[:, :self.n_history] > 0
        self.campaign_sums = _cumulative(np.where(on_campaign, filled, 0.0))
        self.campaign_counts = _cumulative(on_campaign & observed)
        self.event_types = event_types
        self.events = _event_matrices(events, skus, self.all_dates, event_types)
        self.calendar = holiday_features(self.all_dates, market, mega_sales=mega_sales)

    def window_mean(self, rows: np.ndarray, last: np.ndarray, days: int, sums=None, counts=None) -> np.ndarray:
        """Mean over the observed days of columns (last - days, last] of each row; NaN with none."""
        sums = self.sums if sums is None else sums
        counts = self.counts if counts is None else counts
        hi = np.clip(last + 1, 0, self.n_history)
        lo = np.clip(last + 1 - days, 0, self.n_history)
        n = counts[rows, hi] - counts[rows, lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, (sums[rows, hi] - sums[rows, lo]) / n, np.nan)

    def weekday_mean(self, rows: np.ndarray, last: np.ndarray, weeks: int) -> np.ndarray:
        """Mean over the observed days among last, last - 7, ... (``weeks`` of them); NaN with none."""
        inside = (last >= 0) & (last < self.n_history)
        last = np.clip(last, 0, self.n_history - 1)
        before = last - 7 * weeks
        early = before < 0
        before = np.maximum(before, 0)

        def total(running):
            return running[rows, last] - np.where(early, 0.0, running[rows, before])

        n = total(self.weekly_counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(inside & (n > 0), total(self.weekly_sums) / n, np.nan)

    def rows(self, sku: np.ndarray, origin: np.ndarray, ahead: np.ndarray) -> Rows:
        """The rows (SKU, origin column, days ahead >= 1): features and offsets."""
        day = origin + ahead
        dates = self.all_dates[day]
        scale = self.window_mean(sku, origin, SCALE_DAYS)
        scale = np.where(np.isnan(scale), self.window_mean(sku, origin, self.n_history), scale)
        scale = np.maximum(np.nan_to_num(scale), MIN_SCALE)
        ratio = lambda values: (values / scale).astype(np.float32)  # noqa: E731
        # the same weekday as the target day, at or before the origin, over the last 13 weeks
        same_weekday = day - 7 * -(-ahead // 7)
        weekly = self.weekday_mean(sku, same_weekday, 13)
        last_year = self.window_mean(sku, np.minimum(day - 364 + 3, origin), 7)
        with np.errstate(invalid="ignore", divide="ignore"):  # no sale a year ago: inf or NaN, both kept
            shape = np.where(day - 364 + 3 <= origin, last_year / self.window_mean(sku, origin - 364, 28), np.nan)
        columns = {
            "ahead": ahead, "weekday": dates.day_of_week, "day_of_month": dates.day, "month": dates.month,
            "log_scale": np.log(scale), "recent_7": ratio(self.window_mean(sku, origin, 7)),
            "recent_28": ratio(self.window_mean(sku, origin, 28)),
            "year_level": ratio(self.window_mean(sku, origin, 365)),
            "zero_share": self._zero_share(sku, origin), "weekday_ratio": ratio(weekly),
            "last_year": ratio(np.where(day - 364 + 3 <= origin, last_year, np.nan)),
            "last_year_shape": shape,
            "campaign_lift": ratio(self.window_mean(sku, origin, 365, self.campaign_sums, self.campaign_counts)),
        }
        m = self.campaign
        for kind in CAMPAIGN_TYPES:
            columns[kind] = m.by_type[kind][sku, day]
        columns.update(hours=m.hours[sku, day], log_viewers=m.log_viewers[sku, day], log_budget=m.log_budget[sku, day],
                       discount_pct=m.discount_pct[sku, day], days_to_campaign=m.days_to[sku, day],
                       days_since_campaign=m.days_since[sku, day])
        for kind in self.event_types:
            columns[f"event_{kind}"] = self.events[kind][sku, day]
        to_event, since_event = self.events["_to"], self.events["_since"]
        columns.update(
            holiday=self.calendar["holiday"].to_numpy()[day], mega_sale=self.calendar["mega_sale"].to_numpy()[day],
            days_to_mega_sale=self.calendar["days_to_mega_sale"].to_numpy()[day],
            days_to_event=to_event[sku, day], days_since_event=since_event[sku, day], category=self.category[sku],
        )
        features = np.column_stack([np.asarray(columns[name], dtype=np.float32) for name in self.feature_names])
        return Rows(features=features, sku=sku, day=day, log_scale=np.log(scale),
                    seen=self.counts[sku, np.clip(origin + 1, 0, self.n_history)] > 0)

    @property
    def feature_names(self) -> list[str]:
        return (list(CALENDAR_FEATURES) + list(ORIGIN_FEATURES) + list(CAMPAIGN_FEATURES)
                + [f"event_{kind}" for kind in self.event_types] + list(DAY_FEATURES) + ["category"])

    def _zero_share(self, sku: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Share of the observed days without a sale over the scale's window."""
        sold = self.window_mean(sku, origin, SCALE_DAYS, self.positive_sums, self.counts)
        return (1 - sold).astype(np.float32)

    @property
    def positive_sums(self) -> np.ndarray:
        if not hasattr(self, "_positive_sums"):
            self._positive_sums = _cumulative(np.nan_to_num(self.units) > 0)
        return self._positive_sums


def training_grid(n_sku: int, n_history: int, holdout_days: int, max_ahead: int, step: int, n_origins: int,
                  min_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sku, origin, ahead) of every training row: origins ``step`` days apart, the newest the day
    before the holdout's first target, each predicting up to ``max_ahead`` days that end before the
    holdout starts (so no training row reads a holdout day, as feature or as target)."""
    last_target = n_history - 1 - holdout_days
    origins = np.arange(last_target - 1, min_days - 2, -step)[:n_origins]
    aheads = [np.arange(1, min(max_ahead, last_target - o) + 1) for o in origins]
    origin = np.concatenate([np.full(len(a), o) for o, a in zip(origins, aheads)]) if len(origins) else np.zeros(0, int)
    ahead = np.concatenate(aheads) if len(origins) else np.zeros(0, int)
    return (np.repeat(np.arange(n_sku), len(origin)), np.tile(origin, n_sku), np.tile(ahead, n_sku))


def _cumulative(values: np.ndarray) -> np.ndarray:
    """Cumulative sums along days with a leading zero column: window (a, b] = c[:, b] - c[:, a]."""
    out = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def _weekly_cumulative(values: np.ndarray) -> np.ndarray:
    """Running sums over the days 7 apart: out[:, t] = values[:, t] + values[:, t - 7] + ... (same shape)."""
    n_sku, n_days = values.shape
    pad = (-n_days) % 7  # whole weeks, padded in front, so each column of (weeks, 7) is one weekday
    padded = np.concatenate([np.zeros((n_sku, pad)), values], axis=1)
    return np.cumsum(padded.reshape(n_sku, -1, 7), axis=1).reshape(n_sku, -1)[:, pad:]


def _event_matrices(events: pd.DataFrame | None, skus: np.ndarray, dates: pd.DatetimeIndex,
                    event_types: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per event type, (n_sku, n_days) float32 magnitude of its events on each day (0 off them); and under
    '_to' / '_since' the days to the next / since the last event day of any type, capped at EVENT_REACH."""
    shape = (len(skus), len(dates))
    out = {kind: np.zeros(shape, dtype=np.float32) for kind in event_types}
    days = event_days(events, dates)
    days = days[days["type"].isin(event_types)]
    any_event = np.zeros(shape, dtype=bool)
    if len(days):
        t = dates.get_indexer(days["date"])
        everyone = days["sku"].isna().to_numpy()
        i = pd.Index(skus).get_indexer(days["sku"].where(~everyone, None))
        for kind in event_types:
            mine = (days["type"] == kind).to_numpy()
            shared = mine & everyone & (t >= 0)
            out[kind][:, t[shared]] = np.maximum(out[kind][:, t[shared]], days["magnitude"].to_numpy(np.float32)[shared])
            own = mine & ~everyone & (t >= 0) & (i >= 0)
            np.maximum.at(out[kind], (i[own], t[own]), days["magnitude"].to_numpy(np.float32)[own])
            any_event |= out[kind] != 0
    out["_to"], out["_since"] = distances(any_event, EVENT_REACH)
    return out
