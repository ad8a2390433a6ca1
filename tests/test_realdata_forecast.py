"""The default engine on the real data in ../shared/data (opt in with -m realdata; skipped without it).

The fast peers only (the full tables with ETS and Prophet are bench/forecast_accuracy.py's).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA as DATA

REPO = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real data folder {DATA} is absent"),
]


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(REPO / "bench"))
    import forecast_accuracy

    return forecast_accuracy


def test_rossmann_the_engine_beats_seasonal_naive_overall_and_on_promo_days(bench):
    table = bench.bench_rossmann(("campaign", "seasonal_naive")).set_index("model")
    engine, naive = table.loc["campaign"], table.loc["seasonal_naive"]
    assert engine["missing"] == 0
    assert engine["RMSPE all"] < 0.8 * naive["RMSPE all"]
    assert engine["RMSPE promo"] < naive["RMSPE promo"]
    assert engine["WAPE promo"] < naive["WAPE promo"]
    assert engine["RMSPE all"] < 0.16  # measured 0.145 (2026-11-23)


def test_rossmann_promo_uplift_is_learnt_near_the_known_1_4x(bench):
    from forecast.models.campaign import CampaignForecaster

    history, campaigns, _, _ = bench.rossmann_frames()
    model = CampaignForecaster().fit(history, campaigns)
    fit = model.uplift_["flash_sale"]
    uplift = np.exp(fit.mean + (fit.var + fit.event_var) / 2)
    assert 1.25 < np.median(uplift) < 1.7  # the data README: promo days sell about 1.4x


def test_carparts_the_engine_beats_croston(bench):
    table = bench.bench_carparts(("campaign", "croston")).set_index("model")
    assert table.loc["campaign", "RMSSE (mean)"] < table.loc["croston", "RMSSE (mean)"]
    assert table.loc["campaign", "MASE (mean)"] < table.loc["croston", "MASE (mean)"]
    assert abs(table.loc["campaign", "coverage p90"] - 0.9) < 0.07
