"""Closing the loop: the purchase orders a run proposes, approved as placed, and received.

* **Proposed.** Each `restock run` turns its order lines into purchase orders, one per supplier and
  ship-to location, and writes them to ``runs/<id>/po/`` (planner.io.purchase_orders).
* **PO numbers** (table ``po_numbers``). A proposal keeps its number while runs propose the same lines:
  the same supplier, ship-to and (SKU, quantity) of every line. A proposal that differs gets the next
  number of the shop's sequence (``PO-R00001``, ``PO-R00002``, ...; numbers already used in
  purchase_orders.csv are skipped). A number once approved is never proposed again.
* **Approved** (``restock approve``; tables ``purchase_orders``, ``purchase_order_lines``). The newest
  run's proposals, or a buyer's edited copy of a PO file, recorded as placed, with the day and who
  approved. Every command reads them into the shop's purchase orders (Shop.inputs), so the next plan
  counts them as on order and does not order them again. A PO number that purchase_orders.csv also holds
  is counted from the file only.
* **Received** (``restock receive``; table ``po_receipts``): deliveries with their ordered, expected and
  received dates and quantities. What is received stops counting as on order from the inventory snapshot
  that is dated on or after the delivery (the snapshot then holds the units). ``restock unapprove``
  reverses an approval until something of it is received.
* Every approval, reversal and receipt is kept in ``po_audit`` (when, what, who).
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError, PurchaseOrderError
from planner.io.purchase_orders import PurchaseOrder, proposed_orders, read_po_file, write_supplier_files
from planner.plan.terms import RECEIPT_COLUMNS, receipt_lead_times
from planner.store import Store

PO_PREFIX = "PO-R"
PO_DIGITS = 5
PO_FOLDER = "po"


def default_user() -> str:
    """Who approves when --by is not given: the operating-system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _has_po_tables(store: Store) -> bool:
    """A store written before schema 2 and opened read-only has no purchase-order tables."""
    return bool(store._one("SELECT count(*) FROM information_schema.tables WHERE table_name = 'po_numbers'")[0])


# ------------------------------------------------------------------------------------------ proposed

def propose_purchase_orders(store_path: Path, orders: pd.DataFrame, products: pd.DataFrame, folder: Path,
                            run_id: str, shop_name: str, currency: str, taken: set[str] = frozenset()
                            ) -> list[PurchaseOrder]:
    """The run step: number the plan's order lines as purchase orders and write the supplier files into
    ``folder/po/``. ``taken``: PO numbers purchase_orders.csv already uses."""
    proposals = proposed_orders(orders, products)
    with Store(store_path) as store:
        assign_numbers(store, proposals, run_id, taken)
    if proposals:
        write_supplier_files(proposals, folder / PO_FOLDER, shop_name, currency)
    return proposals


