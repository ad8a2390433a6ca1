"""The campaign history built from the files TikTok Shop gives a seller, merged with the hand calendar.

No seller keeps two years of campaigns.csv by hand. The shop folder's optional ``exports/`` holds what
the platform does give (planner.io.exports reads the folder): LIVE session downloads (planner.io.live),
ads reports (planner.io.ads) and affiliate order reports (planner.io.affiliate). From them:

* every LIVE session becomes a ``livestream_own`` or ``livestream_creator`` campaign with its real start
  and end, ``expected_viewers`` = its viewers and the SKUs of its per-product table;
* ad spend by day becomes ``ad`` campaigns, one per ads campaign over each run of consecutive spend
  days, featuring its products, ``daily_budget`` = the campaign's mean spend per day (a planned ad's in
  campaigns.csv is its campaign's too). A daily report without products takes its campaign's products
  from a GMV Max product report of the same campaign;
* a creator's affiliate orders become ``livestream_creator`` and ``video`` campaigns where no LIVE
  download shows them (affiliate_campaigns).

campaigns.csv wins where both speak: an export campaign of the same type that overlaps a hand campaign in
time and shares a SKU with it is left out, and where the two disagree (times, SKUs, viewers, budget) the
difference is listed for ``restock check`` (affiliate orders only say whether the calendar has a LIVE:
they bound it from inside). A TikTok Product ID is not a Seller SKU: products are matched
to SKUs directly when they are SKUs, else through ``exports/product_ids.csv`` (product_id, sku).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from forecast.features import mega_sale_dates
from planner.io import ads as ads_io
from planner.io import affiliate as affiliate_io
from planner.io import live as live_io
from planner.io.exports import product_ids, read_exports, sku_matcher
from planner.io.table import DAY_FIRST, DateStyle

DISAGREEMENT_COLUMNS = ("campaign_id", "type", "field", "calendar", "export", "export_campaigns")
UNMATCHED_COLUMNS = ("file", "row", "product", "problem")
_TOLERANCE = {"livestream_own": pd.Timedelta(minutes=30), "livestream_creator": pd.Timedelta(minutes=30),
              "ad": pd.Timedelta(days=1)}
_RELATIVE = 0.25  # viewers or budget more than 25 % apart disagree


@dataclass
class ExportHistory:
    """``campaigns``: the hand calendar plus the export campaigns it does not already speak for (the
    columns of campaigns.csv); ``derived``: every export campaign; ``disagreements``: where an export
    campaign and an overlapping hand campaign differ; ``unmatched``: products no SKU is known for."""

    campaigns: pd.DataFrame
    derived: pd.DataFrame
    disagreements: pd.DataFrame
    unmatched: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(UNMATCHED_COLUMNS)))
    files: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        """Export campaigns the hand calendar does not speak for (added to it)."""
        return int(self.campaigns["campaign_id"].astype(str).isin(self.derived["campaign_id"].astype(str)).sum()) \
            if len(self.derived) else 0


# ------------------------------------------------------------------------------------- campaigns

CAMPAIGN_FIELDS = ("campaign_id", "type", "start", "end", "skus", "creator", "expected_viewers", "daily_budget",
                   "discount_pct", "reserved_units", "location", "_row")


def _campaign_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(CAMPAIGN_FIELDS))
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in ("expected_viewers", "daily_budget", "discount_pct", "reserved_units"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["reserved_units"] = frame["reserved_units"].fillna(0.0)
    return frame


def live_campaigns(live: live_io.LiveExport, match: Callable[[str], list[str]],
                   own_accounts: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One campaign per LIVE session with at least one featured SKU known to the shop; and the products
    (or sessions without a product table) that could not be matched.

    A session is ``livestream_own`` when its account type says linked / official, or, without that
    column, when its account is one the hand calendar runs its own LIVEs from (``own_accounts``)."""
    own = {str(a).strip().casefold() for a in own_accounts if isinstance(a, str) and a.strip()}
    featured: dict[str, list[str]] = {}
    unmatched = []
    for row in live.products.itertuples(index=False):
        skus = match(row.product)
        if not skus:
            unmatched.append((row.file, int(row.source_row), row.product, "no SKU of the shop is this product"))
        for sku in skus:
            featured.setdefault(row.session_key, [])
            if sku not in featured[row.session_key]:
                featured[row.session_key].append(sku)
    rows = []
    for session in live.sessions.itertuples(index=False):
        skus = featured.get(session.session_key)
        if pd.isna(session.end):
            unmatched.append((session.file, int(session.source_row), "",
                              "no end or duration known for this LIVE (its LIVE sessions download says)"))
            continue
        if not skus:
            unmatched.append((session.file, int(session.source_row), "",
                              "no featured SKU known for this LIVE (a per-product LIVE download names them)"))
            continue
        kind = session.account_type
        if kind is None or (isinstance(kind, float) and np.isnan(kind)):
            kind = "own" if str(session.account or "").strip().casefold() in own else "creator"
        name = session.live_id if isinstance(session.live_id, str) and session.live_id else \
            f"{session.account or 'LIVE'}-{session.start:%Y-%m-%d-%H%M}"
        rows.append({
            "campaign_id": f"TT-LIVE-{name}", "type": f"livestream_{kind}", "start": session.start, "end": session.end,
            "skus": ";".join(skus), "creator": session.account, "expected_viewers": session.viewers,
            "daily_budget": np.nan, "discount_pct": np.nan, "reserved_units": 0, "location": None,
            "_row": int(session.source_row),
        })
    return _campaign_frame(rows), pd.DataFrame(unmatched, columns=list(UNMATCHED_COLUMNS))


