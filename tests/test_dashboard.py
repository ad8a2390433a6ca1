"""The days-of-cover dashboard (planner/report/dashboard.py): its figures are plan.csv's, orders.csv's and
alerts.csv's; a product name with markup stays text; and in headless Chromium (tests/chromium.py) the page
loads without console errors, lists every SKU, filters, sorts and draws a SKU's chart."""

from __future__ import annotations

import itertools
import json
import re
import pandas as pd
import pytest

from planner import pipeline
from planner.plan.settings import plan_settings
from planner.report.dashboard import build_dashboard, script_json
from tests.chromium import Chromium, find_chromium
from tests.test_report import renamed
from tests.test_scenarios import sample_run  # noqa: F401  (the session's sample forecast)

NASTY = "</script><script>alert(1)</script> <b>ครีม</b> 面霜 & 😀 \u2028"
NO_CHROMIUM = "no Chromium binary on PATH (chromium, chromium-browser, google-chrome; or RESTOCK_CHROMIUM): " \
              ".ci/run installs Debian's chromium where apt-get is available"


@pytest.fixture(scope="module")
def dashboard(sample_run, tmp_path_factory):  # noqa: F811
    """The sample shop's dashboard (one product named with markup) and the plan's CSV files beside it."""
    shop, inputs, result, plan = sample_run
    folder = tmp_path_factory.mktemp("dashboard")
    sku = plan.plan["sku"].iloc[2]
    inputs = renamed(inputs, sku, NASTY)
    pipeline.write_plan(plan, folder)
    path = build_dashboard(shop.config.shop.name, shop.config.shop.currency, inputs, result, plan,
                           plan_settings(shop.config), folder / "dashboard.html")
    return path, folder, sku


def embedded(path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1))


def test_every_figure_is_the_plan_csvs(dashboard):
    path, folder, _ = dashboard
    data = embedded(path)
    plan = pd.read_csv(folder / "plan.csv", dtype={"sku": str})
    assert [s["sku"] for s in data["skus"]] == plan["sku"].tolist()
    by_sku = {s["sku"]: s for s in data["skus"]}
    for row in plan.itertuples():
        s = by_sku[row.sku]
        assert s["cover"] == pytest.approx(row.cover_days, abs=1e-9)
        assert s["position"] == pytest.approx(row.position, abs=1e-9)
        assert s["order"] == row.order_quantity
        assert s["reorder"] == pytest.approx(row.reorder_point, abs=1e-9)
        assert s["runout"] == (None if pd.isna(row.stockout_date) else row.stockout_date)
    orders = pd.read_csv(folder / "orders.csv", dtype={"sku": str, "value": str})
    for sku, lines in orders.groupby("sku"):
        assert by_sku[sku]["order_by"] == lines["order_by"].min()
        assert f"{by_sku[sku]['value']:.2f}" == f"{lines['value'].astype(float).sum():.2f}"
    alerts = pd.read_csv(folder / "alerts.csv", dtype={"sku": str})
    assert sum(len(s["alerts"]) for s in data["skus"]) == len(alerts)
    for (sku, kind), group in alerts.groupby(["sku", "kind"]):
        assert [a[2] for a in by_sku[sku]["alerts"] if a[0] == kind] == group["message"].tolist()
    projected = pd.read_csv(folder / "projected.csv", dtype={"sku": str})
    first = projected[projected["sku"] == plan["sku"].iloc[0]]
    assert [v / 10 for v in itertools.accumulate(by_sku[plan["sku"].iloc[0]]["p"])] == \
        pytest.approx(first["on_hand_with_plan"].tolist())
    # a SKU's next campaign is its first that has not ended, as [id, start date]
    with_campaigns = [s for s in data["skus"] if s["campaigns"]]
    assert with_campaigns and all(data["campaigns"][s["campaign"]][3] >= 0 for s in with_campaigns if s["campaign"] is not None)


def test_markup_in_a_name_stays_text(dashboard):
    path, _, sku = dashboard
    text = path.read_text(encoding="utf-8")
    assert text.count("</script>") == 2 and "<b>ครีม" not in text  # the data's script and the page's own
    assert "\u2028" not in text
    assert {s["sku"]: s["name"] for s in embedded(path)["skus"]}[sku] == NASTY
    assert script_json({"a": "</script>&"}) == '{"a":"\\u003c/script\\u003e\\u0026"}'


PAGE = 400  # rows the page draws at a time (dashboard.html)


def _visible(browser) -> list[str]:
    return browser.evaluate("[...document.querySelectorAll('#skus tbody tr.sku')].map(r => r.cells[0].textContent)")


