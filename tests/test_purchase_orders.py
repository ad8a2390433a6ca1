"""Purchase orders: the run's PO files per supplier, their numbers, and approving, reversing and receiving
them (planner.io.purchase_orders, planner.approve)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.approve import measured_lead_times, open_purchase_orders
from planner.cli import main
from planner.io.purchase_orders import read_po_file
from planner.shop import Shop
from planner.store import Store
from tests.test_run import generated_shop


@pytest.fixture(scope="module")
def planned_shop(tmp_path_factory) -> Path:
    """A 20-SKU generated shop after one `restock run`, with a supplier code for one product."""
    folder = generated_shop(tmp_path_factory, seed=3)
    products = pd.read_csv(folder / "products.csv", dtype=str, keep_default_na=False)
    products["supplier_sku"] = ""
    products.loc[0, "supplier_sku"] = "SUP-0001"
    products.to_csv(folder / "products.csv", index=False)
    result = cli("run", folder, "--log-format", "json")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def shop(planned_shop, tmp_path) -> Shop:
    shutil.copytree(planned_shop, tmp_path / "shop", symlinks=True)
    return Shop.open(tmp_path / "shop")


def cli(command: str, folder: Path, *args: str):
    return CliRunner().invoke(main, [command, "--shop", str(folder), *args])


def po_files(shop: Shop) -> dict[str, Path]:
    return {p.stem: p for p in sorted((shop.runs / "latest" / "po").glob("*.csv"))}


def numbers(shop: Shop) -> dict[str, str]:
    """PO number per supplier in the newest run's files."""
    return {order.supplier: order.number for path in po_files(shop).values() for order in read_po_file(path)}


def test_each_suppliers_po_file_totals_the_plans_orders_for_it(shop):
    orders = pd.read_csv(shop.runs / "latest" / "orders.csv", dtype={"sku": str})
    files = po_files(shop)
    assert set(files) == set(orders["supplier"]) and len(files) >= 2
    for supplier, path in files.items():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads Thai and Chinese names right
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        header = dict(row[:2] for row in rows[:6])
        assert header["Supplier"] == supplier and header["Currency"] == "THB" and header["Purchase order"]
        assert header["Shop"] == shop.config.shop.name
        total = next(row for row in rows if "Order total" in row)
        mine = orders[orders["supplier"] == supplier]
        assert float(total[-1]) == pytest.approx(mine["value"].sum(), abs=0.01 * len(mine))
        (order,) = read_po_file(path)
        assert sorted(order.lines["sku"]) == sorted(mine["sku"])
        assert order.lines.set_index("sku")["quantity"].to_dict() == mine.set_index("sku")["quantity"].to_dict()
        assert (order.lines["quantity"] == order.lines["cases"] * order.lines["case_pack"]).all()
        from openpyxl import load_workbook

        sheet = load_workbook(path.with_suffix(".xlsx")).active
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert cells[0][:2] == ["Purchase order", order.number]
        assert next(row for row in cells if "Order total" in row)[8] == pytest.approx(float(total[-1]))
    products = pd.read_csv(shop.root / "products.csv", dtype=str, keep_default_na=False)
    coded = products.loc[0, "sku"]
    if coded in set(orders["sku"]):  # the supplier's product code travels with its line
        line = pd.concat([o.lines for p in files.values() for o in read_po_file(p)]).set_index("sku").loc[coded]
        assert line["supplier_sku"] == "SUP-0001"


def test_approved_orders_are_on_order_next_run_and_the_other_po_numbers_survive(shop):
    before = numbers(shop)
    supplier = sorted(before)[0]
    approved = before[supplier]
    result = cli("approve", shop.root, approved, "--by", "somchai")
    assert result.exit_code == 0, result.output
    assert f"Approved {approved}" in result.output
    orders = pd.read_csv(shop.runs / "latest" / "orders.csv", dtype={"sku": str})
    approved_skus = set(orders.loc[orders["supplier"] == supplier, "sku"])
    on_order = Shop.open(shop.root).inputs().purchase_orders
    assert set(on_order.loc[on_order["po_id"] == approved, "sku"]) == approved_skus

    result = cli("run", shop.root, "--log-format", "json", "--no-backtest")
    assert result.exit_code == 0, result.output
    after = numbers(shop)
    # the same proposals keep their numbers; the approved one is on order, not proposed again
    assert {s: n for s, n in after.items()} == {s: n for s, n in before.items() if s != supplier}
    again = pd.read_csv(shop.runs / "latest" / "orders.csv", dtype={"sku": str})
    assert not approved_skus & set(again["sku"])
    with Store(shop.store_path) as store:
        audit = store.db.execute("SELECT action, po_number, by_user FROM po_audit").fetchall()
    assert audit == [("approved", approved, "somchai")]


