"""The streamed import (planner/io/orders_stream.py) stores what the whole-file readers store.

Each file is imported twice into fresh stores: read whole (read_order_file + store_parsed) and streamed
in chunks of a few rows, so that every check that needs the whole file spans chunks. The stored lines,
counts, rejects, warnings and errors must be the same."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.errors import InputError
from planner.importer import import_files, store_parsed, stream_file
from planner.io.checks import OrderChecks
from planner.io.orders import read_order_file
from planner.io.table import DateStyle, iter_raw
from planner.store import Store
from tests.test_checks import may_orders
from tests.tiktok_export import BUYER, line, write_csv

CHECKS = OrderChecks(today=pd.Timestamp("2026-12-07"))


def _import(path, folder, on_bad_rows, dates, chunk_rows):
    """(result, stored lines, rejects) of one import into a fresh store; or the error's text."""
    folder.mkdir()
    with Store(folder / "store.duckdb") as store:
        try:
            if chunk_rows is None:
                fmt, parsed = read_order_file(path, on_bad_rows, dates, checks=CHECKS)
                result = store_parsed(store, path, fmt, parsed, folder)
            else:
                result = stream_file(store, path, folder, on_bad_rows, dates, checks=CHECKS, chunk_rows=chunk_rows)
        except InputError as error:
            return str(error)
        lines = store.order_lines().drop(columns=["first_imported_at", "updated_at"])
    rejects = pd.read_csv(result.rejects_file, dtype=str) if result.rejects_file else None
    return (result.added, result.updated, result.unchanged, result.rejected, result.warnings), lines, rejects


def assert_same(path, tmp_path, on_bad_rows="skip", dates=DateStyle(), chunks=(1, 3, 7)):
    whole = _import(path, tmp_path / "whole", on_bad_rows, dates, None)
    for rows in chunks:
        streamed = _import(path, tmp_path / f"chunks-{rows}", on_bad_rows, dates, rows)
        if isinstance(whole, str):
            assert streamed == whole, rows
            continue
        assert streamed[0] == whole[0], rows
        pd.testing.assert_frame_equal(streamed[1], whole[1])
        if whole[2] is None:
            assert streamed[2] is None
        else:
            pd.testing.assert_frame_equal(streamed[2], whole[2])
    return whole


def bad_export(tmp_path):
    rows = may_orders(24, **{
        "5": {"quantity": "x"},                                      # a cell: not a whole number
        "9": {"status": "Lost in space"},                            # an unknown status
        "13": {"paid": "10/05/2031 22:05:43"},                       # in the future
        "17": {"created": "01/05/2021 10:00:00", "paid": "01/05/2021 10:00:00"},  # a year typed wrong
        "20": {"quantity": 5000},                                    # far above the usual
    })
    rows.insert(15, dict(rows[2], **{"Quantity": "7"}))              # a copy of row 2's line, its quantity edited
    rows.append(dict(rows[3]))                                       # an equal copy: a second line
    return write_csv(tmp_path / "orders.csv", rows)


@pytest.mark.parametrize("on_bad_rows", ["skip", "fail"])
def test_a_tiktok_export_with_every_kind_of_problem_is_stored_the_same(tmp_path, on_bad_rows):
    result = assert_same(bad_export(tmp_path), tmp_path, on_bad_rows)
    if on_bad_rows == "skip":
        assert result[0][3] == 5 and len(result[0][4]) == 1  # the 5 bad rows; the outlier's warning
    else:
        assert result == "orders.csv, row 8, column 'Quantity': 'x' is not a whole number"


def test_whole_line_problems_raise_the_readers_error(tmp_path):
    rows = may_orders(12, **{"9": {"status": "Lost in space"}})
    rows.insert(8, dict(rows[1], **{"Quantity": "7"}))
    result = assert_same(write_csv(tmp_path / "orders.csv", rows), tmp_path, "fail")
    assert result.startswith("orders.csv, row 11, column 'Quantity': '7' differs from row 4 (2)")


def test_a_date_problem_fails_as_the_reader_fails(tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(12, **{"10": {"paid": "10/05/2031 22:05:43"}}))
    assert "row 13, column 'Paid Time'" in assert_same(path, tmp_path, "fail")


def test_a_bad_row_in_a_later_chunk_names_its_spreadsheet_row(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(10, **{"6": {"quantity": "2 pcs"}}))
    with pytest.raises(InputError) as error:
        import_files(shop, [path], chunk_rows=4)  # header row 1, description row 2: the 7th line is row 9
    assert str(error.value) == "orders.csv, row 9, column 'Quantity': '2 pcs' is not a whole number"
    with Store(shop.store_path) as store:
        assert store.summary()["lines"] == 0  # nothing of the file is stored


def test_a_reimport_in_chunks_stores_nothing_new(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(20))
    first = import_files(shop, [path], chunk_rows=3)[0]
    with Store(shop.store_path) as store:
        once = store.order_lines()
    again = import_files(shop, [path], chunk_rows=7)[0]
    assert (first.added, again.added, again.updated, again.unchanged) == (20, 0, 0, 20)
    with Store(shop.store_path) as store:
        pd.testing.assert_frame_equal(store.order_lines(), once)


