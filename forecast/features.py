"""Calendar, market-holiday and campaign features, for every model family.

Two shapes of the same information:

* long frames (``campaign_features``, ``holiday_features``) for per-SKU regressors (SARIMAX, Prophet);
* dense SKU x day matrices (``campaign_matrices``) for the vectorised default engine, which would
  otherwise pivot the long frame straight back.

A campaign *day* is any calendar day the campaign overlaps at all: a 3-hour livestream on the 5th makes
the 5th a livestream day (its sales land on that day), a 10-day ad makes each of its 10 days an ad day.
How much of the day it covered is kept apart, in ``campaign_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.contract import CAMPAIGN_TYPES

#: days before a campaign's first day that count as its run-up (buyers wait for the announced deal)
PRE_DAYS = 3
#: days after a campaign's last day that count as its hangover (demand pulled forward)
POST_DAYS = 3
#: distances to the nearest campaign are capped here, so "no campaign in sight" is one value
DISTANCE_CAP = 30

INTENSITY_COLUMNS = ("log_viewers", "log_budget", "discount_pct")
WINDOW_COLUMNS = ("pre_campaign", "post_campaign", "days_to_campaign", "days_since_campaign")
CAMPAIGN_FEATURE_COLUMNS = (
    ("sku", "date")
    + CAMPAIGN_TYPES
    + ("any_campaign", "campaign_hours")
    + INTENSITY_COLUMNS
    + WINDOW_COLUMNS
)
"""Columns of ``campaign_features``:

sku, date
livestream_own ... other   1.0 when a campaign of that type features the SKU on that day, else 0.0
any_campaign               1.0 when any campaign features the SKU that day
campaign_hours             hours of that day covered by the SKU's campaigns (union capped at 24)
log_viewers                log1p(expected_viewers), the largest of the day's livestreams; 0 when unknown
log_budget                 log1p(daily_budget) summed over the day's ads; 0 when unknown
discount_pct               deepest known discount of the day's campaigns; 0 when unknown
pre_campaign               1.0 on the PRE_DAYS days before a campaign starts (not on campaign days)
post_campaign              1.0 on the POST_DAYS days after a campaign ends (not on campaign days)
days_to_campaign           days until the SKU's next campaign day (0 on one), capped at DISTANCE_CAP
days_since_campaign        days since the SKU's last campaign day (0 on one), capped at DISTANCE_CAP
"""


def campaign_last_day(start, end) -> pd.Series:
    """The last calendar day a campaign covers, as campaign_days reads it: ``end`` is exclusive, so one that
    ends exactly at midnight stops the day before; one with ``end <= start`` covers its start day.

    >>> campaign_last_day(pd.Series(pd.to_datetime(["2026-01-29 20:00", "2026-03-01 00:00"])),
    ...                   pd.Series(pd.to_datetime(["2026-01-30 00:00", "2026-03-04 00:00"]))).dt.date.astype(str).tolist()
    ['2026-01-29', '2026-03-03']
    """
    start = pd.to_datetime(pd.Series(start)).astype("datetime64[ns]")
    end = pd.to_datetime(pd.Series(end, index=start.index)).astype("datetime64[ns]")
    end = end.where(end > start, start + pd.Timedelta(seconds=1))
    return (end - pd.Timedelta(nanoseconds=1)).dt.floor("D")


def campaign_days(campaigns: pd.DataFrame | None, dates: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """One row per campaign, featured SKU and calendar day the campaign overlaps.

    Columns: campaign_id, type, sku, date, hours (of that day covered), expected_viewers,
    daily_budget, discount_pct. Intervals are half-open: a campaign whose ``end`` is exactly midnight
    does not cover the day that starts then (an ad from 03-01 00:00 to 03-04 00:00 runs 3 days); a
    campaign with ``end <= start`` covers its start day. With ``dates`` given,
    days outside it are dropped.
    """
    columns = ["campaign_id", "type", "sku", "date", "hours", "expected_viewers", "daily_budget", "discount_pct"]
    if campaigns is None or len(campaigns) == 0:
        empty = {c: pd.Series(dtype=object) for c in columns[:3]}
        empty["date"] = pd.Series(dtype="datetime64[ns]")
        empty.update({c: pd.Series(dtype=float) for c in columns[4:]})
        return pd.DataFrame(empty)
    frame = campaigns.reset_index(drop=True)
    start = pd.to_datetime(frame["start"]).astype("datetime64[ns]")
    end = pd.to_datetime(frame["end"]).astype("datetime64[ns]")
    end = end.where(end > start, start + pd.Timedelta(seconds=1))
    row, day = span_days(start.dt.floor("D"), campaign_last_day(start, end))
    day_end = day + np.timedelta64(1, "D")
    covered = np.minimum(end.to_numpy()[row], day_end) - np.maximum(start.to_numpy()[row], day)
    out = pd.DataFrame({
        "campaign_id": frame["campaign_id"].to_numpy()[row],
        "type": frame["type"].to_numpy()[row],
        "sku": frame["sku"].to_numpy()[row],
        "date": day.astype("datetime64[ns]"),
        "hours": covered / np.timedelta64(1, "h"),
    })
    for column in ("expected_viewers", "daily_budget", "discount_pct"):
        values = frame[column] if column in frame.columns else pd.Series(np.nan, index=frame.index)
        out[column] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)[row]
    if dates is not None:
        out = out[out["date"].isin(dates)].reset_index(drop=True)
    return out


def span_days(first_day: pd.Series, last_day: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's days from ``first_day`` to ``last_day`` (inclusive): (row of each day, the day)."""
    n_days = ((last_day - first_day).dt.days + 1).clip(lower=0).to_numpy()
    row = np.repeat(np.arange(len(first_day)), n_days)
    offset = np.arange(n_days.sum()) - np.repeat(np.cumsum(n_days) - n_days, n_days)
    return row, first_day.to_numpy()[row] + offset.astype("timedelta64[D]")


