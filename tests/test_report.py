"""The buyer's PDF: renders for the sample shop, its numbers read back equal the orders CSV, names in
Thai, Chinese and Vietnamese come through, long tables keep their header, a large plan lists every
line in bounded pages, same inputs -> same bytes."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import pytest
from pypdf import PdfReader

from planner import pipeline
from planner import scenarios as S
from planner.report import build_report
from tests.test_plan import build_paths
from tests.test_plan import day as plan_day
from tests.test_plan import run as plan_run
from tests.test_plan import shop as plan_inputs  # noqa: F401  (test_plan's small hand-made shop, as a fixture)
from tests.test_scenarios import EXAMPLES, sample_run  # noqa: F401  (the session's sample forecast)

VIETNAMESE = "Kem chống nắng Việt Nam SPF50"


def _text(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def report(sample_run, tmp_path_factory):  # noqa: F811
    """The sample shop's report (one product renamed in Vietnamese), its page texts and the plan CSVs."""
    shop, inputs, result, plan = sample_run
    folder = tmp_path_factory.mktemp("report")
    inputs = renamed(inputs, plan.orders["sku"].iloc[0], VIETNAMESE)
    pipeline.write_plan(plan, folder)
    # compare_scenarios is tested in test_scenarios; here its table only needs to be laid out
    metrics = {m: [1.0, 2.0] for m in S.COMPARISON_METRICS}
    metrics.update(purchase_value=[51291.68, 16284.56], fill_rate=[0.886, 0.885])
    scenarios = pd.DataFrame({"scenario": ["Baseline", "Cash cap 20,000 THB"], "changes": [0, 1], **metrics,
                              **{f"{m}_vs_baseline": [0.0, v[1] - v[0]] for m, v in metrics.items()}})
    backtest = pd.DataFrame({"model": ["campaign", "campaign"], "segment": ["all", "abc"], "value": ["all", "A"],
                             "n_days": [900, 300], "units": [4754.0, 3386.0], "wape": [0.867, 0.816], "bias": [-0.067, -0.044],
                             "mase": [0.54, 0.59], "coverage_p90": [0.95, 0.95]})
    path = build_report(shop, inputs, result, plan, folder / "report.pdf", scenarios_table=scenarios, backtest_table=backtest,
                        top_skus=2)
    return path, _text(path), folder, plan, scenarios


def renamed(inputs, sku: str, name: str):
    """The inputs with one product's name changed (the plans made from them are unchanged)."""
    products = inputs.products.copy()
    products.loc[products["sku"] == sku, "name"] = name
    return replace(inputs, products=products)


def _amount(text: str) -> float:
    return float(text.replace(",", ""))


def test_supplier_totals_read_back_equal_the_orders_csv(report):
    _, pages, folder, plan, _ = report
    text = "\n".join(pages)
    csv = pd.read_csv(folder / "orders.csv", dtype={"value": str})
    found = {m.group(1): (int(m.group(2)), _amount(m.group(3)), _amount(m.group(4)))
             for m in re.finditer(r"Total (.+?): (\d+) lines, ([\d,]+) units, ([\d,]+\.\d\d) THB", text)}
    assert set(found) == set(csv["supplier"])
    for supplier, lines in csv.groupby("supplier"):
        n, units, value = found[supplier]
        assert n == len(lines)
        assert units == lines["quantity"].sum()
        assert f"{value:.2f}" == f"{lines['value'].astype(float).sum():.2f}"
        exact = plan.orders.loc[plan.orders["supplier"] == supplier, "value"].sum()
        assert f"{value:.2f}" == f"{exact:.2f}"
    # the cover's purchase value and order-line count are the CSV's too
    cover = pages[0]
    assert f"{len(csv)} order lines, {csv['quantity'].sum():,} units" in cover
    assert f"{plan.orders['value'].sum():,.2f}" in cover


