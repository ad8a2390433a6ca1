"""LIVE and ads exports: header variants and quirks, bad cells, no personal data, idempotent re-reading,
and the campaign history they give (the hand calendar wins where both speak)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.errors import InputError
from planner.io.ads import read_ads
from planner.io.campaign_history import ad_campaigns, read_export_history, sku_matcher
from planner.io.live import combine, read_live
from planner.io.table import DateStyle
from planner.shop import init_shop

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from generate import product_id_of, write_campaign_exports  # noqa: E402

PRODUCTS = pd.DataFrame({"sku": ["SERUM-30", "TONER-100", "MASK-5"], "category": ["beauty", "beauty", "beauty"]})
PERSONAL = {"Buyer Username": "mali_secret_88", "Phone #": "(+66)812349876", "Email": "malee@example.com",
            "Recipient": "Malee Wongsawat"}


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def empty_hand() -> pd.DataFrame:
    from planner.io.inputs import CAMPAIGNS, empty_table

    return empty_table(CAMPAIGNS).assign(_row=pd.Series(dtype="float64"))


# ------------------------------------------------------------------------------------- LIVE quirks

ENGLISH = (
    "LIVE performance\n"
    "Date range: 2026-03-01 ~ 2026-03-31\n"
    "LIVE ID,Creator name,Account type,LIVE start time,Duration,GMV,SKU orders,Items sold,Views,Viewers,Product CTR\n"
    "7001,@mintandco.th,Linked account,2026-03-08 19:00,2h 15min,\"฿12,345.50\",40,44,1.2K,950,4.1%\n"
    "7002,@beautybyfah,Affiliate,08/03/2026 20:00:00,02:00:00,-,--,3,100,\"1,080\",2.0%\n"
    "7003,@mintandco.th,Official account,2026-03-09 20:00,90,0,0,0,10,8,0%\n"
)


def test_english_sessions_with_title_rows_bom_and_market_numbers(tmp_path):
    sessions = read_live(write(tmp_path / "live.csv", ENGLISH, bom=True)).sessions
    assert list(sessions["live_id"]) == ["7001", "7002", "7003"]
    assert list(sessions["source_row"]) == [4, 5, 6]                       # header on row 3
    assert list(sessions["account_type"]) == ["own", "creator", "own"]
    assert list(sessions["end"]) == [pd.Timestamp("2026-03-08 21:15"), pd.Timestamp("2026-03-08 22:00"),
                                      pd.Timestamp("2026-03-09 21:30")]  # 2h 15min, 02:00:00, 90 (minutes)
    assert sessions["gmv"].iloc[0] == 12345.5 and pd.isna(sessions["gmv"].iloc[1])   # '-' is no data
    assert list(sessions["views"]) == [1200, 100, 10]                        # 1.2K
    assert list(sessions["viewers"]) == [950, 1080, 8]


def test_indonesian_live_analysis_header_on_row_3(tmp_path):
    text = ("Analisis LIVE\n"
            "Periode: 01/03/2026 - 31/03/2026\n"
            "ID Kreator,Waktu Live,Durasi,GMV dari LIVE (Rp),Produk Terjual,Penonton,CTOR\n"
            "mintandco.id,15/03/2026 19:30,1 jam 30 menit,Rp1.234.567,1.204,2.500,3%\n")
    session = read_live(write(tmp_path / "live_id.csv", text)).sessions.iloc[0]
    assert session["account"] == "mintandco.id" and session["source_row"] == 4
    assert session["start"] == pd.Timestamp("2026-03-15 19:30") and session["end"] == pd.Timestamp("2026-03-15 21:00")
    assert session["gmv"] == 1234567 and session["items_sold"] == 1204 and session["viewers"] == 2500


def test_vietnamese_live_report(tmp_path):
    text = ("ID buổi LIVE,Tên nhà sáng tạo,Thời gian bắt đầu LIVE,Thời gian kết thúc LIVE,"
            "GMV nhờ buổi LIVE của nhà sáng tạo,Đơn hàng nhờ buổi LIVE,Số món bán ra\n"
            "9001,@shop.vn,2026-03-10 20:00,2026-03-10 22:30,\"1.500.000,50\",12,15\n")
    session = read_live(write(tmp_path / "live_vn.csv", text)).sessions.iloc[0]
    assert session["end"] == pd.Timestamp("2026-03-10 22:30")
    assert session["gmv"] == 1500000.5 and session["sku_orders"] == 12


def test_per_product_xlsx_and_zoned_times(tmp_path):
    path = write_xlsx(tmp_path / "live_products.xlsx", [
        ["LIVE ID", "LIVE start time", "Creator name", "Product ID", "Product name", "Creator LIVE-attributed GMV",
         "LIVE-attributed orders"],
        ["7001", "2026-03-08T12:00:00Z", "@mintandco.th", "1729001", "Serum", 2490.0, 10],
        ["7001", "2026-03-08T12:00:00Z", "@mintandco.th", "1729002", "Toner", 990.0, 5],
    ])
    export = read_live(path, dates=DateStyle(timezone="Asia/Bangkok"))
    assert list(export.products["product"]) == ["1729001", "1729002"]
    assert list(export.products["sku_orders"]) == [10, 5]
    assert export.sessions["start"].iloc[0] == pd.Timestamp("2026-03-08 19:00")  # UTC -> Bangkok


# ------------------------------------------------------------------------------------- bad cells


def test_bad_viewers_cell_names_file_row_and_column(tmp_path):
    text = ENGLISH.replace(",950,", ",lots,")
    with pytest.raises(InputError) as error:
        read_live(write(tmp_path / "live.csv", text))
    assert str(error.value) == "live.csv, row 4, column 'Viewers': 'lots' is not a whole number >= 0"


def test_bad_duration_and_missing_end(tmp_path):
    with pytest.raises(InputError, match=r"live.csv, row 5, column 'Duration': 'about two hours' is not a duration"):
        read_live(write(tmp_path / "live.csv", ENGLISH.replace("02:00:00", "about two hours")))
    with pytest.raises(InputError, match=r"row 4, column 'Duration': is empty and so is the end time"):
        read_live(write(tmp_path / "live.csv", ENGLISH.replace("2h 15min", "")))


def test_unknown_account_type(tmp_path):
    with pytest.raises(InputError, match=r"row 5, column 'Account type': 'Partner' is not an account type"):
        read_live(write(tmp_path / "live.csv", ENGLISH.replace("Affiliate", "Partner")))


def test_bad_cost_and_missing_columns_in_ads(tmp_path):
    path = write(tmp_path / "ads.csv", "Campaign name,By Day,Cost\nSpring,2026-03-01,12 baht-ish\n")
    with pytest.raises(InputError) as error:
        read_ads(path)
    assert str(error.value) == "ads.csv, row 2, column 'Cost': '12 baht-ish' is not an amount like 1,249.00 or Rp1.249.000"
    with pytest.raises(InputError, match=r"ads.csv: missing column\(s\) \['Campaign name' or 'Campaign ID'\]"):
        read_ads(write(tmp_path / "ads.csv", "By Day,Cost\n2026-03-01,100\n"))
    with pytest.raises(InputError, match=r"live.csv: missing column\(s\) \['LIVE start time'\]"):
        read_live(write(tmp_path / "live.csv", "LIVE ID,Viewers\n1,2\n"))


def test_skip_lists_bad_rows_with_their_reason(tmp_path):
    export = read_live(write(tmp_path / "live.csv", ENGLISH.replace(",950,", ",lots,")), on_bad_rows="skip")
    assert list(export.sessions["live_id"]) == ["7002", "7003"]
    assert export.rejects[["row", "column", "value"]].values.tolist() == [[4, "Viewers", "lots"]]


# -------------------------------------------------------------------------------- personal data


def test_personal_data_columns_are_never_read(tmp_path):
    header = "LIVE ID,Creator name,LIVE start time,Duration,Viewers," + ",".join(PERSONAL)
    row = "7001,@mintandco.th,2026-03-08 19:00,2h,950," + ",".join(PERSONAL.values())
    live = read_live(write(tmp_path / "live.csv", header + "\n" + row + "\n"))
    ads = read_ads(write(tmp_path / "ads.csv", "Campaign name,By Day,Cost," + ",".join(PERSONAL) + "\n"
                         "Spring,2026-03-01,100," + ",".join(PERSONAL.values()) + "\n"))
    for frame in (live.sessions, live.products, ads.frame):
        text = frame.astype(str).to_csv()
        assert not any(value in text for value in PERSONAL.values())
        assert not set(PERSONAL) & set(frame.columns)


# -------------------------------------------------------------------------------------------- ads

ADS_DAILY = ("Campaign name,Campaign ID,By Day,Cost,Impressions,Clicks,Currency\n"
             "Spring serum,1801,2026-03-01,\"1,200.00\",5000,120,THB\n"
             "Spring serum,1801,2026-03-02,800,4000,90,THB\n"
             "Spring serum,1801,2026-03-05,500,2000,40,THB\n"
             "Spring serum,1801,2026-03-06,0,0,0,THB\n"
             "Total of 1 campaign,,,\"2,500.00\",11000,250,THB\n")
GMV_MAX = ("Campaign name,Campaign ID,Product ID,Cost,Orders (SKU),Gross revenue,ROI\n"
           "Spring serum,1801,1729001,1875,40,9960,5.31\n"
           "Spring serum,1801,1729002,625,90,20000,32\n")


def test_ads_daily_report_skips_the_total_row(tmp_path):
    frame = read_ads(write(tmp_path / "ads.csv", ADS_DAILY)).frame
    assert list(frame["source_row"]) == [2, 3, 4, 5]
    assert list(frame["spend"]) == [1200, 800, 500, 0]
    assert frame["campaign"].iloc[0] == "1801" and frame["campaign_name"].iloc[0] == "Spring serum"


def test_indonesian_gmv_max_report(tmp_path):
    text = ("Nama kampanye,ID produk,Biaya,Pendapatan kotor,Pesanan SKU,ROI\n"
            "Kampanye A,1729001,Rp1.000.000,Rp5.000.000,50,5\n")
    row = read_ads(write(tmp_path / "ads_id.csv", text)).frame.iloc[0]
    assert (row["campaign"], row["product"], row["spend"], row["gross_revenue"], row["orders"]) == \
        ("Kampanye A", "1729001", 1_000_000, 5_000_000, 50)
    assert pd.isna(row["date"])


def spring_ads(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ADS_DAILY and GMV_MAX read and combined as the history reads them, and who the products are."""
    from planner.io.ads import combine as combine_ads

    daily = read_ads(write(folder / "ads.csv", ADS_DAILY)).frame
    period = read_ads(write(folder / "gmv.csv", GMV_MAX)).frame
    match = sku_matcher(PRODUCTS["sku"], pd.DataFrame({"product_id": ["1729001", "1729002"],
                                                       "sku": ["SERUM-30", "TONER-100"]}))
    return ad_campaigns(combine_ads([daily, period]), match)


