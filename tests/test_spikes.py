"""Campaign discovery (forecast.spikes): planted spikes are found, what the calendars explain is not
listed, lumpy demand is not flooded, and the engine keeps the spikes out of its level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models import get_model
from forecast.spikes import spike_summary, spikes_as_campaigns, unexplained_spikes
from planner.io.checks import unexplained_spikes_warning

START = pd.Timestamp("2025-01-06")


def steady_history(n_skus: int = 12, days: int = 240, mean: float = 6.0, seed: int = 0) -> pd.DataFrame:
    """Poisson-gamma daily demand (dispersion 0.1) around ``mean`` for SKUs S00, S01, ..."""
    rng = np.random.default_rng(seed)
    units = rng.poisson(mean * rng.gamma(10.0, 0.1, size=(n_skus, days)))
    return pd.DataFrame({
        "sku": np.repeat([f"S{i:02d}" for i in range(n_skus)], days),
        "date": np.tile(pd.date_range(START, periods=days).values, n_skus),
        "units": units.reshape(-1).astype(float), "censored": False,
    })


def plant(history: pd.DataFrame, sku: str, day: str, units: float) -> pd.DataFrame:
    out = history.copy()
    out.loc[(out["sku"] == sku) & (out["date"] == pd.Timestamp(day)), "units"] = units
    return out


def test_planted_spikes_are_found_one_candidate_per_day():
    history = plant(steady_history(), "S03", "2025-04-02", 60)
    for sku in ("S05", "S06", "S07", "S08"):  # an unlogged push featuring four SKUs on one day
        history = plant(history, sku, "2025-06-11", 40)
    spikes = unexplained_spikes(history)
    summary = spike_summary(spikes).set_index("spike_id")
    assert list(summary.index) == ["spike-2025-04-02", "spike-2025-06-11"]
    assert summary.loc["spike-2025-04-02", "sku_list"] == "S03"
    assert summary.loc["spike-2025-06-11", "skus"] == 4
    one = spikes[spikes["sku"] == "S03"].iloc[0]
    assert one["units"] == 60 and 4 < one["baseline"] < 8  # sized against the SKU's usual ~6 a day
    assert one["multiple"] == pytest.approx(60 / one["baseline"])


def test_a_spike_on_consecutive_days_is_one_candidate():
    history = plant(plant(steady_history(), "S02", "2025-05-05", 50), "S02", "2025-05-06", 45)
    assert spike_summary(unexplained_spikes(history))["spike_id"].tolist() == ["spike-2025-05-05"]


def test_campaign_event_and_holiday_days_are_not_listed():
    history = plant(plant(plant(steady_history(), "S01", "2025-03-10", 60), "S02", "2025-04-14", 60), "S03", "2025-05-20", 60)
    campaigns = pd.DataFrame({"campaign_id": ["LIVE-1"], "type": ["livestream_own"], "sku": ["S01"],
                              "start": [pd.Timestamp("2025-03-10 19:00")], "end": [pd.Timestamp("2025-03-10 22:00")]})
    events = pd.DataFrame({"start": [pd.Timestamp("2025-05-20")], "end": [pd.Timestamp("2025-05-20")],
                           "name": ["payday"], "type": ["payday"]})
    assert set(unexplained_spikes(history)["sku"]) == {"S01", "S02", "S03"}
    # 2025-04-14 is Songkran, a Thai public holiday
    assert unexplained_spikes(history, campaigns, events, market="TH").empty


def test_lumpy_intermittent_demand_is_not_flooded():
    """Wholesale-like SKUs: an order one day in eight, of 1 to 60 units: big orders are their demand."""
    rng = np.random.default_rng(4)
    n_skus, days = 40, 365
    orders = rng.random((n_skus, days)) < 0.12
    sizes = rng.negative_binomial(1, 1 / 12, size=(n_skus, days)) + 1
    history = pd.DataFrame({
        "sku": np.repeat([f"W{i:02d}" for i in range(n_skus)], days),
        "date": np.tile(pd.date_range(START, periods=days).values, n_skus),
        "units": (orders * sizes).reshape(-1).astype(float), "censored": False,
    })
    spikes = unexplained_spikes(history)
    assert spikes["spike_id"].nunique() <= 2  # 40 SKU-years, 14,600 SKU-days


def test_sold_out_days_are_not_judged():
    history = plant(steady_history(), "S04", "2025-04-02", 60)
    history.loc[(history["sku"] == "S04") & (history["date"] == pd.Timestamp("2025-04-02")), "censored"] = True
    assert unexplained_spikes(history).empty


def test_spikes_become_campaigns_of_type_other():
    history = plant(plant(steady_history(), "S02", "2025-05-05", 50), "S02", "2025-05-06", 45)
    campaigns = spikes_as_campaigns(unexplained_spikes(history))
    assert campaigns.to_dict("records") == [{"campaign_id": "spike-2025-05-05", "type": "other", "sku": "S02",
                                             "start": pd.Timestamp("2025-05-05"), "end": pd.Timestamp("2025-05-07")}]


def test_the_engine_keeps_a_spike_out_of_its_level():
    """A livestream nobody logged, three days before the end: without discovery the level jumps."""
    history = steady_history(n_skus=4, days=200, mean=6.0)
    history = plant(history, "S01", str((START + pd.Timedelta(days=197)).date()), 90)
    on = get_model("campaign", yearly=False).fit(history)
    off = get_model("campaign", yearly=False, discover_spikes=False).fit(history)
    row = list(on.skus_).index("S01")
    assert on.spikes_["sku"].tolist() == ["S01"]
    assert off.spikes_ is None
    assert abs(on.level_[row] - 6.0) < abs(off.level_[row] - 6.0)
    assert on.level_[row] < 7.0


def test_warning_lists_the_candidates_largest_first():
    history = plant(steady_history(), "S03", "2025-04-02", 40)
    for sku in ("S05", "S06", "S07"):
        history = plant(history, sku, "2025-06-11", 60)
    [warning] = unexplained_spikes_warning(unexplained_spikes(history))
    assert warning.startswith("2 sales spike(s) that no campaign, event or holiday explains")
    assert warning.index("2025-06-11 3 SKUs (S0") < warning.index("2025-04-02 S03 (40 units")
    assert "(180 units, " in warning
    assert "campaigns.csv" in warning
    assert unexplained_spikes_warning(unexplained_spikes(steady_history())) == []


def test_restock_check_lists_an_unlogged_campaign(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main

    runner = CliRunner()
    root = tmp_path / "shop"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    sales = plant(steady_history(n_skus=6, days=120), "S03", "2025-03-20", 60)
    sales[sales["units"] > 0][["sku", "date", "units"]].to_csv(tmp_path / "sales.csv", index=False)
    imported = runner.invoke(main, ["import", "--shop", str(root), str(tmp_path / "sales.csv")])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(main, ["check", "--shop", str(root)])
    assert result.exit_code == 0, result.output
    assert "Warning: 1 sales spike(s) that no campaign, event or holiday explains" in result.output
    assert "2025-03-20 S03 (60 units, " in result.output
