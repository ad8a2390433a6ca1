"""The fit's inputs: the long history as SKU x day matrices, and what kind of day each day is.

Every later phase reads these matrices, so the history is parsed once here; days run from the first
to the last history date, SKUs in sorted order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.features import CampaignMatrices, distances, event_days, holiday_features

#: days before and after an event that form its run-up and its hangover (one multiplier per type and day)
EVENT_RUN_DAYS = 2


@dataclass(frozen=True)
class SalesMatrix:
    """The history as SKU x day matrices."""

    units: np.ndarray  # (n_sku, n_days) float32 units sold, 0 where demand went unseen
    observed: np.ndarray  # (n_sku, n_days) bool: demand seen (not censored, the SKU had started)
    censored_sales: np.ndarray  # (n_sku, n_days) float32 what sold on censored days (a lower bound of demand), NaN elsewhere
    skus: np.ndarray  # (n_sku,) object, sorted
    dates: pd.DatetimeIndex  # (n_days,) every day from the first to the last history date


@dataclass(frozen=True)
class EventCells:
    """The events (forecast.contract) on a SKU x day grid, one layer per key: an event type's days
    ('school_holiday'), each day of its run-up ('school_holiday:before1' the day before, 'before2' ...)
    and of its hangover ('school_holiday:after1' ...): the day before Christmas is not the one before that."""

    keys: tuple[str, ...]
    cells: np.ndarray  # (n_keys, n_sku, n_days) float32: the event's magnitude (1 in run-up / hangover), 0 elsewhere

    @property
    def any(self) -> np.ndarray:
        """(n_sku, n_days) bool: an event, its run-up or its hangover touches the SKU-day."""
        return (self.cells > 0).any(axis=0) if len(self.keys) else np.zeros(self.cells.shape[1:], dtype=bool)


def event_cells(events: pd.DataFrame | None, skus: np.ndarray, dates: pd.DatetimeIndex,
                run_days: int = EVENT_RUN_DAYS) -> EventCells:
    """The events on ``skus`` x ``dates``; types in sorted order, each with its run-up and hangover.
    A row without a SKU covers every SKU; overlapping events of one type take the largest magnitude."""
    days = event_days(events, dates)
    types = sorted(days["type"].unique())
    per_type = 1 + 2 * run_days
    cells = np.zeros((per_type * len(types), len(skus), len(dates)), dtype=np.float32)
    keys = []
    for k, kind in enumerate(types):
        part = days[days["type"] == kind]
        during = cells[per_type * k]
        t = dates.get_indexer(part["date"])
        shop_wide = part["sku"].isna().to_numpy()
        every = np.zeros(len(dates), dtype=np.float32)
        np.maximum.at(every, t[shop_wide], part["magnitude"].to_numpy(np.float32)[shop_wide])
        during[:] = every[None, :]
        i = pd.Index(skus).get_indexer(part["sku"][~shop_wide])
        known = i >= 0
        np.maximum.at(during, (i[known], t[~shop_wide][known]), part["magnitude"].to_numpy(np.float32)[~shop_wide][known])
        to, since = distances(during > 0, cap=run_days + 1)
        for d in range(1, run_days + 1):
            cells[per_type * k + d] = to == d
            cells[per_type * k + run_days + d] = since == d
        keys += [kind] + [f"{kind}:before{d}" for d in range(1, run_days + 1)] + [f"{kind}:after{d}" for d in range(1, run_days + 1)]
    return EventCells(keys=tuple(keys), cells=cells)


@dataclass(frozen=True)
class DayKinds:
    """What kind of day each SKU-day is: the fit reads the level and the season on ordinary days."""

    on_campaign: np.ndarray  # (n_sku, n_days) bool
    holiday_key: np.ndarray  # (n_days,) name of the day's holiday or mega-sale, '' on other days
    ordinary: np.ndarray  # (n_sku, n_days) bool: observed, no campaign, no holiday, no event (nor its run-up, hangover)
    season_index: np.ndarray  # (n_days,) position of the day in the season (day of the week)
    events: EventCells | None = None  # the events on the history's days; None without events

    @property
    def holiday_names(self) -> np.ndarray:
        """The named days seen in the history, sorted."""
        return np.unique(self.holiday_key[self.holiday_key != ""])


def sales_matrix(history: pd.DataFrame) -> SalesMatrix:
    """The long history (sku, date, units, optional censored) as SKU x day matrices.

    Parameters
    ----------
    history : the long history (see forecast.contract); a censored row's units are what sold that day.

    Returns
    -------
    SalesMatrix; a day before a SKU's first row, or censored, is unobserved.
    """
    sku_codes, skus = pd.factorize(history["sku"], sort=True)
    dates_raw = pd.to_datetime(history["date"]).to_numpy().astype("datetime64[D]")
    first, last = dates_raw.min(), dates_raw.max()
    dates = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    t = (dates_raw - first).astype(np.int64)
    y = np.full((len(skus), len(dates)), np.nan, dtype=np.float32)
    units = history["units"].to_numpy(dtype=np.float32)
    censored_sales = np.full_like(y, np.nan)
    if "censored" in history.columns:
        censored = history["censored"].to_numpy(dtype=bool)
        censored_sales[sku_codes[censored], t[censored]] = units[censored]
        units = np.where(censored, np.nan, units)
    y[sku_codes, t] = units
    observed = ~np.isnan(y)
    return SalesMatrix(units=np.where(observed, y, 0.0).astype(np.float32), observed=observed,
                       censored_sales=censored_sales, skus=np.asarray(skus, dtype=object), dates=dates)


def category_codes(skus: np.ndarray, products: pd.DataFrame | None) -> np.ndarray:
    """Category code (0 ..) of each SKU, from the products' ``category`` column; all 0 without one."""
    if products is None or "category" not in products.columns or len(skus) == 0:
        return np.zeros(len(skus), dtype=np.int64)
    lookup = products.drop_duplicates("sku").set_index("sku")["category"]
    categories = pd.Series(skus).map(lookup).fillna("").astype(str)
    return pd.factorize(categories, sort=True)[0].astype(np.int64)