def ad_campaigns(ads: pd.DataFrame, match: Callable[[str], list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``ad`` campaigns from daily spend, in campaigns.csv's terms: one per ads campaign over each run of
    consecutive spend days, featuring the products it promoted on them, ``daily_budget`` = the campaign's
    mean spend per day over the run. A planned ad's ``daily_budget`` is its campaign's, the same for every
    SKU it features (planner.io.inputs.expand_campaigns): the past ones must be on that scale, or the
    engine learns uplift per unit of spend from a product's share of it and reads a plan's whole budget
    with it. A daily report without products takes its campaign's products from a period (GMV Max
    product) report of the same campaign. Orders and revenue are not used."""
    unmatched = []
    daily = ads[ads["date"].notna() & (ads["spend"] > 0)]
    period = ads[ads["date"].isna() & (ads["product"] != "")]
    promoted: dict[str, list[str]] = {}  # campaign -> the SKUs of its products
    for row in period.itertuples(index=False):
        skus = match(row.product)
        if not skus:
            unmatched.append((row.file, int(row.source_row), row.product, "no SKU of the shop is this product"))
        known = promoted.setdefault(row.campaign, [])
        known += [s for s in skus if s not in known]
    day_rows = []
    for row in daily.itertuples(index=False):
        if row.product:
            skus, problem = match(row.product), "no SKU of the shop is this product"
        else:
            skus = promoted.get(row.campaign, [])
            problem = "no product known for this campaign (a GMV Max product report of it names them)"
        if not skus:
            unmatched.append((row.file, int(row.source_row), row.product, problem))
        day_rows.append((row.campaign, row.date, row.spend, skus, int(row.source_row)))
    spend = pd.DataFrame(day_rows, columns=["campaign", "date", "spend", "skus", "source_row"])
    rows = []
    for campaign, part in spend.sort_values("date", kind="stable").groupby("campaign", sort=True):
        days = part.groupby("date", sort=True).agg(spend=("spend", "sum"), skus=("skus", "sum"),
                                                   source_row=("source_row", "min")).reset_index()
        run = (days["date"].diff().dt.days != 1).cumsum()
        for _, stretch in days.groupby(run):
            skus = list(dict.fromkeys(s for found in stretch["skus"] for s in found))
            if not skus:  # spend on products the shop does not know (listed in unmatched)
                continue
            first, last = stretch["date"].min(), stretch["date"].max()
            rows.append({
                "campaign_id": f"TT-AD-{campaign}-{first:%Y%m%d}", "type": "ad", "start": first,
                "end": last + pd.Timedelta(hours=23, minutes=59), "skus": ";".join(skus), "creator": None,
                "expected_viewers": np.nan, "daily_budget": round(float(stretch["spend"].sum()) / len(stretch), 2),
                "discount_pct": np.nan, "reserved_units": 0, "location": None, "_row": int(stretch["source_row"].min()),
            })
    return _campaign_frame(rows), pd.DataFrame(unmatched, columns=list(UNMATCHED_COLUMNS))


AFFILIATE_PREFIX = "TT-AFF-"
#: the kinds of export (planner.io.exports.EXPORT_KINDS) the campaign history is built from
CAMPAIGN_KINDS = ("live", "ads", "affiliate")


def affiliate_campaigns(orders: pd.DataFrame, match: Callable[[str], list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campaigns from affiliate orders (planner.io.affiliate), where the order export cannot tell them:

    * a creator's LIVE orders of one LIVE (its content ID, else its day) become a ``livestream_creator``
      campaign from the first order to the last (a minute at least), the SKUs they sold;
    * a creator's video orders (per video when the content ID is given) become ``video`` campaigns over
      each run of consecutive days with orders, whole days;
    * showcase orders are the creator's standing shop window, not a campaign: left out."""
    unmatched = []
    rows = []
    orders = orders[orders["content_type"].isin(["live", "video"])].copy()
    skus = []
    for row in orders.itertuples(index=False):
        found = match(row.product)
        if not found:
            unmatched.append((row.file, int(row.source_row), row.product, "no SKU of the shop is this product"))
        skus.append(found)
    orders["skus"] = skus
    orders = orders[orders["skus"].map(len) > 0]
    day = orders["created"].dt.normalize()
    orders["group"] = orders["content_id"].where(orders["content_id"] != "", day.dt.strftime("%Y-%m-%d"))
    for (creator, group), part in orders[orders["content_type"] == "live"].groupby(["creator", "group"], sort=True):
        start, end = part["created"].min(), max(part["created"].max(), part["created"].min() + pd.Timedelta(minutes=1))
        rows.append(_affiliate_row(f"{AFFILIATE_PREFIX}LIVE-{creator}-{start:%Y%m%d%H%M}", "livestream_creator", start, end,
                                   creator, part))
    video = orders[orders["content_type"] == "video"].assign(day=day)
    video["group"] = video["content_id"]
    for (creator, group), part in video.groupby(["creator", "group"], sort=True):
        days = part["day"].drop_duplicates().sort_values()
        runs = (days.diff().dt.days != 1).cumsum()
        for _, run in days.groupby(runs):
            first, last = run.min(), run.max()
            inside = part[part["day"].between(first, last)]
            rows.append(_affiliate_row(f"{AFFILIATE_PREFIX}VIDEO-{creator}{'-' + group if group else ''}-{first:%Y%m%d}", "video",
                                       first, last + pd.Timedelta(hours=23, minutes=59), creator, inside))
    return _campaign_frame(rows), pd.DataFrame(unmatched, columns=list(UNMATCHED_COLUMNS))


def _affiliate_row(campaign_id: str, kind: str, start, end, creator: str, part: pd.DataFrame) -> dict:
    skus = list(dict.fromkeys(s for found in part["skus"] for s in found))
    return {"campaign_id": campaign_id, "type": kind, "start": start, "end": end, "skus": ";".join(skus),
            "creator": creator, "expected_viewers": np.nan, "daily_budget": np.nan, "discount_pct": np.nan,
            "reserved_units": 0, "location": None, "_row": int(part["source_row"].min())}


MARKET_PREFIX = "MARKET-"


def market_sale_campaigns(hand: pd.DataFrame, derived: pd.DataFrame, mega_sales: Iterable[str]) -> pd.DataFrame:
    """The market's past mega-sale days as ``mega_sale`` campaigns over every SKU, when the hand calendar
    plans mega-sales as campaigns (it has a ``mega_sale`` row): the days of ``mega_sales`` (names as
    forecast.features.mega_sale_dates reads them: the shop's market list) from the first day the exports
    show to the last. They are the platform's calendar, not the shop's record: without them the engine
    would learn the planned rows' type from no past one and read those days as ordinary ones, into the
    level (the sample shop's forecast from ten days after 11.11 rose 8.9 %) and into whatever ad or LIVE
    ran on them (bench/campaign_history.py). The discount is not known (an export does not say it)."""
    names = tuple(mega_sales)
    if not names or not len(derived) or not (hand["type"] == "mega_sale").any():
        return _campaign_frame([])
    first, last = derived["start"].min().normalize(), derived["end"].max().normalize()
    days = mega_sale_dates(range(first.year, last.year + 1), names)
    rows = [{"campaign_id": f"{MARKET_PREFIX}{name}-{day:%Y-%m-%d}", "type": "mega_sale", "start": day,
             "end": day + pd.Timedelta(hours=23, minutes=59), "skus": "all", "creator": None, "expected_viewers": np.nan,
             "daily_budget": np.nan, "discount_pct": np.nan, "reserved_units": 0, "location": None, "_row": 0}
            for day, name in days.items() if first <= day <= last]
    return _campaign_frame(rows)


# ---------------------------------------------------------------------------------------- merging


def _hand_skus(spec: object, products: pd.DataFrame) -> set[str]:
    text = str(spec).strip()
    if text.casefold() == "all":
        return set(products["sku"].astype(str))
    if text.casefold().startswith("category:"):
        category = text.split(":", 1)[1].strip()
        return set(products.loc[products["category"] == category, "sku"].astype(str))
    return {s.strip() for s in text.split(";") if s.strip()}


def _differs(a: object, b: object) -> bool:
    if pd.isna(a) or pd.isna(b):
        return False
    return abs(float(a) - float(b)) > _RELATIVE * max(abs(float(a)), abs(float(b)))


def merge_calendar(hand: pd.DataFrame, derived: pd.DataFrame, products: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand calendar plus the export campaigns it does not speak for, and the disagreements.

    An export campaign is left out when a hand campaign of the same type overlaps it in time and shares
    a SKU with it. Per hand campaign, what its overlapping export campaigns say together (their first
    start, last end, SKUs, largest viewers, summed daily budgets) is compared with what it says; a start
    or end the exports cut (a campaign running on the first or last day they show, as the ad running on
    the day of the download does) is no disagreement."""
    hand_skus = [_hand_skus(s, products) for s in hand["skus"]]
    covered = np.zeros(len(derived), dtype=bool)
    disagreements = []
    derived_skus = [_hand_skus(s, products) for s in derived["skus"]]
    # the derived campaigns' fields once, not a pass over their rows per hand campaign
    kinds, starts, ends = (derived[c].to_numpy() for c in ("type", "start", "end"))
    # the first and last day the exports of each type show: a campaign running beyond them is cut there
    first_day = derived.groupby("type")["start"].min().dt.normalize()
    last_day = derived.groupby("type")["end"].max().dt.normalize()
    for h, campaign in enumerate(hand.itertuples(index=False)):
        overlapping = np.flatnonzero((kinds == campaign.type) & (starts < np.datetime64(campaign.end))
                                     & (np.datetime64(campaign.start) < ends))
        hits = [int(d) for d in overlapping if derived_skus[d] & hand_skus[h]]
        if not hits:
            continue
        covered[hits] = True
        part = derived.iloc[hits]
        said = set().union(*(derived_skus[d] for d in hits))
        ids = ";".join(part["campaign_id"])
        tolerance = _TOLERANCE.get(campaign.type, pd.Timedelta(hours=1))

        def note(field_name: str, calendar: object, export: object) -> None:
            disagreements.append((campaign.campaign_id, campaign.type, field_name, str(calendar), str(export), ids))

        start, end = part["start"].min(), part["end"].max()
        cut_start = start.normalize() <= first_day[campaign.type] and campaign.start < start
        cut_end = end.normalize() >= last_day[campaign.type] and campaign.end > end
        if abs(start - campaign.start) > tolerance and not cut_start:
            note("start", f"{campaign.start:%Y-%m-%d %H:%M}", f"{start:%Y-%m-%d %H:%M}")
        if abs(end - campaign.end) > tolerance and not cut_end:
            note("end", f"{campaign.end:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}")
        explicit = not str(campaign.skus).strip().casefold().startswith(("all", "category:"))
        if said - hand_skus[h] or (explicit and hand_skus[h] - said):
            note("skus", campaign.skus, ";".join(sorted(said)))
        if _differs(campaign.expected_viewers, part["expected_viewers"].max()):
            note("expected_viewers", f"{campaign.expected_viewers:g}", f"{part['expected_viewers'].max():g}")
        if _differs(campaign.daily_budget, part["daily_budget"].sum(min_count=1)):
            note("daily_budget", f"{campaign.daily_budget:g}", f"{part['daily_budget'].sum():g}")
    kept = derived[~covered]
    taken = set(hand["campaign_id"].astype(str))
    kept = kept.assign(campaign_id=[_unique_id(c, taken) for c in kept["campaign_id"]])
    merged = pd.concat([hand, kept], ignore_index=True) if len(kept) else hand
    return merged, pd.DataFrame(disagreements, columns=list(DISAGREEMENT_COLUMNS))


def _unique_id(campaign_id: str, taken: set[str]) -> str:
    candidate, n = campaign_id, 1
    while candidate in taken:
        n += 1
        candidate = f"{campaign_id}-{n}"
    taken.add(candidate)
    return candidate


# ------------------------------------------------------------------------------------ the folder


def read_export_history(folder: Path, hand: pd.DataFrame, products: pd.DataFrame,
                        dates: DateStyle = DAY_FIRST, mega_sales: Iterable[str] = ()) -> ExportHistory:
    """Read every LIVE, ads and affiliate export in ``folder`` (a bad row fails, naming file, row and
    column) and merge the campaigns they show with the hand calendar ``hand`` (campaigns.csv as read).
    Affiliate campaigns a LIVE export already shows (same type, overlapping, a SKU shared) are left out.
    ``mega_sales``: the market's mega-sale days (market_sale_campaigns). FBT exports in the folder are
    not campaigns (planner.io.fbt_stock reads them)."""
    folder = Path(folder)
    read = read_exports(folder, dates, kinds=CAMPAIGN_KINDS)
    match = sku_matcher(products["sku"].astype(str), product_ids(folder))
    own = hand.loc[hand["type"] == "livestream_own", "creator"].dropna().astype(str) if len(hand) else []
    live_rows, live_unmatched = live_campaigns(live_io.combine(read.get("live", [])), match, own)
    ad_rows, ad_unmatched = ad_campaigns(ads_io.combine(read.get("ads", [])), match)
    affiliate_rows, affiliate_unmatched = affiliate_campaigns(affiliate_io.combine(read.get("affiliate", [])), match)
    derived = pd.concat([f for f in (live_rows, ad_rows) if len(f)] or [live_rows], ignore_index=True)
    if len(affiliate_rows):
        derived, _ = merge_calendar(derived, affiliate_rows, products)
    market = market_sale_campaigns(hand, derived, mega_sales)
    if len(market):
        derived = pd.concat([derived, market], ignore_index=True)
    merged, disagreements = merge_calendar(hand, derived, products)
    # affiliate orders bound a LIVE from inside (its first and last order, the SKUs that sold): they tell
    # whether the calendar has it, not that its start, end or featured SKUs are wrong
    only_affiliate = disagreements["export_campaigns"].str.split(";").map(
        lambda ids: all(i.startswith(AFFILIATE_PREFIX) for i in ids)).astype(bool)
    disagreements = disagreements[~only_affiliate].reset_index(drop=True)
    unmatched = pd.concat([live_unmatched, ad_unmatched, affiliate_unmatched], ignore_index=True)
    files = [p.name for paths in read.paths.values() for p in paths]
    return ExportHistory(merged, derived, disagreements, unmatched, sorted(files))
