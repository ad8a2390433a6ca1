"""Campaign discovery (issue 19 item 3): campaigns left out of the calendar found, false finds, and the
forecast with and without the found spikes kept out of the baseline.

    nice -n 10 python bench/campaign_discovery.py                 # generated shops, about 2 minutes
    nice -n 10 python bench/campaign_discovery.py --grid          # the tuning grid on the tuning seeds
    RESTOCK_SHARED_DATA=/work/shared/data nice -n 10 python bench/campaign_discovery.py --real   # UCI days flagged
    nice -n 10 python bench/campaign_discovery.py --speed [--skus 10000]   # the engine's fit, discovery on / off

Generated shops (data/generate.py, 150 SKUs, two years, the sample shop's generator) with a share
LEFT_OUT of their past campaigns deliberately left out of the calendar discovery is given (mega-sales
stay: the market's calendar names those days anyway). The history is what `restock run` reads: sales
completed to a calendar and stockouts inferred from sales alone (forecast.history.mark_stockouts).

* A left-out campaign is found when a candidate lists one of its featured SKUs on one of its days.
  Recall is given per type: livestreams and flash sales lift a day several-fold, ads 1.1-1.6x over
  weeks (not a spike: they are reported, not targeted).
* A candidate is a false find when none of its SKU-days lies in a left-out campaign.
* Thresholds are tuned on TUNING seeds and confirmed on CONFIRMATION seeds the tuning never saw.
* Forecast: the engine with discovery on and off, fitted on the history before the last HORIZON days
  with the reduced calendar, scored on those days against true demand (WAPE, bias) on the SKUs with a
  found spike, and on all SKUs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.generate import generate_shop  # noqa: E402
from forecast.history import complete_history, mark_stockouts  # noqa: E402
from forecast.features import campaign_days  # noqa: E402
from forecast.spikes import MIN_EXTRA_UNITS, MIN_MULTIPLE, SIGNIFICANCE, unexplained_spikes  # noqa: E402
from planner.io.inputs import expand_campaigns  # noqa: E402

TUNING = (1, 2, 3)
CONFIRMATION = (7, 11, 12)  # 7: the sample shop's own seed
LEFT_OUT = 0.3
HORIZON = 28
SPIKY = ("livestream_own", "livestream_creator", "flash_sale")


def shop_case(seed: int, left_out: float = LEFT_OUT):
    """(history, kept calendar, left-out calendar, true demand) of a generated shop."""
    shop = generate_shop(n_skus=150, seed=seed, order_lines=False)
    sales = shop.sales.assign(sku=lambda f: f["sku"].astype(str))
    history = mark_stockouts(complete_history(sales[["sku", "date", "units"]]))
    calendar = shop.campaigns[pd.to_datetime(shop.campaigns["start"]) <= shop.dates[-1]]
    rng = np.random.default_rng(1000 + seed)
    droppable = calendar["type"] != "mega_sale"
    dropped = droppable & (rng.random(len(calendar)) < left_out)
    expanded = expand_campaigns(calendar.assign(_row=np.arange(len(calendar)) + 2), shop.products)
    ids = set(calendar.loc[dropped, "campaign_id"])
    truth = shop.true_demand.assign(sku=lambda f: f["sku"].astype(str))
    return history, expanded[~expanded["campaign_id"].isin(ids)], expanded[expanded["campaign_id"].isin(ids)], truth


def visible_extra(cells: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Per campaign: units its featured SKUs sold on its days beyond their mean of the 28 days either side
    (what the campaign added that the sales show)."""
    wide = history.pivot(index="date", columns="sku", values="units")
    around = wide.rolling(57, center=True, min_periods=14).mean()
    sold = wide.stack().rename("units")
    mean = around.stack().rename("mean")
    joined = cells.join(sold, on=["date", "sku"]).join(mean, on=["date", "sku"])
    return (joined["units"] - joined["mean"]).groupby(joined["campaign_id"]).sum()


SIZES = (("< 10 units", -np.inf, 10), ("10-25 units", 10, 25), (">= 25 units", 25, np.inf))


