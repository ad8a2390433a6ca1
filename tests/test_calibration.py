"""Lead-time demand calibrated on past forecast errors (planner.calibration), and lot-aware fill-rate levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.calibration import (
    Calibration, achieved_fill_rates, backtest_errors, backtest_service, calibrated_demand, calibration_notes,
    censored_tail_means, fit_calibration, impute_censored_windows, volume_band, window_errors, window_weights,
)
from planner.inventory.levels import order_lot_sizes, order_up_to_levels
from planner.simulate import Replay, simulate

LEAD, REVIEW = 14, 7


def world(seed: int, bias: float, lumpiness: float | None, n: int = 80, days: int = 600):
    """Daily demand of n SKUs: the true mean per day is ``bias`` x what the model believes (1-3 units);
    a day's demand is Poisson (lumpiness None) or Poisson-gamma with that shape (lumpy)."""
    rng = np.random.default_rng(seed)
    believed = rng.uniform(1.0, 3.0, n)
    rate = np.broadcast_to((bias * believed)[:, None], (n, days))
    if lumpiness is not None:
        rate = rate * rng.gamma(lumpiness, 1 / lumpiness, (n, days))
    return believed, rng.poisson(rate).astype(float)


def model_paths(believed: np.ndarray, rng: np.random.Generator, n_paths: int = 400):
    """The model's lead and lead + review demand: Poisson with its believed mean (thin if the truth is lumpy)."""
    lead = rng.poisson(believed[:, None] * LEAD, (len(believed), n_paths)).astype(float)
    return lead, lead + rng.poisson(believed[:, None] * REVIEW, (len(believed), n_paths))


def errors_at(believed, demand, origins):
    n = len(believed)
    forecast = np.repeat(believed[:, None], LEAD + REVIEW, axis=1)
    skus = np.array([f"S{i}" for i in range(n)], dtype=object)
    return pd.concat([window_errors(forecast, demand[:, t:t + LEAD + REVIEW], np.zeros((n, LEAD + REVIEW), bool),
                                    np.full(n, LEAD), REVIEW, skus, t) for t in origins], ignore_index=True), skus


def backorder_fill(levels, demand, origins):
    """Share of demand served by (R, S) at these levels over the windows at ``origins`` (backorder
    approximation: shortage per cycle (D_{L+R} - S)^+ - (D_L - S)^+)."""
    short = review = 0.0
    for t in origins:
        lead, cycle = demand[:, t:t + LEAD].sum(1), demand[:, t:t + LEAD + REVIEW].sum(1)
        short += (np.maximum(cycle - levels, 0) - np.maximum(lead - levels, 0)).sum()
        review += (cycle - lead).sum()
    return 1 - short / review


def levels_of(lead, cycle, target=0.95):
    return order_up_to_levels(lead, cycle, np.full(len(lead), target), "fill_rate", 20.0)[0]


def test_a_biased_too_thin_model_delivers_the_target_once_calibrated():
    believed, demand = world(seed=1, bias=1.4, lumpiness=0.3)
    past, future = range(0, 280, 7), range(300, 580, 7)
    errors, skus = errors_at(believed, demand, past)
    calibration = fit_calibration(errors)
    lead, cycle = model_paths(believed, np.random.default_rng(5))
    raw = backorder_fill(levels_of(lead, cycle), demand, future)
    mean_lead = np.repeat(believed[:, None] * LEAD, lead.shape[1], axis=1)
    fixed_lead, fixed_cycle = calibrated_demand(calibration, skus, mean_lead, mean_lead * (LEAD + REVIEW) / LEAD)
    calibrated = backorder_fill(levels_of(fixed_lead, fixed_cycle), demand, future)
    assert raw < 0.85
    assert calibrated == pytest.approx(0.95, abs=0.015)


def test_a_calibrated_model_keeps_its_levels():
    believed, demand = world(seed=2, bias=1.0, lumpiness=None)
    believed = np.full_like(believed, 2.0)  # one size, so the pooled ratios are its own noise
    demand = np.random.default_rng(3).poisson(2.0, demand.shape).astype(float)
    errors, skus = errors_at(believed, demand, range(0, 280, 7))
    calibration = fit_calibration(errors)
    assert calibration.sku_factor.between(0.8, 1.2).all() and abs(calibration.sku_factor.mean() - 1) < 0.03
    lead, cycle = model_paths(believed, np.random.default_rng(5))
    mean_lead = np.full(lead.shape, 2.0 * LEAD)
    fixed_lead, fixed_cycle = calibrated_demand(calibration, skus, mean_lead, mean_lead * (LEAD + REVIEW) / LEAD)
    raw, fixed = levels_of(lead, cycle), levels_of(fixed_lead, fixed_cycle)
    assert np.abs(fixed - raw).mean() / raw.mean() < 0.04
    assert backorder_fill(fixed, demand, range(300, 580, 7)) == pytest.approx(0.95, abs=0.01)


