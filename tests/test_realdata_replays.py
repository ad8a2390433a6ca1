"""The replays the plan-quality benchmark runs on (bench/replays.py), on the real data in ../shared/data
(opt in with -m realdata; skipped without it): halves that never share a SKU, and Rossmann's promotions
as the campaigns the planner sees."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA as DATA

REPO = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real data folder {DATA} is absent"),
]


@pytest.fixture(scope="module")
def replays():
    sys.path.insert(0, str(REPO / "bench"))
    import replays

    return replays


def test_rossmann_halves_are_disjoint_complete_and_cover_every_store(replays):
    tuning, confirmation = replays.rossmann_replay("tuning"), replays.rossmann_replay("confirmation")
    everyone = replays.rossmann_replay("all")
    assert not set(tuning.skus) & set(confirmation.skus)
    assert set(tuning.skus) | set(confirmation.skus) == set(everyone.skus)
    assert len(tuning.dates) - tuning.start == replays.ROSSMANN_REPLAY_DAYS
    raw = pd.read_csv(replays.ROSSMANN, usecols=["Store", "Date", "Customers", "Promo"], parse_dates=["Date"])
    store = int(tuning.skus[0].split("-")[1])
    mine = raw[raw["Store"] == store].set_index("Date").sort_index()
    assert np.array_equal(tuning.demand[0], mine["Customers"].reindex(tuning.dates).to_numpy(float))
    # a promo day is a campaign day of that store, and no other day is
    assert np.array_equal(tuning.campaign_days[0], mine["Promo"].reindex(tuning.dates).to_numpy() == 1)


def test_uci_halves_are_disjoint(replays):
    tuning = replays.uci_replay(50, 0, split="tuning")
    confirmation = replays.uci_replay(50, 0, split="confirmation")
    assert len(tuning.skus) == len(confirmation.skus) == 50
    assert not set(tuning.skus) & set(confirmation.skus)