def event_days(events: pd.DataFrame | None, dates: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """One row per event (and SKU) and day it covers: type, sku (missing: every SKU), date, magnitude.

    ``events`` as forecast.contract describes it (``end`` inclusive); with ``dates``, days outside it
    are dropped.
    """
    if events is None or len(events) == 0:
        return pd.DataFrame({"type": pd.Series(dtype=object), "sku": pd.Series(dtype=object),
                             "date": pd.Series(dtype="datetime64[ns]"), "magnitude": pd.Series(dtype=float)})
    frame = events.reset_index(drop=True)
    first = pd.to_datetime(frame["start"]).astype("datetime64[ns]").dt.floor("D")
    row, day = span_days(first, pd.to_datetime(frame["end"]).astype("datetime64[ns]").dt.floor("D"))
    sku = frame["sku"] if "sku" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    magnitude = frame["magnitude"] if "magnitude" in frame.columns else pd.Series(1.0, index=frame.index)
    out = pd.DataFrame({
        "type": frame["type"].astype(str).to_numpy()[row], "sku": sku.to_numpy(dtype=object)[row],
        "date": day.astype("datetime64[ns]"),
        "magnitude": pd.to_numeric(magnitude, errors="coerce").fillna(1.0).to_numpy(dtype=float)[row],
    })
    if dates is not None:
        out = out[out["date"].isin(dates)].reset_index(drop=True)
    return out


@dataclass(frozen=True)
class CampaignMatrices:
    """Campaign features as float32 matrices of shape (n_sku, n_days), rows in ``skus`` order."""

    skus: np.ndarray
    dates: pd.DatetimeIndex
    by_type: dict[str, np.ndarray]  # type -> 0/1 featured
    any_campaign: np.ndarray
    hours: np.ndarray
    log_viewers: np.ndarray
    log_budget: np.ndarray
    discount_pct: np.ndarray
    days_to: np.ndarray  # days until the next campaign day, capped at DISTANCE_CAP
    days_since: np.ndarray  # days since the last campaign day, capped at DISTANCE_CAP

    @property
    def pre_campaign(self) -> np.ndarray:
        return ((self.days_to >= 1) & (self.days_to <= PRE_DAYS)).astype(np.float32)

    @property
    def post_campaign(self) -> np.ndarray:
        return ((self.days_since >= 1) & (self.days_since <= POST_DAYS)).astype(np.float32)


def campaign_matrices(
    campaigns: pd.DataFrame | None, skus, dates: pd.DatetimeIndex, days: pd.DataFrame | None = None
) -> CampaignMatrices:
    """Dense SKU x day campaign features (see ``CAMPAIGN_FEATURE_COLUMNS`` for their meaning).

    Campaign rows for SKUs not in ``skus`` are ignored; ``days`` may pass a precomputed
    ``campaign_days`` frame.
    """
    skus = np.asarray(skus)
    dates = pd.DatetimeIndex(dates)
    shape = (len(skus), len(dates))
    zeros = lambda: np.zeros(shape, dtype=np.float32)  # noqa: E731
    by_type = {t: zeros() for t in CAMPAIGN_TYPES}
    hours, viewers, budget, discount = zeros(), zeros(), zeros(), zeros()
    if days is None:
        days = campaign_days(campaigns, dates)
    if len(days):
        i = pd.Index(skus).get_indexer(days["sku"])
        t = dates.get_indexer(days["date"])
        keep = (i >= 0) & (t >= 0)
        days = days[keep]
        i, t = i[keep], t[keep]
        kinds = days["type"].where(days["type"].isin(CAMPAIGN_TYPES), "other").to_numpy()
        for kind in np.unique(kinds):
            mask = kinds == kind
            by_type[kind][i[mask], t[mask]] = 1.0
        np.add.at(hours, (i, t), days["hours"].to_numpy(np.float32))
        np.minimum(hours, 24.0, out=hours)
        np.maximum.at(viewers, (i, t), np.log1p(days["expected_viewers"].fillna(0).clip(lower=0).to_numpy(np.float32)))
        np.add.at(budget, (i, t), days["daily_budget"].fillna(0).clip(lower=0).to_numpy(np.float32))
        np.log1p(budget, out=budget)
        np.maximum.at(discount, (i, t), days["discount_pct"].fillna(0).clip(lower=0).to_numpy(np.float32))
    any_campaign = np.zeros(shape, dtype=bool)
    for matrix in by_type.values():
        any_campaign |= matrix > 0
    days_to, days_since = distances(any_campaign)
    return CampaignMatrices(
        skus=skus, dates=dates, by_type=by_type, any_campaign=any_campaign.astype(np.float32), hours=hours,
        log_viewers=viewers, log_budget=budget, discount_pct=discount, days_to=days_to, days_since=days_since,
    )


def distances(flags: np.ndarray, cap: int = DISTANCE_CAP) -> tuple[np.ndarray, np.ndarray]:
    """Per row: days until the next True and since the last True (0 on a True day), capped."""
    n_rows, n_days = flags.shape
    position = np.arange(n_days, dtype=np.int32)  # int32: half the memory of the default at 100k SKUs x 730 days
    # index of the last flagged day at or before t, via a running maximum
    last = np.where(flags, position, -10**6)
    np.maximum.accumulate(last, axis=1, out=last)
    since = np.minimum(position - last, cap)
    following = np.where(flags, position, 10**6)[:, ::-1]
    np.minimum.accumulate(following, axis=1, out=following)
    to = np.minimum(following[:, ::-1] - position, cap)
    return to.astype(np.float32), since.astype(np.float32)


def campaign_features(campaigns: pd.DataFrame | None, skus, dates) -> pd.DataFrame:
    """Long campaign features, one row per (sku, date) of ``skus`` x ``dates``.

    Parameters
    ----------
    campaigns : campaign calendar (forecast.contract), one row per campaign and featured SKU.
    skus : the SKUs to describe (rows come out in this order, dates ascending within a SKU).
    dates : the days to describe (anything ``pd.DatetimeIndex`` accepts).

    Returns
    -------
    DataFrame with the columns of ``CAMPAIGN_FEATURE_COLUMNS`` (documented there), all features float.
    """
    dates = pd.DatetimeIndex(pd.to_datetime(dates)).normalize().astype("datetime64[ns]")
    m = campaign_matrices(campaigns, skus, dates)
    n_sku, n_days = len(m.skus), len(dates)
    flat = lambda a: a.reshape(-1).astype(float)  # noqa: E731
    frame = pd.DataFrame({"sku": np.repeat(m.skus, n_days), "date": np.tile(dates.values, n_sku)})
    for kind in CAMPAIGN_TYPES:
        frame[kind] = flat(m.by_type[kind])
    frame["any_campaign"] = flat(m.any_campaign)
    frame["campaign_hours"] = flat(m.hours)
    frame["log_viewers"] = flat(m.log_viewers)
    frame["log_budget"] = flat(m.log_budget)
    frame["discount_pct"] = flat(m.discount_pct)
    frame["pre_campaign"] = flat(m.pre_campaign)
    frame["post_campaign"] = flat(m.post_campaign)
    frame["days_to_campaign"] = flat(m.days_to)
    frame["days_since_campaign"] = flat(m.days_since)
    return frame


# ---------------------------------------------------------------------------------------------------
# holidays and platform mega-sales

MEGA_SALE_NAMES = ("valentines", "9.9", "10.10", "black_friday", "cyber_monday", "11.11", "12.12")
#: South-East Asian markets, where the platforms (TikTok Shop, Shopee, Lazada) run their double-date sales
SOUTH_EAST_ASIA = ("TH", "VN", "MY", "PH", "ID", "SG")
#: the mega-sale days of each market. In South-East Asia every listed day: the double dates 9.9 to 12.12
#: are the platforms' biggest sales there, and they run Black Friday / Cyber Monday campaigns as well.
#: Elsewhere the double dates are no shopping event (a UK wholesaler's 11.11 is an ordinary Tuesday):
#: Black Friday, Cyber Monday and Valentine's day, the retail days TikTok Shop US / UK and Western
#: retail run. A shop adds days in shop.toml (e.g. "6.6", "7.7"), or turns them off.
MEGA_SALES_BY_MARKET = {market: MEGA_SALE_NAMES for market in SOUTH_EAST_ASIA}
DEFAULT_MEGA_SALES = ("valentines", "black_friday", "cyber_monday")


def market_mega_sales(market: str | None) -> tuple[str, ...]:
    """The mega-sale days of ``market`` (MEGA_SALES_BY_MARKET; DEFAULT_MEGA_SALES for the others). No
    market (a library caller that named none): every listed day, as before markets had their own."""
    if not market:
        return MEGA_SALE_NAMES
    return MEGA_SALES_BY_MARKET.get(market.upper(), DEFAULT_MEGA_SALES)


def _mega_sale_day(year: int, name: str) -> pd.Timestamp | None:
    """The day of mega-sale ``name`` in ``year``: a known name or a double date 'month.day' ('6.6')."""
    if name == "valentines":
        return pd.Timestamp(year, 2, 14)
    if name in ("black_friday", "cyber_monday"):
        november = pd.Timestamp(year, 11, 1)
        black_friday = november + pd.Timedelta(days=(3 - november.weekday()) % 7 + 22)
        return black_friday + pd.Timedelta(days=3 if name == "cyber_monday" else 0)
    month, _, day = name.partition(".")
    if month.isdigit() and day.isdigit():
        try:
            return pd.Timestamp(year, int(month), int(day))
        except ValueError:
            pass
    raise ValueError(f"unknown mega-sale day {name!r}: use valentines, black_friday, cyber_monday or a date "
                     f"as month.day (11.11)")


def mega_sale_dates(years, names=MEGA_SALE_NAMES) -> pd.Series:
    """Retail mega-sale days ``names`` (default: every listed one) of the given years: date -> name.

    Double-date sales (9.9, 10.10, 11.11, 12.12; any 'month.day') run platform-wide on TikTok Shop and
    Shopee across South-East Asia; Black Friday / Cyber Monday are the Friday after the US fourth
    Thursday of November and the Monday after it. Which days a market has: ``market_mega_sales``.
    """
    rows = [(_mega_sale_day(year, name), name) for year in sorted(set(int(y) for y in years)) for name in names]
    if not rows:
        return pd.Series(dtype=object)
    days, names = zip(*rows)
    return pd.Series(names, index=pd.DatetimeIndex(days), dtype=object).sort_index(kind="stable")


HOLIDAY_FEATURE_COLUMNS = ("date", "holiday", "holiday_name", "mega_sale", "mega_sale_name", "days_to_mega_sale")
"""Columns of ``holiday_features``:

date               each day asked for
holiday            1.0 on a public holiday of the market (``holidays`` package), else 0.0
holiday_name       its name ('' when none)
mega_sale          1.0 on a retail mega-sale day of the market (``market_mega_sales``), else 0.0
mega_sale_name     its name ('' when none)
days_to_mega_sale  days until the next mega-sale day (0 on one), capped at DISTANCE_CAP
"""


def holiday_features(dates, market: str | None, mega_sales=True, market_holidays: bool = True) -> pd.DataFrame:
    """Holiday and mega-sale features per day, see ``HOLIDAY_FEATURE_COLUMNS``.

    Parameters
    ----------
    dates : the days to describe.
    market : ISO country code of the shop's market ('TH', 'ID', 'VN', 'US', 'DE', ...); None means no
        public holidays (mega-sales still apply unless ``mega_sales`` is False). The calendars come from
        the ``holidays`` package, offline.
    mega_sales : True: the market's mega-sale days (``market_mega_sales``); False: none; or the names
        of the days to use (see ``mega_sale_dates``).
    market_holidays : False leaves out the market's public holidays.
    """
    dates = pd.DatetimeIndex(pd.to_datetime(dates)).normalize().astype("datetime64[ns]")
    frame = pd.DataFrame({"date": dates})
    years = sorted(set(dates.year)) if len(dates) else []
    names = pd.Series("", index=dates, dtype=object)
    if market and years and market_holidays:
        import holidays  # light, but only needed here

        try:
            calendar = holidays.country_holidays(market.upper(), years=years)
        except NotImplementedError:
            raise ValueError(
                f"no holiday calendar for market {market!r}; use an ISO country code such as TH, ID, VN, US"
            ) from None
        for day, name in calendar.items():
            day = pd.Timestamp(day)
            if day in names.index:
                names.loc[day] = name
    frame["holiday"] = (names != "").to_numpy(dtype=float)
    frame["holiday_name"] = names.to_numpy()
    sale_names = pd.Series("", index=dates, dtype=object)
    names = market_mega_sales(market) if mega_sales is True else tuple(mega_sales or ())
    if names and years:
        # next year too, so that days_to_mega_sale is right at the end of December
        sales = mega_sale_dates(years + [years[-1] + 1], names)
        on_sale = sales.index.intersection(dates)
        sale_names.loc[on_sale] = sales.loc[on_sale].to_numpy()
        upcoming = sales.index.searchsorted(dates)
        next_sale = sales.index[np.minimum(upcoming, len(sales) - 1)]
        days_to = np.minimum((next_sale - dates).days.to_numpy(), DISTANCE_CAP).astype(float)
    else:
        days_to = np.full(len(dates), float(DISTANCE_CAP))
    frame["mega_sale"] = (sale_names != "").to_numpy(dtype=float)
    frame["mega_sale_name"] = sale_names.to_numpy()
    frame["days_to_mega_sale"] = days_to
    return frame
