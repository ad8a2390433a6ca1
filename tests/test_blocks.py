"""Large shops go a block of SKUs at a time: paths drawn a chunk at a time when read, the plan and its
evaluation reading them block by block. The results must not depend on the block size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.contract import QUANTILES
from forecast.models.base import ChunkedPaths, SamplePaths
from forecast.models.campaign import CampaignForecaster
from planner.io.inputs import Inputs
from planner.plan import PlanSettings
from planner.scenarios import evaluate_plan, shock_paths
from tests.test_campaign_model import shop as campaign_shop
from tests.test_plan import TODAY, build_paths, run
from tests.test_plan import shop as plan_shop  # noqa: F401  (the fixture)


def chunked(paths: SamplePaths, chunk_skus: int, keep_bytes: int = 0) -> ChunkedPaths:
    """The same paths as a ChunkedPaths that copies them out a chunk at a time (keeping none)."""
    def draw(c: int) -> np.ndarray:
        return paths.values[c * chunk_skus:(c + 1) * chunk_skus].copy()

    return ChunkedPaths(paths.skus, paths.start, paths.n_paths, paths.horizon, chunk_skus, draw, keep_bytes)


@pytest.fixture(scope="module")
def model():
    history, campaigns, products = campaign_shop(n_sku=13)
    return CampaignForecaster(chunk_skus=4).fit(history, campaigns, products)


def test_chunked_paths_are_the_sample_paths_drawn_again_identically(model):
    whole = model.sample_paths(20, n_paths=50, seed=3)
    paths = model.chunked_paths(20, n_paths=50, seed=3, keep_bytes=0)
    assert paths.n_chunks == 4
    np.testing.assert_array_equal(paths.rows([12, 0, 5, 4]), whole.values[[12, 0, 5, 4]])
    np.testing.assert_array_equal(paths.values, whole.values)      # every chunk drawn again: the same
    assert paths.draws > paths.n_chunks
    kept = model.chunked_paths(20, n_paths=50, seed=3)
    kept.values, kept.values
    assert kept.draws == kept.n_chunks                               # small enough to keep: drawn once


def test_chunked_forecast_frame_is_predicts(model):
    frame = model.chunked_paths(20, n_paths=50, seed=3).to_frame()
    predicted = model.predict(20, n_paths=50, seed=3)
    pd.testing.assert_frame_equal(frame, predicted.drop(columns="model"))
    whole = model.sample_paths(20, n_paths=50, seed=3).to_frame()   # sorting the shuffled paths: the same
    columns = [c for c in whole.columns if c.startswith("p")]
    pd.testing.assert_frame_equal(frame[columns], whole[columns])
    np.testing.assert_allclose(frame["mean"], whole["mean"], rtol=1e-5)  # float32 sums in another order


def test_another_models_rows_replace_the_drawn_ones_and_their_quantiles(model):
    paths = model.chunked_paths(20, n_paths=50, seed=3, keep_bytes=0)
    other = np.full((2, 50, 20), 7.0, np.float32)
    replaced = paths.with_rows([1, 9], other)
    np.testing.assert_array_equal(replaced.rows([9, 1]), other)
    np.testing.assert_array_equal(replaced.rows([0, 2]), paths.rows([0, 2]))
    frame = replaced.to_frame().set_index("sku")
    sku = paths.skus[9]
    assert (frame.loc[sku, ["mean", *[c for c in frame.columns if c.startswith("p")]]] == 7.0).all().all()
    assert len(frame) == 13 * 20 and list(frame.columns[-len(QUANTILES):]) == [c for c in frame.columns if c.startswith("p")]


def frames(plan):
    return {name: getattr(plan, name) for name in ("plan", "orders", "transfers", "alerts", "projected")}


@pytest.mark.parametrize("caps", [{}, {"budget_cap": 5000.0, "fbt_inbound_capacity": 30.0}])
def test_the_plan_is_the_same_with_tiny_blocks_and_with_one(plan_shop, caps):  # noqa: F811
    """A block of one SKU, paths drawn one SKU at a time and kept nowhere, against one block of all:
    the same plan, orders, transfers, alerts and projection (ABC classes, budget cap and FBT capacity
    are decided across blocks)."""
    paths = build_paths()
    one_block = run(plan_shop, paths=paths, settings=PlanSettings(block_skus=10_000, **caps))
    assert len(one_block.orders) and len(one_block.transfers) and len(one_block.alerts)
    if caps:
        assert one_block.alerts["kind"].isin(["budget_cut", "fbt_capacity"]).any() or \
            one_block.orders["reason"].str.contains("budget cap").any()
    for blocks, source in [(1, paths), (1, chunked(paths, 1)), (3, chunked(paths, 2)), (10_000, chunked(paths, 3))]:
        plan = run(plan_shop, paths=source, settings=PlanSettings(block_skus=blocks, **caps))
        for name, frame in frames(plan).items():
            pd.testing.assert_frame_equal(frame, frames(one_block)[name], obj=f"{name} (blocks of {blocks})")


def test_the_evaluation_is_the_same_with_tiny_blocks_and_with_one(plan_shop):  # noqa: F811
    paths = build_paths()
    plan = run(plan_shop, paths=paths)
    inputs = Inputs(products=plan_shop["products"], suppliers=plan_shop["suppliers"],
                    inventory=plan_shop["inventory"], purchase_orders=plan_shop["purchase_orders"],
                    campaigns=plan_shop["campaigns"], bundles=plan_shop["bundles"])
    whole = evaluate_plan(plan, paths, inputs, PlanSettings(block_skus=10_000), TODAY)
    assert whole["lost_units"].sum() > 0 and whole["demand"].gt(0).all()
    blocked = evaluate_plan(plan, chunked(paths, 1), inputs, PlanSettings(block_skus=1), TODAY)
    pd.testing.assert_frame_equal(blocked, whole)


def test_a_demand_shock_changes_the_same_cells_chunked_or_whole():
    paths = build_paths()
    shocks = [(frozenset({"SERUM", "MASK"}), 1.5, pd.Timestamp(paths.start) + pd.Timedelta(days=3), None)]
    whole = shock_paths(paths, shocks)
    np.testing.assert_array_equal(shock_paths(chunked(paths, 1), shocks).values, whole.values)
    np.testing.assert_array_equal(whole.values[0, :, 3:], paths.values[0, :, 3:] * np.float32(1.5))
    np.testing.assert_array_equal(whole.values[0, :, :3], paths.values[0, :, :3])
    np.testing.assert_array_equal(whole.values[1], paths.values[1])
