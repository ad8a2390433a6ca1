"""TikTok Shop export quirks, idempotent re-import, status changes, bad rows, buyer privacy."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.errors import InputError
from planner.importer import import_files
from planner.io.orders import read_generic, read_order_file, read_tiktok
from planner.io.table import DateStyle
from planner.store import Store
from tests.tiktok_export import BUYER, HEADER, line, write_csv, write_xlsx


def demand(shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.daily_demand()


def stored(shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.order_lines().drop(columns=["first_imported_at", "updated_at"])


# ------------------------------------------------------------------------------------------ quirks

def test_bom_description_row_and_trailing_tabs(tmp_path):
    path = write_csv(tmp_path / "orders.csv", [line("576001", "SERUM-30", 2), line("576002", "TONER-100", 1)],
                     bom=True, description_row=True, trailing_tabs=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_tiktok(path).frame
    assert list(frame["order_id"]) == ["576001", "576002"]          # no tab, no description row
    assert list(frame["sku"]) == ["SERUM-30", "TONER-100"]
    assert list(frame["source_row"]) == [3, 4]                      # header 1, description 2
    assert frame["created_at"].iloc[0] == pd.Timestamp("2026-05-10 22:05:43")


def test_plain_export_without_quirks_reads_the_same(tmp_path):
    quirky = read_tiktok(write_csv(tmp_path / "a.csv", [line("576001", "SERUM-30", 2)])).frame
    plain = read_tiktok(write_csv(tmp_path / "b.csv", [line("576001", "SERUM-30", 2)], bom=False,
                                  description_row=False, trailing_tabs=False)).frame
    pd.testing.assert_frame_equal(quirky.drop(columns="source_row"), plain.drop(columns="source_row"))
    assert plain["source_row"].iloc[0] == 2


def test_us_month_first_12_hour_times(tmp_path):
    path = write_csv(tmp_path / "us.csv", [line("1", "A", created="03/01/2026 09:00:00 PM", paid="03/02/2026 12:30:00 AM")])
    frame = read_tiktok(path).frame
    assert frame["created_at"].iloc[0] == pd.Timestamp("2026-03-01 21:00:00")
    assert frame["paid_at"].iloc[0] == pd.Timestamp("2026-03-02 00:30:00")
    assert frame["demand_date"].iloc[0] == pd.Timestamp("2026-03-02")  # demand date is the paid day


def test_day_first_24_hour_times(tmp_path):
    path = write_csv(tmp_path / "th.csv", [line("1", "A", created="10/05/2026 22:05:43"),
                                          line("2", "A", created="13/05/2026 08:00:00")])
    frame = read_tiktok(path).frame
    assert list(frame["created_at"]) == [pd.Timestamp("2026-05-10 22:05:43"), pd.Timestamp("2026-05-13 08:00:00")]


def test_ambiguous_dates_follow_the_market(tmp_path):
    path = write_csv(tmp_path / "x.csv", [line("1", "A", created="03/04/2026 10:00:00")])
    assert read_tiktok(path, dates=DateStyle(month_first=False)).frame["created_at"].iloc[0] == pd.Timestamp("2026-04-03 10:00")
    assert read_tiktok(path, dates=DateStyle(month_first=True)).frame["created_at"].iloc[0] == pd.Timestamp("2026-03-04 10:00")


def test_times_with_an_offset_are_converted_to_the_shops_time_zone(tmp_path):
    """20:00 UTC on 1 March is 03:00 on 2 March in Bangkok: that is the demand day."""
    path = tmp_path / "d.csv"
    path.write_text("sku,date,units\nA,2026-03-01T20:00:00+00:00,1\nB,2026-03-01 20:00,2\n", encoding="utf-8")
    frame = read_generic(path, dates=DateStyle(timezone="Asia/Bangkok")).frame
    assert frame["demand_date"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-01")]


@pytest.mark.parametrize("word, status", [
    ("ยกเลิกแล้ว", "cancelled"), ("Dibatalkan", "cancelled"), ("Đã hủy", "cancelled"), ("Cancelled", "cancelled"),
    ("จัดส่งแล้ว", "shipped"), ("Selesai", "completed"), ("Hoàn thành", "completed"), ("Chờ thanh toán", "unpaid"),
])
def test_localised_order_status(tmp_path, word, status):
    path = write_csv(tmp_path / "o.csv", [line("1", "A", status=word, paid="")])
    assert read_tiktok(path).frame["status"].iloc[0] == status


def test_unknown_status_names_row_and_column(tmp_path):
    path = write_csv(tmp_path / "o.csv", [line("1", "A"), line("2", "A", status="Teleported")])
    with pytest.raises(InputError) as error:
        read_tiktok(path)
    assert str(error.value) == ("o.csv, row 4, column 'Order Status': 'Teleported' is not a known order status "
                                "(English, Thai, Indonesian or Vietnamese)")


def test_regional_address_columns_are_ignored(tmp_path):
    vietnam = [h for h in HEADER if h not in ("State/Province", "City")] + ["Province", "District", "Commune"]
    rows = [line("1", "A", Province="Hà Nội", District="Ba Đình", Commune="Phúc Xá")]
    frame = read_tiktok(write_csv(tmp_path / "vn.csv", rows, header=vietnam)).frame
    assert len(frame) == 1 and "province" not in frame.columns


def test_cancelled_before_shipping_is_not_demand_returns_kept_apart(tmp_path):
    rows = [
        line("1", "A", 2, status="Cancelled", cancel_type="Cancel", paid="10/05/2026 22:06:00"),
        line("2", "A", 3, status="Completed", shipped="11/05/2026 09:00:00", cancel_type="Return/Refund", returned=1),
        line("3", "A", 1, status="Cancelled", shipped="11/05/2026 09:00:00", cancel_type="Return/Refund", returned=1),
    ]
    frame = read_tiktok(write_csv(tmp_path / "o.csv", rows)).frame
    assert list(frame["is_demand"]) == [False, True, True]
    assert list(frame["returned_quantity"]) == [0, 1, 1]


def test_demand_date_is_paid_time_else_created_time(tmp_path):
    rows = [line("1", "A", created="10/05/2026 23:50:00", paid="11/05/2026 00:10:00"),
            line("2", "A", created="12/05/2026 10:00:00", paid="", status="Unpaid")]
    frame = read_tiktok(write_csv(tmp_path / "o.csv", rows)).frame
    assert list(frame["demand_date"]) == [pd.Timestamp("2026-05-11"), pd.Timestamp("2026-05-12")]


def test_sku_is_seller_sku_else_sku_id(tmp_path):
    rows = [line("1", "SERUM-30", sku_id="1729001"), line("2", "", sku_id="1729002")]
    frame = read_tiktok(write_csv(tmp_path / "o.csv", rows)).frame
    assert list(frame["sku"]) == ["SERUM-30", "1729002"]


def test_fbt_fulfilment_is_the_fbt_location(tmp_path):
    rows = [line("1", "A", fulfillment="Fulfillment by TikTok"), line("2", "A", fulfillment="Fulfillment by seller")]
    assert list(read_tiktok(write_csv(tmp_path / "o.csv", rows)).frame["location"]) == ["fbt", "own"]


def test_xlsx_export_reads_like_csv(tmp_path):
    rows = [line("576001", "SERUM-30", 2), line("576002", "TONER-100", 1, status="ยกเลิกแล้ว", cancel_type="Cancel")]
    from_csv = read_tiktok(write_csv(tmp_path / "o.csv", rows, description_row=False, trailing_tabs=False)).frame
    from_xlsx = read_tiktok(write_xlsx(tmp_path / "o.xlsx", rows)).frame
    pd.testing.assert_frame_equal(from_csv, from_xlsx, check_dtype=False)


def test_two_lines_of_one_sku_in_one_order_are_two_lines(tmp_path):
    """A SKU shipped in two packages, or listed once per unit, is two lines of the order."""
    rows = [line("1", "A", 1, **{"Package ID": "P1"}), line("1", "A", 2, **{"Package ID": "P2"}),
            line("2", "B", 1), line("2", "B", 1)]
    frame = read_tiktok(write_csv(tmp_path / "o.csv", rows)).frame
    assert frame["line_key"].is_unique and frame["quantity"].sum() == 5


# ----------------------------------------------------------------------------------- the store

def test_importing_twice_is_importing_once(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [line(str(i), f"SKU-{i % 3}", 1 + i % 2) for i in range(20)])
    first = import_files(shop, [path])[0]
    once = stored(shop)
    second = import_files(shop, [path])[0]
    assert (first.added, first.updated, first.unchanged) == (20, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 20)
    pd.testing.assert_frame_equal(once, stored(shop))


def test_overlapping_exports_do_not_double_count(shop, tmp_path):
    early = write_csv(tmp_path / "a.csv", [line("1", "A", 2), line("2", "A", 3)])
    late = write_csv(tmp_path / "b.csv", [line("2", "A", 3), line("3", "A", 4, created="11/05/2026 10:00:00")])
    import_files(shop, [early])
    result = import_files(shop, [late])[0]
    assert (result.added, result.updated, result.unchanged) == (1, 0, 1)
    assert demand(shop)["units"].sum() == 9


def test_a_later_cancellation_updates_the_line(shop, tmp_path):
    import_files(shop, [write_csv(tmp_path / "a.csv", [line("1", "A", 2, status="To ship"), line("2", "A", 1)])])
    assert demand(shop)["units"].sum() == 3
    later = write_csv(tmp_path / "b.csv", [line("1", "A", 2, status="Cancelled", cancel_type="Cancel"), line("2", "A", 1)])
    result = import_files(shop, [later])[0]
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    assert demand(shop)["units"].sum() == 1


def test_a_later_return_is_kept_and_an_older_export_cannot_undo_it(shop, tmp_path):
    shipped = dict(shipped="11/05/2026 09:00:00")
    before = write_csv(tmp_path / "a.csv", [line("1", "A", 2, status="Shipped", **shipped)])
    after = write_csv(tmp_path / "b.csv", [line("1", "A", 2, status="Completed", cancel_type="Return/Refund",
                                                returned=1, **shipped)])
    import_files(shop, [before, after])
    result = import_files(shop, [before])[0]          # the older export read again
    assert (result.updated, result.unchanged) == (0, 1)
    lines = stored(shop)
    assert lines["status"].tolist() == ["completed"] and lines["returned_quantity"].tolist() == [1]
    assert demand(shop)["units"].sum() == 2            # a return is not a cancelled sale


def test_import_order_does_not_matter(shop, tmp_path):
    a = write_csv(tmp_path / "a.csv", [line("1", "A", 2, status="To ship"), line("2", "B", 1)])
    b = write_csv(tmp_path / "b.csv", [line("1", "A", 2, status="Cancelled", cancel_type="Cancel"), line("3", "B", 5)])
    import_files(shop, [a, b])
    forward = stored(shop).drop(columns=["source_file", "source_row"])
    shop.store_path.unlink()
    import_files(shop, [b, a])
    pd.testing.assert_frame_equal(forward, stored(shop).drop(columns=["source_file", "source_row"]))


def test_input_files_are_never_modified(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [line("1", "A", 2), line("2", "A", "x")])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    import_files(shop, [path], on_bad_rows="skip")
    with pytest.raises(InputError):
        import_files(shop, [path], on_bad_rows="fail")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# -------------------------------------------------------------------------------------- bad rows

def bad_export(tmp_path):
    rows = [line(str(576000 + i), "SERUM-30", 1) for i in range(55)]
    rows[54] = line("576054", "SERUM-30", "3 pcs")          # spreadsheet row 57: header, description, 55th line
    return write_csv(tmp_path / "orders_0301.csv", rows)


def test_bad_row_error_names_file_row_and_column(shop, tmp_path):
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(bad_export(tmp_path))])
    assert result.exit_code == 3
    assert result.output.strip() == "Error: orders_0301.csv, row 57, column 'Quantity': '3 pcs' is not a whole number"
    assert not shop.store_path.exists() or demand(shop).empty   # nothing of that file stored


def test_skip_bad_rows_stores_the_rest_and_writes_rejects(shop, tmp_path):
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), "--on-bad-rows", "skip",
                                       str(bad_export(tmp_path))])
    assert result.exit_code == 0, result.output
    assert demand(shop)["units"].sum() == 54
    rejects = pd.read_csv(shop.rejects / "orders_0301.csv.rejects.csv", dtype=str)
    assert rejects.to_dict("records") == [{"file": "orders_0301.csv", "row": "57", "column": "Quantity",
                                          "value": "3 pcs", "problem": "is not a whole number"}]
    assert "rejected rows and reasons" in result.output


def test_missing_columns_lists_missing_and_found(tmp_path):
    header = ["Order ID", "Seller SKU", "Created Time", "Buyer Username"]
    path = write_csv(tmp_path / "short.csv", [line("1", "A")], header=header, description_row=False)
    with pytest.raises(InputError) as error:
        read_order_file(path, fmt="tiktok")
    message = str(error.value)
    assert message.startswith("short.csv: missing column(s) ['Order Status', 'Quantity']; found ")
    assert "'Created Time'" in message


def test_unknown_file_shape_says_what_is_expected(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("hello,world\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes.csv: is not a known order file: expected a TikTok Shop export"):
        read_order_file(path)


# --------------------------------------------------------------------------------------- privacy

def store_text_containing(shop, secrets: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, secret) for every text cell of the store that contains a secret."""
    hits = []
    with Store(shop.store_path) as store:
        columns = store.db.execute("SELECT table_name, column_name FROM information_schema.columns "
                                   "WHERE data_type IN ('VARCHAR', 'JSON')").fetchall()
        for table, column in columns:
            for secret in secrets:
                found = store.db.execute(f'SELECT count(*) FROM "{table}" WHERE contains("{column}"::VARCHAR, ?)',
                                         [secret]).fetchall()[0][0]
                if found:
                    hits.append((table, column, secret))
    return hits