def check_in_browser(browser, path, plan: pd.DataFrame, query: str) -> float:
    """The page's checks in a real browser; returns the seconds to its load event."""
    seconds = browser.load(path)
    assert browser.errors == []
    n = len(plan)
    assert browser.evaluate("document.getElementById('count').textContent").startswith(f"showing {n:,} of {n:,} SKUs")
    drawn = _visible(browser)
    assert len(drawn) == min(n, PAGE) and drawn == plan["sku"].tolist()[:PAGE]
    # typing a filter keeps the SKUs it names, in a real keystroke-like insert
    browser.type("#filter", query)
    expected = sorted(plan.loc[plan["sku"].str.lower().str.contains(query.lower(), regex=False), "sku"])
    assert 0 < len(expected) < min(n, PAGE)
    assert sorted(_visible(browser)) == expected
    assert browser.evaluate("document.getElementById('count').textContent") == f"showing {len(expected):,} of {n:,} SKUs"
    # clicking a column header sorts by it: days of cover, ascending then descending (over every SKU)
    browser.evaluate("document.querySelector('#filter').value = ''; document.querySelector('#filter').dispatchEvent(new Event('input'))")
    browser.click("th[data-key=cover]")
    cover = plan.set_index("sku")["cover_days"]
    shown = [cover[s] for s in _visible(browser)]
    assert shown == sorted(cover)[:PAGE]
    assert browser.evaluate("document.querySelector('th[data-key=cover]').getAttribute('aria-sort')") == "ascending"
    browser.click("th[data-key=cover]")
    shown = [cover[s] for s in _visible(browser)]
    assert shown == sorted(cover, reverse=True)[:PAGE]
    # opening a row draws its chart
    assert browser.evaluate("document.querySelectorAll('svg.chart').length") == 0
    browser.click("#skus tbody tr.sku")
    assert browser.evaluate("document.querySelectorAll('svg.chart polyline').length") >= 1
    assert browser.errors == []
    return seconds


@pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)
def test_the_page_in_headless_chromium(dashboard):
    path, folder, sku = dashboard
    plan = pd.read_csv(folder / "plan.csv", dtype={"sku": str})
    with Chromium.open() as browser:
        check_in_browser(browser, path, plan, "bea-cream")
        # the headline tiles count as the PDF's cover does (SKUs at risk) and as orders.csv sums
        alerts = pd.read_csv(folder / "alerts.csv", dtype={"sku": str})
        orders = pd.read_csv(folder / "orders.csv", dtype={"sku": str, "value": str})
        tiles = browser.evaluate("[...document.querySelectorAll('.tile b')].map(b => b.textContent)")
        at_risk = alerts.loc[alerts["kind"] == "stockout_before_arrival", "sku"].nunique()
        assert tiles == [f"{len(plan):,}", f"{at_risk:,}", f"{alerts['sku'].nunique():,}", f"{orders['sku'].nunique():,}",
                         f"{orders['value'].astype(float).sum():,.2f}"]
        # the name with markup is the cell's text, not markup, and ran nothing
        browser.evaluate("document.querySelector('#filter').value = ''; document.querySelector('#filter').dispatchEvent(new Event('input'))")
        names = browser.evaluate("Object.fromEntries([...document.querySelectorAll('#skus tbody tr.sku')].map(r => [r.cells[0].textContent, r.cells[1].textContent]))")
        assert names[sku] == NASTY
        assert browser.evaluate("document.querySelectorAll('td.name b, td.name script').length") == 0
        assert not [e for e in browser.events if e["method"] == "Page.javascriptDialogOpening"]


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)
def test_a_10k_sku_shop_in_headless_chromium(tmp_path):
    """A generated 10,000-SKU shop (bench/run_scale.py's): every SKU in the data, the first rows drawn and
    more as the page scrolls, filter and sort over all of them. Figures by hand: bench/dashboard_open.py."""
    import importlib.util
    import time

    from planner.importer import import_files
    from planner.shop import Shop
    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("run_scale", REPO / "bench" / "run_scale.py")
    run_scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_scale)
    run_scale.build_shop(10_000, tmp_path / "shop")
    shop = Shop.open(tmp_path / "shop")
    import_files(shop, sorted(shop.inbox.iterdir()))
    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs)
    plan = pipeline.run_plan(shop, inputs, result)
    pipeline.write_plan(plan, tmp_path)
    path = build_dashboard(shop.config.shop.name, shop.config.shop.currency, inputs, result, plan,
                           plan_settings(shop.config), tmp_path / "dashboard.html")
    csv = pd.read_csv(tmp_path / "plan.csv", dtype={"sku": str})
    assert len(embedded(path)["skus"]) == len(csv) > 9_000
    with Chromium.open() as browser:
        check_in_browser(browser, path, csv, "-0012")
        browser.evaluate("document.querySelector('#filter').value = ''; document.querySelector('#filter').dispatchEvent(new Event('input'))")
        browser.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        for _ in range(50):
            if len(_visible(browser)) > PAGE:
                break
            time.sleep(0.2)
        assert len(_visible(browser)) == 2 * PAGE


def test_restock_report_writes_the_dashboard_beside_the_pdf(sample_run, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from planner.cli import main

    shop = sample_run[0]
    result = CliRunner().invoke(main, ["report", "--shop", str(shop.root), "--out", str(tmp_path / "buyer.pdf"),
                                       "--scenario", str(shop.scenario_files[0])])
    assert result.exit_code == 0, result.output
    assert f"Dashboard: {tmp_path / 'dashboard.html'}" in result.output
    assert len(embedded(tmp_path / "dashboard.html")["skus"]) == len(sample_run[3].plan)
