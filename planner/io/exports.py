"""The shop folder's ``exports/``: which kind of TikTok download each file is, read by its reader.

Five kinds, told apart by their headers (EXPORT_KINDS): LIVE sessions and ads reports (planner.io.live,
planner.io.ads), affiliate orders (planner.io.affiliate), FBT inventory and inbound requests
(planner.io.fbt). ``product_ids.csv`` maps TikTok Product IDs to the shop's SKUs (sku_matcher). What
the exports mean is decided elsewhere: the campaign history in planner.io.campaign_history, the FBT
stock in planner.io.fbt_stock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from planner.errors import InputError
from planner.io import ads as ads_io
from planner.io import affiliate as affiliate_io
from planner.io import fbt as fbt_io
from planner.io import live as live_io
from planner.io.table import DAY_FIRST, Column, DateStyle, Schema, header_key, parse_table, read_top_rows

EXPORTS_FOLDER = "exports"
PRODUCT_IDS_FILE = "product_ids.csv"
PRODUCT_IDS = Schema("product_ids", (Column("product_id"), Column("sku")))


def sku_matcher(known: Iterable[str], product_ids: pd.DataFrame | None = None) -> Callable[[str], list[str]]:
    """product (Seller SKU, SKU ID or Product ID) -> the shop's SKUs it stands for ([] when unknown)."""
    known = set(map(str, known))
    mapping: dict[str, list[str]] = {}
    if product_ids is not None and len(product_ids):
        for product, sku in zip(product_ids["product_id"].astype(str), product_ids["sku"].astype(str)):
            mapping.setdefault(product, []).append(sku)

    def match(product: str) -> list[str]:
        product = str(product).strip()
        if product in known:
            return [product]
        return [s for s in mapping.get(product, []) if s in known or not known]

    return match


#: what tells each kind of export from the others: a header of every group, found in its first rows
#: (the most specific kinds first: an inbound export has a quantity, an affiliate report an order ID)
EXPORT_KINDS = (
    ("fbt_inbound", (fbt_io.FBT_INBOUND.column("request_id"),)),
    ("fbt_inventory", (fbt_io.FBT_INVENTORY.column("available"), fbt_io.FBT_INVENTORY.column("warehouse"))),
    ("affiliate", (affiliate_io.AFFILIATE.column("order_id"), affiliate_io.AFFILIATE.column("content_type"))),
    ("live", (live_io.LIVE.column("start"),)),
    ("ads", (ads_io.ADS.column("spend"),)),
)


def export_kind(path: Path) -> str | None:
    """'fbt_inbound', 'fbt_inventory', 'affiliate', 'live' or 'ads' from the file's header (found in its
    first rows), None when none."""
    keys = {header_key(cell) for row in read_top_rows(path, 10) for cell in row}
    for kind, columns in EXPORT_KINDS:
        if all(keys & {header_key(h) for h in column.file_names} for column in columns):
            return kind
    return None


def export_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.casefold() in (".csv", ".xlsx", ".xlsm")
                  and p.name != PRODUCT_IDS_FILE and not p.name.startswith(("~$", ".")))


class Exports(dict):
    """The exports of a folder read, by kind (EXPORT_KINDS): kind -> frames; ``paths``: kind -> files."""

    paths: dict[str, list[Path]]


_READERS = {
    "live": lambda path, dates: live_io.read_live(path, "fail", dates),
    "ads": lambda path, dates: ads_io.read_ads(path, "fail", dates).frame,
    "affiliate": lambda path, dates: affiliate_io.read_affiliate(path, "fail", dates).frame,
    "fbt_inventory": lambda path, dates: fbt_io.read_fbt_inventory(path, "fail", dates).frame,
    "fbt_inbound": lambda path, dates: fbt_io.read_fbt_inbound(path, "fail", dates).frame,
}


def read_exports(folder: Path, dates: DateStyle = DAY_FIRST, kinds: Iterable[str] | None = None) -> Exports:
    """Every export of ``folder`` of the ``kinds`` wanted (default: all), read; a file of no known kind
    is an error naming what it holds."""
    wanted = set(kinds) if kinds is not None else set(_READERS)
    out = Exports()
    out.paths = {}
    for path in export_files(folder):
        kind = export_kind(path)
        if kind is None:
            top = read_top_rows(path, 1)
            raise InputError(path.name, "is not a LIVE export (LIVE start time, Duration, Viewers, ...), an ads "
                             "report (Campaign name, Cost, ...), an affiliate order report (Order ID, Creator "
                             "username, Content type, ...) or an FBT inventory (Warehouse, Available, ...) or "
                             f"inbound export (Inbound request ID, ...); found {top[0] if top else []}")
        if kind in wanted:
            out.setdefault(kind, []).append(_READERS[kind](path, dates))
            out.paths.setdefault(kind, []).append(path)
    return out


def product_ids(folder: Path) -> pd.DataFrame | None:
    """exports/product_ids.csv (product_id, sku), None when there is none."""
    mapping = Path(folder) / PRODUCT_IDS_FILE
    return parse_table(mapping, PRODUCT_IDS, "fail").frame if mapping.is_file() else None
