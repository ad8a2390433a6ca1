"""Purchase-order documents: one file per supplier (CSV and XLSX), and reading one back.

A run's order lines become purchase orders, one per supplier and ship-to location, written to
``runs/<id>/po/<supplier>.csv`` (UTF-8 with a byte-order mark, so Excel shows Thai and Chinese names) and
``.xlsx``. Both hold the same rows, a section per purchase order::

    Purchase order   PO-R00001
    Shop             Mint & Co.
    Supplier         Bangkok Beauty Lab
    Ship to          own
    Order date       2026-11-22
    Currency         THB

    Line  SKU  Supplier code  Name  Quantity (units)  Case pack  Cases  Unit cost  Line total  Requested delivery
    1     ...
                                                               Order total  2,345.00

The same reader takes a run's files and a buyer's edited copy (`restock approve --from FILE`): a buyer may
change a line's quantity (0 drops it) or requested delivery before approving; everything else is taken
from the proposal. A bad cell is an InputError naming the file, the row as a spreadsheet shows it and the
column.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.errors import InputError
from planner.io.table import DAY_FIRST, DateStyle, header_key, parse_date, parse_whole

LINE_HEADERS = ("Line", "SKU", "Supplier code", "Name", "Quantity (units)", "Case pack", "Cases", "Unit cost",
                "Line total", "Requested delivery")
#: the line frame's columns, in LINE_HEADERS' order
LINE_COLUMNS = ("line", "sku", "supplier_sku", "name", "quantity", "case_pack", "cases", "unit_cost", "line_total",
                "expected_arrival")
#: spreadsheet formula prefixes: a text cell starting with one is written with a leading apostrophe
_FORMULA = ("=", "+", "@")


@dataclass
class PurchaseOrder:
    """One purchase order: a supplier, a ship-to location, and its lines (LINE_COLUMNS)."""

    number: str | None
    supplier: str
    location: str
    order_date: pd.Timestamp
    lines: pd.DataFrame

    @property
    def total(self) -> float:
        return round(float(self.lines["line_total"].sum()), 2)

    @property
    def content(self) -> str:
        """What makes two proposals the same purchase order: supplier, ship-to and each line's SKU and
        quantity (planner.approve keeps a number while the content stays)."""
        lines = sorted(f"{sku}\t{int(q)}" for sku, q in zip(self.lines["sku"], self.lines["quantity"]))
        text = "\n".join([self.supplier, self.location, *lines])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def proposed_orders(orders: pd.DataFrame, products: pd.DataFrame) -> list[PurchaseOrder]:
    """The plan's order lines (Plan.orders) as purchase orders without numbers, one per supplier and
    ship-to location, suppliers in alphabetical order. The supplier's product code comes from
    products.csv's optional ``supplier_sku``."""
    if orders.empty:
        return []
    codes = products.set_index("sku")["supplier_sku"] if "supplier_sku" in products.columns else pd.Series(dtype=object)
    result = []
    for (supplier, location), group in orders.groupby(["supplier", "location"], sort=True):
        group = group.sort_values("sku")
        quantity = group["quantity"].astype(int).to_numpy()
        unit_cost = group["unit_cost"].astype(float).round(2).to_numpy()
        lines = pd.DataFrame({
            "line": range(1, len(group) + 1),
            "sku": group["sku"].astype(str).to_numpy(),
            "supplier_sku": group["sku"].map(codes).fillna("").astype(str).to_numpy() if len(codes) else "",
            "name": group["name"].fillna("").astype(str).to_numpy(),
            "quantity": quantity,
            "case_pack": group["case_pack"].astype(int).to_numpy(),
            "cases": group["cases"].astype(int).to_numpy(),
            "unit_cost": unit_cost,
            "line_total": (quantity * unit_cost).round(2),
            "expected_arrival": pd.to_datetime(group["expected_arrival"]).dt.normalize().to_numpy(),
        })
        result.append(PurchaseOrder(None, str(supplier), str(location), pd.Timestamp(group["order_by"].min()), lines))
    return result


def file_stem(supplier: str) -> str:
    """A supplier's file name: its name, with characters a file system refuses replaced.

    >>> file_stem("GZ Cosmetics"), file_stem("A/B: Co.")
    ('GZ Cosmetics', 'A_B_ Co')
    """
    return re.sub(r"[^\w\- .&()]", "_", supplier).strip(" .") or "supplier"


def document_rows(order: PurchaseOrder, shop_name: str, currency: str) -> list[list]:
    """The rows of one purchase order's section, typed (dates as Timestamps, numbers as numbers)."""
    rows: list[list] = [["Purchase order", order.number], ["Shop", shop_name], ["Supplier", order.supplier],
                        ["Ship to", order.location], ["Order date", order.order_date], ["Currency", currency], [],
                        list(LINE_HEADERS)]
    for line in order.lines.itertuples(index=False):
        rows.append([int(line.line), line.sku, line.supplier_sku, line.name, int(line.quantity), int(line.case_pack),
                     int(line.cases), float(line.unit_cost), float(line.line_total), pd.Timestamp(line.expected_arrival)])
    rows.append([""] * 7 + ["Order total", order.total])
    return rows


