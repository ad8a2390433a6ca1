"""Build small TikTok Shop Seller Center exports for tests, with each quirk switchable."""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

HEADER = (
    "Order ID,Order Status,Order Substatus,Cancelation/Return Type,Normal or Pre-order,SKU ID,Seller SKU,"
    "Product Name,Variation,Quantity,Sku Quantity of return,SKU Unit Original Price,SKU Subtotal Before Discount,"
    "SKU Platform Discount,SKU Seller Discount,SKU Subtotal After Discount,Shipping Fee After Discount,"
    "Original Shipping Fee,Shipping Fee Seller Discount,Shipping Fee Platform Discount,Payment platform discount,"
    "Taxes,Order Amount,Order Refund Amount,Created Time,Paid Time,RTS Time,Shipped Time,Delivered Time,"
    "Cancelled Time,Cancel By,Cancel Reason,Fulfillment Type,Warehouse Name,Tracking ID,Delivery Option,"
    "Shipping Provider Name,Buyer Message,Buyer Username,Recipient,Phone #,Country,State/Province,City,Zipcode,"
    "Detail Address,Additional address information,Payment Method,Weight(kg),Product Category,Package ID,"
    "Seller Note,Checked Status,Checked Marked by"
).split(",")

BUYER = {"Buyer Username": "mali_secret_88", "Recipient": "Malee Wongsawat", "Phone #": "(+66)812349876",
         "Detail Address": "99/1 Sukhumvit Soi 71", "Buyer Message": "please call Malee before delivery"}


def line(order_id: str, sku: str, quantity: object = 1, status: str = "Completed", created: str = "10/05/2026 22:05:43",
         paid: str | None = None, shipped: str = "", cancel_type: str = "", returned: object = 0,
         sku_id: str = "", price: str = "249.00", fulfillment: str = "Fulfillment by seller", **extra) -> dict:
    """One export row as a dict of header -> cell; unspecified cells empty, buyer data filled in."""
    row = {h: "" for h in HEADER}
    row.update(BUYER)
    row.update({
        "Order ID": order_id, "Order Status": status, "Seller SKU": sku, "SKU ID": sku_id or f"17{zlib.crc32(sku.encode()) % 10**8}",
        "Quantity": str(quantity), "Sku Quantity of return": str(returned), "Created Time": created,
        "Paid Time": created if paid is None else paid, "Shipped Time": shipped,
        "Cancelation/Return Type": cancel_type, "SKU Unit Original Price": price,
        "SKU Subtotal After Discount": "", "Fulfillment Type": fulfillment, "Product Name": f"Product {sku}",
    })
    row.update(extra)
    return row


def write_csv(path: Path, rows: list[dict], bom: bool = True, description_row: bool = True,
              trailing_tabs: bool = True, header: list[str] | None = None) -> Path:
    header = header or HEADER
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        if description_row:
            writer.writerow(["Platform unique order ID."] + ["Description of the column."] * (len(header) - 1))
        for row in rows:
            cells = []
            for h in header:
                value = row.get(h, "")
                if trailing_tabs and value and (h.endswith(" ID") or h.endswith("Time")):
                    value = f"{value}\t"
                cells.append(value)
            writer.writerow(cells)
    return path


def write_xlsx(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    header = header or HEADER
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h, "") for h in header])
    book.save(path)
    return path
