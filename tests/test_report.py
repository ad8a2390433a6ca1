"""The buyer's PDF: renders for the sample shop, its numbers read back equal the orders CSV, names in
Thai, Chinese and Vietnamese come through, long tables keep their header, a large plan lists every
line in bounded pages, same inputs -> same bytes."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
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
EMOJI = "Sun cream \U0001f31e\ufe0f SPF50 \u2764\ufe0f"


def _text(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def report(sample_run, tmp_path_factory):  # noqa: F811
    """The sample shop's report (one product renamed in Vietnamese), its page texts and the plan CSVs."""
    shop, inputs, result, plan = sample_run
    folder = tmp_path_factory.mktemp("report")
    inputs = renamed(renamed(inputs, plan.orders["sku"].iloc[0], VIETNAMESE), plan.orders["sku"].iloc[1], EMOJI)
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
    # the cover's purchase value and order-line count are the CSV's too, and each supplier's days span
    # its lines' (one day only when they agree)
    cover = pages[0]
    flat = " ".join(cover.split())
    for supplier, lines in csv.groupby("supplier"):
        first, last = pd.to_datetime(lines["expected_arrival"]).min(), pd.to_datetime(lines["expected_arrival"]).max()
        span = f"{first:%Y-%m-%d}" + (f" to {last:%m-%d}" if last != first else "")
        assert re.search(rf"{re.escape(span)}(?! to)", flat), (supplier, span)
        saved = plan.orders.loc[plan.orders["supplier"] == supplier, "lost_margin_avoided"].sum()
        assert re.search(rf"{re.escape(span)} {re.escape(f'{saved:,.2f}')}", flat), (supplier, saved)
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
    assert "Sun cream \u25a1 SPF50 \u25a1" in text  # emoji no font draws: replaced visibly, not dropped
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
        # the page's fill figure names how it differs from the order line's "expected fill" (issue 22)
        level = re.search(r"the level is set for ([\d.]+) ?%", page.replace("\n", " "))
        if pd.notna(row["expected_fill_rate"]):
            assert float(level.group(1)) == round(float(row["expected_fill_rate"]) * 100, 1), (sku, level)
            assert "the order line's expected fill" in page.replace("\n", " ")
        for line in (folder / "orders.csv").read_text(encoding="utf-8-sig").splitlines():
            if f'"{sku}"' in line and "expected fill" in line:
                assert f"expected fill {level.group(1)}%" in line.replace(" %", "%"), (sku, line)


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


def test_a_large_plan_lists_each_suppliers_largest_lines_and_stays_within_its_pages(sample_run, tmp_path):  # noqa: F811
    """Issue 20: the PDF stays about 30 pages at any catalogue size. Beyond MAX_LISTED_LINES order lines
    each supplier lists its largest lines, in proportion to its lines, one row each with orders.csv's
    short reason, and says what it leaves to its PO file; its total still counts every line."""
    from planner.io.orders_file import short_reason
    from planner.report import document
    from planner.report.orders import MAX_LISTED_LINES, MAX_TRANSFER_ROWS

    shop, inputs, result, plan = sample_run
    n_orders, n_transfers = MAX_LISTED_LINES + 250, MAX_TRANSFER_ROWS + 50
    big = _many_lines(plan, n_orders, n_transfers)
    path = build_report(shop, inputs, result, big, tmp_path / "big.pdf", top_skus=0)
    pages = _text(path)
    assert len(pages) <= 14, len(pages)
    text = "\n".join(pages)
    listed = 0
    for r in big.orders.to_dict("records"):
        found = re.search(rf"{re.escape(r['sku'])} .*? ([\d,]+) (\d+) x (\d+) ([\d,]+\.\d\d) ([\d,]+\.\d\d) "
                          rf"{r['order_by']:%Y-%m-%d} {r['expected_arrival']:%Y-%m-%d} (.*)", text)
        if not found:
            continue
        listed += 1
        quantity, cases, pack, unit_cost, value, reason = found.groups()
        assert (int(quantity.replace(",", "")), int(cases), int(pack)) == (r["quantity"], r["cases"], r["case_pack"])
        assert _amount(unit_cost) == round(r["unit_cost"], 2) and _amount(value) == round(r["value"], 2)
        assert short_reason(r).startswith(reason.rstrip(".… ")[:40]), (r["sku"], reason)
    assert MAX_LISTED_LINES * 0.8 <= listed <= MAX_LISTED_LINES + 3 * len(big.orders["supplier"].unique()), listed
    totals = re.findall(r"Total (.+?): (\d+) lines, ([\d,]+) units, ([\d,]+\.\d\d) THB", text)
    assert sum(int(n) for _, n, _, _ in totals) == n_orders
    flat = " ".join(text.split())
    for supplier, lines in big.orders.groupby("supplier"):
        more = re.search(rf"Total {re.escape(supplier)}: .*? Its (\d+) largest lines; (\d+) more, ([\d,]+\.\d\d) THB", flat)
        assert more, supplier
        quota, rest, value = int(more.group(1)), int(more.group(2)), _amount(more.group(3))
        largest = lines.sort_values(["value", "sku"], ascending=[False, True])
        assert quota + rest == len(lines) and f"{value:.2f}" == f"{largest['value'].iloc[quota:].sum():.2f}"
    assert f"The {MAX_TRANSFER_ROWS} largest of {n_transfers} transfers" in flat


