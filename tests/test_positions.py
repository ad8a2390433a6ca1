"""Inventory positions and scheduled receipts."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.positions import inventory_positions, scheduled_receipts

TODAY = pd.Timestamp("2026-11-22")


@pytest.fixture
def inventory():
    return pd.DataFrame({
        "sku": ["SERUM", "SERUM", "TONER"],
        "location": ["own", " FBT ", "own"],
        "on_hand": [200, 120, 10],
        "reserved": [0, 30, 0],
        "unfulfillable": [0, 2, 0],
        "in_transit": [0, 48, 0],
        "backorders": [0, 0, 4],
    })


@pytest.fixture
def purchase_orders():
    return pd.DataFrame({
        "po_id": ["PO-1", "PO-2", "PO-3"],
        "sku": ["SERUM", "SERUM", "MASK"],
        "quantity": [480, 100, 60],
        "expected_arrival": pd.to_datetime(["2026-12-02", "2027-05-01", "2026-11-01"]),
        "location": ["own", "own", None],
    })


def test_position_is_on_hand_plus_pipeline_minus_commitments(inventory, purchase_orders):
    frame = inventory_positions(inventory, purchase_orders, TODAY, horizon_days=60).set_index(["sku", "location"])
    # own: 200 + PO-1 480 (PO-2 is beyond the 60-day horizon)
    assert frame.loc[("SERUM", "own"), "position"] == 680
    # fbt: 120 - 2 unfulfillable - 30 reserved + 48 in transit; location name normalised
    assert frame.loc[("SERUM", "fbt"), "available"] == 88
    assert frame.loc[("SERUM", "fbt"), "position"] == 136
    # backorders come off; an overdue PO without location lands at own and still counts
    assert frame.loc[("TONER", "own"), "position"] == 6
    assert frame.loc[("MASK", "own"), "position"] == 60
    assert frame.loc[("MASK", "own"), "on_hand"] == 0


def test_without_horizon_every_open_po_counts(inventory, purchase_orders):
    frame = inventory_positions(inventory, purchase_orders, TODAY).set_index(["sku", "location"])
    assert frame.loc[("SERUM", "own"), "on_order"] == 580


def test_optional_columns_default_to_zero_and_inputs_untouched():
    inv = pd.DataFrame({"sku": ["A"], "location": ["own"], "on_hand": [5]})
    before = inv.copy()
    frame = inventory_positions(inv, None, TODAY)
    assert frame["position"].tolist() == [5.0]
    pd.testing.assert_frame_equal(inv, before)


def test_scheduled_receipts(inventory, purchase_orders):
    receipts = scheduled_receipts(inventory, purchase_orders, TODAY, in_transit_days={"fbt": 3})
    transit = receipts[receipts["source"] == "in_transit"]
    assert transit["date"].tolist() == [TODAY + pd.Timedelta(days=3)]
    overdue = receipts[receipts["source"] == "po:PO-3"]
    assert overdue["date"].tolist() == [TODAY]
    assert receipts["quantity"].sum() == 48 + 480 + 100 + 60
