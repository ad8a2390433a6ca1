"""The buyer's report: figures (matplotlib, functions that return figures) and the PDF document."""

from planner.report.document import build_report, shop_health

__all__ = ["build_report", "shop_health"]