def judgeable(cells: pd.DataFrame, history: pd.DataFrame, kept: pd.DataFrame) -> set:
    """The campaigns with a featured SKU-day that discovery judges (observed, no named day or kept campaign)."""
    from forecast.spikes import explained_days

    skus, dates = np.array(sorted(history["sku"].unique()), dtype=object), pd.date_range(history["date"].min(), history["date"].max())
    usable = ~explained_days(skus, dates, kept, None, "TH")
    seen = history[~history["censored"]]
    i, t = pd.Index(skus).get_indexer(seen["sku"]), dates.get_indexer(seen["date"])
    observed = np.zeros(usable.shape, dtype=bool)
    observed[i, t] = True
    i, t = pd.Index(skus).get_indexer(cells["sku"]), dates.get_indexer(cells["date"])
    ok = (i >= 0) & (t >= 0)
    judged = np.zeros(len(cells), dtype=bool)
    judged[ok] = (usable & observed)[i[ok], t[ok]]
    return set(cells.loc[judged, "campaign_id"])


def score(spikes: pd.DataFrame, left_out: pd.DataFrame, history: pd.DataFrame, kept: pd.DataFrame) -> dict:
    """Recall per type and overall (spiky types), candidates, false finds."""
    cells = campaign_days(left_out)[["campaign_id", "type", "sku", "date"]]
    hits = spikes.merge(cells, on=["sku", "date"], how="inner")
    found = set(hits["campaign_id"])
    out = {}
    per_campaign = cells.drop_duplicates("campaign_id")
    for kind, group in per_campaign.groupby("type"):
        out[f"recall {kind}"] = (int(group["campaign_id"].isin(found).sum()), len(group))
    spiky = per_campaign[per_campaign["type"].isin(SPIKY)]
    out["recall"] = (int(spiky["campaign_id"].isin(found).sum()), len(spiky))
    # a campaign none of whose SKU-days can be judged: on a public holiday or mega-sale (which explains its
    # days, by design), or every featured SKU sold out or not yet launched
    judged = judgeable(cells, history, kept)
    seen = spiky[spiky["campaign_id"].isin(judged)]
    out["judgeable"] = (int(seen["campaign_id"].isin(found).sum()), len(seen))
    size = visible_extra(cells[cells["type"].isin(SPIKY)], history)
    for label, lo, hi in SIZES:
        ids = size.index[(size >= lo) & (size < hi)]
        out[f"size {label}"] = (int(pd.Index(ids).isin(found).sum()), len(ids))
    candidates = spikes["spike_id"].nunique()
    true_candidates = hits["spike_id"].nunique()
    out["candidates"] = candidates
    out["false"] = candidates - true_candidates
    return out


def add(total: dict, part: dict) -> None:
    for key, value in part.items():
        if isinstance(value, tuple):
            a, b = total.get(key, (0, 0))
            total[key] = (a + value[0], b + value[1])
        else:
            total[key] = total.get(key, 0) + value


def show(label: str, total: dict) -> str:
    hit, n = total["recall"]
    false_share = total["false"] / max(total["candidates"], 1)
    kinds = ", ".join(f"{k[7:]} {a}/{b}" for k, (a, b) in sorted((k, v) for k, v in total.items() if k.startswith("recall ")) if b)
    sizes = ", ".join(f"{label} {total['size ' + label][0]}/{total['size ' + label][1]}" for label, _, _ in SIZES)
    seen, m = total["judgeable"]
    return (f"{label}: recall {hit}/{n} = {hit / max(n, 1):.0%} (livestreams, flash sales; {seen}/{m} of those with a "
            f"SKU-day to judge); {total['candidates']} "
            f"candidates, {total['false']} false = {false_share:.0%}\n    by type: {kinds}\n    by units the campaign added "
            f"(livestreams, flash sales): {sizes}")


def evaluate(seeds, **thresholds) -> dict:
    total: dict = {}
    for seed in seeds:
        history, kept, left, _ = CASES[seed]
        spikes = unexplained_spikes(history, kept, market="TH", **thresholds)
        add(total, score(spikes, left, history, kept))
    return total


CASES: dict = {}


def load(seeds) -> None:
    for seed in seeds:
        if seed not in CASES:
            CASES[seed] = shop_case(seed)


def grid() -> None:
    load(TUNING)
    for significance in (1e-4, 1e-5, 1e-6):
        for multiple in (2.5, 3.0):
            for clip in (3.0, 4.0, 6.0):
                import forecast.spikes as spikes_module
                spikes_module.CLIP_SD = clip
                spikes_module.sku_dispersion.__defaults__ = (clip,)
                t = evaluate(TUNING, significance=significance, min_multiple=multiple)
                hit, n = t["recall"]
                print(f"significance {significance:.0e} min_multiple {multiple:g} clip {clip:g}: left out {hit / n:.0%} found, "
                      f"{t['false']}/{t['candidates']} false; {planted(TUNING, significance=significance, min_multiple=multiple)}",
                      flush=True)


