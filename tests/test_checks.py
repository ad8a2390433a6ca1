"""Plausibility checks (planner/io/checks.py, issue 22): one implausible value never passes silently.

Each case asserts the exact message and exit code, and that nothing was stored, moved or lost."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.errors import InputError
from planner.io.checks import OrderChecks, check_inputs
from planner.io.inputs import Inputs, empty_table, read_input, TABLES
from planner.io.orders import read_order_file
from planner.store import Store
from tests.test_run import generated_shop, run_cli
from tests.tiktok_export import line, write_csv

TODAY = pd.Timestamp("2026-12-07")
CHECKS = OrderChecks(today=TODAY)


def may_orders(n: int = 12, **changed) -> list[dict]:
    """``n`` ordinary lines of May 2026 (1 or 2 units); ``changed``: row index -> keyword changes."""
    rows = []
    for i in range(n):
        kwargs = {"created": f"{1 + i % 28:02d}/05/2026 10:00:00"}
        kwargs.update(changed.get(str(i), {}))
        rows.append(line(f"57{i:04d}", f"SKU-{i % 3}", kwargs.pop("quantity", 1 + i % 2), **kwargs))
    return rows


def stored_lines(shop) -> pd.DataFrame:
    with Store(shop.store_path) as store:
        return store.order_lines()


# ------------------------------------------------------------------------------------------ dates

def test_a_paid_time_years_in_the_future_is_refused(tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(**{"4": {"paid": "10/05/2031 22:05:43"}}))
    with pytest.raises(InputError) as error:
        read_order_file(path, checks=CHECKS)
    assert str(error.value) == ("orders.csv, row 7, column 'Paid Time': '2031-05-10 22:05:43' is in the future; "
                                "expected a time no later than 2026-12-08 (tomorrow)")


def test_a_date_in_1970_is_refused(tmp_path):
    path = write_csv(tmp_path / "orders.csv",
                     may_orders(**{"2": {"created": "01/01/1970 07:00:00", "paid": "01/01/1970 07:00:00"}}))
    with pytest.raises(InputError) as error:
        read_order_file(path, checks=CHECKS)
    assert str(error.value) == ("orders.csv, row 5, column 'Created Time': '1970-01-01 07:00:00' is before "
                                "2000-01-01; expected a date of this shop's sales")


def test_a_year_typed_wrong_is_refused_as_far_from_the_files_other_dates(tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(**{"3": {"paid": "04/05/2021 10:00:00"}}))
    with pytest.raises(InputError) as error:
        read_order_file(path, checks=CHECKS)
    assert str(error.value) == (
        "orders.csv, row 6, column 'Paid Time': '2021-05-04 10:00:00' is more than 365 days from the file's other "
        "dates (2026-05-01 to 2026-05-12); expected a date among them (a year typed wrong?). shop.toml [checks] "
        "max_date_gap_days sets the gap")


def test_a_refused_date_with_skip_goes_to_the_rejects_and_the_rest_is_read(tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(**{"4": {"paid": "10/05/2031 22:05:43"}}))
    _, parsed = read_order_file(path, "skip", checks=CHECKS)
    assert len(parsed.frame) == 11 and parsed.rejects[["row", "column"]].values.tolist() == [[7, "Paid Time"]]


def test_a_future_date_fails_the_run_stores_nothing_and_moves_nothing(tmp_path_factory):
    shop_dir = generated_shop(tmp_path_factory, seed=3)
    from planner.shop import Shop

    shop = Shop.open(shop_dir)
    path = sorted(shop.inbox.glob("*.csv"))[0]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("Paid Time")
    first = 2 if not rows[1][0].strip().isdigit() else 1
    rows[first + 3][column] = "10/05/2031 22:05:43"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = run_cli(shop)
    tomorrow = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    assert result.exit_code == 3
    assert (f"Error: {path.name}, row {first + 4}, column 'Paid Time': '2031-05-10 22:05:43' is in the future; "
            f"expected a time no later than {tomorrow:%Y-%m-%d} (tomorrow)") in result.output
    assert not (shop.runs / "latest").exists() and path.exists()
    assert stored_lines(shop).empty


# ------------------------------------------------------------------------------------- duplicates

def test_one_order_line_twice_with_different_quantities_names_both_rows(shop, tmp_path):
    path = write_csv(tmp_path / "o.csv", [line("1", "A", 1), line("2", "B", 1), line("1", "A", 3)])
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(path)])
    assert result.exit_code == 3
    assert result.output == ("Error: o.csv, row 5, column 'Quantity': '3' differs from row 3 (1), the same order "
                             "line (order 1, SKU A): a line must appear once; delete the wrong row\n")
    assert stored_lines(shop).empty


# --------------------------------------------------------------------------------------- outliers

def test_a_quantity_far_above_the_usual_is_kept_out_of_the_demand_with_a_warning(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(**{"5": {"quantity": "1,000,000"}}))
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(path)])
    assert result.exit_code == 0, result.output
    assert ("Warning: orders.csv, column 'Quantity': 1 line(s) far above the usual quantities kept out of the "
            "demand: row 8 (SKU SKU-2: 1,000,000 units; usual high 2). Rule: above 20 x the usual high (99th "
            "percentile of the file's and the SKU's lines). If a quantity is right, set shop.toml [checks] "
            "quantity_outlier_factor = 0 and import the file again") in result.output
    lines = stored_lines(shop)
    big = lines[lines["quantity"] == 1_000_000]
    assert len(lines) == 12 and len(big) == 1 and not big["is_demand"].iloc[0]      # stored, not counted
    with Store(shop.store_path) as store:
        assert store.daily_demand()["units"].max() == 2


def test_ordinary_quantities_are_never_outliers(tmp_path):
    """A SKU that always sells in larger lines is measured by its own lines, not the file's."""
    rows = may_orders(30) + [line(f"9{i}", "WHOLESALE", 200 + i) for i in range(3)]
    _, parsed = read_order_file(write_csv(tmp_path / "o.csv", rows), checks=CHECKS)
    assert parsed.warnings == [] and parsed.frame["is_demand"].all()


