"""Order-line readers: TikTok Shop exports, the generic long table, the UCI Online Retail shape.

Each reader returns the same frame (``LINE_COLUMNS``), one row per order SKU line (or per SKU, day and
location for the generic table), keyed by ``line_key`` so that overlapping exports update lines instead
of counting them twice. Buyer personal data is never read: only the columns declared here are parsed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.io.checks import OrderChecks, conflicting_copies, implausible_dates, quantity_outliers
from planner.io.table import (
    DAY_FIRST, Column, DateStyle, OnBadRows, Parsed, Problems, Schema, header_key, parse_frame, parse_table, read_headers, read_raw,
)
from planner.io.tiktok_status import normalise_status

LINE_COLUMNS = (
    "line_key", "channel", "order_id", "sku", "location", "status", "demand_date",
    "created_at", "paid_at", "shipped_at", "quantity", "returned_quantity", "is_demand",
    "unit_price", "revenue", "product_name", "category", "source_row",
)

# ------------------------------------------------------------------------------------------ TikTok

TIKTOK = Schema("TikTok Shop order export", (
    Column("order_id", headers=("Order ID",)),
    Column("status_word", headers=("Order Status",)),
    Column("cancel_type", headers=("Cancelation/Return Type", "Cancellation/Return Type"), required=False, nullable=True),
    Column("sku_id", headers=("SKU ID",), required=False, nullable=True),
    Column("seller_sku", headers=("Seller SKU",), required=False, nullable=True),
    Column("product_name", headers=("Product Name",), required=False, nullable=True),
    Column("quantity", "whole", headers=("Quantity",)),
    Column("returned_quantity", "whole", headers=("Sku Quantity of return",), required=False, nullable=True, default=0),
    Column("unit_price", "money", headers=("SKU Unit Original Price",), required=False, nullable=True),
    Column("subtotal", "money", headers=("SKU Subtotal After Discount",), required=False, nullable=True),
    Column("created_at", "timestamp", headers=("Created Time",)),
    Column("paid_at", "timestamp", headers=("Paid Time",), required=False, nullable=True),
    Column("shipped_at", "timestamp", headers=("Shipped Time",), required=False, nullable=True),
    Column("fulfillment", headers=("Fulfillment Type",), required=False, nullable=True, default=""),
    Column("category", headers=("Product Category",), required=False, nullable=True),
    # a SKU shipped in two packages is two lines of an order (and not a line copied by mistake)
    Column("package_id", headers=("Package ID",), required=False, nullable=True, default=""),
))


def empty_lines() -> pd.DataFrame:
    """The order-line frame with no lines, its columns typed."""
    kinds = {"demand_date": "datetime64[ns]", "created_at": "datetime64[ns]", "paid_at": "datetime64[ns]",
             "shipped_at": "datetime64[ns]", "quantity": "float64", "returned_quantity": "float64",
             "is_demand": "bool", "unit_price": "float64", "revenue": "float64", "source_row": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=kinds.get(c, "object")) for c in LINE_COLUMNS})


def _is_description_row(raw: pd.DataFrame) -> bool:
    """Some exports carry a row of column descriptions under the header."""
    if raw.empty:
        return False
    first = raw.iloc[0]
    order_id = str(first.get(header_key("Order ID"), ""))
    quantity = str(first.get(header_key("Quantity"), ""))
    return not order_id.isdigit() and not quantity.replace(".", "", 1).isdigit()


#: the columns that make two rows of an export the same order line (planner/io/checks.conflicting_copies)
TIKTOK_LINE = ["order_id", "sku", "sku_id", "package_id", "created_at", "paid_at", "subtotal"]


def tiktok_raw(raw: pd.DataFrame, headers: list[str], name: str, first: bool = True) -> pd.DataFrame:
    """The export's text frame without its description row (looked for in the ``first`` chunk only)."""
    if first and _is_description_row(raw):
        raw = raw.iloc[1:]
    if header_key("SKU ID") not in raw.columns and header_key("Seller SKU") not in raw.columns:
        raise InputError(name, f"missing column(s) ['Seller SKU' or 'SKU ID']; found {headers}")
    return raw


def tiktok_lines(raw: pd.DataFrame, headers: list[str], name: str, on_bad_rows: OnBadRows, dates: DateStyle,
                 seen: dict | None = None) -> tuple[Parsed, pd.DataFrame, Problems, pd.Series]:
    """The typed rows with their status and SKU; the problems found in them (an unknown status, no SKU),
    and the rows that may be checked for conflicting copies."""
    parsed = parse_frame(raw, headers, TIKTOK, name, on_bad_rows, dates, seen)
    lines = parsed.frame
    problems = Problems(name)
    words = lines["status_word"]
    lines["status"] = words.map({word: normalise_status(word) for word in words.unique()})  # a few words, many rows
    unknown = lines["status"].isna()
    problems.add(unknown.set_axis(lines["_row"]), "Order Status", lines["status_word"].set_axis(lines["_row"]),
                 "is not a known order status (English, Thai, Indonesian or Vietnamese)")
    seller_sku = lines["seller_sku"].fillna("").astype(str)
    lines["sku"] = seller_sku.where(seller_sku != "", lines["sku_id"].fillna("").astype(str))
    no_sku = lines["sku"] == ""
    problems.add(no_sku.set_axis(lines["_row"]), "Seller SKU", None, "is empty and so is 'SKU ID'; a SKU is required")
    return parsed, lines, problems, ~unknown & ~no_sku