def test_windows_with_a_stockout_are_kept_marked_and_count_the_day_as_at_least_its_forecast():
    forecast = np.ones((2, 5))
    realised = np.array([[1.0, 2, 0, 1, 9], [0, 0, 3, 0, 0]])
    censored = np.array([[False, False, False, False, False], [False, True, False, False, False]])
    errors = window_errors(forecast, realised, censored, np.array([2, 4]), 1, np.array(["A", "B"]), "t0")
    assert errors[["forecast_lead", "forecast_cycle", "realised_lead", "realised_cycle"]].to_numpy().tolist() == [
        [2.0, 3.0, 3.0, 3.0], [4.0, 5.0, 4.0, 4.0]]  # B's stockout day (sold 0, forecast 1) counts 1
    assert errors["censored"].tolist() == [False, True]


def test_backtest_errors_use_each_skus_chosen_model_and_its_lead_time():
    dates = pd.date_range("2026-01-02", periods=30)
    rows = []
    for model, mean in (("campaign", 2.0), ("croston", 5.0)):
        for sku in ("A", "B"):
            for d in dates:
                rows.append({"sku": sku, "date": d, "cutoff": pd.Timestamp("2026-01-01"), "model": model,
                             "mean": mean, "actual": 3.0})
    forecasts = pd.DataFrame(rows)
    forecasts = forecasts[~((forecasts["sku"] == "B") & (forecasts["date"] == dates[3]))]  # a censored day of B
    choice = pd.DataFrame({"sku": ["A", "B"], "model": ["campaign", "croston"]})
    errors = backtest_errors(forecasts, pd.Series({"A": 7.0, "B": 14.0}), 7, choice)
    a, b = errors[errors["sku"] == "A"], errors[errors["sku"] == "B"]
    assert a["origin"].tolist() == [pd.Timestamp("2026-01-01") + pd.Timedelta(days=k) for k in (0, 7, 14)]
    assert (a["forecast_lead"] == 14.0).all() and (a["forecast_cycle"] == 28.0).all()
    assert (b["forecast_lead"] == 70.0).all()
    assert b["realised_cycle"].tolist() == [20 * 3.0 + 5.0, 21 * 3.0]  # the censored day counts its forecast, 5
    assert b["censored"].tolist() == [True, False]
    with pytest.raises(ValueError, match="missing column"):
        backtest_errors(forecasts.drop(columns="actual"), pd.Series({"A": 7.0}), 7)



def test_backtest_errors_read_categorical_labels_as_their_strings():
    """The backtest hands SKUs and models as categoricals (codes, not millions of strings): the windows
    are the ones the same frame with string columns gives, a SKU without a chosen model keeps every
    model's rows and a SKU without a lead time is left out."""
    rng = np.random.default_rng(8)
    dates = pd.date_range("2026-03-01", periods=40)
    cutoffs = [pd.Timestamp("2026-01-30"), pd.Timestamp("2026-02-28")]
    rows = [{"sku": sku, "date": d + (c - cutoffs[1]), "cutoff": c, "model": model, "mean": rng.uniform(0, 4),
             "actual": float(rng.poisson(2))}
            for c in cutoffs for model in ("seasonal_naive", "campaign") for sku in ("B", "A", "C", "D") for d in dates]
    plain = pd.DataFrame(rows).sample(frac=0.95, random_state=1)  # shuffled, some days censored
    coded = plain.assign(sku=pd.Categorical(plain["sku"], categories=["D", "C", "B", "A", "E"]),
                         model=pd.Categorical(plain["model"]))
    choice = pd.DataFrame({"sku": ["A", "B", "C"], "model": ["campaign", "seasonal_naive", "campaign"]})
    lead = pd.Series({"A": 7.0, "B": 14.0, "D": 3.0})
    for chosen in (choice, None):
        expected = backtest_errors(plain, lead, 7, chosen)
        pd.testing.assert_frame_equal(backtest_errors(coded, lead, 7, chosen), expected, check_exact=True)
        assert set(expected["sku"]) == {"A", "B", "D"}

