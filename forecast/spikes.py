"""Campaign discovery: spikes in the sales history that no campaign, event or named day explains.

A seller's calendar is never complete: a livestream nobody wrote down, a creator who featured a SKU
unasked, a push on another channel. Their days sell several times the SKU's usual, and a model that
does not know why learns them as noise (wider bands) or as trend (a level that jumps). This module
finds them, so that the planner can list them for the seller to label (campaigns.csv) and the engine
can read them as campaigns meanwhile (``spikes_as_campaigns``).

The test, per SKU and day, on the days no campaign, event, public holiday or mega-sale explains and
that did not sell out (``censored``):

* the day's baseline ``b`` is the SKU's mean over the WINDOW_DAYS days either side (the day itself
  and other unexplained days left out), times the shop's weekday profile: a robust local level, not
  the engine's (the engine is what the spikes must be kept out of);
* its spread is a negative binomial around ``b`` with the SKU's own dispersion ``phi`` (variance
  b + phi b^2, by moments over its ordinary days): lumpy and intermittent SKUs, whose big orders are
  their demand, get a wide one and are not flooded with candidates (Syntetos & Boylan's lumpy
  demand: occasional large orders are the pattern, not an exception);
* a day is a spike when it is improbable under that spread, P(Y >= units) < ``significance``, *and*
  large in both senses a buyer reads: at least ``min_multiple`` times its baseline and
  ``min_extra_units`` units above it;
* flagged days leave the baseline and the dispersion, and the test runs again (PASSES rounds), so that
  a spike does not hide its neighbour.

Flagged SKU-days on the same day form one candidate (a shop-wide push featuring several SKUs), and a
SKU flagged on consecutive days joins them into one (a two-day live). The thresholds are chosen on
generated shops with campaigns left out of the calendar and confirmed on others (bench/campaign_discovery.py).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from forecast.contract import checked_inputs
from forecast.features import campaign_days, event_days, holiday_features

#: days either side of a day that its baseline is read from
WINDOW_DAYS = 28
#: fewer usable days than this in the window: too little to judge the day
MIN_WINDOW_DAYS = 14
#: chance under the SKU's own spread that a day sells this much or more (tuned: bench/campaign_discovery.py)
SIGNIFICANCE = 1e-5
#: a day is judged against at least this many units: a SKU that sells a unit every few days takes a few
#: units at once as its demand (a lumpy order), not as a campaign
MIN_BASELINE = 0.5
#: an intermittent SKU's good day: this quantile of its days with sales
USUAL_HIGH = 0.9
#: a spike sells at least this many times its baseline (an intermittent SKU's: and its good day) ...
MIN_MULTIPLE = 3.0
#: ... and at least this many units more
MIN_EXTRA_UNITS = 3.0
#: several SKUs on one day: each at most this improbable on its own (and of the size above) ...
MEMBER_SIGNIFICANCE = 1e-2
#: ... selling at least this many times their baseline, and a unit more
MEMBER_MULTIPLE = 2.0
#: ... and more of them than chance would put on one day, at this level
GROUP_SIGNIFICANCE = 1e-3
#: rounds of the test, each without the days flagged before
PASSES = 3
#: residuals beyond this many standard deviations are clipped when the spread is read
CLIP_SD = 4.0
#: SKUs tested at once
CHUNK_SKUS = 2000

SPIKE_COLUMNS = ("spike_id", "date", "sku", "units", "baseline", "extra_units", "multiple")


def unexplained_spikes(history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
                       events: pd.DataFrame | None = None, market: str | None = None, mega_sales=True,
                       market_holidays: bool = True, significance: float = SIGNIFICANCE,
                       min_multiple: float = MIN_MULTIPLE, min_extra_units: float = MIN_EXTRA_UNITS,
                       member_significance: float = MEMBER_SIGNIFICANCE,
                       group_significance: float = GROUP_SIGNIFICANCE) -> pd.DataFrame:
    """The SKU-days that sold far above their baseline with nothing in the calendars to say why.

    Parameters
    ----------
    history : sku, date, units, censored (forecast.contract; one row per SKU and day).
    campaigns, events : the calendars (forecast.contract); their days (events: and their run-up and
        hangover) explain what they sell.
    market, mega_sales, market_holidays : the named days, as the campaign engine reads them
        (forecast.features.holiday_features).
    significance, min_multiple, min_extra_units, member_significance, group_significance : the tests
        (module docstring).

    Returns
    -------
    One row per flagged SKU-day (SPIKE_COLUMNS): spike_id (the candidate, 'spike-YYYY-MM-DD' after its
    first day), date, sku, units, baseline (units the day was expected to sell), extra_units
    (units - baseline) and multiple (units / baseline); sorted by spike_id, sku and date.
    """
    history, campaigns, _, events = checked_inputs(history, campaigns, None, events)
    if len(history) == 0:
        return _empty()
    grid = _Grid.of(history)
    usable = grid.observed & ~explained_days(grid.skus, grid.dates, campaigns, events, market, mega_sales, market_holidays)
    weekday = grid.dates.day_of_week.to_numpy()
    profile = weekday_profile(grid.units, usable, weekday)[weekday]
    flags = np.zeros(grid.units.shape, dtype=bool)
    members = np.zeros(grid.units.shape, dtype=bool)
    baseline = np.full(grid.units.shape, np.nan, dtype=np.float32)
    count, expected = np.zeros(len(grid.dates)), np.zeros(len(grid.dates))
    for lo in range(0, len(grid.skus), CHUNK_SKUS):  # bounded memory: a few float64 matrices of a chunk at a time
        part = slice(lo, lo + CHUNK_SKUS)
        cells = spike_cells(grid.units[part], usable[part], profile, significance, min_multiple, min_extra_units,
                            member_significance)
        flags[part], baseline[part], members[part] = cells.flags, cells.baseline, cells.members
        count += cells.members.sum(axis=0)
        expected += cells.expected_members
    shared = same_day_spikes(count, expected, group_significance)
    flags |= members & shared[None, :]
    return _candidates(grid, flags, baseline)


def spikes_as_campaigns(spikes: pd.DataFrame) -> pd.DataFrame:
    """The spikes as campaign rows (forecast.contract) of type 'other', one per candidate and SKU, over
    the candidate's days: what an unlabelled campaign is until the seller names its type."""
    columns = ["campaign_id", "type", "start", "end", "sku"]
    if len(spikes) == 0:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in ("start", "end") else object) for c in columns})
    span = spikes.groupby(["spike_id", "sku"], sort=True)["date"].agg(["min", "max"]).reset_index()
    return pd.DataFrame({"campaign_id": span["spike_id"].to_numpy(), "type": "other",
                         "start": span["min"].to_numpy(), "end": (span["max"] + pd.Timedelta(days=1)).to_numpy(),
                         "sku": span["sku"].to_numpy()})[columns]