def test_daily_spend_becomes_ad_campaigns_per_run(tmp_path):
    campaigns, unmatched = spring_ads(tmp_path)
    got = campaigns[["campaign_id", "type", "start", "end", "skus", "daily_budget"]].values.tolist()
    assert got == [
        ["TT-AD-1801-20260301", "ad", pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02 23:59"), "SERUM-30;TONER-100", 1000.0],
        ["TT-AD-1801-20260305", "ad", pd.Timestamp("2026-03-05"), pd.Timestamp("2026-03-05 23:59"), "SERUM-30;TONER-100", 500.0],
    ]  # the campaign's spend per day, as campaigns.csv's daily_budget; the day of 0 spend is no campaign day
    assert campaigns["expected_viewers"].isna().all() and unmatched.empty


def test_ad_budget_is_the_campaigns_on_the_scale_a_planned_ad_is_read(tmp_path):
    """A planned ad's daily_budget reaches each featured SKU whole (expand_campaigns): a past one too."""
    from planner.io.inputs import expand_campaigns

    past, _ = spring_ads(tmp_path)
    planned = hand_calendar([{"campaign_id": "AD-NEXT", "type": "ad", "start": "2026-04-01 00:00",
                              "end": "2026-04-02 23:59", "skus": "SERUM-30;TONER-100", "daily_budget": 1000}])
    rows = expand_campaigns(pd.concat([past.iloc[:1], planned], ignore_index=True), PRODUCTS)
    assert rows.groupby("campaign_id")["daily_budget"].apply(list).to_dict() == {
        "TT-AD-1801-20260301": [1000.0, 1000.0], "AD-NEXT": [1000.0, 1000.0]}


def test_ad_orders_are_never_demand(tmp_path):
    """GMV Max orders include organic ones: a campaign row carries spend only."""
    period = read_ads(write(tmp_path / "gmv.csv", GMV_MAX.replace("Product ID,", "Date,Product ID,")
                            .replace("1801,1729", "1801,2026-03-01,1729"))).frame
    campaigns, _ = ad_campaigns(period, sku_matcher(["1729001", "1729002"]))
    assert set(campaigns.columns) >= {"daily_budget"} and not {"orders", "gross_revenue", "units"} & set(campaigns.columns)
    assert campaigns["daily_budget"].tolist() == [2500.0]  # both products' spend that day: the campaign's


# -------------------------------------------------------------------------------- the history


def shop_exports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "live_sessions.csv", ENGLISH)
    write(folder / "live_products.csv", "LIVE ID,LIVE start time,Product ID,LIVE-attributed orders\n"
          "7001,2026-03-08 19:00,1729001,10\n7001,2026-03-08 19:00,1729002,4\n"
          "7002,2026-03-08 20:00,1729003,3\n7003,2026-03-09 20:00,1729001,1\n7003,2026-03-09 20:00,999,1\n")
    write(folder / "ads_daily.csv", ADS_DAILY)
    write(folder / "gmv_max.csv", GMV_MAX)
    write(folder / "product_ids.csv", "product_id,sku\n1729001,SERUM-30\n1729002,TONER-100\n1729003,MASK-5\n")
    return folder


