"""TikTok Shop LIVE exports: sessions (LIVE Performance / LIVE Details lists) and per-product rows.

Seller Center > Analytics > LIVE & Video > LIVE downloads a list of LIVE sessions, for the shop's own
(linked / official) accounts and for affiliate creators. Headers accepted, in the languages found in the
seller help pages and in public parsers of these downloads:

* English: ``LIVE ID``, ``LIVE start time``, ``LIVE end time``, ``Duration``, ``Creator name``,
  ``GMV``/``Gross revenue``, ``SKU orders``, ``Items sold``, ``Views``, ``Viewers``; the per-product
  creator download adds ``Product ID`` with ``Creator LIVE-attributed GMV``, ``LIVE-attributed orders``
  and ``LIVE-attributed items sold``;
* Indonesian (LIVE Analysis, header on row 3): ``ID Kreator``, ``Waktu Live``, ``Durasi``,
  ``GMV dari LIVE (Rp)``, ``Produk Terjual``, ``Penonton``;
* Vietnamese: ``ID buổi LIVE``, ``Thời gian bắt đầu LIVE``, ``Thời gian kết thúc LIVE``,
  ``Tên nhà sáng tạo``, ``GMV nhờ buổi LIVE của nhà sáng tạo``, ``Đơn hàng nhờ buổi LIVE``, ``Số món bán ra``.

A file with a product column (``Seller SKU``, ``SKU ID`` or ``Product ID``) is a per-product table: each
row is one product of one session, and the session's own fields may repeat on every row. Only the
columns declared here are read: viewers' names, comments and any buyer data in a download never enter
memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.io.analytics import file_label, first_text, no_data, parse_amount, parse_count, parse_duration, read_export, typed
from planner.io.table import (
    DAY_FIRST, Column, DateStyle, OnBadRows, Problems, Schema, header_key, parse_frame,
)

LIVE = Schema("TikTok Shop LIVE export", (
    Column("live_id", headers=("LIVE ID", "Room ID", "ID LIVE", "ID buổi LIVE"), required=False, nullable=True),
    Column("start", "timestamp", headers=("LIVE start time", "Start time", "Launched time", "LIVE launched time",
                                          "Waktu Live", "Waktu mulai", "Thời gian bắt đầu LIVE")),
    Column("end", "timestamp", headers=("LIVE end time", "End time", "Thời gian kết thúc LIVE"),
           required=False, nullable=True),
    Column("duration", headers=("Duration", "LIVE duration", "Durasi", "Thời lượng"), required=False, nullable=True),
    Column("account", headers=("Creator name", "Creator", "Account", "Creator username", "Nama Kreator", "Kreator",
                               "ID Kreator", "Tên nhà sáng tạo"), required=False, nullable=True),
    Column("account_type", headers=("Account type", "Creator type", "Jenis akun", "Loại tài khoản"),
           required=False, nullable=True),
    Column("gmv", headers=("GMV", "Gross GMV", "Gross revenue", "Revenue", "Creator LIVE-attributed GMV",
                           "GMV dari LIVE (Rp)", "GMV dari LIVE", "GMV nhờ buổi LIVE của nhà sáng tạo"),
           required=False, nullable=True),
    Column("sku_orders", headers=("SKU orders", "Orders", "LIVE-attributed orders", "Gross orders", "Pesanan SKU",
                                  "Đơn hàng nhờ buổi LIVE"), required=False, nullable=True),
    Column("items_sold", headers=("Items sold", "LIVE-attributed items sold", "Produk Terjual", "Số món bán ra"),
           required=False, nullable=True),
    Column("views", headers=("Views", "LIVE views"), required=False, nullable=True),
    Column("viewers", headers=("Viewers", "Unique viewers", "Penonton"), required=False, nullable=True),
    Column("seller_sku", headers=("Seller SKU",), required=False, nullable=True),
    Column("sku_id", headers=("SKU ID",), required=False, nullable=True),
    Column("product_id", headers=("Product ID", "ID Produk", "ID sản phẩm"), required=False, nullable=True),
))

SESSION_COLUMNS = ("session_key", "live_id", "account", "account_type", "start", "end", "gmv", "sku_orders",
                   "items_sold", "views", "viewers", "file", "source_row")
PRODUCT_COLUMNS = ("session_key", "product", "gmv", "sku_orders", "items_sold", "file", "source_row")

# words of the account-type column; affiliate words first ('tiếp thị liên kết' is affiliate marketing)
_CREATOR_WORDS = ("affiliate", "creator", "afiliasi", "kreator", "tiếp thị", "nhà sáng tạo")
_OWN_WORDS = ("own", "official", "linked", "seller", "shop", "akun tertaut", "resmi", "liên kết", "chính thức")


@dataclass
class LiveExport:
    """The sessions of one or more LIVE exports and, where a per-product table was read, their products."""

    sessions: pd.DataFrame
    products: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "row", "column", "value", "problem"]))


def account_type(text: object) -> str | None:
    """'Affiliate' -> 'creator', 'Linked account' -> 'own'; None when the cell says neither."""
    word = str(text or "").strip().casefold()
    if not word:
        return None
    if any(w in word for w in _CREATOR_WORDS):
        return "creator"
    if any(w in word for w in _OWN_WORDS):
        return "own"
    return None


def read_live(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
              display_name: str | None = None) -> LiveExport:
    """Read one LIVE sessions or LIVE products export (CSV or XLSX)."""
    path = Path(path)
    name, raw, headers = read_export(path, LIVE, "start", display_name)
    parsed = parse_frame(raw, headers, LIVE, name, on_bad_rows, dates)
    rows = parsed.frame
    problems = Problems(name)
    amounts = [LIVE.column(c) for c in ("gmv",)]
    counts = [LIVE.column(c) for c in ("sku_orders", "items_sold", "views", "viewers")]
    typed(rows, headers, amounts, problems, parse_amount, "is not an amount like 1,249.00 or Rp1.249.000")
    typed(rows, headers, counts, problems, parse_count, "is not a whole number >= 0", whole=True)

    at = rows["_row"].to_numpy()
    minutes = parse_duration(rows["duration"]) if rows["duration"].notna().any() else pd.Series(np.nan, index=rows.index)
    given = ~no_data(rows["duration"]) & rows["duration"].notna()
    problems.add(pd.Series((given & minutes.isna()).to_numpy(), index=at), file_label(headers, LIVE.column("duration")),
                 pd.Series(rows["duration"].to_numpy(), index=at), "is not a duration like 2h 15min or 02:15:00")
    end = rows["end"].astype("datetime64[ns]").fillna(rows["start"] + pd.to_timedelta(minutes, unit="min"))
    # a per-product table names its session; the session's own download says when it ended
    is_product_table = any(header_key(h) in raw.columns for c in ("seller_sku", "sku_id", "product_id")
                           for h in LIVE.column(c).file_names)
    if not is_product_table:
        problems.add(pd.Series((end.isna() & ~given).to_numpy(), index=at), file_label(headers, LIVE.column("duration")),
                     None, "is empty and so is the end time; a LIVE needs its end or its duration")
    problems.add(pd.Series((end <= rows["start"]).to_numpy(), index=at), file_label(headers, LIVE.column("end")),
                 pd.Series(end.astype(str).to_numpy(), index=at), "is not after the LIVE's start time")

    kind = rows["account_type"].map(account_type)
    stated = rows["account_type"].notna() & ~no_data(rows["account_type"])
    problems.add(pd.Series((stated & kind.isna()).to_numpy(), index=at), file_label(headers, LIVE.column("account_type")),
                 pd.Series(rows["account_type"].to_numpy(), index=at),
                 "is not an account type: linked / official / own, or affiliate / creator")
    rows = rows.assign(end=end, account_type=kind)
    checked = problems.drop_from(rows, parsed.rejects, on_bad_rows)
    rows = checked.frame

    account = rows["account"].fillna("").astype(str)
    live_id = rows["live_id"].fillna("").astype(str)
    key = live_id.where(live_id != "", account + "@" + rows["start"].dt.strftime("%Y-%m-%d %H:%M"))
    product = first_text(rows, ("seller_sku", "sku_id", "product_id"))
    sessions = pd.DataFrame({
        "session_key": key, "live_id": live_id.replace("", None), "account": account.replace("", None),
        "account_type": rows["account_type"], "start": rows["start"], "end": rows["end"],
        "gmv": np.nan if is_product_table else rows["gmv"], "sku_orders": np.nan if is_product_table else rows["sku_orders"],
        "items_sold": np.nan if is_product_table else rows["items_sold"],
        "views": rows["views"], "viewers": rows["viewers"], "file": name, "source_row": rows["_row"].astype(int),
    })
    sessions = sessions.drop_duplicates("session_key", keep="last").reset_index(drop=True)
    if is_product_table:
        products = pd.DataFrame({
            "session_key": key, "product": product, "gmv": rows["gmv"], "sku_orders": rows["sku_orders"],
            "items_sold": rows["items_sold"], "file": name, "source_row": rows["_row"].astype(int),
        })
        products = products[products["product"] != ""].drop_duplicates(["session_key", "product"], keep="last")
    else:
        products = pd.DataFrame(columns=list(PRODUCT_COLUMNS))
    return LiveExport(sessions[list(SESSION_COLUMNS)], products.reset_index(drop=True), checked.rejects)


def combine(exports: list[LiveExport]) -> LiveExport:
    """Several LIVE exports as one: a session or product row seen in more than one file (exports overlap)
    is kept once, from the file read last; a session's fields missing in one file are taken from another."""
    if not exports:
        return LiveExport(pd.DataFrame(columns=list(SESSION_COLUMNS)), pd.DataFrame(columns=list(PRODUCT_COLUMNS)))
    sessions = pd.concat([e.sessions for e in exports if len(e.sessions)] or [exports[0].sessions], ignore_index=True)
    # later files first, so that first() takes the newest non-empty value of every field
    sessions = sessions.iloc[::-1].groupby("session_key", sort=False).first().reset_index()
    sessions = sessions.sort_values(["start", "session_key"], kind="stable").reset_index(drop=True)
    products = pd.concat([e.products for e in exports if len(e.products)] or [exports[0].products], ignore_index=True)
    products = products.drop_duplicates(["session_key", "product"], keep="last").reset_index(drop=True)
    rejects = pd.concat([e.rejects for e in exports if len(e.rejects)] or [exports[0].rejects], ignore_index=True)
    return LiveExport(sessions[list(SESSION_COLUMNS)], products[list(PRODUCT_COLUMNS)], rejects)