def test_buyer_data_never_reaches_the_chunks_or_the_store(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(9))
    from planner.io.orders import TIKTOK

    _, chunks = iter_raw(path, [h for c in TIKTOK.columns for h in c.file_names], chunk_rows=4)
    columns = {c for chunk in chunks for c in chunk.columns}
    assert columns and not columns & {k.casefold() for k in BUYER}
    import_files(shop, [path], chunk_rows=4)
    with Store(shop.store_path) as store:
        text = store.order_lines().astype(str).to_csv()
    assert "Product SKU-0" in text and not any(value in text for value in BUYER.values())


def test_the_day_and_month_order_is_the_whole_columns(tmp_path):
    """A US export without AM/PM: the first chunks cannot tell 03/05 from 05/03; a later one settles it."""
    rows = [line(str(i), "A", created=f"0{1 + i % 9}/0{1 + i % 5}/2026 10:00:00") for i in range(8)]
    rows.append(line("9", "A", created="05/13/2026 10:00:00"))
    path = write_csv(tmp_path / "us.csv", rows)
    whole = assert_same(path, tmp_path, chunks=(2,))
    assert whole[1]["created_at"].iloc[-1] == pd.Timestamp("2026-05-13 10:00")
    assert pd.Timestamp("2026-06-01 10:00") in set(whole[1]["created_at"])  # 06/01: June, as the column says


def test_a_generic_table_with_repeated_days_is_summed_across_chunks(tmp_path):
    path = tmp_path / "demand.csv"
    path.write_text("sku,date,units,location,customer_name\n" + "".join(
        f"S{i % 2},2026-03-0{1 + i % 3},{i},,Malee\n" for i in range(9)) + "S1,2026-03-02,oops,,x\n"
        + "S0,2026-03-01,3,fbt,Malee\n", encoding="utf-8")
    assert_same(path, tmp_path)
    assert "row 11" in assert_same(path, tmp_path / "fail", "fail") if (tmp_path / "fail").mkdir() is None else False


def test_online_retail_lines_and_parquet_are_streamed_the_same(tmp_path):
    frame = pd.DataFrame({
        "Invoice": ["1", "1", "C2", "3", "1", "4"], "StockCode": ["A", "A", "A", "B", "A", "B"],
        "Quantity": [2, 2, -1, 5, 1, -3], "InvoiceDate": pd.to_datetime(["2026-03-01 10:00"] * 3 + ["2026-03-02 11:00"] * 3),
        "Price": [1.5, 1.5, 1.5, 2.0, 1.5, 2.0], "Customer ID": [1, 2, 3, 4, 5, 6]})
    frame.to_parquet(tmp_path / "lines.parquet")
    frame.to_csv(tmp_path / "lines.csv", index=False)
    for name in ("lines.parquet", "lines.csv"):
        (tmp_path / name.replace(".", "_")).mkdir()
        result = assert_same(tmp_path / name, tmp_path / name.replace(".", "_"))
        assert sorted(result[1]["line_key"]) == ["uci:1:A:0", "uci:1:A:1", "uci:1:A:2", "uci:3:B:0", "uci:4:B:0",
                                                 "uci:C2:A:0"]


def test_a_header_only_file_imports_nothing_with_a_warning(tmp_path):
    path = write_csv(tmp_path / "orders.csv", [], description_row=False)
    result = assert_same(path, tmp_path)
    assert result[0] == (0, 0, 0, 0, ["orders.csv: no order lines under its header; nothing to import"])


@pytest.mark.parametrize("dates", [DateStyle(), DateStyle(month_first=True)])
def test_fixed_width_times_read_as_the_formats_read_them(monkeypatch, dates):
    """dd/dd/yyyy hh:mm:ss cells are read from their digits (planner.io.table._fixed_width_times): the
    same times, the same bad cells (31/02, 25:00, month 13) as matching them against the formats."""
    import numpy as np

    from planner.io import table

    rng = np.random.default_rng(3)
    cells = pd.Series([f"{d:02d}/{m:02d}/{y} {h:02d}:{mi:02d}:{s:02d}" if keep else "" for d, m, y, h, mi, s, keep in zip(
        rng.integers(0, 35, 3000), rng.integers(0, 14, 3000), rng.integers(1999, 2031, 3000), rng.integers(0, 26, 3000),
        rng.integers(0, 61, 3000), rng.integers(0, 63, 3000), rng.uniform(size=3000) > 0.1)])
    for sample in (cells, cells[cells.str[:2] <= "12"], cells[(cells.str[:2] <= "12") & (cells.str[3:5] <= "12")]):
        values, bad, _ = table.parse_timestamp(sample, dates)
        assert table._fixed_width_times(sample) is not None
        with monkeypatch.context() as patched:
            patched.setattr(table, "_fixed_width_times", lambda text: None)
            by_format, bad_by_format, _ = table.parse_timestamp(sample, dates)
        pd.testing.assert_series_equal(values, by_format)
        pd.testing.assert_series_equal(bad, bad_by_format)
        assert values.notna().sum() > len(sample) / 4