def group_grid() -> None:
    load(TUNING)
    print("member_significance  group_significance | recall  false share  candidates  (tuning seeds)")
    for member in (1e-1, 3e-2, 1e-2, 3e-3, 1e-3):
        for group in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
            t = evaluate(TUNING, member_significance=member, group_significance=group)
            hit, n = t["recall"]
            print(f"{member:19.0e}  {group:18.0e} | {hit / n:6.0%}  {t['false'] / max(t['candidates'], 1):11.0%}  "
                  f"{t['candidates']:10d}")


def planted(seeds, multiples=(3.0, 5.0, 8.0), per_shop: int = 60, **thresholds) -> str:
    """Spikes planted in a generated shop with its whole calendar: on ``per_shop`` random ordinary SKU-days
    of SKUs selling at least a unit a day, the day's units raised to ``multiple`` x the SKU's mean of the
    28 days either side. Recall per multiple; a candidate on no planted day is false."""
    found, total, candidates, false = {m: 0 for m in multiples}, {m: 0 for m in multiples}, 0, 0
    for seed in seeds:
        history, _, _, _ = CASES[seed]
        calendar = pd.concat([CASES[seed][1], CASES[seed][2]], ignore_index=True)
        rng = np.random.default_rng(2000 + seed)
        wide = history.pivot(index="date", columns="sku", values="units")
        mean = wide.rolling(57, center=True, min_periods=28).mean().stack().rename("mean")
        frame = history.join(mean, on=["date", "sku"])
        busy = frame[(frame["mean"] >= 1) & ~frame["censored"] & (frame["units"] > 0)]
        busy = busy[~busy.set_index(["sku", "date"]).index.isin(campaign_days(calendar).set_index(["sku", "date"]).index)]
        pick = busy.sample(per_shop, random_state=int(rng.integers(1 << 31)))
        multiple = np.array(multiples)[np.arange(per_shop) % len(multiples)]
        history = history.copy()
        pick = pick.assign(planted=multiple)
        rows = history.reset_index().merge(pick[["sku", "date", "mean", "planted"]], on=["sku", "date"])
        history.loc[rows["index"].to_numpy(), "units"] = np.round(rows["planted"] * rows["mean"]).to_numpy()
        spikes = unexplained_spikes(history, calendar, market="TH", **thresholds)
        hit = spikes.merge(pick[["sku", "date", "planted"]], on=["sku", "date"])
        for m in multiples:
            found[m] += int((hit["planted"] == m).sum())
            total[m] += int((multiple == m).sum())
        candidates += spikes["spike_id"].nunique()
        false += spikes["spike_id"].nunique() - hit["spike_id"].nunique()
    recall = ", ".join(f"{m:g}x {found[m]}/{total[m]}" for m in multiples)
    return f"planted spikes found: {recall}; {candidates} candidates, {false} false = {false / max(candidates, 1):.0%}"


