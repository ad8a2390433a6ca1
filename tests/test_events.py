"""Events (school holidays, paydays, own promotions) and the mega-sale days of each market."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.features import holiday_features, market_mega_sales, mega_sale_dates
from forecast.models import get_model
from planner.errors import InputError
from planner.io.inputs import expand_campaigns, expand_events, read_input
from planner.shop import Shop
from tests.test_run import small_shop_template  # noqa: F401  (a 20-SKU shop from the generator)

DATES = pd.date_range("2025-01-01", "2026-03-31")
SKUS = [f"S{i:02d}" for i in range(20)]
HOLIDAYS = pd.DataFrame({"start": pd.to_datetime(["2025-03-10", "2025-07-01", "2025-12-20", "2026-04-06"]),
                         "end": pd.to_datetime(["2025-03-16", "2025-07-20", "2026-01-04", "2026-04-12"]),
                         "name": "school", "type": "school_holiday"})


def shop_history(seed: int = 0, run_up: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twenty SKUs at 10 a day; the first ten sell twice as much in their school holidays (and
    ``run_up`` times as much on the two days before one)."""
    rng = np.random.default_rng(seed)
    events = pd.concat([HOLIDAYS.assign(sku=s) for s in SKUS[:10]], ignore_index=True)
    rows = []
    for i, sku in enumerate(SKUS):
        rate = np.full(len(DATES), 10.0)
        if i < 10:
            for start, end in zip(HOLIDAYS["start"], HOLIDAYS["end"]):
                rate[(DATES >= start) & (DATES <= end)] *= 2
                rate[(DATES >= start - pd.Timedelta(days=2)) & (DATES < start)] *= run_up
        rows.append(pd.DataFrame({"sku": sku, "date": DATES, "units": rng.poisson(rate).astype(float), "censored": False}))
    return pd.concat(rows, ignore_index=True), events


def test_the_engine_learns_an_event_types_effect_and_applies_it_to_the_skus_in_scope():
    history, events = shop_history(run_up=1.5)
    model = get_model("campaign").fit(history, events=events)
    effect = model.event_effect_  # key -> log multiplier per SKU
    np.testing.assert_allclose(effect["school_holiday"][:10], np.log(2), atol=0.06)
    # each SKU's 6 run-up days (300 expected units in all the shop) are shrunk toward no effect
    assert (np.log(1.2) < effect["school_holiday:before1"][:10]).all() and (effect["school_holiday:before1"][:10] < np.log(1.5)).all()
    assert abs(effect["school_holiday:after1"][:10]).max() < 0.1
    forecast = model.predict(20).set_index(["sku", "date"])["mean"]
    holiday, ordinary = pd.Timestamp("2026-04-08"), pd.Timestamp("2026-04-02")
    assert forecast[("S00", holiday)] / forecast[("S00", ordinary)] == pytest.approx(2, rel=0.15)
    assert 1.25 < forecast[("S00", pd.Timestamp("2026-04-05"))] / forecast[("S00", ordinary)] < 1.6
    assert forecast[("S15", holiday)] / forecast[("S15", ordinary)] == pytest.approx(1, rel=0.1)  # out of scope
    without = get_model("campaign").fit(history).predict(20).set_index(["sku", "date"])["mean"]
    assert without[("S00", holiday)] / without[("S00", ordinary)] == pytest.approx(1, rel=0.1)


def test_each_sku_keeps_its_own_effect_of_a_type_where_its_days_show_it():
    """A school holiday fills the seaside store and empties the city one: one pooled multiplier would
    get both wrong."""
    history, events = shop_history()
    city = history["sku"].isin(SKUS[5:10]) & history["date"].isin(event_dates(events[events["sku"] == SKUS[5]]))
    history.loc[city, "units"] = np.random.default_rng(5).poisson(5.0, city.sum()).astype(float)  # half, not twice
    model = get_model("campaign").fit(history, events=events)
    effect = model.event_effect_["school_holiday"]
    # each shrunk toward the pooled ~1.25 by 200 units (each SKU's own 43 days expected 430)
    assert (effect[:5] > np.log(1.6)).all() and (effect[5:10] < np.log(0.8)).all()


def event_dates(events: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.concatenate([pd.date_range(a, b) for a, b in zip(events["start"], events["end"])]))


def test_a_shop_wide_event_and_its_magnitude():
    history, _ = shop_history()
    paydays = pd.DataFrame({"start": pd.date_range("2025-01-25", "2026-04-30", freq="MS") + pd.Timedelta(days=24),
                            "name": "payday", "type": "payday"})
    paydays["end"] = paydays["start"]
    rate = np.where(history["date"].isin(paydays["start"]), 1.5, 1.0)
    history["units"] = np.random.default_rng(3).poisson(10 * rate).astype(float)
    future = paydays["start"] >= "2026-04-01"
    paydays["magnitude"] = np.where(future, 2.0, 1.0)  # the coming payday with a bonus: twice the log effect
    model = get_model("campaign", monthly=False).fit(history, events=paydays)
    np.testing.assert_allclose(model.event_effect_["payday"], np.log(1.5), atol=0.08)
    forecast = model.predict(30).set_index(["sku", "date"])["mean"]
    assert forecast[("S03", pd.Timestamp("2026-04-25"))] / forecast[("S03", pd.Timestamp("2026-04-15"))] == \
        pytest.approx(2.25, rel=0.15)


