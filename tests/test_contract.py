"""The library refuses frames that would silently mean something else (forecast.contract)."""

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import backtest
from forecast.contract import checked_events, checked_inputs
from forecast.history import complete_history, mark_stockouts
from forecast.models import get_model


def history(skus=("A", "B"), days=60, units=5.0):
    dates = pd.date_range("2026-01-01", periods=days)
    return pd.DataFrame({"sku": np.repeat(list(skus), days), "date": np.tile(dates, len(skus)),
                         "units": float(units), "censored": False})


def test_a_sku_fed_twice_is_refused_naming_the_repeated_key():
    twice = pd.concat([history(), history(units=0.0)], ignore_index=True)
    with pytest.raises(ValueError, match=r"history\.date: expected one row per sku and date.*sku='A'.*2026-01-01"):
        get_model("campaign").fit(twice)


def test_integer_skus_meet_string_skus_in_the_campaigns():
    frame = history(skus=("1", "2"), days=120)
    frame.loc[(frame["sku"] == "1") & frame["date"].isin(pd.date_range("2026-02-01", periods=3)), "units"] = 50.0
    campaigns = pd.DataFrame({"campaign_id": ["C"], "type": ["ad"], "start": [pd.Timestamp("2026-02-01")],
                              "end": [pd.Timestamp("2026-02-04")], "sku": ["1"]})
    as_strings = get_model("campaign").fit(frame, campaigns)
    as_integers = get_model("campaign").fit(frame.assign(sku=frame["sku"].astype(int)), campaigns)
    assert as_integers.uplift_ and as_integers.uplift_.keys() == as_strings.uplift_.keys()
    assert list(as_integers.predict(3)["sku"].unique()) == ["1", "2"]


def test_whole_float_skus_read_as_integers():
    frame = history(skus=(12.0, 13.0))
    checked = checked_inputs(frame)[0]
    assert sorted(checked["sku"].unique()) == ["12", "13"]


def test_missing_sku_is_refused():
    frame = history().astype({"sku": object})
    frame.loc[3, "sku"] = None
    with pytest.raises(ValueError, match=r"history\.sku: expected a SKU in every row; 1 row\(s\) are not, first row 3"):
        checked_inputs(frame)


@pytest.mark.parametrize("horizon", [-1, 0, 2.5, "7", True])
def test_a_horizon_that_is_not_a_positive_whole_number_is_refused(horizon):
    model = get_model("seasonal_naive").fit(history())
    with pytest.raises(ValueError, match=r"horizon: expected a whole number of days >= 1, got"):
        model.predict(horizon)


def test_the_engine_refuses_a_negative_horizon_in_every_forecast_method():
    model = get_model("campaign").fit(history())
    for method in (model.predict, model.sample_paths, model.chunked_paths, model.components):
        with pytest.raises(ValueError, match="horizon"):
            method(-1)


@pytest.mark.parametrize("bad, message", [
    (-2.0, r"history\.units: expected units >= 0; 1 row\(s\) are not, first row 5 \(sku='A'"),
    (np.nan, r"history\.units: expected a finite number"),
    (np.inf, r"history\.units: expected a finite number"),
])
def test_negative_or_non_finite_units_are_refused(bad, message):
    frame = history()
    frame.loc[5, "units"] = bad
    with pytest.raises(ValueError, match=message):
        get_model("campaign").fit(frame)


def test_unparseable_dates_and_times_of_day_are_refused():
    frame = history().astype({"date": object})
    frame.loc[4, "date"] = "not a day"
    with pytest.raises(ValueError, match=r"history\.date: expected a date; 1 row\(s\) are not, first row 4"):
        get_model("campaign").fit(frame)
    timed = history()
    timed.loc[7, "date"] = timed.loc[7, "date"] + pd.Timedelta(hours=13)
    with pytest.raises(ValueError, match=r"history\.date: expected a day \(no time of day\)"):
        mark_stockouts(timed)


def test_text_dates_are_parsed():
    frame = history(days=30)
    text = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    assert pd.api.types.is_datetime64_dtype(checked_inputs(text)[0]["date"])


def test_raw_demand_may_repeat_a_day_but_not_go_negative():
    demand = pd.DataFrame({"sku": ["A", "A"], "date": pd.to_datetime(["2026-01-01 09:00", "2026-01-01 17:00"]),
                           "units": [1.0, 2.0]})
    assert complete_history(demand)["units"].tolist() == [3.0]
    with pytest.raises(ValueError, match=r"demand\.units: expected units >= 0"):
        complete_history(demand.assign(units=[1.0, -1.0]))


def test_missing_columns_and_campaign_dates_name_the_frame():
    with pytest.raises(ValueError, match=r"history: missing column\(s\) units"):
        checked_inputs(history().drop(columns="units"))
    campaigns = pd.DataFrame({"campaign_id": ["C"], "type": ["ad"], "start": ["2026-02-01"], "end": ["soon"], "sku": ["A"]})
    with pytest.raises(ValueError, match=r"campaigns\.end: expected a date; .*campaign_id='C'"):
        checked_inputs(history(), campaigns)


def test_events_are_checked():
    events = pd.DataFrame({"start": ["2026-01-10"], "end": ["2026-01-08"], "name": ["fair"], "type": ["local"]})
    with pytest.raises(ValueError, match=r"events\.end: expected an end on or after the start.*name='fair'"):
        checked_events(events)
    with pytest.raises(ValueError, match=r"events\.magnitude: expected a number"):
        checked_events(events.assign(end="2026-01-10", magnitude="big"))
    ok = checked_events(events.assign(end="2026-01-10", sku=[None]))
    assert pd.api.types.is_datetime64_dtype(ok["start"]) and ok["sku"].isna().all()


def test_backtest_checks_its_frames_once_at_the_door():
    twice = pd.concat([history(days=120), history(days=120)], ignore_index=True)
    with pytest.raises(ValueError, match=r"history\.date: expected one row per sku and date"):
        backtest(twice, models=["seasonal_naive"], horizon=14, n_cutoffs=1)
    with pytest.raises(ValueError, match="horizon"):
        backtest(history(days=120), models=["seasonal_naive"], horizon=0, n_cutoffs=1)


def test_clean_frames_pass_unchanged():
    frame, campaigns = history(), pd.DataFrame({"campaign_id": ["C"], "type": ["ad"], "start": [pd.Timestamp("2026-01-05")],
                                                "end": [pd.Timestamp("2026-01-06")], "sku": ["A"]})
    out = checked_inputs(frame, campaigns)
    assert out[0] is frame and out[1] is campaigns
