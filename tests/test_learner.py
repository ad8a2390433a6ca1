"""The global learner (forecast.models.learner): its rows read nothing after their origin, it learns
campaign days across SKUs, and without LightGBM it says how to get it while the rest of restock works."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from forecast.models import get_model
from forecast.models.learner import ModelUnavailable
from forecast.models.learner.features import Matrices, training_grid
from tests.test_models_contract import HORIZON, LAST_DAY, N_PATHS, make_shop
from tests.test_run import small_shop as run_shop, small_shop_template  # noqa: F401  (a 20-SKU generated shop)

pytest.importorskip("lightgbm")


@pytest.fixture(scope="module")
def small_shop():
    return make_shop()


def matrices_of(units: np.ndarray, campaigns=None, events=None) -> Matrices:
    dates = pd.date_range("2026-01-05", periods=units.shape[1], freq="D")
    skus = np.array([f"S{i}" for i in range(len(units))], dtype=object)
    return Matrices(units, skus, dates, 100, campaigns, events, np.zeros(len(units), dtype=int), ("payday",), None)


def test_a_rows_features_read_nothing_after_its_origin():
    rng = np.random.default_rng(3)
    units = rng.poisson(5, (4, 400)).astype(float)
    units[1, 100:130] = np.nan  # a censored spell
    sku, origin, ahead = np.repeat(np.arange(4), 3), np.tile([150, 300, 399], 4), np.tile([1, 40, 90], 4)
    before = matrices_of(units).rows(sku, origin, ahead).features
    for o in (150, 300):
        changed = units.copy()
        changed[:, o + 1:] = rng.poisson(50, changed[:, o + 1:].shape)  # the future: very different
        after = matrices_of(changed).rows(sku, origin, ahead).features
        rows = origin == o
        np.testing.assert_array_equal(after[rows], before[rows])


def test_training_rows_end_before_the_holdout_and_predict_after_their_origin():
    sku, origin, ahead = training_grid(n_sku=3, n_history=400, holdout_days=28, max_ahead=91, step=7, n_origins=52,
                                       min_days=29)
    target = origin + ahead
    assert target.max() == 400 - 1 - 28
    assert (ahead >= 1).all() and (ahead <= 91).all()
    assert origin.min() >= 27
    assert set(np.unique(sku)) == {0, 1, 2}


def test_learns_planned_campaign_days_and_ignores_censored_zeros(small_shop):
    history, campaigns = small_shop
    model = get_model("learner").fit(history, campaigns)
    forecast = model.predict(HORIZON, n_paths=N_PATHS)
    steady = forecast[forecast["sku"] == "steady"].set_index("date")["mean"]
    live = LAST_DAY + pd.Timedelta(days=5)
    # 3x in truth; pooled over five SKUs of which one ever had a livestream, the trees learn it in part
    assert steady[live] > 1.5 * steady[live + pd.Timedelta(days=7)]
    # the stockout SKU sold ~12 a day before ten censored zeros: read as zeros, the forecast would sink
    assert forecast.loc[forecast["sku"] == "stockout", "mean"].mean() > 8
    assert 0 < model.rounds_ <= model.max_rounds and model.training_rows_ > 0


def test_the_paths_are_as_wide_as_the_holdout_errors(small_shop):
    history, _ = small_shop
    model = get_model("learner").fit(history)
    # the sparse SKU (sizes 1-6 on 10 % of days) is far more dispersed than a Poisson count, the steady one barely
    phi = dict(zip(model.skus_, model.dispersion_))
    assert phi["sparse"] > 5 * phi["steady"]
    paths = model.sample_paths(HORIZON, n_paths=400, seed=1)
    forecast = model.predict(HORIZON, n_paths=400, seed=1)
    np.testing.assert_allclose(paths.values.mean(axis=1).reshape(-1), forecast["mean"], rtol=1e-5)


def test_fitted_for_a_few_skus_the_learner_still_learns_from_all(small_shop):
    from planner.pipeline import apply_model_choice

    history, campaigns = small_shop
    base = get_model("moving_average").fit(history, campaigns).sample_paths(HORIZON, n_paths=30, seed=5)
    choice = pd.DataFrame({"sku": ["steady", "slow"], "model": ["learner", "moving_average"]})
    paths, models = apply_model_choice(base, "moving_average", choice, history, campaigns, None, HORIZON, 30, 5)
    everyone = get_model("learner").fit(history, campaigns).sample_paths(HORIZON, n_paths=30, seed=5)
    row = list(paths.skus).index("steady")
    np.testing.assert_array_equal(paths.values[row], everyone.values[list(everyone.skus).index("steady")])
    assert models["steady"] == "learner" and models["slow"] == "moving_average"


@pytest.fixture
def without_lightgbm(monkeypatch):
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # import lightgbm now raises ImportError


def test_without_lightgbm_the_learner_says_how_to_install_it(without_lightgbm, small_shop):
    history, campaigns = small_shop
    with pytest.raises(ModelUnavailable, match=r"needs LightGBM, which is not installed: pip install 'restock\[learner\]'"):
        get_model("learner").fit(history, campaigns)
    assert get_model("campaign").fit(history, campaigns).predict(HORIZON, n_paths=N_PATHS)["mean"].gt(0).any()


def test_without_lightgbm_the_cli_names_the_option_and_plans_keep_the_default(without_lightgbm, small_shop, monkeypatch):
    from planner import pipeline
    from planner.errors import ConfigError
    from planner.pipeline import apply_model_choice, known_model

    warned = []  # read off the logger itself: a run earlier in the session may stop it propagating to caplog
    monkeypatch.setattr(pipeline.log, "warning", lambda message, *args: warned.append(message % args))

    with pytest.raises(ConfigError, match=r"^--model: the 'learner' model needs LightGBM"):
        known_model("learner", "--model")
    history, campaigns = small_shop
    base = get_model("moving_average").fit(history, campaigns).sample_paths(HORIZON, n_paths=30, seed=5)
    choice = pd.DataFrame({"sku": ["steady"], "model": ["learner"]})
    paths, models = apply_model_choice(base, "moving_average", choice, history, campaigns, None, HORIZON, 30, 5)
    np.testing.assert_array_equal(paths.values, base.values)
    assert (models == "moving_average").all()
    assert any("keep moving_average although the backtest chose learner" in line for line in warned)


def with_planning(shop_root, line: str) -> None:
    path = shop_root / "shop.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[planning]\n", f"[planning]\n{line}\n", 1), encoding="utf-8")


@pytest.mark.slow
def test_restock_run_backtests_the_learner_and_plans_each_sku_with_its_choice(run_shop):
    """shop.toml planning.backtest_models adds the learner to the run's backtest; the forecast the run
    writes uses, per SKU, the model its backtest chose."""
    from tests.test_run import run_cli

    with_planning(run_shop.root, 'backtest_models = ["learner"]')
    result = run_cli(run_shop, "--backtest")
    assert result.exit_code == 0, result.output
    run = run_shop.root / "runs" / "latest"
    metrics = pd.read_csv(run / "backtest_metrics.csv")
    assert "learner" in set(metrics["model"])
    choice = pd.read_csv(run / "model_choice.csv", dtype={"sku": str}).set_index("sku")["model"]
    forecast = pd.read_csv(run / "forecast.csv", dtype={"sku": str}).drop_duplicates("sku").set_index("sku")["model"]
    assert forecast.reindex(choice.index).fillna("campaign").to_dict() == choice.to_dict()


def test_a_shop_asking_for_the_learner_without_lightgbm_is_told_how_to_get_it(without_lightgbm, run_shop):
    from tests.test_run import run_cli

    with_planning(run_shop.root, 'backtest_models = ["learner"]')
    result = run_cli(run_shop, "--backtest")
    assert result.exit_code == 2
    assert "shop.toml 'planning.backtest_models': the 'learner' model needs LightGBM" in result.output