def test_every_order_line_is_in_its_supplier_table(report):
    _, pages, folder, _, _ = report
    text = "\n".join(pages)
    csv = pd.read_csv(folder / "orders.csv", dtype=str)
    for row in csv.itertuples():
        line = re.search(rf"{re.escape(row.sku)} .*? ([\d,]+) (\d+) x (\d+) ([\d,]+\.\d\d) ([\d,]+\.\d\d) "
                         rf"{row.order_by} {row.expected_arrival}", text)
        assert line, row.sku
        quantity, cases, pack, unit_cost, value = line.groups()
        assert (int(quantity.replace(",", "")), cases, pack) == (int(row.quantity), row.cases, row.case_pack)
        assert _amount(value) == float(row.value) and _amount(unit_cost) == float(row.unit_cost)


def test_cover_counts_match_the_alerts(report):
    _, pages, folder, plan, _ = report
    alerts = pd.read_csv(folder / "alerts.csv")
    at_risk = alerts.loc[alerts["kind"] == "stockout_before_arrival", "sku"].nunique()
    assert re.search(rf"SKUs at risk\s*{at_risk}\b", pages[0])
    assert re.search(rf"Campaigns at risk\s*{len(S.campaigns_at_risk(plan))}\b", pages[0])


def test_names_in_thai_chinese_and_vietnamese_come_through(report):
    path, pages, _, _, _ = report
    text = "\n".join(pages)
    assert VIETNAMESE in text
    assert re.search(r"[\u0e00-\u0e7f]{3,}", text), "no Thai name in the report"
    assert re.search(r"[\u4e00-\u9fff]{2,}", text), "no Chinese name in the report"
    fonts = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansThai" in f for f in fonts) and any("CJK" in f for f in fonts), fonts


def test_sections_scenarios_and_accuracy_when_given(report):
    _, pages, _, _, scenarios = report
    text = "\n".join(pages)
    for title in ("Restock orders per supplier", "Risks", "Runs out before the next arrival", "Campaigns not covered",
                  "Overstock and clearance candidates", "What-if scenarios", "Forecast accuracy (last backtest)"):
        assert title in text, title
    assert scenarios.loc[0, "scenario"] in text
    assert f"{scenarios.loc[1, 'purchase_value']:,.2f}" in text and "-35,007.12" in text
    assert "86.7 %" in text  # the backtest's WAPE
    assert "Value at risk" in text  # at least one SKU page


def test_long_tables_continue_with_their_header_and_same_inputs_same_bytes(sample_run, tmp_path):  # noqa: F811
    shop, inputs, result, plan = sample_run
    one = plan.orders.iloc[[0]]
    many = pd.concat([one.assign(reason=f"line {k}") for k in range(45)], ignore_index=True)
    long_plan = replace(plan, orders=many, alerts=plan.alerts.head(3), transfers=plan.transfers.head(0))
    first = build_report(shop, inputs, result, long_plan, tmp_path / "a.pdf", top_skus=0)
    second = build_report(shop, inputs, result, long_plan, tmp_path / "b.pdf", top_skus=0)
    assert first.read_bytes() == second.read_bytes()
    pages = _text(first)
    with_header = [k for k, page in enumerate(pages) if "SKU Name Qty Case packs Unit cost Value Order by Arrives Reason" in page]
    assert len(with_header) >= 2 and with_header[1] == with_header[0] + 1, with_header


def test_sku_pages_show_the_plan_csv_figures(report):
    _, pages, folder, _, _ = report
    plan_csv = pd.read_csv(folder / "plan.csv", dtype=str).set_index("sku")
    sku_pages = [page for page in pages if "Value at risk" in page]
    assert sku_pages
    for page in sku_pages:
        sku = page.split(" · ", 1)[0].strip()
        row = plan_csv.loc[sku]
        for label, column in (("reorder point", "reorder_point"), ("safety stock", "safety_stock"),
                              ("order-up-to", "order_up_to"), ("position", "position"), ("cover", "cover_days")):
            shown = re.search(rf"(?:^|· ){label} (-?[\d.,]+)", page, re.MULTILINE).group(1)
            assert shown.replace(",", "") == row[column], (sku, label, shown, row[column])


