"""Measured lead times (issue 19 item 4): the replay records its deliveries as purchase-order receipts,
and the plan measures its suppliers from them through the code `restock plan` runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.plan.terms import (
    RECEIPT_COLUMNS, STATED_AS_DELIVERIES, lead_time_quantile, measured_supplier_terms, suppliers_with_receipts,
)
from planner.simulate import PlannerPolicy, Replay, simulate
from planner.simulate.policies import replay_products, replay_suppliers
from planner.simulate.replay import with_late_suppliers

STATED = 10.0
LATE = 8.0


class Recording(PlannerPolicy):
    """The plan, keeping the receipts each review was shown."""

    def decide(self, seen, on_hand, open_orders):
        self.shown = seen.receipts
        return super().decide(seen, on_hand, open_orders)


def two_suppliers(seed: int = 0, own: np.ndarray | None = None) -> Replay:
    """6 SKUs selling a few a day, 3 from supplier X and 3 from Y, both stating 10 days and keeping them
    exactly (no spread), 90 days replayed."""
    rng = np.random.default_rng(seed)
    n, days = 6, 200
    demand = rng.poisson(rng.uniform(2, 6, (n, 1)), (n, days)).astype(float)
    return Replay(skus=np.array([f"S{i}" for i in range(n)], dtype=object), dates=pd.date_range("2026-01-01", periods=days),
                  demand=demand, unit_value=np.full(n, 10.0), lead_time_days=np.full(n, STATED), start=110,
                  supplier=np.array(["X"] * 3 + ["Y"] * 3, dtype=object), own_lead_time=own)


def replay_plan(replay: Replay, measure: bool = True) -> Recording:
    rule = Recording(0.95, model="moving_average", n_paths=50, calibrate=False, measure_lead_times=measure)
    simulate(replay, rule)
    return rule


@pytest.fixture(scope="module")
def x_late():
    return replay_plan(with_late_suppliers(two_suppliers(), LATE, ["X"]))


def test_a_late_suppliers_deliveries_are_recorded_as_receive_records_them(x_late):
    receipts = x_late.shown
    assert list(receipts.columns) == list(RECEIPT_COLUMNS)
    assert len(receipts) > 10
    ordered, expected, received = (pd.to_datetime(receipts[c]) for c in ("ordered_at", "expected_arrival", "received_at"))
    took = (received - ordered).dt.days
    late = receipts["supplier"].eq("X")
    # expected = ordered + the stated term; the delivery took the truth: X 8 days longer, Y on time
    assert ((expected - ordered).dt.days == STATED).all()
    assert (took[late] == STATED + LATE).all() and (took[~late] == STATED).all()
    assert (receipts["received_quantity"] > 0).all()
    assert receipts["sku"].isin(["S0", "S1", "S2"]).eq(late).all()


def test_the_plans_lead_time_moves_toward_the_truth_through_the_shops_code(x_late):
    plan = x_late.last_plan[0].plan.set_index("sku")
    n = x_late.shown.drop_duplicates(["po_number", "received_at"])["supplier"].eq("X").sum()
    truth = (n * (STATED + LATE) + STATED_AS_DELIVERIES * STATED) / (n + STATED_AS_DELIVERIES)
    assert plan.loc[["S0", "S1", "S2"], "lead_time_days"].tolist() == pytest.approx([truth] * 3)
    assert n >= 3 * STATED_AS_DELIVERIES  # 90 days of deliveries: at least three quarters of the way to the truth
    assert plan.loc[["S3", "S4", "S5"], "lead_time_days"].tolist() == pytest.approx([STATED] * 3)  # Y is on time
    # the same receipts through the function Shop.inputs measures po_receipts with give the same terms
    shop = suppliers_with_receipts(replay_suppliers(two_suppliers()), x_late.shown, 14.0, 0.0).set_index("supplier")
    assert shop.loc["X", "lead_time_days"] == pytest.approx(truth)


def test_measurement_off_keeps_the_stated_lead_time():
    rule = replay_plan(with_late_suppliers(two_suppliers(), LATE), measure=False)
    assert len(rule.shown) > 10  # deliveries came, late
    assert rule.last_plan[0].plan["lead_time_days"].tolist() == pytest.approx([STATED] * 6)


def test_measuring_an_on_time_supplier_changes_nothing():
    measured, stated = (replay_plan(two_suppliers(), measure) for measure in (True, False))
    assert measured.last_plan[0].plan["lead_time_days"].tolist() == pytest.approx([STATED] * 6)
    pd.testing.assert_frame_equal(measured.last_plan[0].orders, stated.last_plan[0].orders)


def test_a_products_own_lead_time_is_not_moved_by_its_suppliers_deliveries():
    own = np.array([True, False, False, False, False, False])
    replay = with_late_suppliers(two_suppliers(own=own), LATE, ["X"])
    products = replay_products(replay)
    assert products["lead_time_days"].notna().tolist() == own.tolist()
    assert replay_suppliers(replay)["supplier"].tolist() == ["X", "Y"]
    plan = replay_plan(replay).last_plan[0].plan.set_index("sku")
    assert plan.loc["S0", "lead_time_days"] == STATED
    assert plan.loc["S1", "lead_time_days"] > STATED + 4


def test_a_measured_range_supplier_is_planned_on_its_measured_mean_and_spread():
    """A stated 25-45 day range delivering at 43 +- 0: the blended term is no longer held inside the
    stated range (a triangular(25, 43, 45) would plan 37.7 days on average)."""
    suppliers = pd.DataFrame({"supplier": ["S"], "lead_time_days": [35.0], "lead_time_sd_days": [np.nan],
                              "lead_time_min_days": [25.0], "lead_time_max_days": [45.0]})
    deliveries = pd.DataFrame({"supplier": ["S"] * 27, "lead_time_days": [43.0] * 27})
    terms = measured_supplier_terms(suppliers, deliveries, 21, 4)
    assert terms.loc[0, "lead_time_days"] == pytest.approx(42.2)
    assert terms.loc[0, "lead_time_sd_days"] == pytest.approx(np.sqrt(3 / 30) * 20 / 4.9)
    assert np.isnan(terms.loc[0, ["lead_time_min_days", "lead_time_max_days"]].astype(float)).all()
    assert lead_time_quantile(terms, 0.5)[0] == pytest.approx(42.2)
