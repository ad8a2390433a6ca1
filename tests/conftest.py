from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: as bench/forecast_accuracy.py: beside the repository, or RESTOCK_SHARED_DATA (e.g. from a git worktree)
SHARED_DATA = Path(os.environ.get("RESTOCK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shop(tmp_path):
    """A fresh, empty shop (Thai market: day-first dates)."""
    from planner.shop import init_shop

    shop = init_shop(tmp_path / "shop")
    toml = shop.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('market = "US"', 'market = "TH"')
                    .replace('timezone = "UTC"', 'timezone = "Asia/Bangkok"'), encoding="utf-8")
    from planner.shop import Shop

    return Shop.open(shop.root)


def pytest_collection_modifyitems(config, items):
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real data folder {SHARED_DATA} is absent")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)