def assign_numbers(store: Store, proposals: list[PurchaseOrder], run_id: str, taken: set[str] = frozenset()) -> None:
    """Give each proposal its PO number (see the module docstring), in place."""
    free = store.db.execute("""
        SELECT n.po_number, n.content FROM po_numbers n LEFT JOIN purchase_orders p USING (po_number)
        WHERE p.po_number IS NULL ORDER BY n.po_number
    """).fetchall()
    by_content = {content: number for number, content in free}
    highest = store._one("SELECT max(CAST(regexp_extract(po_number, '(\\d+)$', 1) AS BIGINT)) FROM po_numbers")[0] or 0
    now = _now()
    store.db.execute("BEGIN")
    try:
        for order in proposals:
            number = by_content.pop(order.content, None)
            if number is not None:
                store.db.execute("UPDATE po_numbers SET last_run = ? WHERE po_number = ?", [run_id, number])
            else:
                highest += 1
                while f"{PO_PREFIX}{highest:0{PO_DIGITS}d}" in taken:
                    highest += 1
                number = f"{PO_PREFIX}{highest:0{PO_DIGITS}d}"
                store.db.execute("INSERT INTO po_numbers VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [number, order.supplier, order.location, order.content, run_id, run_id, now])
            order.number = number
        store.db.execute("COMMIT")
    except Exception:
        store.db.execute("ROLLBACK")
        raise


def newest_proposals(runs: Path) -> tuple[Path, dict[str, tuple[Path, PurchaseOrder]]]:
    """The purchase orders the newest succeeded run (runs/latest) proposed, by number, with their file."""
    latest = runs / "latest"
    if not latest.is_dir():
        raise PurchaseOrderError(f"{runs}: no run has proposed purchase orders yet; run `restock run` first")
    found: dict[str, tuple[Path, PurchaseOrder]] = {}
    for path in sorted((latest / PO_FOLDER).glob("*.csv")):
        for order in read_po_file(path):
            found[order.number] = (path, order)
    return latest.resolve(), found


# ------------------------------------------------------------------------------------------ approve

@dataclass(frozen=True)
class Approval:
    number: str
    supplier: str
    location: str
    lines: int
    units: int
    value: float
    source: str


def approve(store_path: Path, runs: Path, numbers: list[str] | None = None, from_file: Path | None = None,
            by: str | None = None, placed: pd.Timestamp | None = None, known_skus: set[str] | None = None,
            dates=None) -> list[Approval]:
    """Record purchase orders as placed: ``numbers`` of the newest run's proposals (None: all of them), or
    every PO in ``from_file`` (a buyer's edited copy of a run's PO file). Each must be a proposal not
    approved yet; all are checked before any is recorded. ``placed``: the day they were placed (default
    today); ``known_skus``: products.csv's SKUs, which an edited line must name."""
    by = by or default_user()
    if from_file is not None:
        kwargs = {"dates": dates} if dates is not None else {}
        chosen = [(Path(from_file), order) for order in read_po_file(Path(from_file), **kwargs)]
        source = str(from_file)
    else:
        folder, proposals = newest_proposals(runs)
        if not proposals:
            raise PurchaseOrderError(f"the newest run ({folder.name}) proposed no purchase orders; nothing to approve")
        wanted = list(proposals) if not numbers else list(dict.fromkeys(numbers))
        unknown = [n for n in wanted if n not in proposals]
        if unknown:
            raise PurchaseOrderError(f"{', '.join(unknown)}: not a purchase order of the newest run ({folder.name}); "
                                     f"its POs are {', '.join(sorted(proposals))}")
        chosen = [proposals[n] for n in wanted]
        source = f"run {folder.name}"
    placed = pd.Timestamp(placed if placed is not None else pd.Timestamp.now()).normalize()
    with Store(store_path) as store:
        checked = [_checked(store, path, order, known_skus) for path, order in chosen]
        now = _now()
        store.db.execute("BEGIN")
        try:
            approvals = []
            for supplier, location, order in checked:
                lines = order.lines
                store.db.execute("INSERT INTO purchase_orders VALUES (?, ?, ?, 'open', ?, ?, ?)",
                                 [order.number, supplier, location, placed.to_pydatetime(), by, source])
                for line in lines.itertuples(index=False):
                    cost = None if pd.isna(line.unit_cost) else float(line.unit_cost)
                    store.db.execute("INSERT INTO purchase_order_lines VALUES (?, ?, ?, ?, ?)",
                                     [order.number, line.sku, float(line.quantity), cost,
                                      pd.Timestamp(line.expected_arrival).date()])
                approval = Approval(order.number, supplier, location, len(lines), int(lines["quantity"].sum()),
                                    round(float(np.nansum(lines["line_total"])), 2), source)
                _audit(store, now, "approved", order.number, by, {
                    "source": source, "placed": f"{placed:%Y-%m-%d}", "lines": approval.lines,
                    "units": approval.units, "value": approval.value})
                approvals.append(approval)
            store.db.execute("COMMIT")
        except Exception:
            store.db.execute("ROLLBACK")
            raise
    return approvals


def _checked(store: Store, path: Path, order: PurchaseOrder, known_skus: set[str] | None):
    """The proposal's supplier and ship-to, and the order with its 0-quantity lines dropped; an error
    naming the file, row and column for what cannot be approved."""
    row = store._one("SELECT supplier, location FROM po_numbers WHERE po_number = ?", [order.number])
    if row is None:
        raise PurchaseOrderError(f"{path.name}: {order.number} is not a purchase order restock proposed; "
                                 f"approve a run's PO file (runs/latest/{PO_FOLDER}/)")
    placed = store._one("SELECT approved_at, approved_by FROM purchase_orders WHERE po_number = ?", [order.number])
    if placed is not None:
        raise PurchaseOrderError(f"{order.number} was approved on {placed[0]:%Y-%m-%d} by {placed[1]}; to change it, "
                                 f"restock unapprove {order.number} first")
    lines = order.lines
    twice = lines["sku"].duplicated()
    if twice.any():
        first = lines[twice].iloc[0]
        raise InputError(path.name, f"SKU {first['sku']!r} appears twice in {order.number}", row=int(first["_row"]),
                         column="SKU")
    if known_skus is not None:
        unknown = ~lines["sku"].isin(known_skus)
        if unknown.any():
            first = lines[unknown].iloc[0]
            raise InputError(path.name, f"SKU {first['sku']!r} is not in products.csv", row=int(first["_row"]),
                             column="SKU")
    kept = lines[lines["quantity"] > 0].reset_index(drop=True)
    if kept.empty:
        raise PurchaseOrderError(f"{path.name}: every line of {order.number} has quantity 0; nothing to approve")
    return row[0], row[1], PurchaseOrder(order.number, row[0], row[1], order.order_date, kept)


def _audit(store: Store, at: datetime, action: str, number: str, by: str, detail: dict) -> None:
    store.db.execute("INSERT INTO po_audit VALUES (?, ?, ?, ?, ?)",
                     [at, action, number, by, json.dumps(detail, ensure_ascii=False)])


def _approved(store: Store, number: str) -> tuple:
    row = store._one("SELECT supplier, location, status, approved_at FROM purchase_orders WHERE po_number = ?", [number])
    if row is None:
        proposed = store._one("SELECT 1 FROM po_numbers WHERE po_number = ?", [number])
        hint = "it was proposed but never approved" if proposed else "no such purchase order"
        raise PurchaseOrderError(f"{number}: not an approved purchase order ({hint}); `restock purchase-orders` lists them")
    return row


def unapprove(store_path: Path, numbers: list[str], by: str | None = None) -> list[str]:
    """Reverse approvals: the POs count as proposed again. Refused for a PO with a delivery recorded."""
    by = by or default_user()
    with Store(store_path) as store:
        for number in numbers:
            _approved(store, number)
            received = store._one("SELECT count(*), min(received_at) FROM po_receipts WHERE po_number = ?", [number])
            if received[0]:
                raise PurchaseOrderError(f"{number}: a delivery was recorded on {received[1]:%Y-%m-%d}; an approval "
                                         f"cannot be reversed once something of it is received")
        now = _now()
        store.db.execute("BEGIN")
        try:
            for number in numbers:
                store.db.execute("DELETE FROM purchase_order_lines WHERE po_number = ?", [number])
                store.db.execute("DELETE FROM purchase_orders WHERE po_number = ?", [number])
                _audit(store, now, "unapproved", number, by, {})
            store.db.execute("COMMIT")
        except Exception:
            store.db.execute("ROLLBACK")
            raise
    return list(numbers)


# ------------------------------------------------------------------------------------------ receive

def receive(store_path: Path, number: str, received: pd.Timestamp | None = None, quantity: int | None = None,
            sku: str | None = None, by: str | None = None) -> pd.DataFrame:
    """Record a delivery of PO ``number``: every line's outstanding units, or ``quantity`` units of the
    line of ``sku`` (needed when the PO has several lines). Returns the receipt rows recorded."""
    by = by or default_user()
    received = pd.Timestamp(received if received is not None else pd.Timestamp.now()).normalize()
    with Store(store_path) as store:
        _, _, status, approved_at = _approved(store, number)
        lines = store.db.execute("""
            SELECT l.sku, l.quantity, l.expected_arrival, coalesce(sum(r.received_quantity), 0) AS received
            FROM purchase_order_lines l LEFT JOIN po_receipts r ON r.po_number = l.po_number AND r.sku = l.sku
            WHERE l.po_number = ? GROUP BY ALL ORDER BY l.sku
        """, [number]).df()
        if sku is not None:
            if sku not in set(lines["sku"]):
                raise PurchaseOrderError(f"{number} has no line for SKU {sku!r}; its SKUs: {', '.join(lines['sku'])}")
            lines = lines[lines["sku"] == sku]
        elif quantity is not None and len(lines) > 1:
            raise PurchaseOrderError(f"{number} has {len(lines)} lines ({', '.join(lines['sku'])}); name the line "
                                     f"received with --sku")
        if received < pd.Timestamp(approved_at).normalize():
            raise PurchaseOrderError(f"{number} was placed on {approved_at:%Y-%m-%d}; a delivery on {received:%Y-%m-%d} "
                                     f"would come before it")
        outstanding = (lines["quantity"] - lines["received"]).clip(lower=0)
        units = outstanding if quantity is None else pd.Series(float(quantity), index=lines.index)
        if quantity is None and not (units > 0).any():
            raise PurchaseOrderError(f"{number} is received in full already; give --quantity to record more units")
        rows = pd.DataFrame({"po_number": number, "sku": lines["sku"], "ordered_at": pd.Timestamp(approved_at).normalize(),
                             "expected_arrival": pd.to_datetime(lines["expected_arrival"]), "received_at": received,
                             "ordered_quantity": lines["quantity"], "received_quantity": units})
        rows = rows[rows["received_quantity"] > 0]
        now = _now()
        store.db.execute("BEGIN")
        try:
            for row in rows.itertuples(index=False):
                store.db.execute("INSERT INTO po_receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 [number, row.sku, row.ordered_at.date(), row.expected_arrival.date(),
                                  row.received_at.date(), float(row.ordered_quantity), float(row.received_quantity),
                                  now, by])
            left = store._one("""
                SELECT count(*) FROM purchase_order_lines l
                WHERE l.po_number = ? AND l.quantity > (SELECT coalesce(sum(received_quantity), 0) FROM po_receipts r
                                                        WHERE r.po_number = l.po_number AND r.sku = l.sku)
            """, [number])[0]
            if not left:
                store.db.execute("UPDATE purchase_orders SET status = 'received' WHERE po_number = ?", [number])
            _audit(store, now, "received", number, by, {
                "date": f"{received:%Y-%m-%d}",
                "lines": {r.sku: float(r.received_quantity) for r in rows.itertuples(index=False)}})
            store.db.execute("COMMIT")
        except Exception:
            store.db.execute("ROLLBACK")
            raise
    return rows.reset_index(drop=True)


