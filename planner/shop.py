"""A shop is a folder: shop.toml, the store, the input tables, inbox/ and runs/."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from planner.config import SHOP_FILE, ShopConfig, load_config
from planner.errors import ShopNotFound
from planner.io.inputs import TABLES, Inputs, read_input, template_header

SAMPLE_SHOP = Path(__file__).resolve().parents[1] / "data" / "sample_shop"
EXAMPLE_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@dataclass(frozen=True)
class Shop:
    root: Path
    config: ShopConfig

    @classmethod
    def open(cls, root: Path | str) -> "Shop":
        root = Path(root)
        if not (root / SHOP_FILE).is_file():
            hint = f"restock init {root}" if not root.exists() or not any(root.iterdir()) else f"restock init {root} (in an empty folder)"
            raise ShopNotFound(f"{root.resolve()} is not a shop: no {SHOP_FILE}. Create one with: {hint}, "
                               f"or pass --shop DIR")
        return cls(root, load_config(root / SHOP_FILE))

    def path(self, key: str) -> Path:
        return self.root / getattr(self.config.paths, key)

    @property
    def store_path(self) -> Path:
        return self.path("store")

    @property
    def inbox(self) -> Path:
        return self.path("inbox")

    @property
    def runs(self) -> Path:
        return self.path("runs")

    @property
    def scenario_files(self) -> list[Path]:
        folder = self.path("scenarios")
        return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []

    @property
    def rejects(self) -> Path:
        return self.root / "rejects"

    @property
    def exports(self) -> Path:
        """Optional folder of LIVE and ads exports the campaign history is built from."""
        return self.root / "exports"

    def export_history(self, tables: dict | None = None):
        """campaigns.csv merged with the campaigns the exports/ folder shows (planner.io.campaign_history);
        None when the shop has no exports."""
        from planner.io.campaign_history import read_export_history
        from planner.io.exports import export_files

        if not export_files(self.exports):
            return None
        tables = tables or {t: read_input(self.path(t), t, self.config.dates) for t in ("campaigns", "products")}
        return read_export_history(self.exports, tables["campaigns"], tables["products"], self.config.dates,
                                   self.config.calendar.mega_sale_days(self.config.shop.market))

    def inputs(self, measure_suppliers: bool = True) -> Inputs:
        """Every input table, read and checked; with ``measure_suppliers`` (default) suppliers' terms moved
        toward the deliveries recorded with `restock receive` (off: as suppliers.csv states them, for a
        replay that measures them itself day by day, without seeing later deliveries)."""
        tables = {table: read_input(self.path(table), table, self.config.dates) for table in TABLES}
        history = self.export_history(tables)
        if history is not None:  # the hand calendar wins where both speak
            tables["campaigns"] = history.campaigns
        inputs = Inputs(**tables)
        self._fbt_stock(inputs)
        if self.store_path.exists():  # POs approved with `restock approve` are on order too
            from planner.approve import with_approved_orders

            inputs.purchase_orders = with_approved_orders(inputs.purchase_orders, self.store_path, inputs.snapshot_date)
            if measure_suppliers:
                inputs.suppliers, inputs.supplier_deliveries = self._measured_suppliers(inputs.suppliers)
        return inputs

    def _fbt_stock(self, inputs: Inputs) -> None:
        """Fold the FBT inventory and inbound exports of exports/ into ``inputs`` (planner.io.fbt_stock):
        the fbt rows of the inventory, the open inbound requests as on order, and FBT's receiving days
        measured from the received requests."""
        from planner.io import fbt as fbt_io
        from planner.io.exports import export_files, product_ids, read_exports, sku_matcher
        from planner.io.fbt_stock import fbt_stock, with_fbt_stock
        from planner.plan.terms import measured_receiving_days

        if not export_files(self.exports):
            return
        read = read_exports(self.exports, self.config.dates, kinds=("fbt_inventory", "fbt_inbound"))
        if not read:
            return
        inbound = fbt_io.combine_inbound(read.get("fbt_inbound", []))
        stated = self.config.lead_time.fbt_receiving_days
        days, source = measured_receiving_days(fbt_io.receiving_days(inbound), stated)
        inputs.fbt_receiving_days, inputs.fbt_receiving_source = int(round(days)), source
        today = inputs.snapshot_date if inputs.snapshot_date is not None else pd.Timestamp.today().normalize()
        match = sku_matcher(inputs.products["sku"].astype(str), product_ids(self.exports))
        stock = fbt_stock(fbt_io.combine_inventory(read.get("fbt_inventory", [])), inbound, match, today,
                          inputs.fbt_receiving_days)
        stock.files = sorted(p.name for paths in read.paths.values() for p in paths)
        inputs.fbt = stock
        inputs.inventory, inputs.purchase_orders = with_fbt_stock(inputs.inventory, inputs.purchase_orders, stock)

    def _measured_suppliers(self, suppliers):
        """suppliers.csv's terms moved toward the lead times recorded with `restock receive` (one
        delivery per PO and day received; the file is not changed), and per supplier with deliveries
        what it said against what it did (planner.plan.terms.supplier_deliveries)."""
        from planner.approve import recorded_receipts
        from planner.plan.terms import supplier_deliveries, suppliers_with_receipts

        terms = self.config.lead_time
        receipts = recorded_receipts(self.store_path)
        measured = suppliers_with_receipts(suppliers, receipts, terms.default_days, terms.default_sd_days)
        return measured, supplier_deliveries(receipts, suppliers, measured, terms.default_days)


def init_shop(root: Path | str, sample: bool = False) -> Shop:
    """Create a shop folder: shop.toml with comments and empty input templates, or a copy of the
    bundled sample shop. Refuses a folder that already holds a shop."""
    root = Path(root)
    if (root / SHOP_FILE).exists():
        raise ShopNotFound(f"{root} already holds a shop ({SHOP_FILE}); nothing was changed")
    if sample:
        if not SAMPLE_SHOP.is_dir():
            raise ShopNotFound(f"the sample shop is not installed at {SAMPLE_SHOP}; install restock from its "
                               f"source folder (pip install -e .)")
        shutil.copytree(SAMPLE_SHOP, root, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.duckdb*", "runs", "rejects", "README.md"))
        if EXAMPLE_SCENARIOS.is_dir():  # the examples name the sample shop's campaigns and suppliers
            shutil.copytree(EXAMPLE_SCENARIOS, root / "scenarios", dirs_exist_ok=True)
    else:
        root.mkdir(parents=True, exist_ok=True)
        template = resources.files("planner").joinpath("templates", SHOP_FILE).read_text(encoding="utf-8")
        (root / SHOP_FILE).write_text(template, encoding="utf-8")
        for table in TABLES:
            path = root / f"{table}.csv"
            if not path.exists():
                path.write_text(template_header(table), encoding="utf-8")
    shop = Shop.open(root)
    shop.inbox.mkdir(exist_ok=True)
    shop.runs.mkdir(exist_ok=True)
    return shop
