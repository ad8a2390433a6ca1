"""What-if scenarios: the example files load, change what they claim, and bad files are refused by name."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner import pipeline
from planner import scenarios as S
from planner.errors import ConfigError
from planner.importer import import_files
from planner.plan import supply_terms
from planner.shop import Shop, init_shop
from tests.conftest import REPO

EXAMPLES = REPO / "scenarios"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The sample shop imported and forecast once: (shop, inputs, forecast result, plan)."""
    shop = init_shop(tmp_path_factory.mktemp("sample") / "shop", sample=True)
    import_files(shop, sorted(shop.inbox.iterdir()))
    shop = Shop.open(shop.root)
    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs)
    return shop, inputs, result, pipeline.run_plan(shop, inputs, result)


@pytest.fixture(scope="module")
def runs(sample_run):
    """Every example scenario planned: name -> (inputs, forecast result, plan, evaluation)."""
    shop, inputs, result, _ = sample_run
    return {path.stem: S.run_scenario(shop, inputs, result, S.load_scenario(path)) for path in sorted(EXAMPLES.glob("*.yaml"))}


def _supplier_of(inputs, plan_frame: pd.DataFrame) -> pd.Series:
    return plan_frame["sku"].map(inputs.products.set_index("sku")["supplier"])


def test_every_example_loads():
    names = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    assert names == ["baseline", "cancel_mega_sale", "cash_cap", "livestream_3x", "supplier_delay_14d"]
    for path in EXAMPLES.glob("*.yaml"):
        scenario = S.load_scenario(path)
        assert scenario.name and scenario.source == path.name


def test_baseline_changes_nothing(sample_run, runs):
    _, _, result, plan = sample_run
    _, base_result, base_plan, _ = runs["baseline"]
    assert base_result is result
    pd.testing.assert_frame_equal(base_plan.orders, plan.orders)


def test_supplier_delay_moves_order_by_dates_14_days_earlier(sample_run, runs):
    shop, _, result, _ = sample_run
    supplier = S.load_scenario(EXAMPLES / "supplier_delay_14d.yaml").changes[0].params["supplier"]
    base_inputs, _, base, _ = runs["baseline"]
    late_inputs, _, late, _ = runs["supplier_delay_14d"]
    settings = pipeline.plan_settings(shop.config)
    before = S.campaign_order_by(base_inputs, settings, result.campaigns, result.today)
    after = S.campaign_order_by(late_inputs, settings, result.campaigns, result.today)
    theirs = before["supplier"] == supplier
    assert theirs.any() and (~theirs).any()
    assert (before.loc[theirs, "order_by"] - after.loc[theirs, "order_by"] == pd.Timedelta(days=14)).all()
    assert (before.loc[~theirs, "order_by"] == after.loc[~theirs, "order_by"]).all()
    # its open purchase orders arrive 14 days late too (open_orders: true); the others as planned
    po_before, po_after = base_inputs.purchase_orders, late_inputs.purchase_orders
    theirs_po = po_before["supplier"] == supplier
    assert theirs_po.any()
    shift = po_after["expected_arrival"] - po_before["expected_arrival"]
    assert (shift[theirs_po] == pd.Timedelta(days=14)).all() and (shift[~theirs_po] == pd.Timedelta(0)).all()
    # what is ordered today from that supplier lands 14 days later than its usual lead time
    lead = supply_terms(base_inputs.products, base_inputs.suppliers, settings).set_index("sku")["lead_time_days"]
    orders = late.orders[late.orders["supplier"] == supplier]
    transit = (orders["expected_arrival"] - orders["order_by"]).dt.days
    assert (transit == (lead.reindex(orders["sku"]).round().to_numpy() + 14)).all()
    # the other suppliers' lines keep their dates; with every SKU planned on its own they are unchanged.
    # Class-wide (the default) a class's fill rate is kept over all its SKUs (planner.allocation), so the
    # delayed SKUs' longer lead time can move another SKU's level by a unit, and its line with it
    shared = base.orders.merge(late.orders, on=["sku", "supplier"], suffixes=("", "_late"))
    shared = shared[shared["supplier"] != supplier]
    assert len(shared) and (shared["order_by"] == shared["order_by_late"]).all()
    own = replace(settings, fill_rate_scope="sku")
    base_own = S.run_scenario(shop, base_inputs, result, S.load_scenario(EXAMPLES / "baseline.yaml"), own)[2]
    late_own = S.run_scenario(shop, base_inputs, result, S.load_scenario(EXAMPLES / "supplier_delay_14d.yaml"), own)[2]
    others = base_own.orders[base_own.orders["supplier"] != supplier].drop(columns="reason")
    pd.testing.assert_frame_equal(others.reset_index(drop=True),
                                  late_own.orders[late_own.orders["supplier"] != supplier].drop(columns="reason").reset_index(drop=True))


