"""Campaign and holiday features: which days a campaign marks, intensities, run-up / hangover windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.features import (
    CAMPAIGN_FEATURE_COLUMNS, HOLIDAY_FEATURE_COLUMNS, campaign_days, campaign_features, campaign_last_day, campaign_matrices,
    holiday_features, mega_sale_dates,
)

DATES = pd.date_range("2026-03-01", "2026-03-14")


def calendar(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["campaign_id", "type", "start", "end", "sku", "expected_viewers", "daily_budget"])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["discount_pct"] = np.nan
    return frame


def featured_days(features: pd.DataFrame, sku: str, column: str) -> list[str]:
    rows = features[(features["sku"] == sku) & (features[column] > 0)]
    return [d.strftime("%m-%d") for d in rows["date"]]


def test_a_three_hour_livestream_marks_its_day_and_only_that_day():
    live = calendar(("L1", "livestream_own", "2026-03-05 19:00", "2026-03-05 22:00", "A", 20000, np.nan))
    features = campaign_features(live, ["A", "B"], DATES)
    assert featured_days(features, "A", "livestream_own") == ["03-05"]
    assert featured_days(features, "B", "any_campaign") == []
    day = features[(features["sku"] == "A") & (features["date"] == "2026-03-05")].iloc[0]
    assert day["campaign_hours"] == pytest.approx(3.0)
    assert day["log_viewers"] == pytest.approx(np.log1p(20000))


def test_an_ad_marks_each_day_it_runs_with_its_budget():
    # half-open: ending at midnight of the 8th, the ad runs the 4th to the 7th
    ad = calendar(("AD1", "ad", "2026-03-04 00:00", "2026-03-08 00:00", "A", np.nan, 300.0))
    features = campaign_features(ad, ["A"], DATES)
    assert featured_days(features, "A", "ad") == ["03-04", "03-05", "03-06", "03-07"]
    assert features.loc[features["ad"] > 0, "log_budget"].tolist() == pytest.approx([np.log1p(300.0)] * 4)


def test_a_livestream_past_midnight_marks_both_days():
    live = calendar(("L2", "livestream_creator", "2026-03-05 22:00", "2026-03-06 01:00", "A", np.nan, np.nan))
    days = campaign_days(live)
    assert [d.strftime("%m-%d") for d in days["date"]] == ["03-05", "03-06"]
    assert days["hours"].tolist() == pytest.approx([2.0, 1.0])


def test_the_last_campaign_day_is_the_one_campaign_days_marks_last():
    """The planner reads campaign windows with campaign_last_day: it must agree with campaign_days."""
    live = calendar(("L1", "livestream_own", "2026-03-05 20:00", "2026-03-06 00:00", "A", np.nan, np.nan),
                    ("L2", "livestream_creator", "2026-03-05 22:00", "2026-03-06 01:00", "A", np.nan, np.nan),
                    ("F", "flash_sale", "2026-03-09 12:00", "2026-03-09 12:00", "A", np.nan, np.nan))
    last = campaign_last_day(live["start"], live["end"])
    assert [d.strftime("%m-%d") for d in last] == ["03-05", "03-06", "03-09"]
    marked = campaign_days(live).groupby("campaign_id")["date"].max()
    assert [marked[c].strftime("%m-%d") for c in live["campaign_id"]] == ["03-05", "03-06", "03-09"]


def test_run_up_and_hangover_windows_surround_the_campaign():
    live = calendar(("L1", "livestream_own", "2026-03-07 19:00", "2026-03-07 22:00", "A", np.nan, np.nan))
    features = campaign_features(live, ["A"], DATES)
    assert list(features.columns) == list(CAMPAIGN_FEATURE_COLUMNS)
    assert featured_days(features, "A", "pre_campaign") == ["03-04", "03-05", "03-06"]
    assert featured_days(features, "A", "post_campaign") == ["03-08", "03-09", "03-10"]
    by_day = features.set_index("date")
    assert by_day.loc["2026-03-05", "days_to_campaign"] == 2
    assert by_day.loc["2026-03-09", "days_since_campaign"] == 2


def test_two_campaigns_of_a_day_stack_budgets_and_unknown_types_count_as_other():
    rows = calendar(
        ("AD1", "ad", "2026-03-02", "2026-03-03", "A", np.nan, 100.0),
        ("AD2", "ad", "2026-03-02", "2026-03-03", "A", np.nan, 200.0),
        ("X", "giveaway", "2026-03-02", "2026-03-03", "A", np.nan, np.nan),
    )
    m = campaign_matrices(rows, ["A"], DATES)
    assert m.log_budget[0, 1] == pytest.approx(np.log1p(300.0))
    assert m.by_type["other"][0, 1] == 1.0


def test_no_campaigns_gives_zero_features():
    features = campaign_features(None, ["A"], DATES)
    assert len(features) == len(DATES)
    assert features["any_campaign"].sum() == 0


def test_holidays_of_the_market_and_mega_sales():
    days = pd.date_range("2025-04-12", "2025-04-14")
    thai = holiday_features(days, "TH")
    assert list(thai.columns) == list(HOLIDAY_FEATURE_COLUMNS)
    assert thai["holiday"].tolist() == [0.0, 1.0, 1.0]  # Songkran starts on the 13th
    assert holiday_features(days, None)["holiday"].sum() == 0
    november = holiday_features(pd.date_range("2025-11-09", "2025-11-30"), None).set_index("date")
    assert november.loc["2025-11-11", "mega_sale_name"] == "11.11"
    assert november.loc["2025-11-28", "mega_sale_name"] == "black_friday"  # day after Thanksgiving 2025
    assert november.loc["2025-11-09", "days_to_mega_sale"] == 2


def test_mega_sale_dates_black_friday_follows_the_fourth_thursday():
    sales = mega_sale_dates([2024, 2026])
    black_fridays = sales[sales == "black_friday"].index.strftime("%Y-%m-%d").tolist()
    assert black_fridays == ["2024-11-29", "2026-11-27"]


def test_an_unknown_market_names_it():
    with pytest.raises(ValueError, match="'XX'"):
        holiday_features(DATES, "XX")