def test_the_store_scan_finds_text_that_is_there(shop, tmp_path):
    """The privacy check below must be able to fail: a product name it plants is found."""
    import_files(shop, [write_csv(tmp_path / "o.csv", [line("1", "A", **{"Product Name": "Serum for Malee"})])])
    assert store_text_containing(shop, ["Malee"]) == [("order_lines", "product_name", "Malee")]


def test_buyer_data_never_reaches_store_outputs_or_logs(shop, tmp_path, caplog):
    rows = [line("1", "A", 2), line("2", "B", "three")]      # a bad row too: rejects must not leak either
    path = write_csv(tmp_path / "orders.csv", rows)
    caplog.set_level("DEBUG")
    runner = CliRunner()
    outputs = [runner.invoke(main, ["import", "--shop", str(shop.root), "--on-bad-rows", "skip", str(path)]).output,
               runner.invoke(main, ["history", "--shop", str(shop.root)]).output]
    planted = [BUYER["Recipient"], BUYER["Phone #"], "812349876", BUYER["Buyer Username"], "Sukhumvit", "Malee"]
    for file in shop.root.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for secret in planted:
                for encoding in ("utf-8", "utf-16-le"):
                    assert secret.encode(encoding) not in data, f"{secret!r} found in {file}"
    for secret in planted:
        assert all(secret not in text for text in outputs + [caplog.text])
    # The store may compress strings on disk, so a byte scan alone could miss one: ask it too.
    assert store_text_containing(shop, planted) == []
    assert demand(shop)["units"].sum() == 2                  # the import itself worked
    assert date(2026, 5, 10) == demand(shop)["date"].iloc[0].date()
