"""The buyer's PDF: cover with the headline and the shop's health, restock orders per supplier ready to
forward, risks, a page per top SKU by value at risk, the scenario comparison and forecast accuracy.

``build_report`` is the one entry point: it works out the figures every page reads once
(measures.ReportContext) and lays out the pages in order, one module each: cover.py, orders.py,
risks.py, skus.py, appendix.py (scenarios, accuracy and, once deliveries are recorded, suppliers' lead
times). The numbers come from the plan's own frames
(the ones pipeline.write_plan writes), formatted once (formats.py): money with 2 decimals, units as
whole numbers. Same inputs give the same bytes: the creation date is the planning day, fonts are the
ones shipped in ``planner/report/fonts`` (Noto Sans, Noto Sans Thai, a GB 2312 subset of Noto Sans CJK;
OFL) and figures are drawn without timestamps.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from planner.plan import Plan, PlanSettings
from planner.plan.settings import plan_settings
from planner.report.appendix import accuracy_page, scenario_page, supplier_page
from planner.report.cover import cover_page
from planner.report.formats import day, money, pct, plan_number, units
from planner.report.layout import Document, printable
from planner.report.measures import (
    HEALTH_KEYS, ReportContext, SupplierOrder, backtest_metrics, overstock_value, owned_stock, run_trends, shop_health,
    supplier_orders,
)
from planner.report.orders import WRAP_REASONS, order_pages
from planner.report.risks import MAX_RISK_ROWS, risk_pages
from planner.report.skus import TOP_SKUS, decision_skus, sku_pages


def build_report(shop, inputs, forecast_result, plan: Plan, out_path, scenarios_table: pd.DataFrame | None = None,
                 backtest_table=None, history_of_runs: pd.DataFrame | None = None,
                 settings: PlanSettings | None = None, top_skus: int = TOP_SKUS, health: dict | None = None,
                 warnings: list[str] | None = None) -> Path:
    """Write the buyer's PDF report of ``plan`` to ``out_path`` and return the path.

    ``scenarios_table``: planner.scenarios.compare_scenarios(...); ``backtest_table``: a
    forecast.backtest.BacktestResult or its ``metrics`` frame; ``history_of_runs``: Store.runs()
    (a ``headline`` JSON per run; health figures in it, under ``health`` or at its top level, give
    the trends); ``health``: shop_health(...) of these inputs if the caller has it already (it reads
    every history row: a second of a 10,000-SKU shop's report); ``warnings``: what looked wrong in the
    inputs (pipeline.input_warnings), shown first on the cover. Same inputs give the same bytes.
    """
    from planner.scenarios import campaigns_at_risk, evaluate_plan

    settings = settings or plan_settings(shop.config, inputs)
    config = shop.config
    today = pd.Timestamp(forecast_result.today).normalize()
    if health is None:
        health = shop_health(inputs, forecast_result, plan, settings, backtest_table, model=config.planning.model)
    report = ReportContext(
        shop_name=config.shop.name, currency=config.shop.currency, model=config.planning.model, today=today,
        settings=settings, inputs=inputs, forecast_result=forecast_result, plan=plan, names=_names(inputs),
        evaluation=evaluate_plan(plan, forecast_result.paths, inputs, settings, today),
        overstock=overstock_value(plan, inputs, settings), health=health, trends=run_trends(history_of_runs),
        campaigns_at_risk=campaigns_at_risk(plan), orders_by_supplier=supplier_orders(plan),
        warnings=tuple(warnings or ()))

    pdf = _document(config.shop.name, today)
    cover_page(pdf, report, scenarios=scenarios_table is not None, accuracy=backtest_table is not None)
    order_pages(pdf, report)
    risk_pages(pdf, report)
    sku_pages(pdf, report, top_skus)
    if scenarios_table is not None and len(scenarios_table):
        scenario_page(pdf, scenarios_table, report.currency)
    metrics = backtest_metrics(backtest_table)
    if metrics is not None:
        accuracy_page(pdf, metrics, getattr(backtest_table, "cutoffs", None))
    deliveries = getattr(inputs, "supplier_deliveries", None)
    if deliveries is not None and len(deliveries):
        supplier_page(pdf, deliveries)

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    pdf.output(str(tmp))
    tmp.replace(out_path)
    return out_path


def _document(shop_name: str, today: pd.Timestamp) -> Document:
    """An empty report with its footer and metadata; created on the planning day, so the bytes repeat."""
    pdf = Document(f"restock · {shop_name} · plan of {today:%Y-%m-%d}")
    pdf.set_creation_date(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC))
    pdf.set_title(f"Restock plan {shop_name} {today:%Y-%m-%d}")
    pdf.set_author("restock")
    pdf.set_creator("restock")
    pdf.set_lang("en")
    return pdf


def _names(inputs) -> pd.Series:
    """Product names as the report can draw them: a character no shipped font holds (an emoji) shows as
    a white square, not silently dropped."""
    return inputs.products.drop_duplicates("sku").set_index("sku")["name"].astype(str).map(printable)


# the names this module held before its pages moved out, importable from here as before
__all__ = [
    "HEALTH_KEYS", "MAX_RISK_ROWS", "TOP_SKUS", "WRAP_REASONS", "SupplierOrder", "backtest_metrics", "build_report", "day",
    "money", "overstock_value", "owned_stock", "pct", "plan_number", "run_trends", "shop_health", "supplier_orders",
    "decision_skus", "units",
]