def test_risk_tables_show_the_first_rows_and_count_the_rest(sample_run, tmp_path, monkeypatch):  # noqa: F811
    """A 10,000-SKU shop has thousands of alerts: the report lists the most urgent, alerts.csv all of them."""
    from planner.report import risks

    shop, inputs, result, plan = sample_run
    stockouts = plan.alerts[plan.alerts["kind"] == "stockout_before_arrival"]
    assert len(stockouts) > 3
    monkeypatch.setattr(risks, "MAX_RISK_ROWS", 3)
    pages = _text(build_report(shop, inputs, result, plan, tmp_path / "r.pdf", top_skus=0))
    text = " ".join(pages)
    assert f"3 of {len(stockouts)} shown, the soonest first; alerts.csv lists them all." in text
    soonest = stockouts.sort_values(["date", "sku"])["sku"].tolist()
    assert soonest[0] in text and soonest[-1] not in text.split("Campaigns not covered")[0].split("Runs out before")[-1]


def _many_lines(plan, n_orders: int, n_transfers: int):
    """The sample plan with its order and transfer lines copied to n lines each, every copy its own SKU
    (plan.csv rows copied with them), quantities and values varied so that each line reads differently."""
    def copies(frame, n, mark):
        rows = frame.iloc[[k % len(frame) for k in range(n)]].reset_index(drop=True)
        return rows.assign(sku=[f"{sku}-{mark}{k:04d}" for k, sku in enumerate(rows["sku"])])

    orders = copies(plan.orders, n_orders, "O")
    factor = 1 + pd.Series(range(n_orders)) % 7
    orders = orders.assign(quantity=orders["quantity"] * factor, cases=orders["cases"] * factor)
    orders = orders.assign(value=orders["quantity"] * orders["unit_cost"])
    transfers = copies(plan.transfers, n_transfers, "T")
    base = plan.plan.set_index("sku")
    rows = pd.concat([base.loc[[s.rsplit("-", 1)[0] for s in frame["sku"]]].assign(sku=frame["sku"].to_numpy())
                      for frame in (orders, transfers)], ignore_index=True)
    return replace(plan, orders=orders.sort_values(["supplier", "sku"]).reset_index(drop=True), transfers=transfers,
                   plan=pd.concat([plan.plan, rows], ignore_index=True))


def test_a_large_plan_lists_every_order_line_on_one_line_and_stays_within_its_pages(sample_run, tmp_path):  # noqa: F811
    """Beyond FULL_REASONS order lines each line takes one line of its supplier's table, its reason in
    short (position -> order-up-to from plan.csv, the MOQ when it set the quantity); the pages grow
    with the lines, not with their reasons."""
    from planner.report import document

    shop, inputs, result, plan = sample_run
    n_orders, n_transfers = document.FULL_REASONS + 200, document.FULL_REASONS + 50
    big = _many_lines(plan, n_orders, n_transfers)
    path = build_report(shop, inputs, result, big, tmp_path / "big.pdf", top_skus=0)
    pages = _text(path)
    # cover + risks (2 pages in the sample) + at most 3 pages per 100 lines (a line is 4.5 mm of 184)
    assert len(pages) <= 3 + 3 * math.ceil((n_orders + n_transfers) / 100), len(pages)
    text = "\n".join(pages)
    assert "orders.csv holds each line's full reason" in text
    levels = big.plan.set_index("sku")
    assert big.orders["reason"].str.contains("(MOQ", regex=False).any()
    for r in big.orders.itertuples():
        found = re.search(rf"{re.escape(r.sku)} .*? ([\d,]+) (\d+) x (\d+) ([\d,]+\.\d\d) ([\d,]+\.\d\d) "
                          rf"{r.order_by:%Y-%m-%d} {r.expected_arrival:%Y-%m-%d} (.*)", text)
        assert found, r.sku
        quantity, cases, pack, unit_cost, value, reason = found.groups()
        assert (int(quantity.replace(",", "")), int(cases), int(pack)) == (r.quantity, r.cases, r.case_pack)
        assert _amount(unit_cost) == round(r.unit_cost, 2) and _amount(value) == round(r.value, 2)
        row = levels.loc[r.sku]
        assert reason.startswith(f"position {row['position'] + row['upstream_position']:,.0f} -> "
                                 f"up to {row['order_up_to']:,.0f}"), (r.sku, reason)
        moq = re.search(r"\(MOQ (\d+)\)", r.reason)
        assert (f"MOQ {moq.group(1)}" in reason) if moq else ("MOQ" not in reason), (r.sku, reason)
    totals = re.findall(r"Total (.+?): (\d+) lines, ([\d,]+) units, ([\d,]+\.\d\d) THB", text)
    assert sum(int(n) for _, n, _, _ in totals) == n_orders
    for r in big.transfers.itertuples():
        # (a copy's SKU is not in products.csv: no name)
        assert re.search(rf"{re.escape(r.sku)} {r.quantity:,.0f} {r.ship_by:%Y-%m-%d}", text), r.sku