def test_calibration_table_round_trip_and_words():
    believed, demand = world(seed=4, bias=1.2, lumpiness=0.5, n=30, days=200)
    errors, skus = errors_at(believed, demand, range(0, 170, 7))
    calibration = fit_calibration(errors)
    again = Calibration.from_frame(calibration.to_frame())
    pd.testing.assert_frame_equal(again.pairs, calibration.pairs, check_dtype=False)
    assert again.sku_factor.to_dict() == pytest.approx(calibration.sku_factor.to_dict())
    words = calibration_notes(calibration, np.array(["S0", "NEW"]), np.array([40.0, 40.0]))
    assert words[0].startswith(f"level x{calibration.sku_factor['S0']:.2f} (own past errors)")
    assert words[1].startswith("level x1.00 (no past errors of its own)")
    assert f"{(calibration.pairs['band'] == 3).sum()} past windows of SKUs forecast 32-128 units" in words[0]
    with pytest.raises(ValueError, match="missing column"):
        Calibration.from_frame(calibration.to_frame().drop(columns="weight"))


def test_no_errors_means_no_change():
    empty = fit_calibration(pd.DataFrame(columns=["sku", "origin", "forecast_lead", "forecast_cycle", "realised_lead",
                                                  "realised_cycle", "censored"]))
    lead, cycle = np.full((2, 5), 3.0), np.full((2, 5), 4.0)
    out_lead, out_cycle = calibrated_demand(empty, ["A", "B"], lead, cycle)
    assert (out_lead == lead).all() and (out_cycle == cycle).all()
    assert volume_band(np.array([1.9, 2.0, 127.9, 128.0])).tolist() == [0, 1, 3, 4]


def test_a_band_whose_windows_all_sold_nothing_leaves_the_other_samples_whole():
    # UCI's replay, judging its cold start forward: the first origin's only window of one SKU in its
    # volume band sold 0. The band's ratio was 0, the SKU's factor 0 / 0, and that one NaN pair turned
    # every sample of the band's SKUs (and their levels) into NaN
    believed, demand = world(seed=3, bias=1.0, lumpiness=None, n=30)
    errors, skus = errors_at(believed, demand, [0, 21, 42])
    lone = errors.iloc[[0]].assign(sku="LONE", forecast_lead=300.0, forecast_cycle=450.0, realised_lead=0.0,
                                   realised_cycle=0.0, sold_cycle=0.0)
    calibration = fit_calibration(pd.concat([errors, lone], ignore_index=True))
    assert np.isfinite(calibration.pairs[["lead_ratio", "review_ratio", "weight"]].to_numpy()).all()
    assert calibration.sku_factor["LONE"] == 1.0
    lead, cycle = calibrated_demand(calibration, np.append(skus, "LONE"), np.full((31, 50), 20.0), np.full((31, 50), 30.0))
    assert np.isfinite(lead).all() and np.isfinite(cycle).all()


class FixedLevels:
    name = "fixed"

    def __init__(self, levels):
        self.levels_ = levels

    def levels(self, seen):
        return self.levels_, self.levels_


def test_lot_aware_levels_take_out_what_ordering_in_cases_adds():
    """(R, S) with a case pack of 24 on ~3 units a day: ordering whole cases lifts the position past S,
    so levels set as if orders were exact serve more than exact orders would (here 99.3 % against
    97.5 %; lost sales serve a bit more than the backorder formula promises either way); set on the
    average over S .. S + Q - 1 they serve about what exact orders serve (96.9 %), with less stock."""
    rng = np.random.default_rng(7)
    n, days, rate = 40, 900, rng.uniform(2.0, 4.0, 40)
    demand = rng.poisson(rate[:, None], (n, days)).astype(float)
    lead = rng.poisson(rate[:, None] * LEAD, (n, 2000)).astype(float)
    cycle = lead + rng.poisson(rate[:, None] * REVIEW, (n, 2000))
    case = np.full(n, 24)
    plain = levels_of(lead, cycle)
    aware = order_up_to_levels(lead, cycle, np.full(n, 0.95), "fill_rate", 20.0,
                               order_lot_sizes(np.ones(n), case, rate * REVIEW))[0]
    assert (aware <= plain).all() and (aware < plain).any()

    def replay(case_pack):
        return Replay(skus=np.array([f"S{i}" for i in range(n)], dtype=object), demand=demand, unit_value=np.ones(n),
                      dates=pd.date_range("2025-01-01", periods=days), lead_time_days=np.full(n, float(LEAD)), start=30,
                      case_pack=case_pack)

    exact = simulate(replay(np.ones(n, dtype=int)), FixedLevels(plain))
    over = simulate(replay(case), FixedLevels(plain))
    right = simulate(replay(case), FixedLevels(aware))
    assert over.fill_rate > exact.fill_rate + 0.015
    assert right.fill_rate == pytest.approx(exact.fill_rate, abs=0.01)
    assert right.average_units < over.average_units