def test_the_outlier_check_can_be_turned_off(tmp_path):
    path = write_csv(tmp_path / "orders.csv", may_orders(**{"5": {"quantity": "1000000"}}))
    _, parsed = read_order_file(path, checks=OrderChecks(quantity_outlier_factor=0, today=TODAY))
    assert parsed.warnings == [] and parsed.frame["is_demand"].all()


# ------------------------------------------------------------------------------------ input tables

def test_a_bundle_that_contains_itself_through_another_kit_is_refused(tmp_path):
    path = tmp_path / "bundles.csv"
    path.write_text("bundle_sku,component_sku,quantity\nKIT-A,SERUM,1\nKIT-A,KIT-B,1\nKIT-B,TONER,2\n"
                    "KIT-B,KIT-A,1\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_input(path, "bundles")
    assert str(error.value) == ("bundles.csv, row 5, column 'component_sku': bundle 'KIT-A' contains itself: "
                                "KIT-A -> KIT-B -> KIT-A; a kit cannot hold itself, directly or through another kit")


def test_a_kit_that_contains_itself_fails_restock_check(shop):
    (shop.root / "bundles.csv").write_text("bundle_sku,component_sku,quantity\nKIT,KIT,1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--shop", str(shop.root)])
    assert result.exit_code == 3
    assert result.output == ("Error: bundles.csv, row 2, column 'component_sku': bundle 'KIT' contains itself: "
                             "KIT -> KIT; a kit cannot hold itself, directly or through another kit\n")


def test_kits_of_kits_without_a_loop_are_fine(tmp_path):
    path = tmp_path / "bundles.csv"
    path.write_text("bundle_sku,component_sku,quantity\nK,A,1\nJ,K,1\nJ,A,1\nL,J,1\nL,K,1\n", encoding="utf-8")
    assert len(read_input(path, "bundles")) == 5