def test_short_reason_names_what_set_the_quantity(plan_inputs):
    """The plan's own reasons: a budget cut, a campaign pre-build (the MOQ: in the large-plan test)."""
    from planner.plan import PlanSettings
    from planner.report.document import short_reason

    capped = plan_run(plan_inputs, settings=PlanSettings(budget_cap=5000.0))
    levels = capped.plan.set_index("sku")
    serum = capped.orders.set_index("sku").loc["SERUM"]
    assert "budget cap" in serum["reason"]
    short = short_reason(serum.to_dict() | {"sku": "SERUM"}, levels)
    row = levels.loc["SERUM"]
    assert short.startswith(f"position {row['position'] + row['upstream_position']:,.0f} -> up to {row['order_up_to']:,.0f}")
    assert short.endswith("; cut by the budget cap"), short
    # past the days SERUM's order may cover (test_plan's pre-build test), ordered for by today + 6
    campaigns = pd.DataFrame({"campaign_id": ["MEGA"], "type": ["mega_sale"], "start": [plan_day(47)],
                              "end": [plan_day(49)], "skus": ["SERUM"]})
    paths = build_paths(spike=0)
    paths.values[0, :, 47:49] += 150
    pre_built = plan_run(plan_inputs, paths=paths, campaigns=campaigns, settings=PlanSettings(receiving_buffer_days=7))
    line = pre_built.orders.set_index("sku").loc["SERUM"].to_dict() | {"sku": "SERUM"}
    assert "pre-build for MEGA" in line["reason"]
    assert "pre-build for MEGA" in short_reason(line, pre_built.plan.set_index("sku"))
    assert short_reason(line | {"sku": "unknown", "pre_build": None}, levels) == ""


def test_health_trend_of_runs_on_one_day_draws_without_a_date_axis_warning():
    """Runs minutes apart (and this run at its planning day) span about a day: too short for the date
    axis's 3 ticks, so matplotlib warned on the second run of a day and every run after it."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from planner.report.figures import trend_figure

    dates = pd.DatetimeIndex([pd.Timestamp(d) for d in ("2026-11-23 10:49:10", "2026-11-23 10:49:33", "2026-11-23 10:49:48",
                                                        "2026-11-22")])
    trend = pd.DataFrame({"date": dates, "days of cover": [40.0, 41.0, 41.0, 41.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FigureCanvasAgg(trend_figure(trend)).draw()


def test_the_inputs_warnings_head_the_cover(sample_run, tmp_path):  # noqa: F811
    """issue 22: warnings go to the manifest, the log and the report's first page (three in full, the rest
    counted)."""
    shop, inputs, result, plan = sample_run
    warnings = [f"warning {k}: the snapshot is old" for k in range(5)]
    pages = _text(build_report(shop, inputs, result, plan, tmp_path / "w.pdf", top_skus=0, warnings=warnings))
    cover = " ".join(pages[0].split())
    assert "Check the inputs: warning 0: the snapshot is old" in cover and "warning 2:" in cover
    assert "warning 3:" not in cover and "... and 2 more warnings" in cover
    assert "Check the inputs" not in " ".join(_text(build_report(shop, inputs, result, plan, tmp_path / "n.pdf", top_skus=0))[0].split())