@pytest.mark.parametrize("lead_days", [LEAD, 10])
def test_lost_sales_judgement_of_past_windows_matches_a_lost_sales_replay(lead_days):
    """The target step judges past levels on what happened. Replayed with lost sales, a fixed (R, S)
    loses what the chained judgement says it loses: exactly when the lead time is whole reviews (each
    window's stock at arrival is S less the lead-time demand served), within 2 % when it is not (10
    days, 1.43 reviews: 5,127 judged against 5,098 lost); the backorder form, which counts units lost in
    the lead time as using up S, says over 1.5 times as many."""
    rng = np.random.default_rng(3)
    n, start, reviews = 30, 30, 40
    days = start + lead_days + (reviews + 1) * REVIEW
    rate = rng.uniform(2.0, 6.0, n)
    demand = rng.poisson(rate[:, None] * rng.gamma(2.0, 0.5, (n, days))).astype(float)
    demand[:, start:start + lead_days] = 0.0  # no stock runs out before the first window: nothing it cannot see
    levels = np.round(rate * (lead_days + REVIEW) * 0.9)  # whole units (orders are), short often enough to matter
    replay = Replay(skus=np.array([f"S{i}" for i in range(n)], dtype=object), demand=demand, unit_value=np.ones(n),
                    dates=pd.date_range("2025-01-01", periods=days), lead_time_days=np.full(n, float(lead_days)), start=start)
    lost = simulate(replay, FixedLevels(levels)).daily["lost"]
    origins = start + REVIEW * np.arange(reviews)
    lost_in_windows = lost[:, lead_days:lead_days + reviews * REVIEW].sum()  # daily arrays start at `start`
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(demand, axis=1)], axis=1)
    lead = np.concatenate([cum[:, t + lead_days] - cum[:, t] for t in origins])
    cycle = np.concatenate([cum[:, t + lead_days + REVIEW] - cum[:, t] for t in origins])
    review_demand = (cycle - lead).sum()
    grid = np.tile(levels, reviews)[:, None]
    chained = achieved_fill_rates(grid, lead, cycle, chains=np.tile(np.arange(n), reviews),
                                  steps=np.repeat(np.arange(reviews), n), lead_reviews=np.full(n * reviews, lead_days / REVIEW))
    backorder = achieved_fill_rates(grid, lead, cycle)
    judged_lost = (1 - chained[0]) * review_demand
    assert lost_in_windows > 500
    if lead_days % REVIEW == 0:
        assert judged_lost == pytest.approx(lost_in_windows, abs=1e-6)
    else:
        assert judged_lost == pytest.approx(lost_in_windows, rel=0.02)
    assert (1 - backorder[0]) * review_demand > 1.5 * lost_in_windows


