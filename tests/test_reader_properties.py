"""Property-based tests (issue 22): no input makes a reader raise anything but an InputError, and every
InputError names the file, and where a row is at fault the row as a spreadsheet shows it (header = 1)
and a column of the file; the file itself is never changed."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.io.inputs import TABLES, read_input
from planner.io.orders import read_order_file
from tests.tiktok_export import line, write_csv

#: cells a careless or hostile user writes: typos, units, other date styles, formulas, scripts, emoji
JUNK = st.one_of(
    st.sampled_from(["", " ", "1", "0", "-1", "2.5", "1e9", "nan", "inf", "-inf", "1,000", "3 pcs", "๓", "01/02/2026",
                     "2026-13-45", "31/02/2026", "2031-01-01", "1970-01-01", "10/05/2026 22:05:43", "yes", "TRUE",
                     "=SUM(A1)", "@x", "\t", "ครีม", "面霜", "🙂", "all", "category:beauty", "a;b;;c", "\"", "x" * 300]),
    st.text(max_size=12),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _check_error(error: InputError, path, header: list[str], n_rows: int, description_rows: int = 0) -> None:
    assert error.file == path.name, error
    if error.row is not None:
        assert 2 <= error.row <= n_rows + 1 + description_rows, error
    if error.column is not None:
        assert any(part.strip() in header for part in str(error.column).split(",")) or error.column in header, error
    assert str(error).startswith(path.name), error


@PROPERTY
@given(table=st.sampled_from(sorted(TABLES)), data=st.data())
def test_no_table_input_ends_in_anything_but_an_input_error(tmp_path_factory, table, data):
    names = [c.name for c in TABLES[table].columns]
    header = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True)
                       | st.just(names), label="header")
    rows = data.draw(st.lists(st.lists(JUNK, min_size=len(header), max_size=len(header)), min_size=0, max_size=4),
                     label="rows")
    path = tmp_path_factory.mktemp(table) / f"{table}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    before = path.read_bytes()
    try:
        read_input(path, table)
    except InputError as error:
        _check_error(error, path, header, len(rows))
    assert path.read_bytes() == before


ORDER_FIELDS = ("Quantity", "Paid Time", "Created Time", "Seller SKU", "Order Status", "Cancelation/Return Type",
                "Sku Quantity of return", "SKU Unit Original Price", "Order ID", "Fulfillment Type")


@PROPERTY
@given(data=st.data())
def test_no_order_export_ends_in_anything_but_an_input_error(tmp_path_factory, data):
    rows = []
    for i in range(data.draw(st.integers(1, 4), label="lines")):
        spoilt = data.draw(st.dictionaries(st.sampled_from(ORDER_FIELDS), JUNK, max_size=3), label=f"line {i}")
        rows.append(line(f"5770{i:08d}", f"SKU-{i % 2}", **{"status": "Completed"}) | spoilt)
    path = write_csv(tmp_path_factory.mktemp("orders") / "orders.csv", rows)
    before = path.read_bytes()
    try:
        read_order_file(path)
    except InputError as error:
        _check_error(error, path, list(rows[0]), len(rows), description_rows=1)
    assert path.read_bytes() == before