def tiktok_frame(lines: pd.DataFrame, occurrence: pd.Series | None) -> pd.DataFrame:
    """The order-line frame of checked export rows; ``occurrence`` numbers an order's lines of one SKU
    (None: the line keys are numbered later, over the whole file)."""
    cancelled = lines["status"] == "cancelled"
    cancel_type = lines["cancel_type"].fillna("").astype(str).str.casefold()
    before_shipping = cancelled & lines["shipped_at"].isna() & ~cancel_type.str.contains("return", regex=False)
    fulfillment = lines["fulfillment"].fillna("").astype(str).str.casefold()
    return pd.DataFrame({
        "line_key": None if occurrence is None else
        "tiktok:" + lines["order_id"] + ":" + lines["sku"] + ":" + occurrence.astype(str),
        "channel": "tiktok",
        "order_id": lines["order_id"],
        "sku": lines["sku"],
        "location": np.where(fulfillment.str.contains("tiktok", regex=False), "fbt", "own"),
        "status": lines["status"],
        "demand_date": lines["paid_at"].fillna(lines["created_at"]).dt.normalize(),
        "created_at": lines["created_at"],
        "paid_at": lines["paid_at"],
        "shipped_at": lines["shipped_at"],
        "quantity": lines["quantity"].astype(float),
        "returned_quantity": lines["returned_quantity"].astype(float),
        "is_demand": ~before_shipping,
        "unit_price": lines["unit_price"].astype(float),
        "revenue": lines["subtotal"].astype(float).fillna(lines["unit_price"].astype(float) * lines["quantity"]),
        "product_name": lines["product_name"],
        "category": lines["category"],
        "source_row": lines["_row"].astype(int),
    }, index=lines.index)


def read_tiktok(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                display_name: str | None = None) -> Parsed:
    name = display_name or Path(path).name
    raw, headers = read_raw(Path(path), [h for c in TIKTOK.columns for h in c.file_names], name)
    parsed, lines, problems, checkable = tiktok_lines(tiktok_raw(raw, headers, name), headers, name, on_bad_rows, dates)
    conflicting_copies(lines[checkable], TIKTOK_LINE, problems, "Quantity")
    checked = problems.drop_from(lines, parsed.rejects, on_bad_rows)
    lines, rejects = checked.frame, checked.rejects
    if lines.empty:  # a header only, or every row rejected: no column was typed
        return Parsed(empty_lines(), rejects)
    return Parsed(tiktok_frame(lines, lines.groupby(["order_id", "sku"], sort=False).cumcount()), rejects)


# ----------------------------------------------------------------------------------------- generic

GENERIC = Schema("generic demand table", (
    Column("sku"),
    Column("date", "date"),
    Column("units", "number", min_value=0),
    Column("location", required=False, nullable=True, default="own"),
    Column("price", "money", required=False, nullable=True),
))


def read_generic(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                 display_name: str | None = None) -> Parsed:
    parsed = parse_table(Path(path), GENERIC, on_bad_rows, display_name, dates)
    return Parsed(_sum_duplicate_keys(generic_frame(parsed.frame)), parsed.rejects)


def generic_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """The order-line frame of a generic table's typed rows (a SKU, day and location may repeat)."""
    location = lines["location"].fillna("own").astype(str)
    day = lines["date"].dt.strftime("%Y-%m-%d")
    return pd.DataFrame({
        "line_key": "generic:" + lines["sku"] + ":" + day + ":" + location,
        "channel": "generic",
        "order_id": None,
        "sku": lines["sku"],
        "location": location,
        "status": "completed",
        "demand_date": lines["date"],
        "created_at": lines["date"],
        "paid_at": lines["date"],
        "shipped_at": pd.NaT,
        "quantity": lines["units"].astype(float),
        "returned_quantity": 0.0,
        "is_demand": True,
        "unit_price": lines["price"].astype(float),
        "revenue": lines["price"].astype(float) * lines["units"].astype(float),
        "product_name": None,
        "category": None,
        "source_row": lines["_row"].astype(int),
    })


def _sum_duplicate_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """A generic file may list a SKU, day and location more than once: the day's units are the sum."""
    if not frame["line_key"].duplicated().any():
        return frame
    summed = frame.groupby("line_key", sort=False).agg(quantity=("quantity", "sum"), revenue=("revenue", "sum"))
    first = frame.drop_duplicates("line_key").set_index("line_key")
    first[["quantity", "revenue"]] = summed[["quantity", "revenue"]]
    return first.reset_index()[list(LINE_COLUMNS)]


