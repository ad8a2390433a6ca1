"""Stockout detection without inventory data: lumpy demand is not a stockout, a fast mover's silence is.

Issue 17, item 2. Seeded simulations of two years of daily demand with no stockouts (negative binomial,
high dispersion), a fast mover with a planted stockout, and an intermittent SKU.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.history import complete_history, mark_stockouts

DAYS = pd.date_range("2024-01-01", periods=730)


def long(series: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({
        "sku": np.repeat(list(series), len(DAYS)),
        "date": np.tile(DAYS.values, len(series)),
        "units": np.concatenate([np.asarray(v, dtype=float) for v in series.values()]),
    })


def negative_binomial(rng: np.random.Generator, mean: float, size: float) -> np.ndarray:
    """Daily units with mean ``mean`` and variance mean + mean^2 / size (a gamma-mixed Poisson)."""
    return rng.negative_binomial(size, size / (size + mean), len(DAYS)).astype(float)


def flagged_days(history: pd.DataFrame, sku: str) -> np.ndarray:
    rows = history[history["sku"] == sku].reset_index(drop=True)
    return np.flatnonzero(rows["censored"].to_numpy())


def test_lumpy_demand_without_stockouts_is_rarely_flagged():
    rng = np.random.default_rng(17)
    series = {f"nb-{mean:g}-{size:g}": negative_binomial(rng, mean, size)
              for mean in (0.2, 0.5, 1.0, 2.0, 3.0, 5.0) for size in (0.3, 1.0)}
    history = mark_stockouts(complete_history(long(series)))
    share = history["censored"].mean()
    assert share < 0.02, f"{share:.1%} of SKU-days flagged as stockouts; the demand never ran out"


def test_a_fast_movers_ten_silent_days_are_found():
    rng = np.random.default_rng(8)
    units = rng.poisson(8.0, len(DAYS)).astype(float)
    units[400:410] = 0  # out of stock for ten days
    history = mark_stockouts(complete_history(long({"fast": units})))
    assert flagged_days(history, "fast").tolist() == list(range(400, 410))


def test_an_intermittent_sku_is_never_flagged():
    rng = np.random.default_rng(1)
    units = rng.poisson(0.1, len(DAYS)).astype(float)
    units[300:360] = 0  # two silent months are normal at a unit every ten days
    history = mark_stockouts(complete_history(long({"slow": units})))
    assert len(flagged_days(history, "slow")) == 0


def test_stock_levels_decide_the_days_they_cover_and_detection_the_rest():
    rng = np.random.default_rng(4)
    units = rng.poisson(8.0, len(DAYS)).astype(float)
    units[200:210] = 0  # before the stock reports start: out of stock, found from sales
    units[500:504] = 0  # stock on hand all along (the listing was hidden): not a stockout
    units[600] = 0  # sold out the day before and was empty all day
    reported = DAYS[365:]
    on_hand = np.where(reported == DAYS[599], 0.0, 40.0)
    inventory = pd.DataFrame({"sku": "fast", "date": reported, "on_hand": on_hand})
    history = mark_stockouts(complete_history(long({"fast": units})), inventory)
    assert flagged_days(history, "fast").tolist() == list(range(200, 210)) + [599, 600]


def test_the_zero_run_probability_examples():
    import doctest

    import forecast.history

    assert doctest.testmod(forecast.history, raise_on_error=False).failed == 0
