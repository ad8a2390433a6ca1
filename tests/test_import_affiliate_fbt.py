"""Affiliate order reports and FBT inventory / inbound exports: header variants, bad rows, no personal
data, idempotent re-reading; and what the plan does with them (creator campaigns, the FBT stock
position, the measured receiving time, FBT's inbound rules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.config import load_config
from planner.errors import ConfigError, InputError
from planner.io.affiliate import combine as combine_affiliate
from planner.io.affiliate import read_affiliate
from planner.io.campaign_history import affiliate_campaigns, read_export_history
from planner.io.exports import export_kind, sku_matcher
from planner.io.fbt import combine_inbound, combine_inventory, read_fbt_inbound, read_fbt_inventory
from planner.io.fbt_stock import fbt_stock, with_fbt_stock
from planner.io.inputs import CAMPAIGNS, empty_table
from planner.plan.inbound import apply_monthly_quota, group_inbound_plans
from planner.plan.settings import plan_settings
from planner.plan.terms import measured_receiving_days

PERSONAL = {"Buyer Username": "mali_secret_88", "Phone #": "(+66)812349876", "Recipient": "Malee Wongsawat",
            "Detail Address": "99/1 Sukhumvit Soi 11"}
PRODUCTS = pd.DataFrame({"sku": ["SERUM-30", "TONER-100", "MASK-5"], "category": ["beauty"] * 3})
MATCH = sku_matcher(PRODUCTS["sku"])


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


# ------------------------------------------------------------------------------------ affiliate

AFFILIATE = (
    "Affiliate orders\n"
    "Order ID,Seller SKU,Product name,Quantity,Creator username,Content type,Content ID,Order created time,"
    "Commission\n"
    "5771,SERUM-30,Serum,2,@fah,LIVE,7001,2026-03-08 19:30,12\n"
    "5772,TONER-100,Toner,1,@fah,LIVE,7001,2026-03-08 21:05,5\n"
    "5773,MASK-5,Mask,1,@fah,Video,v9,2026-03-09 10:00,3\n"
    "5774,MASK-5,Mask,3,@fah,Video,v9,10/03/2026 09:00:00,3\n"
    "5775,MASK-5,Mask,1,@fah,Video,v9,2026-03-14 09:00,3\n"
    "5776,SERUM-30,Serum,1,@bo,Showcase,,2026-03-09 11:00,1\n"
)


def test_affiliate_report_with_title_row_and_mixed_times(tmp_path):
    frame = read_affiliate(write(tmp_path / "affiliate.csv", AFFILIATE, bom=True)).frame
    assert list(frame["source_row"]) == [3, 4, 5, 6, 7, 8]                      # header on row 2
    assert list(frame["content_type"]) == ["live", "live", "video", "video", "video", "showcase"]
    assert frame["created"].iloc[3] == pd.Timestamp("2026-03-10 09:00")
    assert list(frame["quantity"]) == [2, 1, 1, 3, 1, 1]


@pytest.mark.parametrize("header, words", [
    ("ID Pesanan,SKU ID,Jumlah,Nama Kreator,Jenis konten,Waktu pesanan dibuat", ["Siaran langsung", "Video", "Etalase"]),
    ("ID đơn hàng,SKU ID,Số lượng,Tên nhà sáng tạo,Loại nội dung,Thời gian tạo đơn hàng",
     ["Phát trực tiếp", "Video ngắn", "Trưng bày"]),
    ("订单ID,SKU ID,数量,达人名称,带货渠道,订单创建时间", ["直播", "短视频", "橱窗"]),
])
def test_affiliate_header_languages(tmp_path, header, words):
    rows = "\n".join(f"{k},SERUM-30,1,@fah,{w},2026-03-0{k + 1} 20:00" for k, w in enumerate(words))
    frame = read_affiliate(write(tmp_path / "a.csv", header + "\n" + rows + "\n")).frame
    assert list(frame["content_type"]) == ["live", "video", "showcase"]


def test_affiliate_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["Order ID", "Product ID", "Creator name", "Channel", "Created time"],
                                           ["5771", "1729001", "@fah", "LIVE", "2026-03-08 19:30"]])
    frame = read_affiliate(path).frame
    assert frame[["order_id", "product", "content_type"]].values.tolist() == [["5771", "1729001", "live"]]


def test_affiliate_bad_rows_name_file_row_and_column(tmp_path):
    bad = AFFILIATE.replace("@fah,Video,v9,2026-03-09 10:00", "@fah,Podcast,v9,2026-03-09 10:00")
    with pytest.raises(InputError, match=r"affiliate.csv, row 5, column 'Content type': 'Podcast' is not a content "
                                         r"type: LIVE, video or showcase"):
        read_affiliate(write(tmp_path / "affiliate.csv", bad))
    bad = AFFILIATE.replace("5772,TONER-100,Toner,1,", "5772,TONER-100,Toner,two,")
    with pytest.raises(InputError, match=r"row 4, column 'Quantity': 'two' is not a whole number"):
        read_affiliate(write(tmp_path / "affiliate.csv", bad))
    bad = AFFILIATE.replace("2026-03-14 09:00", "yesterday")
    skipped = read_affiliate(write(tmp_path / "affiliate.csv", bad), on_bad_rows="skip")
    assert skipped.rejects[["row", "column", "value"]].values.tolist() == [[7, "Order created time", "yesterday"]]
    assert len(skipped.frame) == 5
    with pytest.raises(InputError, match=r"missing column\(s\) \['Content type'\]"):
        read_affiliate(write(tmp_path / "a.csv", "Order ID,Seller SKU,Creator username,Order created time\n1,A,@x,2026-03-01\n"))


def test_affiliate_orders_become_creator_campaigns():
    orders = read_affiliate_text(AFFILIATE)
    campaigns, unmatched = affiliate_campaigns(orders, MATCH)
    got = campaigns[["type", "start", "end", "skus", "creator"]].astype(str).values.tolist()
    assert got == [
        ["livestream_creator", "2026-03-08 19:30:00", "2026-03-08 21:05:00", "SERUM-30;TONER-100", "@fah"],
        ["video", "2026-03-09 00:00:00", "2026-03-10 23:59:00", "MASK-5", "@fah"],      # days 9 and 10 run together
        ["video", "2026-03-14 00:00:00", "2026-03-14 23:59:00", "MASK-5", "@fah"],
    ]                                                                                    # the showcase order is none
    assert unmatched.empty


def read_affiliate_text(text: str) -> pd.DataFrame:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return read_affiliate(write(Path(folder) / "affiliate.csv", text)).frame


def test_affiliate_live_a_live_export_shows_is_not_added_twice(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder / "affiliate.csv", AFFILIATE)
    write(folder / "live.csv", "LIVE ID,Creator name,Account type,LIVE start time,Duration,Viewers\n"
                               "7001,@fah,Affiliate,2026-03-08 19:00,3h,5000\n")
    write(folder / "live_products.csv", "LIVE ID,LIVE start time,Product ID,LIVE-attributed orders\n"
                                        "7001,2026-03-08 19:00,SERUM-30,4\n")
    hand = empty_table(CAMPAIGNS).assign(_row=pd.Series(dtype="float64"))
    history = read_export_history(folder, hand, PRODUCTS)
    assert sorted(history.derived["type"]) == ["livestream_creator", "video", "video"]
    assert history.derived.loc[history.derived["type"] == "livestream_creator", "campaign_id"].tolist() == ["TT-LIVE-7001"]
    assert history.files == ["affiliate.csv", "live.csv", "live_products.csv"]


def test_affiliate_rereading_is_idempotent(tmp_path):
    first = read_affiliate(write(tmp_path / "a.csv", AFFILIATE)).frame
    overlapping = read_affiliate(write(tmp_path / "b.csv", AFFILIATE.replace("5776,SERUM-30,Serum,1,@bo,Showcase", "5777,SERUM-30,Serum,1,@bo,Showcase"))).frame
    once = affiliate_campaigns(combine_affiliate([first]), MATCH)[0]
    twice = affiliate_campaigns(combine_affiliate([first, first, overlapping]), MATCH)[0]
    pd.testing.assert_frame_equal(once.drop(columns="_row"), twice.drop(columns="_row"))
    assert len(combine_affiliate([first, overlapping])) == 7


# ------------------------------------------------------------------------------------- FBT files

INVENTORY = ("FBT inventory\n"
             "Warehouse name,Seller SKU,Goods ID,Available,Reserved,Unfulfillable,In transit,Date\n"
             "BKK-1,SERUM-30,g1,\"1,200\",3,2,10,2026-11-22\n"
             "BKK-2,SERUM-30,g1,5,0,0,-,2026-11-22\n"
             "BKK-1,TONER-100,g2,40,0,0,0,2026-11-22\n")
INBOUND = ("IBR ID,Plan ID,Seller SKU,Warehouse,Planned quantity,Received quantity,Created time,Shipped time,"
           "Arrival time,Received time,ETA\n"
           "IBR1,P1,SERUM-30,BKK-1,100,100,2026-10-01 09:00,2026-10-02 09:00,2026-10-05 10:00,2026-10-08 10:00,\n"
           "IBR2,P1,TONER-100,BKK-2,50,50,2026-10-01 09:00,2026-10-02 09:00,2026-10-06 10:00,2026-10-15 10:00,\n"
           "IBR3,P2,SERUM-30,BKK-1,60,,2026-11-15,2026-11-16,,,2026-11-28\n"
           "IBR4,P3,MASK-5,BKK-1,30,,2026-08-01,2026-08-02,,,\n"
           "IBR5,P4,MASK-5,BKK-1,20,,2026-11-20,,,,2026-12-05\n")


def test_fbt_inventory_variants_and_languages(tmp_path):
    frame = read_fbt_inventory(write(tmp_path / "inv.csv", INVENTORY, bom=True)).frame
    assert frame[["product", "warehouse", "available", "in_transit"]].values.tolist() == [
        ["SERUM-30", "BKK-1", 1200, 10], ["SERUM-30", "BKK-2", 5, 0], ["TONER-100", "BKK-1", 40, 0]]
    assert list(frame["source_row"]) == [3, 4, 5]
    indonesian = write(tmp_path / "id.csv", "Gudang,SKU ID,Tersedia,Dipesan,Dalam perjalanan\nJKT-1,SERUM-30,1.204,3,0\n")
    assert read_fbt_inventory(indonesian).frame["available"].tolist() == [1204]
    vietnamese = write_xlsx(tmp_path / "vn.xlsx", [["Kho", "SKU ID", "Có sẵn", "Đã đặt trước", "Đang vận chuyển"],
                                                  ["HCM-1", "SERUM-30", 7, 1, 2]])
    assert read_fbt_inventory(vietnamese).frame[["available", "reserved", "in_transit"]].values.tolist() == [[7, 1, 2]]


def test_fbt_inbound_reads_every_step(tmp_path):
    frame = read_fbt_inbound(write(tmp_path / "ibr.csv", INBOUND)).frame
    assert list(frame["request_id"]) == ["IBR1", "IBR2", "IBR3", "IBR4", "IBR5"]
    assert frame.loc[0, "received"] == pd.Timestamp("2026-10-08 10:00") and pd.isna(frame.loc[2, "arrived"])
    assert frame.loc[2, "eta"] == pd.Timestamp("2026-11-28")


def test_fbt_bad_rows_name_file_row_and_column(tmp_path):
    with pytest.raises(InputError, match=r"inv.csv, row 4, column 'Available': 'lots' is not a whole number"):
        read_fbt_inventory(write(tmp_path / "inv.csv", INVENTORY.replace("BKK-2,SERUM-30,g1,5,", "BKK-2,SERUM-30,g1,lots,")))
    with pytest.raises(InputError, match=r"row 3, column 'Received time': '2026-10-03 10:00:00' is before the "
                                         r"request's arrived time \('Arrival time'\)"):
        read_fbt_inbound(write(tmp_path / "ibr.csv", INBOUND.replace("2026-10-15 10:00", "2026-10-03 10:00")))
    with pytest.raises(InputError, match=r"row 2, column 'Seller SKU': is empty, and so are SKU ID and Goods ID"):
        read_fbt_inventory(write(tmp_path / "inv.csv", "Warehouse,Seller SKU,Available\nBKK-1,,5\n"))
    with pytest.raises(InputError, match=r"missing column\(s\) \['Quantity'\]"):
        read_fbt_inbound(write(tmp_path / "ibr.csv", "IBR ID,Seller SKU,Created time\nI1,A,2026-10-01\n"))


def test_no_personal_column_is_read(tmp_path):
    extra_header, extra = ",".join(PERSONAL), ",".join(PERSONAL.values())
    affiliate = read_affiliate(write(tmp_path / "a.csv", "Order ID,Seller SKU,Creator username,Content type,"
                                     f"Order created time,{extra_header}\n5771,SERUM-30,@fah,LIVE,2026-03-08 19:30,{extra}\n"))
    inventory = read_fbt_inventory(write(tmp_path / "i.csv", f"Warehouse,Seller SKU,Available,{extra_header}\nB,SERUM-30,1,{extra}\n"))
    inbound = read_fbt_inbound(write(tmp_path / "r.csv", f"IBR ID,Seller SKU,Quantity,Created time,{extra_header}\n"
                                                         f"I1,SERUM-30,5,2026-10-01,{extra}\n"))
    for frame in (affiliate.frame, inventory.frame, inbound.frame):
        text = frame.astype(str).to_csv()
        assert not any(value in text for value in PERSONAL.values())
        assert not set(PERSONAL) & set(frame.columns)


def test_fbt_rereading_is_idempotent(tmp_path):
    inventory = read_fbt_inventory(write(tmp_path / "inv.csv", INVENTORY)).frame
    older = inventory.assign(available=1.0, snapshot_date=pd.Timestamp("2026-11-01"))
    assert combine_inventory([inventory, older, inventory]).equals(combine_inventory([inventory]))
    assert combine_inventory([inventory, older])["available"].tolist() == [1200, 5, 40]   # the newest snapshot wins
    inbound = read_fbt_inbound(write(tmp_path / "ibr.csv", INBOUND)).frame
    earlier = inbound.assign(arrived=pd.NaT, received=pd.NaT)               # a download from before they arrived
    for frames in ([inbound, inbound], [inbound, earlier], [earlier, inbound]):
        pd.testing.assert_frame_equal(combine_inbound(frames), combine_inbound([inbound]))


# --------------------------------------------------------------------------- the stock position

def stock_of(tmp_path, today="2026-11-22", receiving=5):
    inventory = read_fbt_inventory(write(tmp_path / "inv.csv", INVENTORY)).frame
    inbound = read_fbt_inbound(write(tmp_path / "ibr.csv", INBOUND)).frame
    return fbt_stock(inventory, inbound, MATCH, pd.Timestamp(today), receiving)


def test_fbt_inventory_feeds_the_fbt_location(tmp_path):
    stock = stock_of(tmp_path)
    hand = pd.DataFrame({"sku": ["SERUM-30", "SERUM-30", "MASK-5"], "location": ["own", "fbt", "fbt"],
                         "on_hand": [7.0, 999.0, 4.0], "reserved": 0.0, "unfulfillable": 0.0, "in_transit": 0.0,
                         "backorders": 0.0, "snapshot_date": pd.Timestamp("2026-11-20"), "location_type": None,
                         "_row": [2.0, 3.0, 4.0]})
    orders = pd.DataFrame({"po_id": ["PO-1"], "sku": ["MASK-5"], "quantity": [10.0],
                           "expected_arrival": [pd.Timestamp("2026-12-01")], "location": ["own"], "supplier": ["S"],
                           "_row": [2.0]})
    inventory, purchase_orders = with_fbt_stock(hand, orders, stock)
    fbt = inventory[inventory["location"] == "fbt"].set_index("sku")
    assert fbt.loc["SERUM-30", "on_hand"] == 1200 + 3 + 2 + 5         # both warehouses, reserved and damaged in
    assert fbt.loc["SERUM-30", "in_transit"] == 0                      # IBR3 is counted on order instead
    assert fbt.loc["MASK-5", "on_hand"] == 4                           # not in the export: inventory.csv's
    assert fbt.loc["TONER-100", "on_hand"] == 40
    assert inventory.loc[inventory["location"] == "own", "on_hand"].tolist() == [7.0]
    ibr = purchase_orders[purchase_orders["po_id"].str.startswith("IBR:")]
    # IBR3 shipped, due on its ETA + 5 receiving days; IBR4 closed (75 days, nothing arrived); IBR5 not shipped
    assert ibr[["po_id", "sku", "quantity", "expected_arrival", "location"]].astype(str).values.tolist() == [
        ["IBR:IBR3", "SERUM-30", "60.0", "2026-12-03", "fbt"]]
    assert stock.closed["request_id"].tolist() == ["IBR4"]


def test_closed_requests_are_a_warning(tmp_path):
    from planner.io.checks import _closed_inbound

    class Inputs:
        fbt = stock_of(tmp_path)

    [warning] = _closed_inbound(Inputs())
    assert warning.startswith("FBT inbound request(s) with nothing arrived 75 days after creation are closed by FBT "
                              "and not counted as on order: IBR4 (ibr.csv, row 5: created 2026-08-01, 30 units)")


def test_measured_receiving_time_is_shrunk_to_the_stated(tmp_path):
    stock = stock_of(tmp_path)
    assert sorted(stock.receiving_days) == [3.0, 9.0]                  # received - arrived
    days, words = measured_receiving_days(stock.receiving_days, 5)
    assert days == pytest.approx((3 + 9 + 3 * 5) / 5)                  # two requests against the stated 5 as three
    assert words == "2 received requests (mean 6.0 days) and the stated 5"
    many, _ = measured_receiving_days(np.full(300, 9.0), 5)
    assert many == pytest.approx(9.0, abs=0.05)


def test_quota_used_counts_requests_by_month_of_arrival(tmp_path):
    assert stock_of(tmp_path).quota_used == {"2026-10": 150.0, "2026-11": 60.0, "2026-12": 20.0}


# ------------------------------------------------------------------------------ inbound rules

def transfers(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"sku": s, "quantity": q, "ship_by": pd.Timestamp(d) - pd.Timedelta(days=5),
                          "expected_receipt": pd.Timestamp(d), "priority": p} for s, q, d, p in rows])


def test_monthly_quota_keeps_the_most_valuable_transfers():
    plan = transfers(("A", 300, "2026-12-03", 10.0), ("B", 500, "2026-12-10", 50.0), ("C", 400, "2027-01-04", 1.0))
    kept, alerts = apply_monthly_quota(plan, {"2026-12": 1000, "2027-01": 1000}, {"2026-12": 300})
    assert kept[["sku", "quantity"]].values.tolist() == [["A", 200], ["B", 500], ["C", 400]]
    assert [(a["sku"], a["kept"], a["month"], a["quota"], a["used"]) for a in alerts] == [("A", 200, "2026-12", 1000, 300)]
    from planner.plan.reasons import alert_message

    assert alert_message(alerts[0]) == ("transfer cut from 300 to 200 by FBT's inbound quota for 2026-12 (1,000 units, "
                                        "300 already requested): ship the rest when the next month's quota opens, or "
                                        "ask FBT for more")
    everything, none = apply_monthly_quota(plan, 5000)
    assert everything["quantity"].tolist() == [300, 500, 400] and none == []
    unlisted, none = apply_monthly_quota(plan, {"2027-02": 1})
    assert unlisted.equals(plan) and none == []


def test_inbound_plans_arrive_within_14_days():
    plan = transfers(("A", 1, "2026-12-01", 0), ("B", 1, "2026-12-15", 0), ("C", 1, "2026-12-16", 0),
                     ("D", 1, "2026-12-30", 0), ("E", 1, "2026-12-31", 0))
    labels = group_inbound_plans(plan["expected_receipt"])
    assert labels.tolist() == ["IBP-1", "IBP-1", "IBP-2", "IBP-2", "IBP-3"]
    for _, part in plan.groupby(labels):
        assert (part["expected_receipt"].max() - part["expected_receipt"].min()).days <= 14


def test_quota_setting_is_checked(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text('[planning]\nfbt_monthly_inbound_quota = { "2026-12" = 4000, "2027-01" = 6000 }\n')
    assert plan_settings(load_config(path)).fbt_monthly_quota == {"2026-12": 4000, "2027-01": 6000}
    path.write_text('[planning]\nfbt_monthly_inbound_quota = { "December" = 4000 }\n')
    with pytest.raises(ConfigError, match="'planning.fbt_monthly_inbound_quota'.'December' is not a month like \"2026-12\""):
        load_config(path)
    path.write_text('[planning]\nfbt_monthly_inbound_quota = -5\n')
    with pytest.raises(ConfigError, match="should be a number of units, 0 or more"):
        load_config(path)


def test_export_kinds_are_told_apart(tmp_path):
    kinds = {
        "affiliate.csv": AFFILIATE, "inv.csv": INVENTORY, "ibr.csv": INBOUND,
        "live.csv": "LIVE ID,Creator name,LIVE start time,Duration\n7001,@x,2026-03-08 19:00,2h\n",
        "ads.csv": "Campaign name,By Day,Cost\nSpring,2026-03-01,100\n",
    }
    found = {name: export_kind(write(tmp_path / name, text)) for name, text in kinds.items()}
    assert found == {"affiliate.csv": "affiliate", "inv.csv": "fbt_inventory", "ibr.csv": "fbt_inbound",
                     "live.csv": "live", "ads.csv": "ads"}


# ------------------------------------------------------------------------------------ the shop

def test_a_shop_reads_its_fbt_exports(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main
    from planner.shop import init_shop

    shop = init_shop(tmp_path / "shop")
    PRODUCTS.assign(name="x", unit_cost=1, price=2, supplier="S", fulfillment="fbt").to_csv(shop.root / "products.csv",
                                                                                           index=False)
    (shop.root / "inventory.csv").write_text("sku,location,on_hand,snapshot_date\nSERUM-30,own,7,2026-11-22\n"
                                             "SERUM-30,fbt,999,2026-11-22\n", encoding="utf-8")
    (shop.root / "exports").mkdir()
    write(shop.root / "exports" / "fbt_inventory.csv", INVENTORY)
    write(shop.root / "exports" / "fbt_inbound.csv", INBOUND)
    inputs = shop.inputs()
    assert inputs.fbt_receiving_days == round((3 + 9 + 3 * 5) / 5)
    assert plan_settings(shop.config, inputs).fbt_receiving_days == inputs.fbt_receiving_days
    assert plan_settings(shop.config, inputs).fbt_quota_used["2026-11"] == 60
    fbt = inputs.inventory[inputs.inventory["location"] == "fbt"].set_index("sku")
    assert fbt.loc["SERUM-30", "on_hand"] == 1210
    assert "IBR:IBR3" in set(inputs.purchase_orders["po_id"])
    result = CliRunner().invoke(main, ["check", "--shop", str(shop.root)])
    assert result.exit_code == 0, result.output
    assert "purchase_orders.csv         0 rows  ok" in result.output and "approved in restock" not in result.output
    assert ("FBT exports                 2 files: 2 SKUs counted at fbt (2 warehouses), 1 inbound requests on order "
            "(60 units), 1 closed") in result.output
    assert "FBT receiving days          5  from 2 received requests (mean 6.0 days) and the stated 5" in result.output
    assert "IBR4 (fbt_inbound.csv, row 5: created 2026-08-01, 30 units)" in result.output
    (shop.root / "exports" / "notes.csv").write_text("what,when\nx,y\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--shop", str(shop.root)])
    assert result.exit_code != 0 and "notes.csv: is not a LIVE export" in result.output


def test_the_sample_shop_ships_affiliate_and_fbt_exports(tmp_path):
    """The generator's exports read back: the creator LIVEs the affiliate orders show are the LIVE
    downloads' (none added twice), nothing disagrees with the planned calendar, FBT's warehouses add up to
    inventory.csv's fbt rows, and the measured receiving time is the stated 5 days the generator simulates."""
    from planner.io.inputs import read_input
    from planner.shop import init_shop

    shop = init_shop(tmp_path / "shop", sample=True)
    assert {p.name for p in (shop.root / "exports").iterdir()} == {
        "affiliate_orders.csv", "fbt_inventory.csv", "fbt_inbound.csv", "live_sessions.csv", "live_products.xlsx",
        "ads_daily.csv", "gmv_max_products.csv", "product_ids.csv"}
    history = shop.export_history()
    lives = history.derived[history.derived["type"] == "livestream_creator"]
    assert len(lives) >= 10 and not history.campaigns["campaign_id"].str.startswith("TT-AFF-").any()
    assert history.disagreements.empty and history.unmatched.empty
    inputs = shop.inputs()
    stated = read_input(shop.root / "inventory.csv", "inventory")
    fbt = stated[stated["location"] == "fbt"].set_index("sku")
    read = inputs.inventory[inputs.inventory["location"] == "fbt"].set_index("sku")
    for column in ("on_hand", "reserved", "unfulfillable", "in_transit"):
        pd.testing.assert_series_equal(read[column].astype(float).sort_index(), fbt[column].astype(float).sort_index(),
                                       check_names=False)
    assert inputs.fbt_receiving_days == 5 and inputs.fbt.closed.empty and inputs.fbt.on_order.empty
    assert inputs.fbt_receiving_source.startswith("24 received requests")


def test_the_engine_learns_a_video_campaign_type():
    """Affiliate videos are a campaign type of their own: a planted threefold video day is learnt."""
    from forecast.models.campaign import CampaignForecaster
    from tests.test_campaign_model import END, shop as planted_shop

    history, calendar, products = planted_shop(uplift=3.0, lives=20)
    calendar = calendar.assign(type="video", start=calendar["start"].dt.normalize(),
                               end=calendar["start"].dt.normalize() + pd.Timedelta(hours=23, minutes=59))
    model = CampaignForecaster().fit(history, calendar, products)
    paths = model.sample_paths(14, n_paths=100, seed=0)
    mean = paths.values.mean(axis=1)                                       # (sku, day)
    day = (END + pd.Timedelta(days=5) - pd.Timestamp(paths.start)).days
    featured = [list(paths.skus).index(s) for s in calendar.loc[calendar["campaign_id"] == "PLANNED", "sku"]]
    ratio = mean[featured, day].sum() / mean[featured][:, [d for d in range(14) if d != day]].mean(axis=1).sum()
    assert 2.0 < ratio < 4.5
