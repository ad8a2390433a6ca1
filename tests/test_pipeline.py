"""The pipeline's own logic: per-SKU model choice from the backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models import get_model
from planner.pipeline import apply_model_choice
from tests.test_run import small_shop_template  # noqa: F401  (a 20-SKU shop from the generator)


def history_of(skus: list[str], days: int = 120, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2026-01-01", periods=days)
    rows = [pd.DataFrame({"sku": sku, "date": dates, "units": rng.poisson(3 + 2 * k, days).astype(float),
                          "censored": False}) for k, sku in enumerate(skus)]
    return pd.concat(rows, ignore_index=True)


def test_chosen_skus_get_their_models_paths_and_the_rest_keep_the_default():
    history = history_of(["A", "B", "C"])
    campaigns = pd.DataFrame(columns=["campaign_id", "type", "start", "end", "sku", "expected_viewers",
                                      "daily_budget", "discount_pct"])
    products = pd.DataFrame({"sku": ["A", "B", "C"], "category": ["x", "x", "y"]})
    base = get_model("moving_average").fit(history, campaigns, products).sample_paths(14, n_paths=30, seed=5)
    choice = pd.DataFrame({"sku": ["A", "B", "C", "GONE"], "model": ["moving_average", "seasonal_naive",
                                                                     "moving_average", "seasonal_naive"]})
    paths, models = apply_model_choice(base, "moving_average", choice, history, campaigns, products, 14, 30, 5)
    alone = get_model("seasonal_naive").fit(history[history["sku"] == "B"], campaigns, products).sample_paths(
        14, n_paths=30, seed=5)
    row = list(paths.skus).index("B")
    np.testing.assert_array_equal(paths.values[row], alone.values[0])
    for sku in ("A", "C"):
        i = list(paths.skus).index(sku)
        np.testing.assert_array_equal(paths.values[i], base.values[i])
    assert models.to_dict() == {"A": "moving_average", "B": "seasonal_naive", "C": "moving_average"}
    assert not np.array_equal(paths.values[row], base.values[row])     # the choice changed something


def test_every_forecast_of_the_shop_model_reads_the_last_backtests_choice(small_shop_template, tmp_path):  # noqa: F811
    """plan, report, scenarios and run all forecast through run_forecast: the choice is applied there."""
    import shutil

    from planner import pipeline
    from planner.importer import import_files
    from planner.shop import Shop

    shutil.copytree(small_shop_template, tmp_path / "shop")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    inputs = shop.inputs()
    history = pipeline.load_history(shop)
    sku = sorted(history["sku"].unique())[0]
    (shop.runs / "20261101T060000Z").mkdir(parents=True)
    pd.DataFrame({"sku": [sku], "model": ["seasonal_naive"], "reason": ["test"]}).to_csv(
        shop.runs / "20261101T060000Z" / "model_choice.csv", index=False)

    chosen = pipeline.run_forecast(shop, inputs, history, horizon=14, n_paths=20)
    models = chosen.forecast.drop_duplicates("sku").set_index("sku")["model"]
    assert models[sku] == "seasonal_naive" and (models.drop(sku) == "campaign").all()
    assert chosen.model_choice is not None
    named = pipeline.run_forecast(shop, inputs, history, model="campaign", horizon=14, n_paths=20)
    assert set(named.forecast["model"]) == {"campaign"} and named.model_choice is None


def test_backtest_windows_are_featured_when_a_campaign_falls_in_their_lead_time_and_review():
    """The service step judges past windows with the floors the plan would have set then: a window from
    origin o with lead time L covers days o .. o + L + R - 1."""
    from planner.plan.calibrate import windows_featured

    errors = pd.DataFrame({"sku": ["A", "A", "A", "B"], "lead_days": [10.0, 10.0, 10.0, 10.0],
                           "origin": pd.to_datetime(["2026-01-01", "2026-01-08", "2026-01-29", "2026-01-01"])})
    campaigns = pd.DataFrame({"campaign_id": ["LIVE"], "sku": ["A"], "start": [pd.Timestamp("2026-01-25 19:00")],
                              "end": [pd.Timestamp("2026-01-25 22:00")]})
    # 01-01: days 01-01 .. 01-17, before the live; 01-08: .. 01-24, the day before it; a week later it would
    # reach it; 01-29: after it; B is not featured
    assert windows_featured(errors, campaigns, 7).tolist() == [False, False, False, False]
    assert windows_featured(errors.assign(lead_days=11.0), campaigns, 7).tolist() == [False, True, False, False]
    assert windows_featured(errors, campaigns.iloc[:0], 7).tolist() == [False] * 4
    # A's supplier is 11 days late one time in ten (make_plan's campaign_reach_days): its 01-08 window may
    # reach the live; a reach shorter than the window's own lead days changes nothing
    reach = pd.Series({"A": 11, "B": 30})
    assert windows_featured(errors, campaigns, 7, reach).tolist() == [False, True, False, False]
    assert windows_featured(errors, campaigns, 7, pd.Series({"A": 5})).tolist() == [False] * 4



def test_windows_featured_agree_with_checking_each_window_against_each_campaign():
    """windows_featured counts campaign days per SKU and day (one pass over the windows): a window is
    featured exactly when one of its SKU's campaigns overlaps its days, as a loop over the pairs finds,
    for campaigns of part days, running over midnight, without an end, and windows without a lead time."""
    from forecast.features import campaign_last_day
    from planner.plan.calibrate import windows_featured

    rng = np.random.default_rng(11)
    for _ in range(30):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 20))
        skus = ["A", "B", "C", "D"]
        errors = pd.DataFrame({"sku": rng.choice(skus, n), "lead_days": rng.choice([0.0, 4.0, 9.5, 20.0, np.nan], n),
                               "origin": pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")})
        start = pd.Timestamp("2025-05-20") + pd.to_timedelta(rng.integers(0, 150 * 86400, m), unit="s")
        end = (start + pd.to_timedelta(rng.integers(-3600, 4 * 86400, m), unit="s")).where(rng.uniform(size=m) > 0.2)
        campaigns = pd.DataFrame({"sku": rng.choice(skus + ["Z"], m), "start": start, "end": end})
        last_day = campaign_last_day(campaigns["start"], campaigns["end"])
        expected = []
        for row in errors.itertuples():
            if np.isnan(row.lead_days):
                expected.append(False)
                continue
            last = row.origin + pd.Timedelta(days=np.ceil(row.lead_days) + 7 - 1)
            expected.append(bool(((campaigns["sku"] == row.sku) & (campaigns["start"].dt.normalize() <= last)
                                  & (last_day >= row.origin)).any()))
        assert windows_featured(errors, campaigns, 7).tolist() == expected

def test_the_library_entry_point_plans_the_levels_restock_plan_plans(small_shop_template, tmp_path):  # noqa: F811
    """plan_from_history, given the shop's history, tables, campaign calendar and settings, sets the levels
    and orders `restock plan` writes to plan.csv and orders.csv: one plan, whichever door it is asked by."""
    import shutil

    from click.testing import CliRunner

    from planner import pipeline
    from planner.cli import main
    from planner.importer import import_files
    from planner.plan.replenish import Supply, plan_from_history
    from planner.shop import Shop

    shutil.copytree(small_shop_template, tmp_path / "shop")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--shop", str(shop.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "plan.csv", dtype={"sku": str})

    inputs, history = shop.inputs(), pipeline.load_history(shop)
    supply = Supply(inputs.products, inputs.suppliers, inputs.inventory, inputs.purchase_orders, inputs.bundles)
    plan = plan_from_history(history, inputs.products, supply=supply, settings=pipeline.plan_settings(shop.config),
                             campaigns=pipeline.campaign_rows(inputs, history), model=shop.config.planning.model,
                             model_params={"market": shop.config.shop.market},
                             today=pipeline.plan_today(inputs, history))
    mine = plan.plan[["sku", "reorder_point", "order_up_to", "order_quantity"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, written[mine.columns].reset_index(drop=True), check_dtype=False)
    assert mine["order_quantity"].sum() > 0


def test_the_backtest_judges_the_model_the_forecast_plans_with_the_shops_calendar(small_shop_template, tmp_path,  # noqa: F811
                                                                                   monkeypatch):
    """The backtest that calibrates the plan fits the shop's model with the shop's market and calendar
    switches, as the forecast does (before, it fitted the engine with its defaults: no market holidays)."""
    import shutil

    from planner import pipeline
    from planner.importer import import_files
    from planner.shop import Shop

    shutil.copytree(small_shop_template, tmp_path / "shop")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    inputs = shop.inputs()
    built = []
    real = pipeline.get_model
    monkeypatch.setattr(pipeline, "get_model", lambda name, **params: built.append((name, params)) or real(name, **params))
    pipeline.run_forecast(shop, inputs, horizon=14, n_paths=20)
    pipeline.run_backtest(shop, inputs, ["campaign", "seasonal_naive"], horizon=14, n_cutoffs=1, n_paths=20)
    expected = pipeline.model_calendar(shop.config, "campaign")
    assert expected["market"] == shop.config.shop.market and "mega_sales" in expected
    campaign_builds = [params for name, params in built if name == "campaign"]
    assert len(campaign_builds) == 2 and all(params == expected for params in campaign_builds)
    assert [params for name, params in built if name == "seasonal_naive"] == [{}]  # a model without a calendar