def _example_cap() -> float:
    return S.load_scenario(EXAMPLES / "cash_cap.yaml").changes[0].params["cap"]


def test_cash_cap_keeps_purchases_under_the_cap(runs):
    cap = _example_cap()
    _, _, base, _ = runs["baseline"]
    _, _, capped, _ = runs["cash_cap"]
    assert base.orders["value"].sum() > cap  # otherwise the example proves nothing
    assert 0 < capped.orders["value"].sum() <= cap
    assert (capped.alerts["kind"] == "budget_cut").any() or len(capped.orders) < len(base.orders)


def test_livestream_3x_triples_the_uplift_on_the_featured_skus(sample_run, runs):
    _, inputs, result, _ = sample_run
    campaign = S.load_scenario(EXAMPLES / "livestream_3x.yaml").changes[0].params["campaign"]
    featured = inputs.campaigns.set_index("campaign_id").loc[campaign, "skus"].split(";")
    components = result.model.components(result.paths.horizon)
    day = components[(components["campaign_id"] == campaign) & components["sku"].isin(featured)]
    assert len(day) == len(featured)
    base_uplift = day.set_index("sku")["uplift_units"]
    _, scenario_result, _, _ = runs["livestream_3x"]
    # the scenario's paths: mean over the paths on that day, per featured SKU, against the baseline paths
    date = pd.Timestamp(day["date"].iloc[0])
    t = (date - pd.Timestamp(result.paths.start)).days
    rows = [list(map(str, result.paths.skus)).index(s) for s in featured]
    base_mean = result.paths.values[rows, :, t].mean(axis=1)
    new_mean = scenario_result.paths.values[rows, :, t].mean(axis=1)
    extra = (new_mean - base_mean).sum()
    expected = 2 * base_uplift.reindex(featured).sum()  # 3x the uplift = 2x more on top
    assert extra == pytest.approx(expected, rel=0.35)
    scaled = result.model.components(result.paths.horizon, uplift_scale={campaign: 3})
    scaled = scaled[(scaled["campaign_id"] == campaign) & scaled["sku"].isin(featured)].set_index("sku")["uplift_units"]
    np.testing.assert_allclose(scaled.reindex(featured), 3 * base_uplift.reindex(featured), rtol=1e-4)
    # nothing else moves: SKUs and days away from the live keep their draws
    others = np.ones(result.paths.values.shape[0], dtype=bool)
    others[rows] = False
    np.testing.assert_array_equal(scenario_result.paths.values[others], result.paths.values[others])


def test_cancel_mega_sale_removes_its_uplift(sample_run, runs):
    _, inputs, result, _ = sample_run
    campaign = S.load_scenario(EXAMPLES / "cancel_mega_sale.yaml").changes[0].params["campaign"]
    day = inputs.campaigns.set_index("campaign_id").loc[campaign, "start"].normalize()
    s_inputs, s_result, s_plan, _ = runs["cancel_mega_sale"]
    assert campaign not in set(s_inputs.campaigns["campaign_id"])
    assert campaign not in set(s_result.campaigns["campaign_id"])
    assert campaign in set(inputs.campaigns["campaign_id"])  # the caller's inputs are untouched
    t = (day - pd.Timestamp(result.paths.start)).days
    base_day = result.paths.values[:, :, t].mean(axis=1).sum()
    new_day = s_result.paths.values[:, :, t].mean(axis=1).sum()
    components = result.model.components(result.paths.horizon)
    on_day = components[components["date"] == day]
    uplift = on_day.loc[on_day["campaign_id"] == campaign, "uplift_units"].sum()
    assert uplift > 0
    assert base_day - new_day == pytest.approx(uplift, rel=0.25)
    assert not s_plan.orders["reason"].str.contains(campaign).any()