# ------------------------------------------------------------------------------ UCI Online Retail

ONLINE_RETAIL = Schema("Online Retail order lines", (
    Column("invoice", headers=("Invoice", "InvoiceNo")),
    Column("stock_code", headers=("StockCode",)),
    Column("quantity", "number", headers=("Quantity",)),
    Column("invoice_date", "timestamp", headers=("InvoiceDate",)),
    Column("price", "money", headers=("Price", "UnitPrice"), required=False, nullable=True),
    Column("description", headers=("Description",), required=False, nullable=True),
))


def read_online_retail(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                       display_name: str | None = None) -> Parsed:
    parsed = parse_table(Path(path), ONLINE_RETAIL, on_bad_rows, display_name, dates)
    lines = parsed.frame
    return Parsed(online_retail_frame(lines, lines.groupby(["invoice", "stock_code"], sort=False).cumcount()),
                  parsed.rejects)


def online_retail_frame(lines: pd.DataFrame, occurrence: pd.Series | None) -> pd.DataFrame:
    """The order-line frame of typed Online Retail rows (``occurrence`` as in :func:`tiktok_frame`)."""
    quantity = lines["quantity"].astype(float)
    cancellation = lines["invoice"].str.upper().str.startswith("C")
    adjustment = ~cancellation & (quantity < 0)
    price = lines["price"].astype(float)
    return pd.DataFrame({
        "line_key": None if occurrence is None else
        "uci:" + lines["invoice"] + ":" + lines["stock_code"] + ":" + occurrence.astype(str),
        "channel": "online_retail",
        "order_id": lines["invoice"],
        "sku": lines["stock_code"],
        "location": "own",
        "status": np.select([cancellation, adjustment], ["cancelled", "adjustment"], "completed"),
        "demand_date": lines["invoice_date"].dt.normalize(),
        "created_at": lines["invoice_date"],
        "paid_at": lines["invoice_date"],
        "shipped_at": pd.NaT,
        "quantity": quantity.where(~cancellation & ~adjustment, 0.0),
        "returned_quantity": (-quantity).where(cancellation, 0.0).clip(lower=0),
        "is_demand": ~cancellation & ~adjustment,
        "unit_price": price,
        "revenue": (price * quantity).where(~cancellation & ~adjustment, 0.0),
        "product_name": lines["description"],
        "category": None,
        "source_row": lines["_row"].astype(int),
    })


# --------------------------------------------------------------------------------------- detection

FORMATS = {
    "tiktok": (read_tiktok, {"order id", "quantity"}),
    "online_retail": (read_online_retail, {"invoice", "stockcode"}),
    "generic": (read_generic, {"sku", "date", "units"}),
}

#: per format: the times the plausibility checks judge (frame column -> the file's header), and the quantity's header
CHECKED = {
    "tiktok": ({"created_at": "Created Time", "paid_at": "Paid Time", "shipped_at": "Shipped Time"}, "Quantity"),
    "online_retail": ({"created_at": "InvoiceDate"}, "Quantity"),
    "generic": ({"demand_date": "date"}, "units"),
}


def detect_format(headers: list[str]) -> str | None:
    keys = {header_key(h) for h in headers}
    for fmt, (_, needed) in FORMATS.items():
        if needed <= keys:
            return fmt
    if "invoiceno" in keys and "stockcode" in keys:
        return "online_retail"
    return None


def order_format(path: Path) -> str:
    """The format of an order file, recognised from its header."""
    fmt = detect_format(read_headers(path))
    if fmt is None:
        raise InputError(path.name, f"is not a known order file: expected a TikTok Shop export (Order ID, "
                         f"Seller SKU, Quantity, ...), a generic table (sku, date, units) or Online Retail "
                         f"lines (Invoice, StockCode, Quantity, InvoiceDate); found {read_headers(path)}")
    return fmt


def read_order_file(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
                    fmt: str | None = None, checks: OrderChecks | None = None) -> tuple[str, Parsed]:
    """Read any supported order file; the format is recognised from its header unless ``fmt`` is given.

    Then the plausibility checks (planner/io/checks.py, thresholds in ``checks``): a date in the future
    or far from the file's others is a bad row; a quantity far above the usual is kept out of the demand
    with a warning (``Parsed.warnings``)."""
    path = Path(path)
    fmt = fmt or order_format(path)
    reader = FORMATS[fmt][0]
    parsed = reader(path, on_bad_rows=on_bad_rows, dates=dates)
    if parsed.frame.empty and parsed.rejects.empty:
        parsed.warnings.append(f"{path.name}: no order lines under its header; nothing to import")
        return fmt, parsed
    checks = checks or OrderChecks()
    times, quantity = CHECKED[fmt]
    parsed = implausible_dates(parsed, path.name, times, on_bad_rows, checks)
    return fmt, quantity_outliers(parsed, path.name, quantity, checks)

