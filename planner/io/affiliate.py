"""TikTok Shop affiliate order reports: which orders came through which creator and content type.

Seller Center > Affiliate > Affiliate orders lists, per order and product, the creator it came through,
the content that sold it (LIVE, video or showcase), the commission and the order's status, and downloads
as CSV or XLSX (seller help pages "Affiliate Order Page" and "Check Commission Orders"; the Chinese
guide names the channel column 带货渠道 with 短视频 / 直播 / 橱窗). Headers accepted:

* English: ``Order ID``, ``Seller SKU`` / ``SKU ID`` / ``Product ID``, ``Quantity`` / ``Items sold``,
  ``Creator username`` / ``Creator name`` / ``Creator``, ``Content type`` / ``Channel`` /
  ``Promotion channel``, ``Content ID`` / ``Video ID`` / ``LIVE ID``, ``Order created time`` /
  ``Created time`` / ``Time created``;
* Indonesian: ``ID Pesanan``, ``Nama Kreator``, ``Jenis konten``, ``Waktu pesanan dibuat``;
* Vietnamese: ``ID đơn hàng``, ``Tên nhà sáng tạo``, ``Loại nội dung``, ``Thời gian tạo đơn hàng``;
* Chinese: ``订单ID``, ``达人名称``, ``带货渠道``, ``订单创建时间``.

Only these columns are read: the buyer's name, address or phone a download may hold never enter memory.
Commission, price and status are not read either: an affiliate order is a signal of *when* and *through
whom* a creator sold, not demand (the order export already holds every order).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.io.analytics import file_label, first_text, no_data, parse_count, read_export, stacked, typed
from planner.io.table import DAY_FIRST, Column, DateStyle, OnBadRows, Parsed, Problems, Schema, parse_frame

AFFILIATE = Schema("TikTok Shop affiliate order report", (
    Column("order_id", headers=("Order ID", "Order id", "ID Pesanan", "ID đơn hàng", "订单ID", "订单编号")),
    Column("seller_sku", headers=("Seller SKU", "SKU Penjual", "SKU người bán"), required=False, nullable=True),
    Column("sku_id", headers=("SKU ID",), required=False, nullable=True),
    Column("product_id", headers=("Product ID", "ID Produk", "ID sản phẩm", "商品ID"), required=False, nullable=True),
    Column("quantity", headers=("Quantity", "Items sold", "Jumlah", "Số lượng", "数量"), required=False, nullable=True),
    Column("creator", headers=("Creator username", "Creator name", "Creator", "Nama Kreator", "Kreator",
                               "Tên nhà sáng tạo", "达人名称", "达人昵称")),
    Column("content_type", headers=("Content type", "Channel", "Promotion channel", "Jenis konten", "Tipe konten",
                                    "Loại nội dung", "带货渠道", "内容类型")),
    Column("content_id", headers=("Content ID", "Video ID", "LIVE ID", "ID konten", "ID nội dung", "内容ID"),
           required=False, nullable=True),
    Column("created", "timestamp", headers=("Order created time", "Created time", "Time created", "Order time",
                                            "Waktu pesanan dibuat", "Thời gian tạo đơn hàng", "订单创建时间")),
))

AFFILIATE_COLUMNS = ("order_id", "product", "quantity", "creator", "content_type", "content_id", "created",
                     "file", "source_row")

#: words of the content-type column, in the languages above
CONTENT_WORDS = {
    "live": ("live", "livestream", "siaran langsung", "phát trực tiếp", "直播"),
    "video": ("video", "short video", "video ngắn", "短视频", "视频"),
    "showcase": ("showcase", "product card", "shop tab", "etalase", "trưng bày", "gian hàng", "橱窗", "商品卡"),
}


def content_type(text: object) -> str | None:
    """'LIVE' -> 'live', 'Short video' -> 'video', '橱窗' -> 'showcase'; None when the cell says none."""
    word = str(text or "").strip().casefold()
    for kind, words in CONTENT_WORDS.items():
        if word in words:
            return kind
    for kind, words in CONTENT_WORDS.items():  # 'LIVE stream', 'Video (creator)'
        if any(w in word for w in words):
            return kind
    return None


def read_affiliate(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                   display_name: str | None = None) -> Parsed:
    """Read one affiliate order report (CSV or XLSX): one row per order and product."""
    name, raw, headers = read_export(Path(path), AFFILIATE, "order_id", display_name)
    parsed = parse_frame(raw, headers, AFFILIATE, name, on_bad_rows, dates)
    rows = parsed.frame
    problems = Problems(name)
    typed(rows, headers, [AFFILIATE.column("quantity")], problems, parse_count, "is not a whole number >= 0", whole=True)
    at = rows["_row"].to_numpy()
    kind = rows["content_type"].map(content_type)
    problems.add(pd.Series(kind.isna().to_numpy(), index=at), file_label(headers, AFFILIATE.column("content_type")),
                 pd.Series(rows["content_type"].to_numpy(), index=at), "is not a content type: LIVE, video or showcase")
    product = first_text(rows, ("seller_sku", "sku_id", "product_id"))
    problems.add(pd.Series((product == "").to_numpy(), index=at),
                 file_label(headers, AFFILIATE.column("seller_sku")), None,
                 "is empty, and so are SKU ID and Product ID; the product sold is needed")
    rows = rows.assign(content_type=kind, product=product)
    checked = problems.drop_from(rows, parsed.rejects, on_bad_rows)
    rows = checked.frame
    content_id = rows["content_id"].fillna("").astype(str)
    frame = pd.DataFrame({
        "order_id": rows["order_id"].astype(str), "product": rows["product"].astype(str),
        "quantity": rows["quantity"].astype(float), "creator": rows["creator"].astype(str).str.strip(),
        "content_type": rows["content_type"], "content_id": content_id.where(~no_data(content_id), ""),
        "created": rows["created"].astype("datetime64[ns]"), "file": name, "source_row": rows["_row"].astype(int),
    })
    return Parsed(frame[list(AFFILIATE_COLUMNS)], checked.rejects)


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several affiliate reports as one: an order's product seen in more than one file (downloads
    overlap) is kept once, from the file read last."""
    frame = stacked(frames, AFFILIATE_COLUMNS, ["created"])
    return frame.drop_duplicates(["order_id", "product"], keep="last").reset_index(drop=True)


__all__ = ["AFFILIATE", "AFFILIATE_COLUMNS", "combine", "content_type", "read_affiliate"]