def test_mega_sale_days_depend_on_the_market():
    assert "11.11" in market_mega_sales("TH") and "11.11" in market_mega_sales("vn")
    assert "11.11" not in market_mega_sales("GB") and "black_friday" in market_mega_sales("US")
    november = pd.date_range("2011-11-01", "2011-11-30")
    uk = holiday_features(november, "GB").set_index("date")
    assert uk.loc["2011-11-11", "mega_sale"] == 0 and uk.loc["2011-11-25", "mega_sale_name"] == "black_friday"
    thai = holiday_features(november, "TH").set_index("date")
    assert thai.loc["2011-11-11", "mega_sale_name"] == "11.11"
    off = holiday_features(november, "TH", mega_sales=False, market_holidays=False)
    assert off["mega_sale"].sum() == 0 and off["holiday"].sum() == 0
    extra = mega_sale_dates([2026], ("6.6", "7.7"))
    assert list(extra.index.strftime("%m-%d")) == ["06-06", "07-07"]
    with pytest.raises(ValueError, match="unknown mega-sale day 'singles'"):
        mega_sale_dates([2026], ("singles",))


def test_events_csv_is_read_with_the_standards_of_the_other_tables(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("start,end,name,type,scope,magnitude\n"
                    "2026-07-01,2026-08-14,Summer,school_holiday,category:swim,\n"
                    "2026-07-25,,Payday,payday,all,2\n", encoding="utf-8")
    events = read_input(path, "events")
    assert events["end"].tolist() == pd.to_datetime(["2026-08-14", "2026-07-25"]).tolist()
    assert events["magnitude"].tolist() == [1.0, 2.0]
    products = pd.DataFrame({"sku": ["A", "B", "C"], "category": ["swim", "swim", "home"]})
    frame = expand_events(events, products)
    assert frame["sku"].tolist()[:2] == ["A", "B"] and pd.isna(frame["sku"].iloc[2]) and frame["type"].tolist() == ["school_holiday"] * 2 + ["payday"]
    path.write_text("start,end,name,type\n2026-07-01,2026-06-01,Summer,school_holiday\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"events.csv, row 2, column 'end': end 2026-06-01 is before start 2026-07-01"):
        read_input(path, "events")
    path.write_text("start,name,type,magnitude\n2026-07-01,Summer,school_holiday,big\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"events.csv, row 2, column 'magnitude'"):
        read_input(path, "events")
    path.write_text("start,name,type,scope\n2026-07-01,Sale,own_promo,A;ZZZ\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"events, row 2, column 'scope': SKU\(s\) \['ZZZ'\] are not in products.csv"):
        expand_events(read_input(path, "events"), products)


def test_the_run_passes_events_and_calendar_switches_to_the_engine(small_shop_template, tmp_path):  # noqa: F811
    import shutil

    from planner import pipeline
    from planner.importer import import_files

    shutil.copytree(small_shop_template, tmp_path / "shop")
    toml = tmp_path / "shop" / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[calendar]\npaydays = false\nextra_mega_sales = ["6.6"]\n',
                    encoding="utf-8")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(p for p in shop.inbox.iterdir() if p.is_file()))
    history = pipeline.load_history(shop)
    last = history["date"].max()
    days = pd.date_range(history["date"].min(), last + pd.Timedelta(days=14), freq="14D")
    pd.DataFrame({"start": days.strftime("%Y-%m-%d"), "name": "fair", "type": "fair"}).to_csv(
        shop.path("events"), index=False)
    result = pipeline.run_forecast(shop, shop.inputs(), history, model="campaign", horizon=14, n_paths=20)
    assert "fair" in result.model.event_effect_ and result.model.monthly is False
    assert "6.6" in result.model.mega_sales and "11.11" in result.model.mega_sales  # the sample shop is Thai


def test_campaigns_not_read_from_a_file_expand_without_row_numbers():
    """The sample replay (bench/simulate_policies.py, restock simulate on a generated shop) expands
    campaigns built in memory, without the readers' _row: the shared scope parsing read it eagerly and
    failed with KeyError '_row'. A bad SKU there is still an InputError, without a row."""
    campaigns = pd.DataFrame({"campaign_id": ["AD-1"], "type": ["ad"], "start": [pd.Timestamp("2026-01-01")],
                              "end": [pd.Timestamp("2026-01-02")], "skus": ["A;B"], "expected_viewers": [np.nan],
                              "daily_budget": [100.0], "discount_pct": [np.nan]})
    products = pd.DataFrame({"sku": ["A", "B"], "category": ["x", "x"]})
    assert expand_campaigns(campaigns, products)["sku"].tolist() == ["A", "B"]
    with pytest.raises(InputError) as error:
        expand_campaigns(campaigns.assign(skus="Z"), products)
    assert error.value.row is None and error.value.column == "skus"
