"""Campaign history from TikTok's files (issue 19): campaign-day accuracy with the calendar built from the
exports beside the generator's true calendar and no campaign history, in one run.

    nice -n 10 python bench/campaign_history.py                 # tuning and confirmation seeds, ~10 minutes
    nice -n 10 python bench/campaign_history.py --seeds 7       # one shop

Generated shops (data/generate.py, 150 SKUs: the sample shop's generator; TUNING and CONFIRMATION seeds
as bench/campaign_discovery.py) from the sample shop's first day to 90 days past its last, backtested at
three 90-day origins: the sample shop's last day (2026-11-21, where `restock run` on it forecasts from,
ten days after 11.11) and the two before it (as bench/forecast_accuracy.py's shop set), scored on true
demand on campaign days (WAPE of the p50, pinball loss of the p90 over units: forecast.backtest's
metrics). At each origin the engine is fitted three times, each with a calendar a seller could have had
that day:

* ``true``: the generator's whole calendar (what a perfect hand-kept campaigns.csv would say);
* ``exports``: what `restock run` reads from a shop folder written as of the origin: campaigns.csv with
  only what is planned (planned_campaigns: starting after the origin or running on it) and exports/ with
  the LIVE, ads and affiliate downloads of the days up to it (write_campaign_exports,
  write_affiliate_fbt_exports), merged by planner.shop.Shop.export_history;
* ``none``: the planned campaigns alone: no campaign history to learn uplift from.

The horizon's campaigns are the planned ones in all three, so the campaign days scored are the same cells
(checked). Each calendar goes through planner.plan.campaigns.campaign_rows and the engine's parameters
come from the shop's shop.toml as planner.pipeline makes them. Goal (issue 19): ``exports`` within 5 % of
``true`` and clearly better than ``none``, on both splits.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data"))

# the backtest's own metrics table, over the rows of every seed and origin pooled
from forecast.backtest import _metric_table as metric_table, backtest, default_cutoffs  # noqa: E402
from forecast_accuracy import markdown  # noqa: E402
from forecast.models import get_model  # noqa: E402
from generate import (  # noqa: E402
    _SHOP_TOML, generate_shop, planned_campaigns, write_affiliate_fbt_exports, write_campaign_exports,
)
from planner.io.inputs import Inputs  # noqa: E402
from planner.plan.campaigns import campaign_rows  # noqa: E402
from planner.shop import Shop  # noqa: E402

TUNING = (1, 2, 3)
CONFIRMATION = (7, 11, 12)  # 7: the sample shop's own seed
HORIZON = 90
#: the sample shop's last day of history: `restock run` on it forecasts from here, ten days after 11.11
SAMPLE_LAST_DAY = date(2026, 11, 21)
SAMPLE_DAYS = 730
ORIGINS = 3  # the sample shop's last day and the two 90-day origins before it
CALENDARS = ("true", "exports", "none")
GOAL = 1.05  # exports / true at most this


def shop_folder(shop, origin: pd.Timestamp, folder: Path) -> Shop:
    """The shop folder a seller would have had on ``origin``: the planned hand calendar and the
    downloads of the days up to it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shop.toml").write_text(_SHOP_TOML, encoding="utf-8")
    shop.products.to_csv(folder / "products.csv", index=False)
    last_day = origin.date()
    planned_campaigns(shop.campaigns, last_day).to_csv(folder / "campaigns.csv", index=False)
    write_campaign_exports(shop.campaigns, last_day, folder / "exports", lines=shop.order_events)
    write_affiliate_fbt_exports(shop, folder / "exports", end=last_day)
    return Shop.open(folder)


def calendars(shop, origin: pd.Timestamp, folder: Path) -> tuple[dict[str, pd.DataFrame], Shop]:
    """The three calendars (campaigns.csv's columns) at ``origin``."""
    seller = shop_folder(shop, origin, folder)
    merged = seller.export_history()
    hand = planned_campaigns(shop.campaigns, origin.date())
    return {"true": shop.campaigns, "exports": merged.campaigns, "none": hand}, seller