def test_unapprove_reverses_an_approval(shop):
    number = sorted(numbers(shop).values())[0]
    assert cli("approve", shop.root, "--all").exit_code == 0
    assert number in set(shop.inputs().purchase_orders["po_id"])
    result = cli("unapprove", shop.root, number)
    assert result.exit_code == 0, result.output
    assert number not in set(Shop.open(shop.root).inputs().purchase_orders["po_id"])
    again = cli("approve", shop.root, number)  # a proposal again: it may be approved again
    assert again.exit_code == 0, again.output


def test_receive_records_the_delivery_and_its_lead_time(shop):
    path = next(iter(po_files(shop).values()))
    (order,) = read_po_file(path)
    assert cli("approve", shop.root, order.number, "--date", "2026-11-01").exit_code == 0
    snapshot = shop.inputs().snapshot_date
    sku = order.lines["sku"].iloc[0]
    ordered = int(order.lines["quantity"].iloc[0])
    received_on = (snapshot + pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    result = cli("receive", shop.root, order.number, "--sku", sku, "--quantity", "1", "--date", received_on)
    assert result.exit_code == 0, result.output
    assert f"Received {order.number} {sku}: 1 of {ordered}" in result.output
    times = measured_lead_times(shop.store_path)
    assert times[["po_number", "sku", "received_quantity"]].values.tolist() == [[order.number, sku, 1.0]]
    assert times["lead_time_days"].iloc[0] == (pd.Timestamp(received_on) - pd.Timestamp("2026-11-01")).days
    # delivered after the inventory snapshot: the snapshot does not hold it, so it is still on order
    still = open_purchase_orders(shop.store_path, snapshot).set_index(["po_id", "sku"])["quantity"]
    assert still[(order.number, sku)] == ordered
    later = open_purchase_orders(shop.store_path, pd.Timestamp(received_on)).set_index(["po_id", "sku"])["quantity"]
    assert later.get((order.number, sku), 0) == ordered - 1
    # a PO with a delivery cannot be unapproved
    refused = cli("unapprove", shop.root, order.number)
    assert refused.exit_code == 3 and "a delivery was recorded" in refused.output


def test_an_unknown_po_number_is_a_clear_error(shop):
    result = cli("approve", shop.root, "PO-NOPE")
    assert result.exit_code == 3
    assert "PO-NOPE: not a purchase order of the newest run" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert cli("receive", shop.root, "PO-NOPE").exit_code == 3
    assert cli("unapprove", shop.root, "PO-NOPE").exit_code == 3


def test_an_edited_po_file_is_approved_with_its_quantities_and_a_bad_cell_is_named(shop, tmp_path):
    path = next(p for p in po_files(shop).values() if len(read_po_file(p)[0].lines) >= 1)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    first_line = next(i for i, row in enumerate(rows) if row and row[0] == "1")
    quantity = rows[7].index("Quantity (units)")
    bad = [list(r) for r in rows]
    bad[first_line][quantity] = "12 pcs"
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(bad)
    result = cli("approve", shop.root, "--from", str(edited))
    assert result.exit_code == 3
    assert f"edited.csv, row {first_line + 1}, column 'Quantity (units)': '12 pcs' is not a whole number" in result.output
    assert "Traceback" not in result.output

    good = [list(r) for r in rows]
    good[first_line][quantity] = "7"
    with open(edited, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(good)
    result = cli("approve", shop.root, "--from", str(edited))
    assert result.exit_code == 0, result.output
    number = rows[0][1]
    on_order = shop.inputs().purchase_orders
    line = on_order[(on_order["po_id"] == number) & (on_order["sku"] == rows[first_line][1])]
    assert line["quantity"].tolist() == [7.0]
    with Store(shop.store_path) as store:
        detail = json.loads(store._one("SELECT detail FROM po_audit WHERE po_number = ?", [number])[0])
    assert detail["source"] == str(edited)


def test_received_deliveries_move_the_suppliers_lead_time_the_plan_uses(shop):
    """Issue 19: the lead times `restock receive` records feed the plan: the supplier's stated term moves
    toward them (STATED_AS_DELIVERIES), suppliers.csv stays as it was, and the plan's lead time follows."""
    from planner.plan.terms import STATED_AS_DELIVERIES

    path = next(iter(po_files(shop).values()))
    (order,) = read_po_file(path)
    before = (shop.root / "suppliers.csv").read_bytes()
    stated = shop.inputs().suppliers.set_index("supplier")
    assert cli("approve", shop.root, order.number, "--date", "2026-10-01").exit_code == 0
    sku = order.lines["sku"].iloc[0]
    received = cli("receive", shop.root, order.number, "--sku", sku, "--quantity", "1", "--date", "2026-11-10")
    assert received.exit_code == 0, received.output
    measured = shop.inputs().suppliers.set_index("supplier").loc[order.supplier]
    took = (pd.Timestamp("2026-11-10") - pd.Timestamp("2026-10-01")).days
    old = float(stated.loc[order.supplier, "lead_time_days"]) if order.supplier in stated.index else 21.0
    assert measured["lead_time_days"] == pytest.approx((took + STATED_AS_DELIVERIES * old) / (1 + STATED_AS_DELIVERIES))
    assert measured["lead_time_source"].startswith("1 deliveries (mean 40.0 days)")
    assert (shop.root / "suppliers.csv").read_bytes() == before
    planned = cli("plan", shop.root, "--out", str(shop.root / "measured"))
    assert planned.exit_code == 0, planned.output
    plan = pd.read_csv(shop.root / "measured" / "plan.csv", dtype={"sku": str})
    products = pd.read_csv(shop.root / "products.csv", dtype=str, keep_default_na=False)
    own_term = products.set_index("sku")["lead_time_days"].replace("", None)
    theirs = plan[plan["supplier"] == order.supplier]
    theirs = theirs[theirs["sku"].map(own_term).isna() & theirs["location"].eq("own")]
    assert len(theirs) and theirs["lead_time_days"].tolist() == pytest.approx([measured["lead_time_days"]] * len(theirs))
    # the buyer sees the same figures: stated against measured per supplier, on a page of the report
    row = shop.inputs().supplier_deliveries.set_index("supplier").loc[order.supplier]
    assert (row["deliveries"], row["stated_days"], row["measured_days"]) == (1, old, took)
    assert row["planned_days"] == pytest.approx(round(measured["lead_time_days"], 1))
    from planner.approve import measured_lead_times

    late = int(measured_lead_times(shop.store_path)["days_late"].iloc[0])
    assert (row["on_time"], row["mean_delay_days"]) == (float(late <= 0), float(max(late, 0)))
    reported = cli("report", shop.root, "--out", str(shop.root / "measured" / "report.pdf"))
    assert reported.exit_code == 0, reported.output
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(shop.root / "measured" / "report.pdf").pages]
    page = next(text for text in pages if "stated and measured lead times" in text)
    assert order.supplier in page and f"{float(took):.1f}" in page and f"{row['planned_days']:.1f}" in page


def test_simulate_replays_on_stated_terms_with_the_deliveries_before_it_as_warm_up(shop, monkeypatch):
    """`restock simulate` measures lead times day by day inside the replay: it is given the suppliers as
    suppliers.csv states them and the recorded deliveries (which the replay keeps only before its first
    day), not terms already measured from deliveries that come after the days it replays."""
    import planner.simulate

    path = next(iter(po_files(shop).values()))
    (order,) = read_po_file(path)
    assert cli("approve", shop.root, order.number, "--date", "2026-10-01").exit_code == 0
    sku = order.lines["sku"].iloc[0]
    assert cli("receive", shop.root, order.number, "--sku", sku, "--quantity", "1", "--date", "2026-11-10").exit_code == 0
    seen = {}

    def capture(history, inputs, settings, **options):
        seen.update(inputs=inputs, **options)
        raise RuntimeError("captured")

    monkeypatch.setattr(planner.simulate, "shop_replay", capture)
    cli("simulate", shop.root)
    stated = pd.read_csv(shop.root / "suppliers.csv", dtype={"supplier": str}).set_index("supplier")
    given = seen["inputs"].suppliers.set_index("supplier")
    assert given.loc[order.supplier, "lead_time_days"] == stated.loc[order.supplier, "lead_time_days"]
    assert seen["receipts"][["po_number", "sku"]].values.tolist() == [[order.number, sku]]
    measured = shop.inputs().suppliers.set_index("supplier")
    assert measured.loc[order.supplier, "lead_time_days"] != stated.loc[order.supplier, "lead_time_days"]