def test_backtest_service_judges_a_skus_windows_in_turn_when_told_the_review_period():
    """With the review period, the plan's service step judges each SKU's backtest windows as a lost-sales
    sequence: the same levels then serve at least as much at every grid target, and more at the low ones."""
    believed, demand = world(5, 1.3, 1.0, n=40, days=300)
    cutoff = pd.Timestamp("2025-01-01")
    origins = [cutoff + pd.Timedelta(days=d) for d in range(0, 120, REVIEW)]
    frames = []
    for k, origin in enumerate(origins):
        e, skus = errors_at(believed, demand, [k * REVIEW])
        frames.append(e.assign(origin=origin, cutoff=cutoff if k < 9 else cutoff + pd.Timedelta(days=63)))
    errors = pd.concat(frames, ignore_index=True)
    assert {"lead_days", "sold_cycle"} <= set(errors.columns)
    alone = backtest_service(errors)
    chained = backtest_service(errors, review_days=REVIEW)
    assert (chained["achieved"].to_numpy() >= alone["achieved"].to_numpy() - 1e-12).all()
    assert chained["achieved"].iloc[0] > alone["achieved"].iloc[0] + 0.01
    # a large shop's windows are sampled: by SKU, so that each kept window still has its predecessors
    few = dict(max_windows=100)
    sampled, sampled_alone = backtest_service(errors, review_days=REVIEW, **few), backtest_service(errors, **few)
    gain = chained["achieved"].iloc[0] - alone["achieved"].iloc[0]
    assert sampled["achieved"].iloc[0] - sampled_alone["achieved"].iloc[0] > 0.5 * gain
    # windows that are not one review apart cannot be judged in turn: said, not silently overwritten
    daily = errors.assign(origin=errors["cutoff"] + pd.to_timedelta(np.arange(len(errors)) % 5, unit="D"))
    with pytest.raises(ValueError, match="one review"):
        backtest_service(daily, review_days=REVIEW)
    with pytest.raises(ValueError, match="share a chain and a step"):
        achieved_fill_rates(np.array([[5.0], [5.0]]), np.array([0.0, 4.0]), np.array([7.0, 10.0]),
                            chains=np.array([0, 0]), steps=np.array([1, 1]), lead_reviews=np.array([1.0, 1.0]))


def censored_world(seed: int = 5):
    """Lumpy demand 1.3 x the forecast, served from a stock drawn per SKU and window (0.7 to 2.3 x the
    forecast): the windows with demand error records as the shop sees them (``seen``: sales, stockout
    days) and as they were (``true``)."""
    believed, demand = world(seed, 1.3, 1.0, n=60, days=300)
    origins = [0, 7, 14, 21, 28, 35]
    true, skus = errors_at(believed, demand, origins)
    n, span = len(believed), LEAD + REVIEW
    forecast = np.repeat(believed[:, None], span, axis=1)
    seen = []
    for t in origins:
        stock = believed * span * np.random.default_rng(t).uniform(0.7, 2.3, n)
        window = demand[:, t:t + span]
        before = np.cumsum(window, axis=1) - window
        sales = np.minimum(window, np.maximum(stock[:, None] - before, 0.0))
        out = np.cumsum(sales, axis=1) >= stock[:, None] - 1e-9
        seen.append(window_errors(forecast, sales, out, np.full(n, LEAD), REVIEW, skus, t))
    return pd.concat(seen, ignore_index=True), true


def test_kaplan_meier_finds_the_demand_a_stockout_hid():
    """A window that ran out sold its stock, and its demand was more. Sales plus the forecast on the days
    out of stock (window_errors' realised demand) misses what the shelf never showed; the Kaplan-Meier
    estimate of the band's ratios above what it sold finds it, and judged on it, fixed levels look
    nearer to what they served on the true demand."""
    seen, true = censored_world()
    out = seen["censored"].to_numpy()
    assert 0.2 < out.mean() < 0.5
    lead, cycle = impute_censored_windows(seen["forecast_lead"], seen["forecast_cycle"], seen["realised_lead"],
                                          seen["realised_cycle"], seen["sold_cycle"], out)
    hidden = true["realised_cycle"][out].sum()
    assert seen["realised_cycle"][out].sum() < 0.92 * hidden  # forecast-filled: 90 % of it
    assert cycle[out].sum() == pytest.approx(hidden, rel=0.05)
    assert np.array_equal(cycle[~out], seen["realised_cycle"][~out]) and (lead <= cycle).all()
    levels = (seen["forecast_cycle"].to_numpy() * np.array([[1.0, 1.3, 1.6]]).T).T  # three fixed levels
    on_truth = achieved_fill_rates(levels, true["realised_lead"], true["realised_cycle"])
    forecast_filled = achieved_fill_rates(levels, seen["realised_lead"], seen["realised_cycle"])
    kaplan_meier = achieved_fill_rates(levels, lead, cycle)
    assert (forecast_filled > on_truth + 0.01).all()
    # nearer at every level; at a high level only a little: a window's demand is read at its conditional
    # mean, and a shortfall beyond a level is convex in demand (the mean understates it, Jensen)
    assert (np.abs(kaplan_meier - on_truth) < np.abs(forecast_filled - on_truth)).all()