def spike_summary(spikes: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate: spike_id, start, end, skus (how many), the SKUs (';'-joined, largest extra
    first), units, baseline, extra_units and multiple (units / baseline over its SKU-days)."""
    if len(spikes) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("units", "baseline", "extra_units", "multiple") else object)
                             for c in ("spike_id", "start", "end", "skus", "sku_list", "units", "baseline", "extra_units",
                                       "multiple")})
    per_sku = spikes.groupby(["spike_id", "sku"], sort=False)["extra_units"].sum().reset_index()
    per_sku = per_sku.sort_values(["spike_id", "extra_units", "sku"], ascending=[True, False, True])
    listed = per_sku.groupby("spike_id", sort=True)["sku"].agg(";".join)
    out = spikes.groupby("spike_id", sort=True).agg(
        start=("date", "min"), end=("date", "max"), skus=("sku", "nunique"), units=("units", "sum"),
        baseline=("baseline", "sum"), extra_units=("extra_units", "sum"))
    out["sku_list"] = listed
    out["multiple"] = out["units"] / out["baseline"]
    return out.reset_index()[["spike_id", "start", "end", "skus", "sku_list", "units", "baseline", "extra_units",
                              "multiple"]]


# ------------------------------------------------------------------------------------------ the test

class _Grid:
    """The history as SKU x day matrices (SKUs sorted, every day from the first to the last)."""

    def __init__(self, skus, dates, units, observed):
        self.skus, self.dates, self.units, self.observed = skus, dates, units, observed

    @classmethod
    def of(cls, history: pd.DataFrame) -> "_Grid":
        codes, skus = pd.factorize(history["sku"], sort=True)
        day = pd.to_datetime(history["date"]).to_numpy().astype("datetime64[D]")
        first = day.min()
        dates = pd.date_range(pd.Timestamp(first), pd.Timestamp(day.max()), freq="D")
        t = (day - first).astype(np.int64)
        units = np.zeros((len(skus), len(dates)), dtype=np.float32)
        observed = np.zeros(units.shape, dtype=bool)
        censored = history["censored"].to_numpy(dtype=bool) if "censored" in history.columns else np.zeros(len(t), bool)
        units[codes, t] = history["units"].to_numpy(dtype=float)
        observed[codes, t] = ~censored
        units[~observed] = 0.0
        return cls(np.asarray(skus, dtype=object), dates, units, observed)


def explained_days(skus: np.ndarray, dates: pd.DatetimeIndex, campaigns: pd.DataFrame | None,
                   events: pd.DataFrame | None, market: str | None = None, mega_sales=True,
                   market_holidays: bool = True) -> np.ndarray:
    """(n_sku, n_days) bool: a campaign featured the SKU, an event touched it (or its 2-day run-up or
    hangover, the engine's EVENT_RUN_DAYS), or the day is a public holiday or mega-sale of the market."""
    from forecast.models.campaign.matrices import EVENT_RUN_DAYS

    out = np.zeros((len(skus), len(dates)), dtype=bool)
    index = pd.Index(skus)
    days = campaign_days(campaigns, dates)
    i, t = index.get_indexer(days["sku"]), dates.get_indexer(days["date"])
    out[i[(i >= 0) & (t >= 0)], t[(i >= 0) & (t >= 0)]] = True
    if events is not None and len(events):
        pad = pd.Timedelta(days=EVENT_RUN_DAYS)
        touched = event_days(events.assign(start=events["start"] - pad, end=events["end"] + pad), dates)
        t = dates.get_indexer(touched["date"])
        every = touched["sku"].isna().to_numpy()
        out[:, t[every & (t >= 0)]] = True
        i = index.get_indexer(touched["sku"].where(~every, ""))
        out[i[~every & (i >= 0) & (t >= 0)], t[~every & (i >= 0) & (t >= 0)]] = True
    named = holiday_features(dates, market, mega_sales=mega_sales, market_holidays=market_holidays)
    out[:, (named["holiday"].to_numpy() > 0) | (named["mega_sale"].to_numpy() > 0)] = True
    return out


class SpikeCells(NamedTuple):
    """``spike_cells``' answer for a block of SKUs."""

    flags: np.ndarray  # (n_sku, n_days) bool: the SKU-days that are spikes on their own
    baseline: np.ndarray  # (n_sku, n_days) units each day was expected to sell (NaN where too little was seen)
    members: np.ndarray  # (n_sku, n_days) bool: above MEMBER_SIGNIFICANCE (and the size rules): a spike if its day is
    expected_members: np.ndarray  # (n_days,) how many members each day has without campaigns (sum of the SKUs' rates)


def spike_cells(units: np.ndarray, usable: np.ndarray, profile: np.ndarray, significance: float = SIGNIFICANCE,
                min_multiple: float = MIN_MULTIPLE, min_extra_units: float = MIN_EXTRA_UNITS,
                member_significance: float = MEMBER_SIGNIFICANCE, passes: int = PASSES) -> SpikeCells:
    """The per-SKU test of the module docstring on SKU x day matrices, and the members of the same-day test.

    Parameters
    ----------
    units : (n_sku, n_days) units sold.
    usable : (n_sku, n_days) bool, the days that may be judged and read (observed, not explained).
    profile : (n_days,) each day's weekday multiplier (``weekday_profile``, read on the whole shop).
    """
    units = units.astype(float)
    flags = np.zeros(units.shape, dtype=bool)
    high = usual_high(units, usable)[:, None]
    for _ in range(passes):
        read = usable & ~flags
        baseline, seen = local_baseline(units / profile[None, :], read)
        baseline = np.maximum(baseline * profile[None, :], MIN_BASELINE)  # NaN (nothing seen) stays NaN
        judged = usable & (seen >= MIN_WINDOW_DAYS)
        phi = sku_dispersion(units, baseline, read & judged)
        i, t = np.nonzero(judged & (units >= MEMBER_MULTIPLE * np.maximum(baseline, high)) & (units - baseline >= 1))
        tail = tail_probability(units[i, t], baseline[i, t], phi[i])
        large = ((units[i, t] >= min_multiple * np.maximum(baseline[i, t], high[i, 0]))
                 & (units[i, t] - baseline[i, t] >= min_extra_units))
        found = np.zeros(units.shape, dtype=bool)
        found[i[large & (tail < significance)], t[large & (tail < significance)]] = True
        if np.array_equal(found, flags):
            break
        flags = found
    # the same-day test's members: each SKU's rate of them over its judged days is what it contributes to a
    # day's expected count (spikes included: a conservative rate)
    member = (tail < member_significance) & ~flags[i, t]
    members = np.zeros(units.shape, dtype=bool)
    members[i[member], t[member]] = True
    rate = np.divide(members.sum(axis=1), judged.sum(axis=1), out=np.zeros(len(units)), where=judged.any(axis=1))
    return SpikeCells(flags, baseline, members, rate @ judged)


def same_day_spikes(count: np.ndarray, expected: np.ndarray, significance: float = GROUP_SIGNIFICANCE,
                    clip: float = CLIP_SD) -> np.ndarray:
    """(n_days,) bool: days on which more SKUs than chance sold far above their baseline together.

    ``count`` SKUs were members on the day where ``expected`` were (the sum of their rates). Days differ
    as a whole too (a wholesaler's busy days, a season): the count is negative binomial around the
    expected, with the days' own dispersion read as ``sku_dispersion`` reads a SKU's (robust, by
    moments); a day is a shared spike when P(N >= count) < ``significance`` and it has two members or more."""
    days = expected > 0
    psi = sku_dispersion(count[None, :], expected[None, :], days[None, :], clip)[0] if days.any() else 0.0
    tail = np.ones(len(count))
    tail[days] = tail_probability(count[days].astype(float), expected[days], np.full(int(days.sum()), psi))
    return (count >= 2) & (tail < significance)


def usual_high(units: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(n_sku,) what an intermittent SKU sells on a good day: the USUAL_HIGH quantile of its days with
    sales; 0 for a SKU that sells on most days (INTERMITTENT_ADI).

    A lumpy SKU's demand comes as orders of very different sizes on a few days (Syntetos & Boylan): its
    mean over a window is no measure of a day, and a spike must also be a multiple of its own good days."""
    from forecast.history import INTERMITTENT_ADI

    selling = usable & (units > 0)
    intermittent = usable.sum(axis=1) > INTERMITTENT_ADI * selling.sum(axis=1)
    rows = np.flatnonzero(intermittent & selling.any(axis=1))
    out = np.zeros(len(units))
    if len(rows):
        # each row's sales sorted to its end: the quantile of the last k values by position (numpy's 'lower')
        ordered = np.sort(np.where(selling[rows], units[rows], 0.0), axis=1)
        k = selling[rows].sum(axis=1)
        at = units.shape[1] - k + np.floor(USUAL_HIGH * (k - 1)).astype(int)
        out[rows] = ordered[np.arange(len(rows)), at]
    return out


def weekday_profile(units: np.ndarray, usable: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """The shop's units per usable SKU-day by weekday over their mean (7,), 1 where a weekday is unseen."""
    sold = np.bincount(weekday, weights=np.where(usable, units, 0).sum(axis=0), minlength=7)
    cells = np.bincount(weekday, weights=usable.sum(axis=0), minlength=7)
    rate = np.divide(sold, cells, out=np.zeros(7), where=cells > 0)
    mean = rate[cells > 0].mean() if (cells > 0).any() and rate[cells > 0].mean() > 0 else 1.0
    return np.where((cells > 0) & (rate > 0), rate / mean, 1.0)


def local_baseline(values: np.ndarray, usable: np.ndarray, window: int = WINDOW_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``values`` over the usable days within ``window`` days either side, the day itself left
    out; and how many days that is. Both (n_sku, n_days); the mean NaN where no day is usable."""
    n_days = values.shape[1]
    total = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(np.where(usable, values, 0.0), axis=1)], axis=1)
    count = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(usable, axis=1)], axis=1)
    lo = np.clip(np.arange(n_days) - window, 0, n_days)
    hi = np.clip(np.arange(n_days) + window + 1, 0, n_days)
    own = np.where(usable, values, 0.0)
    sums = total[:, hi] - total[:, lo] - own
    seen = count[:, hi] - count[:, lo] - usable
    return np.divide(sums, seen, out=np.full(values.shape, np.nan), where=seen > 0), seen


def sku_dispersion(units: np.ndarray, baseline: np.ndarray, usable: np.ndarray, clip: float = CLIP_SD) -> np.ndarray:
    """Each SKU's negative-binomial dispersion phi (n_sku,) by moments, sum((y - b)^2 - b) / sum(b^2) over its
    usable days, at least 0; a SKU without such days gets the median of the others.

    Robust where it can be: for a SKU that sells on most days (average interval between sales at most
    INTERMITTENT_ADI, Syntetos, Boylan & Croston 2005) the residuals are clipped at ``clip`` standard
    deviations of a first estimate and phi read again (Huber's winsorised moments), so that the spikes
    being looked for do not widen the spread they are judged against. An intermittent or lumpy SKU's
    large days are its demand: they keep their full weight."""
    from forecast.history import INTERMITTENT_ADI

    usable = usable & np.isfinite(baseline)
    b = np.where(usable, baseline, 0.0)
    scale = (b ** 2).sum(axis=1)
    known = scale > 1e-9
    residual = np.where(usable, units - b, 0.0)
    phi = np.maximum(np.divide((residual ** 2 - b).sum(axis=1), scale, out=np.zeros(len(scale)), where=known), 0.0)
    regular = usable.sum(axis=1) <= INTERMITTENT_ADI * (usable & (units > 0)).sum(axis=1)
    limit = clip * np.sqrt(b + phi[:, None] * b ** 2)
    clipped = np.clip(residual, -limit, limit)
    robust = np.maximum(np.divide((clipped ** 2 - b).sum(axis=1), scale, out=np.zeros(len(scale)), where=known), 0.0)
    phi = np.where(regular, robust, phi)
    fallback = float(np.median(phi[known])) if known.any() else 0.0
    return np.where(known, phi, fallback)


def tail_probability(units: np.ndarray, mean: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """P(Y >= units) for Y negative binomial with ``mean`` and variance mean + phi mean^2 (Poisson at
    phi = 0); units are rounded down to whole ones first."""
    k = np.floor(units)
    poisson = phi < 1e-6
    out = np.empty(len(k))
    out[poisson] = stats.poisson.sf(k[poisson] - 1, mean[poisson])
    size = 1.0 / np.maximum(phi[~poisson], 1e-6)
    out[~poisson] = stats.nbinom.sf(k[~poisson] - 1, size, size / (size + mean[~poisson]))
    return out


def _candidates(grid: _Grid, flags: np.ndarray, baseline: np.ndarray) -> pd.DataFrame:
    """Flagged SKU-days as rows; one candidate per run of days linked by a SKU flagged on both."""
    i, t = np.nonzero(flags)
    if len(i) == 0:
        return _empty()
    linked = np.r_[False, (flags[:, 1:] & flags[:, :-1]).any(axis=0)]
    day_has = flags.any(axis=0)
    first_day = np.maximum.accumulate(np.where(day_has & ~linked, np.arange(len(grid.dates)), 0))
    starts = grid.dates[first_day[t]]
    units, base = grid.units[i, t].astype(float), baseline[i, t].astype(float)
    out = pd.DataFrame({
        "spike_id": ["spike-" + d for d in starts.strftime("%Y-%m-%d")], "date": grid.dates[t], "sku": grid.skus[i],
        "units": units, "baseline": base, "extra_units": units - base, "multiple": units / base,
    })
    return out.sort_values(["spike_id", "sku", "date"], ignore_index=True)[list(SPIKE_COLUMNS)]


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in SPIKE_COLUMNS})
    return frame.astype({"spike_id": object, "sku": object, "date": "datetime64[ns]"})
