"""TikTok ads reports: GMV Max / Shop Ads campaign reports and Ads Manager custom reports.

Two shapes, one reader:

* **GMV Max / Shop Ads** (Seller Center > Shop Ads, or the GMV Max tab of Ads Manager): per campaign
  and product ``Cost``, ``Orders (SKU)``, ``Gross revenue``, ``ROI`` (help page "How to see reporting
  for your Product GMV Max campaign", ads.tiktok.com/help); Indonesian ``Nama kampanye``, ``ID produk``,
  ``Biaya``, ``Pesanan SKU``, ``Pendapatan kotor``. With a ``Date`` column it is a daily report; without
  one it covers the period chosen at download and tells which products a campaign promotes.
* **Ads Manager custom report** with a daily breakdown: ``Date`` / ``By Day``, ``Campaign name``,
  ``Campaign ID``, ``Cost`` / ``Spend``, ``Impressions``, ``Clicks``; the ``Total ...`` summary row
  an export may end with is skipped.

GMV Max revenue and orders include organic and affiliate orders of the promoted products: spend is the
ad driver. ``orders`` and ``gross_revenue`` are read for reference only and never added to demand (the
order export already holds those orders).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.errors import InputError
from planner.io.analytics import first_text, parse_amount, stacked, parse_count, read_export, typed
from planner.io.table import DAY_FIRST, Column, DateStyle, OnBadRows, Parsed, Problems, Schema, header_key, parse_frame

ADS = Schema("TikTok ads report", (
    Column("date", "date", headers=("Date", "By Day", "Day", "Tanggal", "Ngày", "日期"), required=False, nullable=True),
    Column("campaign_id", headers=("Campaign ID", "ID Campaign", "ID kampanye", "ID chiến dịch"), required=False, nullable=True),
    Column("campaign_name", headers=("Campaign name", "Campaign", "Nama kampanye", "Tên chiến dịch", "计划名称"),
           required=False, nullable=True),
    Column("seller_sku", headers=("Seller SKU",), required=False, nullable=True),
    Column("sku_id", headers=("SKU ID",), required=False, nullable=True),
    Column("product_id", headers=("Product ID", "ID produk", "ID sản phẩm"), required=False, nullable=True),
    Column("spend", headers=("Cost", "Spend", "Total cost", "Biaya", "Chi phí", "消耗")),
    Column("impressions", headers=("Impressions", "Impresi", "Lượt hiển thị", "曝光"), required=False, nullable=True),
    Column("clicks", headers=("Clicks (Destination)", "Clicks", "Klik", "Lượt nhấp", "点击"), required=False, nullable=True),
    Column("orders", headers=("Orders (SKU)", "SKU orders", "Pesanan SKU", "订单数"), required=False, nullable=True),
    Column("gross_revenue", headers=("Gross revenue", "Pendapatan kotor", "Doanh thu gộp"), required=False, nullable=True),
    Column("roi", headers=("ROI",), required=False, nullable=True),
))

AD_COLUMNS = ("campaign", "campaign_name", "date", "product", "spend", "impressions", "clicks", "orders",
              "gross_revenue", "roi", "file", "source_row")


def read_ads(path: Path, on_bad_rows: OnBadRows = "fail", dates: DateStyle = DAY_FIRST,
             display_name: str | None = None) -> Parsed:
    """Read one ads report (CSV or XLSX): one row per campaign (and product, and day where given)."""
    path = Path(path)
    name, raw, headers = read_export(path, ADS, "spend", display_name)
    campaign_keys = {header_key(h) for c in ("campaign_id", "campaign_name") for h in ADS.column(c).file_names}
    if not campaign_keys & set(raw.columns):
        raise InputError(name, f"missing column(s) ['Campaign name' or 'Campaign ID']; found {[h for h in headers if h.strip()]}")
    # the summary row an Ads Manager export ends with ("Total of 12 campaigns") is not a campaign
    label = raw[[c for c in raw.columns if c in campaign_keys]].astype(str).agg(" ".join, axis=1).str.strip().str.casefold()
    raw = raw[~label.str.startswith("total")]
    parsed = parse_frame(raw, headers, ADS, name, on_bad_rows, dates)
    rows = parsed.frame
    problems = Problems(name)
    typed(rows, headers, [ADS.column(c) for c in ("spend", "gross_revenue", "roi")], problems, parse_amount,
          "is not an amount like 1,249.00 or Rp1.249.000")
    typed(rows, headers, [ADS.column(c) for c in ("impressions", "clicks", "orders")], problems, parse_count,
          "is not a whole number >= 0", whole=True)
    spend_empty = pd.Series((rows["spend"].isna()).to_numpy(), index=rows["_row"].to_numpy())
    problems.add(spend_empty, next((h for h in headers if header_key(h) in {header_key(x) for x in ADS.column("spend").file_names}), "Cost"),
                 None, "is empty; the spend is what restock reads from an ads report")
    checked = problems.drop_from(rows, parsed.rejects, on_bad_rows)
    rows = checked.frame

    campaign_id = rows["campaign_id"].fillna("").astype(str)
    campaign_name = rows["campaign_name"].fillna("").astype(str)
    product = first_text(rows, ("seller_sku", "sku_id", "product_id"))
    frame = pd.DataFrame({
        "campaign": campaign_id.where(campaign_id != "", campaign_name),
        "campaign_name": campaign_name.where(campaign_name != "", campaign_id),
        "date": pd.to_datetime(rows["date"]).astype("datetime64[ns]"),
        "product": product,
        "spend": rows["spend"], "impressions": rows["impressions"], "clicks": rows["clicks"],
        "orders": rows["orders"], "gross_revenue": rows["gross_revenue"], "roi": rows["roi"],
        "file": name, "source_row": rows["_row"].astype(int),
    })
    return Parsed(frame[list(AD_COLUMNS)], checked.rejects)


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several ads reports as one: a campaign, product and day seen in more than one file (overlapping
    downloads) is kept once, from the file read last."""
    frame = stacked(frames, AD_COLUMNS, ["date"])
    if frame.empty:
        return frame
    key = frame["date"].dt.strftime("%Y-%m-%d").fillna("period")
    frame = frame.assign(_key=frame["campaign"] + "|" + frame["product"] + "|" + key)
    return frame.drop_duplicates("_key", keep="last").drop(columns="_key").reset_index(drop=True)


__all__ = ["ADS", "AD_COLUMNS", "combine", "read_ads"]