def test_a_plan_with_many_suppliers_summarises_the_smaller_ones(sample_run, tmp_path):  # noqa: F811
    from planner.report.orders import MAX_SUPPLIER_TABLES

    shop, inputs, result, plan = sample_run
    big = _many_lines(plan, 120, 0)
    # a cent more per line down the list: no two suppliers' totals tie, so the largest 25 are one set
    big = replace(big, orders=big.orders.assign(supplier=[f"Supplier {k % 40:02d}" for k in range(120)],
                                                value=big.orders["value"] + 0.01 * pd.RangeIndex(120)))
    pages = _text(build_report(shop, inputs, result, big, tmp_path / "many.pdf", top_skus=0))
    flat = " ".join(" ".join(pages).split())
    assert f"{40 - MAX_SUPPLIER_TABLES} more suppliers" in flat
    assert len(re.findall(r"Total Supplier \d\d: ", flat)) == MAX_SUPPLIER_TABLES
    values = big.orders.groupby("supplier")["value"].sum().sort_values(ascending=False)
    for supplier in values.index[MAX_SUPPLIER_TABLES:]:
        assert f"{supplier} 3 " in flat or f"{supplier} " in flat  # a row of the summary table
        assert f"Total {supplier}:" not in flat


def test_the_report_shows_each_order_lines_short_reason_as_orders_csv_does(report):
    """One short reason, the same in the PDF and in orders.csv (issue 20: one row per line, the detail in
    the CSV); the plan's own reasons name a budget cut and a pre-build (test_orders_file)."""
    _, pages, folder, plan, _ = report
    text = " ".join(pages).replace("\n", " ")
    shown = pd.read_csv(folder / "orders.csv", dtype={"sku": str})
    for reason in shown["reason"].head(10):
        assert reason[:60] in text, reason
    assert not any(detail[:200] in text for detail in shown["reason_detail"])


def test_short_reason_names_what_set_the_quantity(plan_inputs):
    """The plan's own reasons in short: a budget cut, a campaign pre-build (the MOQ: in the doctest)."""
    from planner.io.orders_file import short_reason
    from planner.plan import PlanSettings

    capped = plan_run(plan_inputs, settings=PlanSettings(budget_cap=5000.0))
    serum = capped.orders.set_index("sku").loc["SERUM"]
    assert "budget cap" in serum["reason"]
    short = short_reason(serum.to_dict() | {"sku": "SERUM"})
    assert short.startswith(f"position {serum['position']:.0f}, needs ") and "budget cap" in short, short
    # past the days SERUM's order may cover (test_plan's pre-build test), ordered for by today + 6
    campaigns = pd.DataFrame({"campaign_id": ["MEGA"], "type": ["mega_sale"], "start": [plan_day(47)],
                              "end": [plan_day(49)], "skus": ["SERUM"]})
    paths = build_paths(spike=0)
    paths.values[0, :, 47:49] += 150
    pre_built = plan_run(plan_inputs, paths=paths, campaigns=campaigns, settings=PlanSettings(receiving_buffer_days=7))
    line = pre_built.orders.set_index("sku").loc["SERUM"].to_dict() | {"sku": "SERUM"}
    assert "pre-build for MEGA" in line["reason"] and "pre-build for MEGA" in short_reason(line)


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


