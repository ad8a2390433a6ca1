"""Order CSVs typed by DuckDB (planner/io/orders_csv.py) store what the whole-file readers store.

Each file is imported read whole (read_order_file + store_parsed) and streamed (stream_file), as in
test_import_stream.py; here the streamed import must also have typed the file in SQL (``sql=True``), or
have handed it to the chunked pandas path (``sql=False``: the quirks SQL leaves to pandas)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.io import orders_csv, orders_stream
from planner.io.table import DateStyle
from tests.test_checks import may_orders
from tests.test_import_stream import assert_same, bad_export
from tests.tiktok_export import HEADER, line, write_csv


@pytest.fixture
def paths(monkeypatch):
    """Which path each streamed file took: 'sql', or 'chunks' and why."""
    taken = []
    stage_csv, chunks = orders_stream.stage_csv, orders_stream._stage_all_chunks

    def by_sql(*args, **kwargs):
        result = stage_csv(*args, **kwargs)
        taken.append("sql")
        return result

    def by_chunks(*args, **kwargs):
        taken.append("chunks")
        return chunks(*args, **kwargs)

    monkeypatch.setattr(orders_stream, "stage_csv", by_sql)
    monkeypatch.setattr(orders_stream, "_stage_all_chunks", by_chunks)
    return taken


def same(path, tmp_path, paths, sql=True, on_bad_rows="skip", dates=DateStyle()):
    """assert_same (streamed in one chunk size: SQL reads the file whole) and the path it took."""
    result = assert_same(path, tmp_path, on_bad_rows, dates, chunks=(100_000,))
    assert paths == (["sql"] if sql else ["chunks"]), paths
    return result


def test_a_plain_export_without_description_row_keeps_its_first_line(tmp_path, paths):
    path = write_csv(tmp_path / "o.csv", may_orders(6), bom=False, description_row=False, trailing_tabs=False)
    result = same(path, tmp_path, paths)
    assert result[0][0] == 6 and result[1]["source_row"].min() == 2


@pytest.mark.parametrize("on_bad_rows", ["skip", "fail"])
def test_every_kind_of_problem_is_found_in_sql_as_in_the_reader(tmp_path, paths, on_bad_rows):
    result = same(bad_export(tmp_path), tmp_path, paths, on_bad_rows=on_bad_rows)
    assert (result[0][3] == 5) if on_bad_rows == "skip" else result.startswith("orders.csv, row 8, column 'Quantity'")


def test_amounts_whole_numbers_statuses_and_blank_rows(tmp_path, paths):
    rows = [line("1", "A", "1,000", price="฿1,249.00"), line("2", "B", "2.0", price="THB 249", status="ยกเลิกแล้ว",
                                                               cancel_type="Cancel"),
            line("3", "C", "+3", price="1.5.0"), line("4", "", 1, **{"SKU ID": ""}), line("5", "D", 1, status="completed"),
            line("6", "E", "-1"), line("7", "F", "๓"), line("8", "G", 2, price="", **{"SKU Subtotal After Discount": "99"}),
            line("9", "H", 1, status="Selesai", price="Rp 15.000", **{"Product Name": "two\nlines, \"quoted\""}),
            {h: "" for h in HEADER}, line("10", "I", 1, status="Đã hủy", shipped="11/05/2026 09:00:00",
                                         cancel_type="Return/Refund", returned=1)]
    result = same(write_csv(tmp_path / "o.csv", rows), tmp_path, paths)
    assert result[2]["row"].tolist() == ["5", "8", "9", "6"]  # 1.5.0, -1, ๓ (cells), then no SKU (a line)


def test_us_times_with_am_pm_and_an_iso_column(tmp_path, paths):
    rows = [line(str(i), "A", created=f"03/{1 + i:02d}/2026 {1 + i % 12:02d}:30:00 {'AM' if i % 2 else 'PM'}",
                 paid=f"2026-03-{1 + i:02d} 2{i % 4}:45", shipped="" if i % 3 else f"2026-03-{2 + i:02d}")
            for i in range(12)]
    rows.append(line("99", "A", created="03/13/2026 00:30:00 AM"))  # hour 0 on a 12 h clock: refused
    result = same(write_csv(tmp_path / "us.csv", rows), tmp_path, paths)
    assert result[0][3] == 1


def test_a_month_first_column_settled_by_a_bad_row(tmp_path, paths):
    """The row that settles the order is itself refused (its quantity): the column still reads month first."""
    rows = [line(str(i), "A", created=f"0{1 + i % 9}/0{1 + i % 5}/2026 10:00:00") for i in range(8)]
    rows.append(line("9", "A", "x", created="05/13/2026 10:00:00"))
    result = same(write_csv(tmp_path / "us.csv", rows), tmp_path, paths)
    assert pd.Timestamp("2026-06-01 10:00") in set(result[1]["created_at"])


@pytest.mark.parametrize("month_first", [False, True])
def test_random_slashed_times_read_as_the_reader_reads_them(tmp_path, paths, month_first):
    import numpy as np

    rng = np.random.default_rng(7)
    cells = [f"{d:02d}/{m:02d}/{y} {h:02d}:{mi:02d}:{s:02d}" for d, m, y, h, mi, s in zip(
        rng.integers(0, 13, 60), rng.integers(0, 14, 60), rng.integers(2024, 2027, 60), rng.integers(0, 26, 60),
        rng.integers(0, 61, 60), rng.integers(0, 62, 60))]
    rows = [line(str(i), f"S{i % 4}", created=cell, paid="") for i, cell in enumerate(cells)]
    same(write_csv(tmp_path / "t.csv", rows), tmp_path, paths, dates=DateStyle(month_first=month_first))


def test_a_time_with_an_offset_goes_to_pandas_in_the_shops_zone(tmp_path, paths):
    path = tmp_path / "d.csv"
    path.write_text("sku,date,units,price\nA,2026-03-01T20:00:00+00:00,1,\nB,2026-03-01 20:00,2,3.5\n"
                    "B,01/03/2026,2,\n,2026-03-02,1,\nC,2026-03-02,-1,\nC,2026-03-02,1e3,\n", encoding="utf-8")
    result = same(path, tmp_path, paths, dates=DateStyle(timezone="Asia/Bangkok"))
    assert result[0][3] == 2  # no SKU; below 0


def test_a_short_row_goes_the_chunked_path_and_is_read_as_the_reader_reads_it(tmp_path, paths):
    path = write_csv(tmp_path / "o.csv", may_orders(4))
    path.write_text(path.read_text(encoding="utf-8-sig") + "1,2,3\n", encoding="utf-8")  # DuckDB refuses it
    result = same(path, tmp_path, paths, sql=False)
    assert result[2]["problem"].tolist() == ["is empty; a value is required"]  # pandas pads it


def test_mixed_am_pm_and_24_hour_times_go_the_chunked_path(tmp_path, paths):
    rows = [line("1", "A", created="03/01/2026 09:00:00 PM"), line("2", "A", created="13/01/2026 21:00:00")]
    same(write_csv(tmp_path / "o.csv", rows), tmp_path, paths, sql=False)


def test_the_chunked_path_still_reads_every_quirk(tmp_path, paths, monkeypatch):
    """The chunked path is kept for what SQL leaves to it: it reads the problem export as the reader."""
    def not_fast(*args, **kwargs):
        raise orders_csv.NotFast("forced")

    monkeypatch.setattr(orders_csv, "stage_csv", not_fast)
    monkeypatch.setattr(orders_stream, "stage_csv", not_fast)
    assert_same(bad_export(tmp_path), tmp_path, "skip")
    assert paths and set(paths) == {"chunks"}


def test_a_generic_table_read_month_first_has_its_days_and_keys_moved(tmp_path, paths):
    """11/13/2026 settles the column month first: 03/04/2026 is 4 March, in its line key too."""
    path = tmp_path / "d.csv"
    path.write_text("sku,date,units\nA,03/04/2026,1\nA,03/04/2026,2\nB,11/13/2026,1\nC,2026-03-05,4\n", encoding="utf-8")
    result = same(path, tmp_path, paths, dates=DateStyle(month_first=False))
    assert "generic:A:2026-03-04:own" in set(result[1]["line_key"]) and result[1]["quantity"].sum() == 8