def test_compare_scenarios_one_row_each_with_differences(sample_run):
    shop, inputs, result, _ = sample_run
    scenarios = [S.load_scenario(EXAMPLES / "baseline.yaml"), S.load_scenario(EXAMPLES / "cash_cap.yaml")]
    table = S.compare_scenarios(shop, inputs, result, scenarios)
    assert list(table["scenario"]) == [s.name for s in scenarios]
    for metric in S.COMPARISON_METRICS:
        assert table.loc[0, f"{metric}_vs_baseline"] == 0
    assert table.loc[1, "purchase_value"] <= _example_cap()
    assert table.loc[1, "purchase_value_vs_baseline"] < 0
    assert 0 < table.loc[0, "fill_rate"] <= 1


def test_supply_only_scenario_keeps_the_forecast(sample_run):
    _, inputs, result, _ = sample_run
    scenario = S.parse_scenario({"name": "x", "changes": [{"service_level": 0.9}, {"unit_cost": {"supplier": "all", "pct": 10}}]})
    s_inputs, settings, changes = S.apply_scenario(scenario, inputs, pipeline.plan_settings(Shop.open(REPO / "data" / "sample_shop").config))
    assert changes.empty and S.scenario_forecast(result, s_inputs, changes) is result
    assert settings.service_level == 0.9 and settings.class_service_levels == {}
    np.testing.assert_allclose(s_inputs.products["unit_cost"], inputs.products["unit_cost"] * 1.1)


def test_demand_shock_scales_the_category(sample_run):
    _, inputs, result, _ = sample_run
    scenario = S.parse_scenario({"name": "x", "changes": [{"demand_shock": {"category": "beauty", "pct": -20}}]})
    s_inputs, _, changes = S.apply_scenario(scenario, inputs, pipeline.plan_settings(Shop.open(REPO / "data" / "sample_shop").config))
    shocked = S.scenario_forecast(result, s_inputs, changes).paths.values
    beauty = set(inputs.products.loc[inputs.products["category"] == "beauty", "sku"])
    rows = np.array([s in beauty for s in map(str, result.paths.skus)])
    np.testing.assert_allclose(shocked[rows], result.paths.values[rows] * 0.8, rtol=1e-6)
    np.testing.assert_array_equal(shocked[~rows], result.paths.values[~rows])


def test_move_and_add_campaign(sample_run):
    shop, inputs, result, _ = sample_run
    featured = inputs.campaigns.set_index("campaign_id").loc["LIVE-CR-2027-01-15", "skus"].split(";")[:2]
    scenario = S.parse_scenario({"name": "x", "changes": [
        {"move_campaign": {"campaign": "LIVE-CR-2027-01-15", "days": 7}},
        {"add_campaign": {"campaign_id": "LIVE-NEW", "type": "livestream_creator", "start": "2027-01-10 20:00",
                          "end": "2027-01-10 23:00", "skus": featured, "expected_viewers": 100000}},
    ]})
    s_inputs, settings, changes = S.apply_scenario(scenario, inputs, pipeline.plan_settings(shop.config))
    moved = s_inputs.campaigns.set_index("campaign_id").loc["LIVE-CR-2027-01-15", "start"]
    assert moved == pd.Timestamp("2027-01-22 20:00")
    s_result = S.scenario_forecast(result, s_inputs, changes)
    assert {"LIVE-NEW"} <= set(s_result.campaigns["campaign_id"])
    parts = result.model.components(result.paths.horizon, campaigns=s_result.campaigns)
    assert set(parts.loc[parts["date"] == pd.Timestamp("2027-01-10"), "campaign_id"]) >= {"LIVE-NEW"}
    pipeline.run_plan(shop, s_inputs, s_result, settings)  # plans without error