def hand_calendar(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("creator", "expected_viewers", "daily_budget", "discount_pct", "location"):
        frame[column] = frame.get(column)
    frame["reserved_units"] = 0.0
    frame["start"], frame["end"] = pd.to_datetime(frame["start"]), pd.to_datetime(frame["end"])
    for column in ("expected_viewers", "daily_budget", "discount_pct"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def test_live_and_ads_exports_give_the_expected_campaigns(tmp_path):
    history = read_export_history(shop_exports(tmp_path / "exports"), empty_hand(), PRODUCTS)
    lives = history.campaigns[history.campaigns["type"].str.startswith("livestream")]
    assert lives[["campaign_id", "type", "start", "end", "skus", "creator", "expected_viewers"]].values.tolist() == [
        ["TT-LIVE-7001", "livestream_own", pd.Timestamp("2026-03-08 19:00"), pd.Timestamp("2026-03-08 21:15"),
         "SERUM-30;TONER-100", "@mintandco.th", 950.0],
        ["TT-LIVE-7002", "livestream_creator", pd.Timestamp("2026-03-08 20:00"), pd.Timestamp("2026-03-08 22:00"),
         "MASK-5", "@beautybyfah", 1080.0],
        ["TT-LIVE-7003", "livestream_own", pd.Timestamp("2026-03-09 20:00"), pd.Timestamp("2026-03-09 21:30"),
         "SERUM-30", "@mintandco.th", 8.0],
    ]
    assert (history.campaigns["type"] == "ad").sum() == 2
    assert history.unmatched[["file", "row", "product"]].values.tolist() == [["live_products.csv", 6, "999"]]
    assert history.added == 5 and history.disagreements.empty


def test_hand_calendar_wins_on_overlap_and_disagreements_are_listed(tmp_path):
    hand = hand_calendar([
        {"campaign_id": "LIVE-OWN-0308", "type": "livestream_own", "start": "2026-03-08 19:00", "end": "2026-03-08 23:00",
         "skus": "SERUM-30", "creator": "@mintandco.th", "expected_viewers": 5000},
        {"campaign_id": "AD-SPRING", "type": "ad", "start": "2026-03-01 00:00", "end": "2026-03-02 23:59",
         "skus": "SERUM-30;TONER-100", "daily_budget": 1000},
        # same SKU and time, other type: both kept
        {"campaign_id": "FLASH-0309", "type": "flash_sale", "start": "2026-03-09 12:00", "end": "2026-03-09 23:00",
         "skus": "SERUM-30"},
    ])
    history = read_export_history(shop_exports(tmp_path / "exports"), hand, PRODUCTS)
    ids = list(history.campaigns["campaign_id"])
    assert ids[:3] == ["LIVE-OWN-0308", "AD-SPRING", "FLASH-0309"]
    assert "TT-LIVE-7001" not in ids                         # the calendar speaks for it
    assert {"TT-LIVE-7002", "TT-LIVE-7003"} <= set(ids)      # other type / other time: added
    assert not any(i.startswith("TT-AD-1801") and i.endswith("20260301") for i in ids)
    assert "TT-AD-1801-20260305" in ids
    assert history.disagreements[["campaign_id", "field", "calendar", "export"]].values.tolist() == [
        ["LIVE-OWN-0308", "end", "2026-03-08 23:00", "2026-03-08 21:15"],
        ["LIVE-OWN-0308", "skus", "SERUM-30", "SERUM-30;TONER-100"],
        ["LIVE-OWN-0308", "expected_viewers", "5000", "950"],
    ]  # AD-SPRING: spend 1200 + 800 over two days = 1000 a day, as the calendar says


def test_rereading_is_idempotent(tmp_path):
    folder = shop_exports(tmp_path / "exports")
    first = read_export_history(folder, empty_hand(), PRODUCTS)
    write(folder / "live_sessions_again.csv", ENGLISH)          # an overlapping download of the same LIVEs
    write(folder / "ads_daily_again.csv", ADS_DAILY)
    again = read_export_history(folder, empty_hand(), PRODUCTS)
    pd.testing.assert_frame_equal(first.campaigns.drop(columns="_row"), again.campaigns.drop(columns="_row"))
    two = combine([read_live(folder / "live_sessions.csv"), read_live(folder / "live_sessions_again.csv")])
    assert len(two.sessions) == 3


def test_generator_exports_round_trip(tmp_path):
    calendar = pd.DataFrame([
        {"campaign_id": "LIVE-OWN-2026-03-08", "type": "livestream_own", "start": "2026-03-08 19:00",
         "end": "2026-03-08 22:00", "skus": "SERUM-30;TONER-100", "creator": "@mintandco.th", "expected_viewers": 4000},
        {"campaign_id": "LIVE-CR-2026-03-15", "type": "livestream_creator", "start": "2026-03-15 20:00",
         "end": "2026-03-16 00:00", "skus": "MASK-5", "creator": "@beautybyfah", "expected_viewers": 90000},
        {"campaign_id": "AD-2026-03-02", "type": "ad", "start": "2026-03-02 00:00", "end": "2026-03-15 23:59",
         "skus": "SERUM-30;MASK-5", "daily_budget": 2000},
        {"campaign_id": "MEGA-3.3-2026", "type": "mega_sale", "start": "2026-03-03 00:00", "end": "2026-03-03 23:59",
         "skus": "all"},
        {"campaign_id": "LIVE-OWN-2026-12-01", "type": "livestream_own", "start": "2026-12-01 19:00",
         "end": "2026-12-01 21:00", "skus": "SERUM-30", "creator": "@mintandco.th", "expected_viewers": 4000},
    ])
    written = write_campaign_exports(calendar, date(2026, 11, 21), tmp_path / "exports")
    assert {p.name for p in written} == {"live_sessions.csv", "live_products.xlsx", "ads_daily.csv",
                                         "gmv_max_products.csv", "product_ids.csv"}
    history = read_export_history(tmp_path / "exports", empty_hand(), PRODUCTS)
    derived = history.derived.set_index("campaign_id")
    assert sorted(derived["type"]) == ["ad", "livestream_creator", "livestream_own"]  # the future LIVE is not past
    live = derived[derived["type"] == "livestream_own"].iloc[0]
    assert live["skus"] == "SERUM-30;TONER-100" and 0.85 * 4000 <= live["expected_viewers"] <= 1.15 * 4000
    ads = derived[derived["type"] == "ad"]
    assert (ads["start"] == pd.Timestamp("2026-03-02")).all() and (ads["end"] == pd.Timestamp("2026-03-15 23:59")).all()
    assert ads["skus"].tolist() == ["SERUM-30;MASK-5"] and 0.9 * 2000 <= ads["daily_budget"].iloc[0] <= 1.1 * 2000
    assert product_id_of("SERUM-30") in (tmp_path / "exports" / "product_ids.csv").read_text()
    # with the true calendar as campaigns.csv every export campaign is already spoken for
    calendar_read = hand_calendar(calendar.to_dict("records"))
    assert read_export_history(tmp_path / "exports", calendar_read, PRODUCTS).added == 0


def test_check_lists_the_disagreements(tmp_path):
    shop = init_shop(tmp_path / "shop")
    PRODUCTS.assign(name="x", unit_cost=1, price=2, supplier="S").to_csv(shop.root / "products.csv", index=False)
    (shop.root / "campaigns.csv").write_text(
        "campaign_id,type,start,end,skus,creator,expected_viewers\n"
        "LIVE-OWN-0308,livestream_own,2026-03-08 19:00,2026-03-08 23:00,SERUM-30,@mintandco.th,5000\n", encoding="utf-8")
    shop_exports(shop.root / "exports")
    result = CliRunner().invoke(main, ["check", "--shop", str(shop.root)])
    assert result.exit_code == 0, result.output
    assert "campaigns.csv               1 rows  ok" in result.output
    assert "exports/                    4 files: 5 campaigns, 4 added to the calendar, 1 already in campaigns.csv" in result.output
    assert ("LIVE-OWN-0308: expected_viewers is 5000 in campaigns.csv, 950 in the exports (TT-LIVE-7001); "
            "campaigns.csv wins") in result.output
    assert "1 export rows name products no SKU is known for" in result.output


def test_the_markets_past_mega_sales_join_a_calendar_that_plans_mega_sales(tmp_path):
    """A calendar planning mega-sales as campaigns gets the market's past ones over the span the exports
    show (else the engine learns the type from nothing and reads 3.3's spike into the ad on it); a calendar
    without them gets none, and a day the calendar already has is its own."""
    folder = shop_exports(tmp_path / "exports")
    planned = hand_calendar([{"campaign_id": "MEGA-3.3", "type": "mega_sale", "start": "2026-03-03 00:00",
                              "end": "2026-03-03 23:59", "skus": "all", "discount_pct": 20}])
    with_sales = read_export_history(folder, planned, PRODUCTS, mega_sales=("3.3", "3.8", "12.12"))
    market = with_sales.campaigns[with_sales.campaigns["campaign_id"].str.startswith("MARKET-")]
    assert market[["campaign_id", "type", "start", "skus"]].values.tolist() == [
        ["MARKET-3.8-2026-03-08", "mega_sale", pd.Timestamp("2026-03-08"), "all"]]  # 3.3: the calendar's; 12.12: beyond the exports
    assert market["discount_pct"].isna().all()
    without = read_export_history(folder, empty_hand(), PRODUCTS, mega_sales=("3.3", "3.8"))
    assert not (without.campaigns["type"] == "mega_sale").any()


def test_a_campaign_running_beyond_the_exports_last_day_is_no_disagreement(tmp_path):
    """The ad running on the day of the download ends there in the exports, not in the plan."""
    hand = hand_calendar([{"campaign_id": "AD-RUNNING", "type": "ad", "start": "2026-03-05 00:00",
                           "end": "2026-03-20 23:59", "skus": "SERUM-30;TONER-100", "daily_budget": 500},
                          {"campaign_id": "AD-EARLY", "type": "ad", "start": "2026-03-01 00:00",
                           "end": "2026-03-04 23:59", "skus": "SERUM-30;TONER-100", "daily_budget": 1000}])
    history = read_export_history(shop_exports(tmp_path / "exports"), hand, PRODUCTS)
    assert history.disagreements[["campaign_id", "field", "calendar", "export"]].values.tolist() == [
        ["AD-EARLY", "end", "2026-03-04 23:59", "2026-03-02 23:59"]]  # inside what the exports show: listed