def test_a_binding_fbt_quota_is_listed_with_the_risks(sample_run, tmp_path):  # noqa: F811
    """Issue 19: a transfer FBT's monthly inbound quota cut is named on the risks pages; a plan no cap
    bound has no such table."""
    from planner.plan.reasons import alert_message

    shop, inputs, result, plan = sample_run
    cut = {"sku": plan.transfers["sku"].iloc[0], "location": "fbt", "kind": "fbt_quota",
           "date": plan.transfers["ship_by"].iloc[0], "quantity": 36.0, "kept": 10.0, "month": "2026-12",
           "quota": 500.0, "used": 490.0}
    alerts = pd.concat([plan.alerts, pd.DataFrame([{**cut, "message": alert_message(cut)}])], ignore_index=True)
    quota_plan = replace(plan, alerts=alerts)
    text = " ".join(" ".join(_text(build_report(shop, inputs, result, quota_plan, tmp_path / "q.pdf", top_skus=0))).split())
    assert "Cut by a cap: budget, FBT inbound capacity or FBT's monthly quota" in text
    assert "transfer cut from 36 to 10 by FBT's inbound quota for 2026-12 (500 units, 490 already requested)" in text
    plain = " ".join(" ".join(_text(build_report(shop, inputs, result, plan, tmp_path / "p.pdf", top_skus=0))).split())
    assert "Cut by a cap" not in plain


def test_moq_lines_to_negotiate_and_never_sold_skus_are_listed(report):
    """Issue 22: a line whose MOQ or case pack alone lifts cover past the cap is listed per supplier with
    the value beyond the cap; a SKU without any sale is named."""
    _, pages, _, plan, _ = report
    text = " ".join(pages).replace("\n", " ")
    lots = plan.alerts[plan.alerts["kind"] == "lot_overstock"]
    never = plan.alerts.loc[plan.alerts["kind"] == "no_history", "sku"].astype(str)
    assert len(lots) and len(never), "the sample plan has both kinds; the test needs them"
    assert "MOQs that buy more than the cover cap" in text
    for a in lots.sort_values("beyond_value", ascending=False).head(5).itertuples():
        assert re.search(rf"{re.escape(a.sku)}.*?{re.escape(f'{a.beyond_value:,.2f}')}", text), a.sku
    assert f"Never sold, planned at zero stock ({never.nunique()})" in text
    assert all(sku in text for sku in never.head(5))


def test_this_run_is_the_last_point_of_the_trend_and_a_tiny_change_stays_flat():
    """Issue 22: past runs stood at their start time and this run at its planning day, so an older
    snapshot's run was the leftmost point; an axis offset drew a 1e-7 change as a cliff."""
    from planner.report.cover import trend_table
    from planner.report.figures import trend_figure

    trends = pd.DataFrame({"date": pd.to_datetime(["2026-12-05 06:00", "2026-12-06 06:00"]),
                           "days_of_cover": [50.0, 50.0000001], "purchase_value": [100.0, 120.0]})
    shown = trend_table(trends, {"days_of_cover": 50.0}, 130.0, pd.Timestamp("2026-12-07 06:00"))
    assert shown["date"].is_monotonic_increasing and shown["date"].iloc[-1] == pd.Timestamp("2026-12-07 06:00")
    assert shown["purchase_value"].tolist() == [100.0, 120.0, 130.0]
    figure = trend_figure(shown)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure).draw()
    cover_axis = figure.axes[0]
    low, high = cover_axis.get_ylim()
    assert high - low >= 4.9 and cover_axis.yaxis.get_offset_text().get_text() == ""