def forecasts_of(seed: int, work: Path) -> pd.DataFrame:
    """Backtest forecasts (forecast.backtest's rows) of shop ``seed`` at each origin with each calendar,
    ``model`` = the calendar's name."""
    # two years of history before the sample shop's last day, and the 90 days after it to score
    shop = generate_shop(n_skus=150, seed=seed, end=SAMPLE_LAST_DAY + timedelta(days=HORIZON),
                         days=SAMPLE_DAYS + HORIZON, order_lines=True)
    history = shop.sales.assign(sku=lambda f: f["sku"].astype(str), units=lambda f: f["units"].astype(float))
    truth = shop.true_demand.assign(sku=lambda f: f["sku"].astype(str), units=lambda f: f["units"].astype(float))
    products = shop.products
    out = []
    for origin in default_cutoffs(history, HORIZON, ORIGINS):
        by_name, seller = calendars(shop, origin, work / f"seed{seed}-{origin:%Y%m%d}")
        config = seller.config
        params = {"market": config.shop.market, **config.calendar.model_params(config.shop.market)}
        scored_days = None
        for name in CALENDARS:
            inputs = Inputs(products=products, suppliers=None, bundles=None, campaigns=by_name[name],
                            inventory=None, purchase_orders=None)
            expanded = campaign_rows(inputs, history)
            result = backtest(history, [lambda: get_model("campaign", **params)], expanded, products[["sku", "category"]],
                              horizon=HORIZON, cutoffs=[origin], actuals=truth)
            rows = result.forecasts.assign(model=name, seed=seed)
            days = set(map(tuple, rows.loc[rows["campaign_day"], ["sku", "date"]].to_numpy()))
            if scored_days is not None and days != scored_days:
                raise AssertionError(f"seed {seed}, origin {origin:%Y-%m-%d}: the {name} calendar scores other campaign days")
            scored_days = days
            out.append(rows)
        print(f"  seed {seed}, origin {origin:%Y-%m-%d}: {len(by_name['true'])} true campaigns, "
              f"{len(by_name['exports'])} from exports + planned, {len(by_name['none'])} planned", file=sys.stderr)
    return pd.concat(out, ignore_index=True)


def split_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Campaign-day and all-day metrics per calendar, with the ratios to the true calendar's."""
    table = metric_table(forecasts)
    table = table[table["segment"].isin(["campaign days", "all"])]
    columns = ["segment", "model", "n_days", "units", "wape", "pinball_p90", "bias"]
    table = table[columns].rename(columns={"model": "calendar"}).reset_index(drop=True)
    reference = table[table["calendar"] == "true"].set_index("segment")
    for metric in ("wape", "pinball_p90"):
        table[f"{metric} / true"] = table[metric] / table["segment"].map(reference[metric])
    return table


def verdict(table: pd.DataFrame) -> str:
    days = table[table["segment"] == "campaign days"].set_index("calendar")
    within = all(days.loc["exports", f"{m} / true"] <= GOAL for m in ("wape", "pinball_p90"))
    better = all(days.loc["exports", m] < days.loc["none", m] for m in ("wape", "pinball_p90"))
    return (f"exports within {GOAL - 1:.0%} of true on campaign days: {'yes' if within else 'NO'}; "
            f"better than none: {'yes' if better else 'NO'}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default=None, help="comma-separated generator seeds (default: tuning and confirmation)")
    args = parser.parse_args(argv)
    splits = {"tuning": TUNING, "confirmation": CONFIRMATION}
    if args.seeds:
        splits = {"seeds": tuple(int(s) for s in args.seeds.split(","))}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        for label, seeds in splits.items():
            forecasts = pd.concat([forecasts_of(seed, Path(work)) for seed in seeds], ignore_index=True)
            table = split_table(forecasts)
            print(f"\n## {label} seeds {', '.join(map(str, seeds))}: {ORIGINS} origins x {HORIZON} days, true demand\n")
            print(markdown(table))
            print(f"\n{verdict(table)}", flush=True)
    print(f"\n({time.perf_counter() - t0:.0f} s, {date.today():%Y-%m-%d})", file=sys.stderr)


if __name__ == "__main__":
    main()