# ---------------------------------------------------------------------------------- what others read

def open_purchase_orders(store_path: Path, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Approved purchase-order lines still on order, as purchase_orders.csv rows (po_id, sku, quantity,
    expected_arrival, location, supplier). A delivery counts as received once the inventory snapshot
    (dated ``as_of``) can hold it: deliveries after ``as_of`` still count as on order."""
    columns = ["po_id", "sku", "quantity", "expected_arrival", "location", "supplier"]
    empty = pd.DataFrame({c: pd.Series(dtype="float64" if c == "quantity" else "datetime64[ns]"
                                       if c == "expected_arrival" else object) for c in columns})
    if not Path(store_path).exists():
        return empty
    day = pd.Timestamp(as_of).date() if as_of is not None else None
    with Store(store_path, read_only=True) as store:
        if not _has_po_tables(store):
            return empty
        frame = store.db.execute("""
            SELECT l.po_number AS po_id, l.sku,
                   l.quantity - coalesce((SELECT sum(r.received_quantity) FROM po_receipts r
                                          WHERE r.po_number = l.po_number AND r.sku = l.sku
                                            AND (?::DATE IS NULL OR r.received_at <= ?::DATE)), 0) AS quantity,
                   l.expected_arrival, p.location, p.supplier
            FROM purchase_order_lines l JOIN purchase_orders p USING (po_number)
            ORDER BY l.po_number, l.sku
        """, [day, day]).df()
    frame = frame[frame["quantity"] > 0].reset_index(drop=True)
    frame["expected_arrival"] = pd.to_datetime(frame["expected_arrival"]).astype("datetime64[ns]")
    return frame[columns]


def with_approved_orders(purchase_orders: pd.DataFrame, store_path: Path, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """purchase_orders.csv's rows and the approved POs still on order (open_purchase_orders), a PO number
    the file holds counted from the file only. Approved rows have no ``_row`` (not from the file)."""
    approved = open_purchase_orders(store_path, as_of)
    approved = approved[~approved["po_id"].isin(set(purchase_orders["po_id"].astype(str)))]
    if approved.empty:
        return purchase_orders
    return pd.concat([purchase_orders, approved], ignore_index=True)


def _read(store_path: Path, sql: str, columns: list[str]) -> pd.DataFrame:
    """A query over the purchase-order tables; empty with ``columns`` in a store that has none yet."""
    with Store(store_path, read_only=True) as store:
        if not _has_po_tables(store):
            return pd.DataFrame(columns=columns)
        return store.db.execute(sql).df()[columns]


def purchase_order_status(store_path: Path) -> pd.DataFrame:
    """Every approved PO with its status, units ordered and received (for `restock purchase-orders`)."""
    return _read(store_path, """
        SELECT p.po_number, p.supplier, p.location, p.status, p.approved_at, p.approved_by,
               count(*) AS lines, sum(l.quantity) AS ordered,
               sum((SELECT coalesce(sum(received_quantity), 0) FROM po_receipts r
                    WHERE r.po_number = l.po_number AND r.sku = l.sku)) AS received
        FROM purchase_orders p JOIN purchase_order_lines l USING (po_number)
        GROUP BY ALL ORDER BY p.po_number
    """, ["po_number", "supplier", "location", "status", "approved_at", "approved_by", "lines", "ordered", "received"])


def recorded_receipts(store_path: Path) -> pd.DataFrame:
    """The deliveries recorded with `restock receive`, one row per PO line and day received
    (planner.plan.terms.RECEIPT_COLUMNS, with the PO's supplier)."""
    return _read(store_path, """
        SELECT r.po_number, r.sku, p.supplier, r.ordered_at, r.expected_arrival, r.received_at, r.ordered_quantity,
               r.received_quantity
        FROM po_receipts r JOIN purchase_orders p USING (po_number)
        ORDER BY r.received_at, r.po_number, r.sku
    """, list(RECEIPT_COLUMNS))


def measured_lead_times(store_path: Path) -> pd.DataFrame:
    """Lead times measured from deliveries: per receipt (recorded_receipts), the days from placing the
    order to receiving it and how late against the expected arrival
    (planner.plan.terms.receipt_lead_times). Shop.inputs moves each supplier's stated lead time toward
    them (planner.plan.terms.suppliers_with_receipts)."""
    receipts = recorded_receipts(store_path)
    return receipt_lead_times(receipts)[["po_number", "sku", "supplier", "ordered_at", "expected_arrival", "received_at",
                                         "lead_time_days", "days_late", "received_quantity"]]