def test_sku_pages_are_for_skus_that_need_a_decision_not_dead_stock(report):
    """Issue 20: SKU pages for the SKUs with an order, a campaign at risk or a campaign overhang; none
    for a SKU without sales, whose flat lines said nothing."""
    _, pages, _, plan, _ = report
    shown = [page.split(" · ", 1)[0].strip() for page in pages if "Value at risk" in page]
    deciding = set(plan.orders["sku"].astype(str)) | set(plan.alerts.loc[plan.alerts["kind"].isin(
        ["campaign_not_covered", "ad_into_stockout", "post_campaign_overhang"]), "sku"].astype(str))
    dead = set(plan.alerts.loc[plan.alerts["kind"] == "no_sales", "sku"].astype(str)) - deciding
    assert shown and set(shown) <= deciding and not set(shown) & dead, shown


def test_the_forecast_error_tile_says_what_it_means_on_a_typical_day(report):
    """Issue 20: '87 % error' alone told a buyer nothing; the tile says it in units of a top seller's
    day, from the backtest table (class A: 3,386 units over 300 SKU-days at WAPE 0.816)."""
    _, pages, _, _, _ = report
    cover = " ".join(pages[0].split())
    assert f"off by {0.816 * 3386 / 300:.1f} units of {3386 / 300:.1f} sold" in cover, cover


def test_campaign_labels_neither_overlap_nor_run_past_the_chart():
    """Issue 20: campaign labels crowded and clipped the SKU charts (a mega-sale, a live and a flash
    sale within days, and a campaign at the right edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from planner.report.figures import _campaign_spans

    figure = Figure(figsize=(11.0, 3.0), dpi=100)
    ax = figure.subplots()
    days = pd.date_range("2026-08-01", "2027-02-28")
    ax.plot(days, np.ones(len(days)))
    starts = pd.to_datetime(["2026-11-11", "2026-11-13", "2026-11-14", "2026-11-28", "2026-12-12", "2027-02-26"])
    campaigns = pd.DataFrame({"campaign_id": ["MEGA-11.11-2026", "LIVE-OWN-2026-11-13", "FLASH-BEAUTY-2026-11-14",
                                              "MEGA-BLACKFRIDAY-2026", "MEGA-12.12-2026", "MEGA-VALENTINE-2027"],
                              "type": ["mega_sale", "livestream_own", "flash_sale", "mega_sale", "mega_sale", "mega_sale"],
                              "start": starts, "end": starts + pd.Timedelta(hours=20)})
    _campaign_spans(ax, campaigns, days[0], days[-1], label=True)
    FigureCanvasAgg(figure).draw()
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == len(campaigns)
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_a_scenario_that_buys_far_less_for_the_same_fill_says_why(report):
    """Issue 20: 'a scenario that cuts purchases by 75 % for -0.1 point of fill rate is shown without
    explanation'. The fixture's cash cap buys 68 % less (16,284.56 of 51,291.68 THB) for -0.1 pt."""
    _, pages, _, _, _ = report
    text = " ".join(" ".join(pages).split())
    assert "Cash cap 20,000 THB: buys 68 % less for -0.1 pt of fill: the fill counts the days" in text
    assert "Baseline: buys" not in text


def test_many_moq_lines_are_summed_per_supplier_above_their_table(sample_run, tmp_path):  # noqa: F811
    shop, inputs, result, plan = sample_run
    lots = plan.alerts[plan.alerts["kind"] == "lot_overstock"]
    many = pd.concat([lots] * (20 // len(lots) + 1), ignore_index=True)
    assert len(many) > 20
    pages = _text(build_report(shop, inputs, result, replace(plan, alerts=pd.concat([plan.alerts, many], ignore_index=True)),
                               tmp_path / "lots.pdf", top_skus=0))
    flat = " ".join(" ".join(pages).split())
    all_lots = pd.concat([lots, many])
    for supplier, group in all_lots.groupby("supplier"):
        assert f"{supplier} {len(group)} lines, {group['beyond_value'].sum():,.2f} THB" in flat, supplier