@pytest.mark.parametrize("document, key, allowed", [
    ({"name": "x", "chagnes": []}, "chagnes", "name, description, changes"),
    ({"name": "x", "changes": [{"supplier_dleay": {"supplier": "all", "days": 3}}]}, "changes[0].supplier_dleay", "supplier_delay"),
    ({"name": "x", "changes": [{"supplier_delay": {"supplier": "all", "dyas": 3}}]}, "changes[0].supplier_delay.dyas", "supplier, days"),
    ({"name": "x", "changes": [{"service_level": 1.5}]}, "changes[0].service_level", "> 0 and < 1"),
    ({"name": "x", "changes": [{"service_level": {"D": 0.9}}]}, "changes[0].service_level.D", "A, B, C"),
    ({"name": "x", "changes": [{"budget_cap": "lots"}]}, "changes[0].budget_cap", "not a number"),
    ({"name": "x", "changes": [{"add_campaign": {"campaign_id": "N", "type": "party", "start": "2027-01-01",
                                                 "end": "2027-01-02", "skus": "all"}}]}, "changes[0].add_campaign.type", "livestream_own"),
])
def test_bad_scenario_file_names_file_key_and_allowed(tmp_path, document, key, allowed):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        S.load_scenario(path)
    message = str(error.value)
    assert message.startswith(f"bad.yaml: {key}: "), message
    assert allowed in message


@pytest.mark.parametrize("change, key, allowed", [
    ({"cancel_campaign": "MEGA-13.13-2026"}, "changes[0].cancel_campaign", "MEGA-12.12-2026"),
    ({"supplier_delay": {"supplier": "Acme", "days": 3}}, "changes[0].supplier_delay.supplier", "Shenzhen Gadget Hub"),
    ({"demand_shock": {"category": "toys", "pct": 10}}, "changes[0].demand_shock.category", "beauty"),
    ({"campaign_uplift": {"campaign": "LIVE-XX", "scale": 2}}, "changes[0].campaign_uplift.campaign", "MEGA-12.12-2026"),
])
def test_unknown_names_are_refused_against_the_shop(change, key, allowed):
    shop = Shop.open(REPO / "data" / "sample_shop")
    inputs = shop.inputs()
    scenario = S.parse_scenario({"name": "x", "changes": [change]}, "what_if.yaml")
    with pytest.raises(ConfigError) as error:
        S.apply_scenario(scenario, inputs, pipeline.plan_settings(shop.config))
    assert str(error.value).startswith(f"what_if.yaml: {key}: "), str(error.value)
    assert allowed in str(error.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nchanges:\n  - budget_cap: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^broken.yaml: line \d+: not valid YAML"):
        S.load_scenario(path)


def test_a_campaign_after_the_orders_window_is_named_not_shown_as_no_effect(sample_run):
    """The example live (15 January) starts after the days this plan's orders cover, and its order-by
    date is after the next review: the comparison cannot move, and its note says why and when."""
    shop, inputs, result, _ = sample_run
    scenarios = [S.load_scenario(EXAMPLES / "baseline.yaml"), S.load_scenario(EXAMPLES / "livestream_3x.yaml")]
    table = S.compare_scenarios(shop, inputs, result, scenarios)
    campaign = scenarios[1].changes[0].params["campaign"]
    assert table.loc[0, "note"] == ""
    assert table.loc[1, "purchase_value_vs_baseline"] == 0
    note = table.loc[1, "note"]
    assert note.startswith(f"{campaign} starts 15 Jan 2027, after the days this plan's orders cover (to ")
    order_by = pd.Timestamp(note.split("ordered by ")[1].split(",")[0])
    assert order_by >= pd.Timestamp(result.today).normalize() + pd.Timedelta(days=7)
    # a campaign inside the window gets no note: move the live to the plan's first week
    moved = S.parse_scenario({"name": "live next week", "changes": [
        {"campaign_uplift": {"campaign": campaign, "scale": 3}},
        {"move_campaign": {"campaign": campaign, "days": -((pd.Timestamp("2027-01-15") - pd.Timestamp(result.today)).days - 3)}}]})
    assert S.compare_scenarios(shop, inputs, result, [moved]).loc[0, "note"] == ""


def test_scenarios_command_prints_the_comparison_and_the_note(sample_run):
    from click.testing import CliRunner

    from planner.cli import main

    shop = sample_run[0]
    outcome = CliRunner().invoke(main, ["scenarios", "--shop", str(shop.root), str(EXAMPLES / "livestream_3x.yaml")])
    assert outcome.exit_code == 0, outcome.output
    assert "Creator live sells 3x" in outcome.output
    assert "after the days this plan's orders cover" in outcome.output