def day_kinds(sales: SalesMatrix, campaign_cells: CampaignMatrices, holiday_key: np.ndarray, season_length: int,
              events: EventCells | None = None) -> DayKinds:
    """Which SKU-days are campaign, holiday, event and ordinary days, and each day's place in the season.

    Parameters
    ----------
    sales : the history's matrices.
    campaign_cells : the campaign calendar on the same SKUs and days (forecast.features.campaign_matrices).
    holiday_key : (n_days,) each day's holiday or mega-sale name (``holiday_keys``).
    season_length : period of the within-week profile in days.
    events : the events on the same SKUs and days (``event_cells``), or None.
    """
    on_campaign = campaign_cells.any_campaign > 0
    ordinary = sales.observed & ~on_campaign & (holiday_key == "")[None, :]
    if events is not None:
        ordinary &= ~events.any
    return DayKinds(on_campaign=on_campaign, holiday_key=holiday_key, ordinary=ordinary,
                    season_index=season_index(sales.dates, season_length), events=events)


def season_index(dates: pd.DatetimeIndex, season_length: int) -> np.ndarray:
    """Position of each day in a season of ``season_length`` days (the day of the week for 7)."""
    if season_length == 7:
        return dates.day_of_week.to_numpy()
    if season_length <= 1:
        return np.zeros(len(dates), dtype=np.int64)
    return ((dates - pd.Timestamp("1970-01-05")).days.to_numpy()) % season_length


def holiday_keys(dates: pd.DatetimeIndex, market: str | None, mega_sales=True, market_holidays: bool = True) -> np.ndarray:
    """Name of each day's holiday or mega-sale ('' on ordinary days); names repeat across years.
    ``mega_sales``, ``market_holidays``: as forecast.features.holiday_features."""
    frame = holiday_features(dates, market, mega_sales=mega_sales, market_holidays=market_holidays)
    key = np.where(frame["mega_sale_name"].to_numpy() != "", frame["mega_sale_name"].to_numpy(), frame["holiday_name"].to_numpy())
    return key.astype(object)