def inputs(**tables: str) -> Inputs:
    """Inputs from CSV texts (the others empty), read as a shop reads them."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    frames = {}
    for table in TABLES:
        if table in tables:
            (folder / f"{table}.csv").write_text(tables[table], encoding="utf-8")
            frames[table] = read_input(folder / f"{table}.csv", table)
        else:
            frames[table] = empty_table(TABLES[table]).assign(_row=pd.Series(dtype=int))
    shutil.rmtree(folder)
    return Inputs(**frames)


PRODUCTS = ("sku,name,category,unit_cost,price,supplier\nA,Serum,beauty,50,199,GZ Cosmetics\n"
            "B,Toner,beauty,40,149,GZ Cosmetic\nC,Fan,gadgets,90,249,GZ Cosmetic\n")
SUPPLIERS = "supplier,lead_time_days\nGZ Cosmetics,30\nSiam Home Supply,10\n"
HISTORY = pd.DataFrame({"sku": ["A", "B", "X1", "X2", "Z"], "date": pd.Timestamp("2026-11-21"),
                        "units": [3.0, 1.0, 2.0, 1.0, 0.0]})


def test_an_overdue_purchase_order_is_named_and_said_to_count_from_the_planning_day():
    found = check_inputs(inputs(purchase_orders="po_id,sku,quantity,expected_arrival\nPO-7,A,48,2026-10-01\n"
                                                "PO-8,B,12,2026-11-25\n"),
                         None, pd.Timestamp("2026-11-22"), today=pd.Timestamp("2026-11-22"))
    assert found == ["purchase_orders.csv, row 2, column 'expected_arrival': PO PO-7 was expected 2026-10-01, 52 days "
                     "before the planning day 2026-11-22; the plan counts it as arriving on the planning day: A (48). "
                     "Update its expected_arrival, or remove it if it will not come"]


def test_a_stale_snapshot_is_named_against_today_and_the_newest_sale():
    snapshot = inputs(inventory="sku,location,on_hand,snapshot_date\nA,own,5,2026-11-01\n", products=PRODUCTS,
                      suppliers=SUPPLIERS + "GZ Cosmetic,30\n")
    found = check_inputs(snapshot, HISTORY.assign(sku="A"), pd.Timestamp("2026-11-01"), max_snapshot_age_days=7,
                         today=TODAY)
    assert found == [
        "the inventory snapshot (inventory.csv, snapshot_date 2026-11-01) is 36 days old (today is 2026-12-07): the "
        "plan is made for that day, and order-by dates before today are already past. Export a fresh inventory "
        "snapshot (shop.toml [checks] max_snapshot_age_days = 7)",
        "the inventory snapshot (inventory.csv, snapshot_date 2026-11-01) is 20 days older than the newest sale "
        "(2026-11-21): what sold since is still counted as on hand. Export a fresh inventory snapshot (shop.toml "
        "[checks] max_snapshot_age_days = 7)"]
    assert check_inputs(snapshot, HISTORY.assign(sku="A"), pd.Timestamp("2026-11-01"), max_snapshot_age_days=40,
                        today=TODAY) == []


def test_skus_sold_but_missing_from_products_are_counted_and_named():
    found = check_inputs(inputs(products=PRODUCTS.replace("GZ Cosmetic\n", "GZ Cosmetics\n"), suppliers=SUPPLIERS),
                         HISTORY, pd.Timestamp("2026-11-22"), today=pd.Timestamp("2026-11-22"))
    assert found == ["2 SKU(s) sold but not in products.csv are left out of the plan: X1, X2. Add them to products.csv "
                     "with their supplier, cost and price"]


def test_a_product_whose_supplier_is_not_in_suppliers_csv_is_named_with_its_rows():
    found = check_inputs(inputs(products=PRODUCTS, suppliers=SUPPLIERS), None, pd.Timestamp("2026-11-22"),
                         today=pd.Timestamp("2026-11-22"))
    assert found == ["products.csv, rows 3 (B), 4 (C), column 'supplier': 'GZ Cosmetic' is not in suppliers.csv (did "
                     "you mean 'GZ Cosmetics'?); these products are planned with their own lead time where "
                     "products.csv gives one, else the shop default of 21 days ([lead_time] default_days)"]


def test_a_run_warns_on_the_terminal_and_in_its_manifest(tmp_path_factory):
    """An overdue PO, an unknown supplier and a 1,000,000-unit line: the run succeeds and says so."""
    from planner.shop import Shop

    shop = Shop.open(generated_shop(tmp_path_factory, seed=3))
    export = sorted(shop.inbox.glob("*.csv"))[0]
    with open(export, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    first = 2 if not rows[1][0].strip().isdigit() else 1
    rows[first + 3][rows[0].index("Quantity")] = "1000000"
    with open(export, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    products = pd.read_csv(shop.path("products"), dtype=str, keep_default_na=False)
    products.loc[0, "supplier"] = "Nobody Ltd"
    products.to_csv(shop.path("products"), index=False)
    snapshot = pd.read_csv(shop.path("inventory"))["snapshot_date"].max()
    with open(shop.path("purchase_orders"), "a", encoding="utf-8") as handle:
        handle.write(f"PO-LATE,{products.loc[1, 'sku']},10,{pd.Timestamp(snapshot) - pd.Timedelta(days=52):%Y-%m-%d},own,\n")
    result = run_cli(shop)
    assert result.exit_code == 0, result.output
    warnings = json.loads((shop.runs / "latest" / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    for start in (f"{export.name}, column 'Quantity': 1 line(s) far above the usual quantities kept out of the demand: "
                  f"row {first + 4} (SKU ", "products.csv, row 2 (", "purchase_orders.csv, row "):
        found = [w for w in warnings if w.startswith(start)]
        assert len(found) == 1, (start, warnings)
        assert f"Warning: {found[0]}" in result.output
    assert "PO PO-LATE was expected" in " ".join(warnings) and "52 days before the planning day" in " ".join(warnings)


# -------------------------------------------------------------------------------------- backtests

def test_an_adhoc_backtest_never_changes_what_the_run_plans_with(tmp_path_factory):
    from planner import pipeline
    from planner.importer import import_files
    from planner.shop import Shop

    shop = Shop.open(generated_shop(tmp_path_factory, seed=3))
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    result = CliRunner().invoke(main, ["backtest", "--shop", str(shop.root), "--models", "seasonal_naive,moving_average",
                                       "--horizon", "14", "--cutoffs", "1"])
    assert result.exit_code == 0, result.output
    assert (shop.root / "backtests" / "model_choice.csv").is_file() and not (shop.root / "outputs").exists()
    assert ("These are for reading: restock run and restock plan keep planning with the backtest of the newest run "
            "(restock run --backtest makes a new one).") in result.output
    assert pipeline.latest_model_choice(shop) is None and pipeline.latest_calibration(shop) is None
    assert pipeline.latest_backtest(shop) == (None, None) and pipeline.latest_backtest_run(shop) is None
    for run_id in ("20261101T060000Z", "20261108T060000Z.failed"):   # what the next run reuses, and names
        (shop.runs / run_id).mkdir(parents=True)
        (shop.runs / run_id / "backtest_metrics.csv").write_text("model\n", encoding="utf-8")
    assert pipeline.latest_backtest_run(shop) == "20261101T060000Z"
    inside = CliRunner().invoke(main, ["backtest", "--shop", str(shop.root), "--out", str(shop.runs / "x")])
    assert inside.exit_code == 2 and "is inside the shop's runs folder" in inside.output


# ------------------------------------------------------------------- every failure a sentence

def test_an_empty_file_is_named_not_a_traceback(shop, tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"")
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(tmp_path / "orders.csv")])
    assert result.exit_code == 3
    assert result.output == ("Error: orders.csv: is empty (0 bytes): expected a header row and rows under it; export "
                             "or save the file again\n")


def test_an_export_with_only_a_header_imports_nothing_and_says_so(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [], description_row=False)
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), str(path)])
    assert result.exit_code == 0, result.output
    assert "Warning: orders.csv: no order lines under its header; nothing to import" in result.output
    assert stored_lines(shop).empty


def test_an_export_whose_rows_are_all_skipped_imports_nothing(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [line("1", "A", "3 pcs")])
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), "--on-bad-rows", "skip", str(path)])
    assert result.exit_code == 0, result.output
    assert stored_lines(shop).empty and (shop.rejects / "orders.csv.rejects.csv").is_file()


def test_an_unknown_model_is_a_usage_error_naming_where_it_came_from(shop):
    known = "campaign, croston, ets, learner, moving_average, prophet, sarimax, sba, seasonal_naive, tsb"
    result = CliRunner().invoke(main, ["plan", "--shop", str(shop.root), "--model", "nosuch"])
    assert result.exit_code == 2
    assert result.output.endswith(f"Error: --model: unknown model 'nosuch'; known models: {known}\n")
    toml = shop.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('model = "campaign"', 'model = "campain"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--shop", str(shop.root)])
    assert result.exit_code == 2
    assert result.output == f"Error: shop.toml 'planning.model': unknown model 'campain'; known models: {known}\n"


def test_runs_lists_a_failed_run_beside_a_good_one(shop):
    from datetime import datetime

    with Store(shop.store_path) as store:
        store.record_run("20261101T060000Z", datetime(2026, 11, 1, 6), "succeeded", "runs/a", datetime(2026, 11, 1, 6, 1),
                         {"order_lines": 3, "purchase_value": 10.0})
        store.record_run("20261102T060000Z", datetime(2026, 11, 2, 6), "failed", "runs/b", datetime(2026, 11, 2, 6, 1),
                         None, "orders.csv, row 3: bad\nmore")
    result = CliRunner().invoke(main, ["runs", "--shop", str(shop.root)])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "orders.csv, row 3: bad" in result.output and "more" not in result.output
    assert CliRunner().invoke(main, ["runs", "--shop", str(shop.root), "--limit", "-1"]).exit_code == 2


def test_a_damaged_store_says_how_to_rebuild_it(shop):
    with Store(shop.store_path):
        pass
    data = shop.store_path.read_bytes()
    shop.store_path.write_bytes(data[: len(data) // 3])
    result = CliRunner().invoke(main, ["history", "--shop", str(shop.root)])
    assert result.exit_code == 4
    assert "restock.duckdb: the store file is damaged (" in result.output
    assert result.output.endswith("Move it aside and import the exports in inbox/imported/ again to rebuild it "
                                  "(restock import inbox/imported/*)\n")


def test_a_missing_store_points_to_the_imported_exports(shop):
    (shop.inbox / "imported").mkdir()
    (shop.inbox / "imported" / "orders.csv").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "--shop", str(shop.root)])
    assert result.exit_code == 3
    imported = shop.inbox / "imported"
    assert result.output == (f"Error: {shop.root}: the store is empty; import order files first (restock import --shop "
                             f"{shop.root} FILE...); the exports imported before are kept in {imported}: restock import "
                             f"--shop {shop.root} {imported}/* rebuilds it\n")