def write_supplier_files(orders: list[PurchaseOrder], folder: Path, shop_name: str, currency: str) -> list[Path]:
    """``folder/<supplier>.csv`` and ``.xlsx`` for every supplier, each file its supplier's purchase
    orders one after another. Written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    by_supplier: dict[str, list[PurchaseOrder]] = {}
    for order in orders:
        by_supplier.setdefault(order.supplier, []).append(order)
    written = []
    for supplier, mine in by_supplier.items():
        rows: list[list] = []
        for order in mine:
            if rows:
                rows.append([])
            rows += document_rows(order, shop_name, currency)
        stem = file_stem(supplier)
        written.append(_write_csv(rows, folder / f"{stem}.csv"))
        written.append(_write_xlsx(rows, folder / f"{stem}.xlsx", supplier))
    return written


def _csv_cell(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _write_csv(rows: list[list], path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
    tmp.replace(path)
    return path


def _write_xlsx(rows: list[list], path: Path, supplier: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", "_", supplier)[:31] or "PO"
    bold = Font(bold=True)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith(_FORMULA):
                cell = sheet.cell(r, c)
                cell.value, cell.data_type = value, "s"  # text, never a formula
            else:
                cell = sheet.cell(r, c, value.to_pydatetime().date() if isinstance(value, pd.Timestamp) else value)
            if isinstance(value, pd.Timestamp):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, float):
                cell.number_format = "#,##0.00"
            elif isinstance(value, int) and c > 1:
                cell.number_format = "#,##0"
        if row and (row[0] in ("Purchase order", "Line") or (len(row) > 7 and row[7] == "Order total")):
            for cell in sheet[r]:
                cell.font = bold
    for column, width in zip("ABCDEFGHIJ", (16, 20, 16, 36, 16, 10, 8, 12, 14, 18)):
        sheet.column_dimensions[column].width = width
    tmp = path.with_name(f".{path.name}.tmp")
    book.save(tmp)
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------------ reading

def _file_rows(path: Path) -> list[list[str]]:
    from planner.io.table import _cell_text, _xlsx_rows

    if not path.is_file():
        raise InputError(path.name, "file not found")
    if path.suffix.casefold() in (".xlsx", ".xlsm"):
        rows = [[_cell_text(v) for v in row] for row in _xlsx_rows(path)]
    else:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
        except UnicodeDecodeError as exc:
            raise InputError(path.name, f"is not UTF-8 text ({exc.reason}); save it as 'CSV UTF-8'") from None
    return [[cell.strip().removeprefix("'") for cell in row] for row in rows]


def read_po_file(path: Path, dates: DateStyle = DAY_FIRST) -> list[PurchaseOrder]:
    """The purchase orders in a supplier file written by write_supplier_files, perhaps edited.

    Each section's number and lines are read; ``quantity`` must be a whole number >= 0 (0 drops the line)
    and ``expected_arrival`` a date. The other header fields are returned as written (planner.approve
    checks them against the proposal)."""
    path = Path(path)
    rows = _file_rows(path)
    orders: list[PurchaseOrder] = []
    header: dict[str, str] = {}
    row_number = 0
    columns: dict[str, int] | None = None
    lines: list[dict] = []

    def close() -> None:
        if header.get("purchase order"):
            frame = pd.DataFrame(lines, columns=[*LINE_COLUMNS, "_row"])
            order_date = pd.to_datetime(header.get("order date", ""), errors="coerce")
            orders.append(PurchaseOrder(header["purchase order"], header.get("supplier", ""), header.get("ship to", ""),
                                        order_date, frame))

    for row_number, row in enumerate(rows, start=1):
        first = header_key(row[0]) if row else ""
        if first == "purchase order":
            close()
            header, columns, lines = {"purchase order": row[1] if len(row) > 1 else ""}, None, []
            if not header["purchase order"]:
                raise InputError(path.name, "the purchase order number is empty", row=row_number, column="B")
        elif not header:
            continue
        elif columns is None and first == "line":
            columns = {header_key(h): i for i, h in enumerate(row)}
            missing = [h for h in ("SKU", "Quantity (units)", "Requested delivery") if header_key(h) not in columns]
            if missing:
                raise InputError(path.name, f"missing column(s) {missing}; found {row}", row=row_number)
        elif columns is None:
            if first:
                header[first] = row[1] if len(row) > 1 else ""
        elif first:  # a line: its number in the first cell; the total row and blank rows have none
            lines.append(_line(path.name, row, row_number, columns, dates))
        else:
            columns = None  # the table ended; a next section may follow
    close()
    if not orders:
        raise InputError(path.name, "holds no purchase order (a row 'Purchase order, NUMBER' above its lines)")
    return orders


def _line(file: str, row: list[str], row_number: int, columns: dict[str, int], dates: DateStyle) -> dict:
    def cell(header: str) -> str:
        i = columns.get(header_key(header))
        return row[i] if i is not None and i < len(row) else ""

    sku = cell("SKU")
    if not sku:
        raise InputError(file, "the SKU is empty", row=row_number, column="SKU")
    text = cell("Quantity (units)")
    values, bad, problem = parse_whole(pd.Series([text]))
    if bad.iloc[0]:
        raise InputError(file, f"{text!r} {problem} (0 drops the line)", row=row_number, column="Quantity (units)")
    when = cell("Requested delivery")
    arrival, bad, problem = parse_date(pd.Series([when]), dates)
    if bad.iloc[0]:
        raise InputError(file, f"{when!r} {problem}", row=row_number, column="Requested delivery")

    def number(header: str) -> float:
        value = pd.to_numeric(cell(header).replace(",", ""), errors="coerce")
        return float(value) if pd.notna(value) else float("nan")

    quantity = int(values.iloc[0])
    unit_cost = number("Unit cost")
    return {"line": cell("Line"), "sku": sku, "supplier_sku": cell("Supplier code"), "name": cell("Name"),
            "quantity": quantity, "case_pack": number("Case pack"), "cases": number("Cases"), "unit_cost": unit_cost,
            "line_total": round(quantity * unit_cost, 2), "expected_arrival": arrival.iloc[0], "_row": row_number}
