"""The generic long table and the Online Retail shape; hypothesis properties of the generic reader."""

from __future__ import annotations

import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.importer import import_files
from planner.io.orders import read_generic, read_online_retail
from planner.store import Store

rows_strategy = st.lists(
    st.tuples(
        st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=8),
        st.dates(min_value=pd.Timestamp("2024-01-01").date(), max_value=pd.Timestamp("2026-06-30").date()),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(["own", "fbt", "3pl-bkk"]),
    ),
    min_size=1, max_size=40,
)


def write_generic(path, rows, fmt="csv"):
    frame = pd.DataFrame(rows, columns=["sku", "date", "units", "location"])
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return frame


def store_demand(shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.daily_demand(by_location=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, fmt=st.sampled_from(["csv", "parquet"]))
def test_generic_roundtrip_totals_and_idempotence(tmp_path_factory, rows, fmt):
    """Whatever the rows, the store's daily totals equal the file's, and a re-import changes nothing."""
    from planner.shop import Shop, init_shop

    folder = tmp_path_factory.mktemp("generic")
    shop = init_shop(folder / "shop")
    toml = shop.root / "shop.toml"  # random rows: every day and every quantity counts
    toml.write_text(toml.read_text(encoding="utf-8").replace("max_date_gap_days = 365", "max_date_gap_days = 3650")
                    .replace("quantity_outlier_factor = 20", "quantity_outlier_factor = 0"), encoding="utf-8")
    shop = Shop.open(shop.root)
    source = write_generic(folder / f"demand.{fmt}", rows, fmt)
    first = import_files(shop, [folder / f"demand.{fmt}"])[0]
    expected = source.groupby(["sku", "location", "date"])["units"].sum().sort_index()
    got = store_demand(shop)
    got = got.assign(date=got["date"].dt.strftime("%Y-%m-%d")).set_index(["sku", "location", "date"])["units"].sort_index()
    assert got.to_dict() == {k: float(v) for k, v in expected.items()}
    assert first.added == len(expected)
    again = import_files(shop, [folder / f"demand.{fmt}"])[0]
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(expected))


@settings(max_examples=25, deadline=None)
@given(sku=st.text(alphabet=string.ascii_letters, min_size=1, max_size=6),
       junk=st.sampled_from(["3 pcs", "-1", "abc", "1e", "½"]), position=st.integers(0, 9))
def test_generic_bad_units_name_the_row(tmp_path_factory, sku, junk, position):
    folder = tmp_path_factory.mktemp("bad")
    units = ["1"] * 10
    units[position] = junk
    frame = pd.DataFrame({"sku": sku, "date": "2026-03-01", "units": units})
    frame.to_csv(folder / "d.csv", index=False)
    with pytest.raises(InputError) as error:
        read_generic(folder / "d.csv")
    assert error.value.row == position + 2 and error.value.column == "units"


def test_generic_reimport_replaces_a_days_units(shop, tmp_path):
    write_generic(tmp_path / "d.csv", [("A", pd.Timestamp("2026-03-01").date(), 5, "own")])
    import_files(shop, [tmp_path / "d.csv"])
    write_generic(tmp_path / "d.csv", [("A", pd.Timestamp("2026-03-01").date(), 7, "own")])
    result = import_files(shop, [tmp_path / "d.csv"])[0]
    assert result.updated == 1 and store_demand(shop)["units"].tolist() == [7.0]


def test_generic_optional_price_and_location(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("SKU,Date,Units,Price\nA,2026-03-01,2,\"฿1,249.00\"\n", encoding="utf-8")
    frame = read_generic(path).frame
    assert frame["location"].tolist() == ["own"] and frame["revenue"].tolist() == [2498.0]


def test_typed_parquet_dates_and_numbers(tmp_path):
    """A Parquet file's own types are used: date32 and zoned timestamps (converted to the shop's zone)."""
    from planner.io.table import DateStyle

    frame = pd.DataFrame({"sku": ["A", "B"], "units": [3, 2]})
    frame["date"] = pd.to_datetime(["2026-03-01 20:00", "2026-03-01 10:00"]).tz_localize("UTC")
    frame.to_parquet(tmp_path / "zoned.parquet", index=False)
    read = read_generic(tmp_path / "zoned.parquet", dates=DateStyle(timezone="Asia/Bangkok")).frame
    assert read["demand_date"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-01")]
    assert read["quantity"].tolist() == [3.0, 2.0]
    days = pd.DataFrame({"sku": ["A"], "date": [pd.Timestamp("2026-03-01").date()], "units": [1]})
    days.to_parquet(tmp_path / "days.parquet", index=False)
    assert read_generic(tmp_path / "days.parquet").frame["demand_date"].tolist() == [pd.Timestamp("2026-03-01")]


def test_typed_parquet_bad_values_name_row_and_column(tmp_path):
    frame = pd.DataFrame({"sku": ["A", "B", "C"], "date": pd.to_datetime(["2026-03-01"] * 3), "units": [1.0, -2.0, None]})
    frame.to_parquet(tmp_path / "bad.parquet", index=False)
    with pytest.raises(InputError) as error:
        read_generic(tmp_path / "bad.parquet")
    assert str(error.value).startswith("bad.parquet, row 3, column 'units': '-2' is below the allowed minimum 0")
    parsed = read_generic(tmp_path / "bad.parquet", on_bad_rows="skip")
    assert parsed.rejects["row"].tolist() == [3, 4] and parsed.frame["sku"].tolist() == ["A"]
    numbers_as_dates = pd.DataFrame({"sku": ["A"], "date": [20260301], "units": [1]})
    numbers_as_dates.to_parquet(tmp_path / "n.parquet", index=False)
    with pytest.raises(InputError, match=r"n.parquet, row 2, column 'date': '20260301' is not a date \(the file's column holds numbers\)"):
        read_generic(tmp_path / "n.parquet")


def test_online_retail_cancellations_and_adjustments(tmp_path):
    lines = pd.DataFrame({
        "Invoice": ["489434", "489434", "C489449", "489450"],
        "StockCode": ["85048", "79323P", "85048", "DOT"],
        "Description": ["LIGHT", "LIGHT", "LIGHT", "adjust"],
        "Quantity": [12, 6, -4, -20],
        "InvoiceDate": ["2009-12-01 07:45:00"] * 4,
        "Price": [6.95, 6.75, 6.95, 0.0],
        "Customer ID": [13085, 13085, 13085, None],
        "Country": ["United Kingdom"] * 4,
    })
    lines.to_parquet(tmp_path / "retail.parquet", index=False)
    frame = read_online_retail(tmp_path / "retail.parquet").frame
    assert frame["status"].tolist() == ["completed", "completed", "cancelled", "adjustment"]
    assert frame["is_demand"].tolist() == [True, True, False, False]
    assert frame["quantity"].tolist() == [12, 6, 0, 0]
    assert frame["returned_quantity"].tolist() == [0, 0, 4, 0]
    assert "customer id" not in frame.columns


@pytest.mark.realdata
def test_online_retail_real_file_imports(shop):
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "online_retail" / "online_retail_II_2009-12_2010-12_raw.parquet"
    result = import_files(shop, [path])[0]
    assert result.added == 525_461 and result.rejected == 0
    with Store(shop.store_path) as store:
        summary = store.summary()
    assert summary["cancelled_lines"] > 9_000 and summary["skus"] > 4_000