def test_backtest_service_judges_censored_windows_by_kaplan_meier_unless_told_otherwise():
    seen, _ = censored_world()
    km = backtest_service(seen)["achieved"].to_numpy()
    imputed = backtest_service(seen, censored_windows="imputed")["achieved"].to_numpy()
    # more demand judged, less served; at the grid's top, where nothing runs short, the extra demand
    # only adds to the units served (the denominator) and the two agree within a rounding
    assert (km < imputed - 0.005).any() and (km <= imputed + 1e-3).all()
    # "imputed" reads a window as if it had not been flagged; "conditional" differs from both
    assert np.allclose(imputed, backtest_service(seen.assign(censored=False), censored_windows="imputed")["achieved"])
    conditional = backtest_service(seen, censored_windows="conditional")["achieved"].to_numpy()
    assert not np.allclose(km, conditional) and not np.allclose(imputed, conditional)
    with pytest.raises(ValueError, match="censored_windows"):
        backtest_service(seen, censored_windows="oracle")


def test_kaplan_meier_tail_means_recover_a_censored_exponential():
    # X ~ Exp(1) censored at random C ~ Exp(1/2): E[X | X > c] = c + 1 (memoryless)
    rng = np.random.default_rng(0)
    x, c = rng.exponential(1.0, 20000), rng.exponential(2.0, 20000)
    cut = c < x
    tail = censored_tail_means(np.where(cut, c, x), cut)
    assert np.mean(tail[cut] - c[cut]) == pytest.approx(1.0, abs=0.05)
    assert np.array_equal(tail[~cut], x[~cut])


def test_windows_weigh_in_the_judgement_by_their_weights():
    # two windows at S = 5: the first short 1 of 6 units, the second 5 of 10
    levels, lead, cycle = np.array([[5.0], [5.0]]), np.array([0.0, 0.0]), np.array([6.0, 10.0])
    assert achieved_fill_rates(levels, lead, cycle).item() == pytest.approx(1 - 6 / 16)
    assert achieved_fill_rates(levels, lead, cycle, weights=np.array([1.0, 0.0])).item() == pytest.approx(5 / 6)
    assert achieved_fill_rates(levels, lead, cycle, weights=np.array([1.0, 0.5])).item() == pytest.approx(1 - 3.5 / 11)
    assert window_weights(pd.Series([0, 56, 112]), 56.0).tolist() == [0.25, 0.5, 1.0]


def test_in_stock_rate_reads_a_window_that_ran_out_at_the_rate_it_sold_within_the_two_biased_readings():
    """A window of 21 days sold 30 units in the 10 days it had stock: read at its in-stock rate it held
    30 x 21 / 10 = 63 units of demand, within the floor (forecast-filled: 30 + 11 days x 1 = 41) and the
    ceiling (the band's Kaplan-Meier tail, heavy here: the band's windows are lumpy). A window that ran
    out on its last day is read at its own rate; windows with stock are read as they are."""
    from planner.calibration.censored import impute_censored_windows, in_stock_rate_demand

    rng = np.random.default_rng(0)
    n = 200
    forecast = np.full(n, 21.0)
    sold = rng.poisson(21.0 * rng.gamma(0.3, 1 / 0.3, n)).astype(float)
    censored = np.zeros(n, dtype=bool)
    censored[:3] = True
    sold[:3] = [30.0, 20.0, 5.0]
    out_days = np.array([11.0, 1.0, 20.0] + [0.0] * (n - 3))
    realised = np.where(censored, sold + out_days * 1.0, sold)
    lead_forecast = forecast * 2 / 3
    lead, cycle = in_stock_rate_demand(lead_forecast, forecast, realised * 2 / 3, realised, sold, censored,
                                       out_days, np.full(n, 21.0))
    _, km = impute_censored_windows(lead_forecast, forecast, realised * 2 / 3, realised, sold, censored)
    assert km[0] > 63.0 and cycle[0] == pytest.approx(63.0)
    assert cycle[1] == pytest.approx(max(20.0 * 21 / 20, realised[1]))     # out on its last day: its own rate
    assert realised[2] <= cycle[2] <= km[2]
    np.testing.assert_array_equal(cycle[3:], realised[3:])
    np.testing.assert_allclose(lead[cycle > 0] / cycle[cycle > 0], 2 / 3)