def planted_grid(seed: int, levels=(1.0, 3.0, 10.0), multiples=(3.0, 5.0, 8.0), dispersion: float = 0.25,
                 n_skus: int = 90, days: int = 365) -> str:
    """Known truth: Poisson-gamma demand (the generator's noise, dispersion 0.25) at a few levels, one
    spike planted per SKU at ``multiple`` x its level. Recall per level and multiple; false finds."""
    rng = np.random.default_rng(seed)
    level = np.array(levels)[np.arange(n_skus) % len(levels)]
    multiple = np.array(multiples)[(np.arange(n_skus) // len(levels)) % len(multiples)]
    units = rng.poisson(level[:, None] * rng.gamma(1 / dispersion, dispersion, size=(n_skus, days))).astype(float)
    day = rng.integers(40, days - 40, n_skus)
    units[np.arange(n_skus), day] = np.round(multiple * level)
    skus = np.array([f"P{i:03d}" for i in range(n_skus)], dtype=object)
    dates = pd.date_range("2025-01-06", periods=days)
    history = pd.DataFrame({"sku": np.repeat(skus, days), "date": np.tile(dates.values, n_skus),
                            "units": units.reshape(-1), "censored": False})
    spikes = unexplained_spikes(history)
    truth = pd.DataFrame({"sku": skus, "date": dates[day], "level": level, "multiple": multiple})
    hit = truth.merge(spikes[["sku", "date", "spike_id"]], on=["sku", "date"], how="left")
    table = hit.assign(found=hit["spike_id"].notna()).pivot_table(index="level", columns="multiple", values="found",
                                                                  aggfunc="mean")
    false = spikes["spike_id"].nunique() - hit["spike_id"].nunique()
    cells = "; ".join(f"{lv:g}/day: " + ", ".join(f"{m:g}x {table.loc[lv, m]:.0%}" for m in multiples) for lv in levels)
    return f"{cells}; {spikes['spike_id'].nunique()} candidates, {false} false ({n_skus} SKU-years)"


def forecast_rows(history: pd.DataFrame, calendar: pd.DataFrame | None, actual: pd.Series, market: str,
                  label) -> list[dict]:
    """The engine with discovery off and on, fitted on ``history`` but its last HORIZON days, scored on
    those days against ``actual`` (sku, date -> units): absolute and signed error, on all SKUs and on
    the SKUs with a spike found in the training history."""
    from forecast.models import get_model

    cut = history["date"].max() - pd.Timedelta(days=HORIZON)
    train = history[history["date"] <= cut]
    actual = actual[actual.index.get_level_values("date") > cut]
    rows = []
    for on in (False, True):
        model = get_model("campaign", market=market, discover_spikes=on).fit(train, calendar)
        spiked = set(unexplained_spikes(train, calendar, market=market)["sku"])
        mean = model.predict(HORIZON, n_paths=100).set_index(["sku", "date"])["mean"]
        joined = pd.concat([mean.rename("forecast"), actual.rename("actual")], axis=1, join="inner").reset_index()
        for scope, part in (("SKUs with a found spike", joined[joined["sku"].isin(spiked)]), ("all SKUs", joined)):
            rows.append({"case": label, "discovery": on, "scope": scope, "skus": part["sku"].nunique(),
                         "abs_error": (part["forecast"] - part["actual"]).abs().sum(),
                         "error": (part["forecast"] - part["actual"]).sum(), "actual": part["actual"].sum()})
    return rows


def show_forecast(rows: list[dict]) -> None:
    summary = pd.DataFrame(rows).groupby(["scope", "discovery"]).agg(
        skus=("skus", "sum"), abs_error=("abs_error", "sum"), error=("error", "sum"), actual=("actual", "sum"))
    for scope in summary.index.get_level_values(0).unique():
        off, on = summary.loc[(scope, False)], summary.loc[(scope, True)]
        print(f"  {scope} ({int(on.skus)} SKU-series, {on.actual:,.0f} units): WAPE off {off.abs_error / off.actual:.1%}, "
              f"on {on.abs_error / on.actual:.1%} (on / off {on.abs_error / off.abs_error:.3f}); bias off "
              f"{off.error / off.actual:+.1%}, on {on.error / on.actual:+.1%}")


def forecast_effect(seeds) -> None:
    """WAPE and bias of the engine on the last HORIZON days against true demand, discovery on vs off."""
    rows = []
    for seed in seeds:
        history, kept, _, truth = CASES[seed]
        rows += forecast_rows(history, kept, truth.set_index(["sku", "date"])["units"], "TH", seed)
    show_forecast(rows)


def speed_child(on: bool, n_sku: int) -> None:
    """One fit + predict of the engine on bench/forecast_speed.py's synthetic shop, discovery on or off."""
    import json
    import resource

    sys.path.insert(0, str(ROOT / "bench"))
    from forecast_speed import HORIZON as SPEED_HORIZON, synthetic_shop
    from forecast.models import get_model

    history, campaigns, products = synthetic_shop(n_sku)
    start = time.perf_counter()
    model = get_model("campaign", discover_spikes=on).fit(history, campaigns, products)
    model.predict(SPEED_HORIZON, n_paths=200, seed=0)
    seconds = time.perf_counter() - start
    spikes = 0 if model.spikes_ is None else model.spikes_["spike_id"].nunique()
    print(json.dumps({"on": on, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "candidates": spikes}))


def speed(n_sku: int) -> None:
    """Discovery on vs off, each in a fresh process, alternated twice: the ratio of the medians."""
    import json
    import subprocess

    runs = []
    for on in (False, True, False, True):
        out = subprocess.run([sys.executable, __file__, "--speed-child", "1" if on else "0", "--skus", str(n_sku)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    frame = pd.DataFrame(runs).groupby("on").agg(seconds=("seconds", "median"), peak_mb=("peak_mb", "max"),
                                                  candidates=("candidates", "max"))
    off, on = frame.loc[False], frame.loc[True]
    print(f"{n_sku:,} SKUs x 730 days, fit + 90-day predict (load {os.getloadavg()[0]:.1f}): discovery off "
          f"{off.seconds:.1f} s, {off.peak_mb:,.0f} MB; on {on.seconds:.1f} s, {on.peak_mb:,.0f} MB "
          f"({int(on.candidates)} candidates); time on / off = {on.seconds / off.seconds:.2f}, memory "
          f"{on.peak_mb / off.peak_mb:.2f}")


def real_data() -> None:
    """UCI Online Retail II as `restock import` stores it (its bulk-line check on), market GB, no calendar:
    SKU-days and candidates flagged. Also the raw order lines without the import's checks."""
    import tempfile

    from planner import pipeline
    from planner.importer import import_files
    from planner.shop import Shop, init_shop

    path = Path(os.environ.get("RESTOCK_SHARED_DATA", "/work/shared/data")) / "online_retail" / \
        "online_retail_II_2009-12_2010-12_raw.parquet"
    with tempfile.TemporaryDirectory() as folder:
        init_shop(Path(folder) / "uci")
        toml = Path(folder) / "uci" / "shop.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('market = "TH"', 'market = "GB"'), encoding="utf-8")
        shop = Shop.open(Path(folder) / "uci")
        import_files(shop, [path], on_bad_rows="skip")
        history = pipeline.load_history(shop)
        start = time.perf_counter()
        spikes = pipeline.shop_spikes(shop, shop.inputs(), history)
        seconds = time.perf_counter() - start
    describe("UCI as imported", history, spikes, seconds)
    print(f"forecast of UCI's last {HORIZON} days (as imported) against its sales:")
    show_forecast(forecast_rows(history, None, history.set_index(["sku", "date"])["units"], "GB", "UCI"))
    raw = pd.read_parquet(path)
    raw = raw[(raw["Quantity"] > 0) & ~raw["Invoice"].astype(str).str.startswith("C")]
    daily = raw.assign(sku=raw["StockCode"].astype(str), date=pd.to_datetime(raw["InvoiceDate"]).dt.normalize())
    daily = daily.groupby(["sku", "date"], as_index=False)["Quantity"].sum().rename(columns={"Quantity": "units"})
    history = mark_stockouts(complete_history(daily))
    start = time.perf_counter()
    spikes = unexplained_spikes(history, market="GB")
    describe("UCI raw lines (no bulk-line check)", history, spikes, time.perf_counter() - start)


def describe(label: str, history: pd.DataFrame, spikes: pd.DataFrame, seconds: float) -> None:
    cells, sale_days = len(history), int((history["units"] > 0).sum())
    shared = spikes.groupby("spike_id")["sku"].nunique()
    print(f"{label}: {history['sku'].nunique():,} SKUs, {cells:,} SKU-days ({sale_days:,} with sales); {len(spikes):,} "
          f"SKU-days flagged ({len(spikes) / cells:.3%} of SKU-days, {len(spikes) / max(sale_days, 1):.2%} of days with "
          f"sales) on {spikes['date'].nunique()} of {history['date'].nunique()} days, {spikes['sku'].nunique():,} SKUs; "
          f"{len(shared)} candidates, {int((shared > 1).sum())} of them several SKUs; median multiple "
          f"{spikes['multiple'].median():.0f}x; {seconds:.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--group-grid", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--speed-child", default=None)
    parser.add_argument("--no-forecast", action="store_true")
    args = parser.parse_args(argv)
    if args.grid:
        grid()
        return 0
    if args.speed_child is not None:
        speed_child(args.speed_child == "1", args.skus)
        return 0
    if args.speed:
        speed(args.skus)
        return 0
    if args.group_grid:
        group_grid()
        return 0
    if args.real:
        real_data()
        return 0
    load(TUNING + CONFIRMATION)
    print(f"thresholds: significance {SIGNIFICANCE:g}, min_multiple {MIN_MULTIPLE:g}, min_extra_units {MIN_EXTRA_UNITS:g}; "
          f"{LEFT_OUT:.0%} of past campaigns left out")
    print(show(f"tuning seeds {TUNING}", evaluate(TUNING)))
    print(show(f"confirmation seeds {CONFIRMATION}", evaluate(CONFIRMATION)))
    print(f"  tuning: {planted(TUNING)}")
    print(f"  confirmation: {planted(CONFIRMATION)}")
    print("planted in Poisson-gamma series (dispersion 0.25, the generator's noise), found by level and multiple:")
    for seed in TUNING + CONFIRMATION:
        print(f"  seed {seed}: {planted_grid(seed)}")
    if not args.no_forecast:
        print(f"forecast of the last {HORIZON} days, confirmation seeds:")
        forecast_effect(CONFIRMATION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
