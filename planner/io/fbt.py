"""Fulfilled by TikTok (FBT) exports: inventory per warehouse and inbound requests.

The FBT merchant portal downloads, as CSV or XLSX:

* **Inventory** (Inventory > Inventory list): per goods / SKU and warehouse the units ``Available``,
  ``Reserved``, ``Unfulfillable`` (damaged, expired) and ``In transit`` (inbound, not yet received);
* **Inbound requests** (IBR, Inbound > Inbound requests): per request and SKU its ``Inbound plan ID``,
  warehouse, quantity and received quantity, and the times it was created, shipped, arrived at the
  warehouse and received (shelved) there. The help page "FBT Inbound Request (IBR) Creation and
  Management Process" sets the rules the plan follows (planner/plan/inbound.py): the requests of one
  inbound plan must all arrive within 14 days of the first arrival, a request with no goods arrived 75
  days after it was created is closed automatically, and no over- or short-delivery is allowed.

Headers accepted: English as above with ``Warehouse name``, ``Available quantity``, ``Sellable``,
``Locked``, ``Damaged``, ``Inbound``, ``IBR ID``, ``Inbound request ID``, ``Plan ID``, ``Planned
quantity``, ``Shelved quantity``, ``Creation time``, ``Shipped time``, ``Arrival time``, ``Received
time`` / ``Shelved time`` / ``Completed time``, ``ETA``; Indonesian (``Gudang``, ``Tersedia``,
``Dipesan``, ``Dalam perjalanan``) and Vietnamese (``Kho``, ``Có sẵn``, ``Đã đặt trước``, ``Đang vận
chuyển``). Only these columns are read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.io.analytics import file_label, first_text, parse_count, read_export, stacked, typed
from planner.io.table import DAY_FIRST, Column, DateStyle, OnBadRows, Parsed, Problems, Schema, parse_frame

_PRODUCT = (
    Column("seller_sku", headers=("Seller SKU", "Reference code", "SKU Penjual", "SKU người bán"), required=False,
           nullable=True),
    Column("sku_id", headers=("SKU ID",), required=False, nullable=True),
    Column("goods_id", headers=("Goods ID", "Product ID", "ID Produk", "ID sản phẩm"), required=False, nullable=True),
)
_WAREHOUSE = Column("warehouse", headers=("Warehouse", "Warehouse name", "Warehouse code", "Gudang", "Kho", "仓库"),
                    required=False, nullable=True)

FBT_INVENTORY = Schema("FBT inventory export", (
    *_PRODUCT, _WAREHOUSE,
    Column("available", headers=("Available", "Available quantity", "Sellable", "Sellable quantity", "Tersedia",
                                 "Có sẵn", "可用库存")),
    Column("reserved", headers=("Reserved", "Reserved quantity", "Locked", "Dipesan", "Đã đặt trước", "预占库存"),
           required=False, nullable=True),
    Column("unfulfillable", headers=("Unfulfillable", "Unsellable", "Damaged", "Defective", "Tidak dapat dipenuhi",
                                     "Không thể xử lý", "不可用库存"), required=False, nullable=True),
    Column("in_transit", headers=("In transit", "In-transit quantity", "Inbound", "Incoming", "Dalam perjalanan",
                                  "Đang vận chuyển", "在途库存"), required=False, nullable=True),
    Column("snapshot_date", "date", headers=("Date", "Snapshot date", "Updated time", "Tanggal", "Ngày"),
           required=False, nullable=True),
))

FBT_INBOUND = Schema("FBT inbound request export", (
    Column("request_id", headers=("Inbound request ID", "IBR ID", "IBR No.", "Inbound order ID", "ID permintaan masuk",
                                  "Mã yêu cầu nhập kho", "入库单号")),
    Column("plan_id", headers=("Inbound plan ID", "Plan ID", "ID rencana masuk", "Mã kế hoạch nhập kho", "入库计划ID"),
           required=False, nullable=True),
    *_PRODUCT, _WAREHOUSE,
    Column("quantity", headers=("Quantity", "Planned quantity", "Inbound quantity", "Declared quantity", "Jumlah",
                                "Số lượng", "计划数量")),
    Column("received_quantity", headers=("Received quantity", "Shelved quantity", "Jumlah diterima",
                                         "Số lượng đã nhận", "上架数量"), required=False, nullable=True),
    Column("created", "timestamp", headers=("Created time", "Creation time", "Create time", "Waktu dibuat",
                                            "Thời gian tạo", "创建时间")),
    Column("shipped", "timestamp", headers=("Shipped time", "Ship time", "Shipping time", "Waktu dikirim",
                                            "Thời gian gửi hàng", "发货时间"), required=False, nullable=True),
    Column("arrived", "timestamp", headers=("Arrived time", "Arrival time", "Actual arrival time", "Waktu tiba",
                                            "Thời gian đến kho", "到仓时间"), required=False, nullable=True),
    Column("received", "timestamp", headers=("Received time", "Shelved time", "Completed time", "Waktu diterima",
                                             "Thời gian nhận hàng", "上架完成时间"), required=False, nullable=True),
    Column("eta", "timestamp", headers=("ETA", "Estimated arrival time", "Perkiraan tiba", "Dự kiến đến", "预计到仓时间"),
           required=False, nullable=True),
))

INVENTORY_COLUMNS = ("product", "warehouse", "available", "reserved", "unfulfillable", "in_transit", "snapshot_date",
                     "file", "source_row")
INBOUND_COLUMNS = ("request_id", "plan_id", "product", "warehouse", "quantity", "received_quantity", "created",
                   "shipped", "arrived", "received", "eta", "file", "source_row")
_STEPS = ("created", "shipped", "arrived", "received")  # each no earlier than the one before


def read_fbt_inventory(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                       display_name: str | None = None) -> Parsed:
    """Read one FBT inventory export: one row per product and warehouse."""
    name, rows, headers, problems, parsed = _read(path, FBT_INVENTORY, "available", on_bad_rows, dates, display_name)
    counts = [FBT_INVENTORY.column(c) for c in ("available", "reserved", "unfulfillable", "in_transit")]
    typed(rows, headers, counts, problems, parse_count, "is not a whole number >= 0", whole=True)
    _needs_product(rows, headers, problems)
    checked = problems.drop_from(rows, parsed.rejects, on_bad_rows)
    rows = checked.frame
    frame = pd.DataFrame({
        "product": first_text(rows, ("seller_sku", "sku_id", "goods_id")),
        "warehouse": rows["warehouse"].fillna("").astype(str),
        **{c: rows[c].fillna(0.0).astype(float) for c in ("available", "reserved", "unfulfillable", "in_transit")},
        "snapshot_date": pd.to_datetime(rows["snapshot_date"]).astype("datetime64[ns]"),
        "file": name, "source_row": rows["_row"].astype(int),
    })
    return Parsed(frame[list(INVENTORY_COLUMNS)], checked.rejects)


def read_fbt_inbound(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                     display_name: str | None = None) -> Parsed:
    """Read one FBT inbound request export: one row per request and product. A time before the step
    it follows (shipped before created, arrived before shipped, received before arrived) is a bad row."""
    name, rows, headers, problems, parsed = _read(path, FBT_INBOUND, "request_id", on_bad_rows, dates, display_name)
    typed(rows, headers, [FBT_INBOUND.column(c) for c in ("quantity", "received_quantity")], problems, parse_count,
          "is not a whole number >= 0", whole=True)
    _needs_product(rows, headers, problems)
    at = rows["_row"].to_numpy()
    for before, after in zip(_STEPS, _STEPS[1:]):
        earlier = pd.to_datetime(rows[after]) < pd.to_datetime(rows[before])
        problems.add(pd.Series(earlier.fillna(False).to_numpy(), index=at), file_label(headers, FBT_INBOUND.column(after)),
                     pd.Series(rows[after].astype(str).to_numpy(), index=at),
                     f"is before the request's {before} time {_column_words(headers, before)}")
    checked = problems.drop_from(rows, parsed.rejects, on_bad_rows)
    rows = checked.frame
    frame = pd.DataFrame({
        "request_id": rows["request_id"].astype(str), "plan_id": rows["plan_id"].fillna("").astype(str),
        "product": first_text(rows, ("seller_sku", "sku_id", "goods_id")),
        "warehouse": rows["warehouse"].fillna("").astype(str), "quantity": rows["quantity"].astype(float),
        "received_quantity": rows["received_quantity"].astype(float),
        **{c: pd.to_datetime(rows[c]).astype("datetime64[ns]") for c in (*_STEPS, "eta")},
        "file": name, "source_row": rows["_row"].astype(int),
    })
    return Parsed(frame[list(INBOUND_COLUMNS)], checked.rejects)


def _read(path, schema: Schema, anchor: str, on_bad_rows: OnBadRows, dates: DateStyle, display_name: str | None):
    name, raw, headers = read_export(Path(path), schema, anchor, display_name)
    parsed = parse_frame(raw, headers, schema, name, on_bad_rows, dates)
    return name, parsed.frame, headers, Problems(name), parsed


def _needs_product(rows: pd.DataFrame, headers: list[str], problems: Problems) -> None:
    empty = first_text(rows, ("seller_sku", "sku_id", "goods_id")) == ""
    problems.add(pd.Series(empty.to_numpy(), index=rows["_row"].to_numpy()),
                 file_label(headers, FBT_INVENTORY.column("seller_sku")), None,
                 "is empty, and so are SKU ID and Goods ID; the product is needed")


def _column_words(headers: list[str], name: str) -> str:
    return f"({file_label(headers, FBT_INBOUND.column(name))!r})"


def combine_inventory(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several inventory exports as one: a product and warehouse seen in more than one file is kept
    from the newest snapshot (the file read last when the dates are equal or missing)."""
    frame = stacked(frames, INVENTORY_COLUMNS, ["snapshot_date"]).reset_index(names="_read")
    frame = frame.sort_values(["snapshot_date", "_read"], na_position="first", kind="stable")
    return frame.drop_duplicates(["product", "warehouse"], keep="last").drop(columns="_read").reset_index(drop=True)


def combine_inbound(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several inbound exports as one: a request's product seen in more than one file is kept from the
    file read last, each of its times filled from the others where that file has none (a later
    download knows the arrival an earlier one did not; an earlier one cannot undo it)."""
    frame = stacked(frames, INBOUND_COLUMNS, [*_STEPS, "eta"])
    if frame.empty:
        return frame
    newest_first = frame.iloc[::-1]
    merged = newest_first.groupby(["request_id", "product"], sort=False).first().reset_index()
    return merged[list(INBOUND_COLUMNS)].sort_values(["created", "request_id"], kind="stable").reset_index(drop=True)


def receiving_days(inbound: pd.DataFrame) -> np.ndarray:
    """Days FBT took to receive each request once it arrived (received - arrived), one per request
    (its products share them), for the requests with both times."""
    done = inbound.dropna(subset=["arrived", "received"]).drop_duplicates("request_id")
    return ((done["received"] - done["arrived"]).dt.total_seconds() / 86400).to_numpy(float)


__all__ = ["FBT_INBOUND", "FBT_INVENTORY", "INBOUND_COLUMNS", "INVENTORY_COLUMNS", "combine_inbound",
           "combine_inventory", "read_fbt_inbound", "read_fbt_inventory", "receiving_days"]
