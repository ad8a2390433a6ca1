"""The planner's hand-kept input tables (docs/inputs.md): campaigns, inventory, purchase orders,
products, suppliers, bundles, events. Each is declared once as a schema; reading checks it at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.contract import CAMPAIGN_COLUMNS, CAMPAIGN_TYPES, EVENT_COLUMNS
from planner.errors import InputError
from planner.io.table import DAY_FIRST, Column, DateStyle, Schema, parse_table

CAMPAIGNS = Schema("campaigns", (
    Column("campaign_id"),
    Column("type", "choice", choices=CAMPAIGN_TYPES),
    Column("start", "timestamp"),
    Column("end", "timestamp"),
    Column("skus"),
    Column("creator", required=False, nullable=True),
    Column("expected_viewers", "whole", required=False, nullable=True),
    Column("daily_budget", "money", required=False, nullable=True, min_value=0),
    Column("discount_pct", "number", required=False, nullable=True, min_value=0),
    Column("reserved_units", "whole", required=False, nullable=True, default=0),
    Column("location", required=False, nullable=True),
))

INVENTORY = Schema("inventory", (
    Column("sku"),
    Column("location"),
    Column("on_hand", "whole"),
    Column("reserved", "whole", required=False, nullable=True, default=0),
    Column("unfulfillable", "whole", required=False, nullable=True, default=0),
    Column("in_transit", "whole", required=False, nullable=True, default=0),
    Column("backorders", "whole", required=False, nullable=True, default=0),
    Column("snapshot_date", "date", required=False, nullable=True),
    Column("location_type", "choice", choices=("own", "fbt", "3pl"), required=False, nullable=True),
))

PURCHASE_ORDERS = Schema("purchase_orders", (
    Column("po_id"),
    Column("sku"),
    Column("quantity", "whole", min_value=1),
    Column("expected_arrival", "date"),
    Column("location", required=False, nullable=True, default="own"),
    Column("supplier", required=False, nullable=True),
))

PRODUCTS = Schema("products", (
    Column("sku"),
    Column("name"),
    Column("category"),
    Column("unit_cost", "money", min_value=0),
    Column("price", "money", min_value=0),
    Column("supplier"),
    Column("lead_time_days", "number", required=False, nullable=True, min_value=0.5),
    Column("lead_time_sd_days", "number", required=False, nullable=True, min_value=0),
    Column("lead_time_min_days", "number", required=False, nullable=True, min_value=0),
    Column("lead_time_max_days", "number", required=False, nullable=True, min_value=0),
    Column("moq", "whole", required=False, nullable=True, default=1, min_value=1),
    Column("case_pack", "whole", required=False, nullable=True, default=1, min_value=1),
    Column("ordering_cost", "money", required=False, nullable=True, min_value=0),
    Column("fulfillment", "choice", choices=("own", "fbt"), required=False, nullable=True, default="own"),
    Column("status", "choice", choices=("active", "discontinued"), required=False, nullable=True, default="active"),
    Column("supplier_sku", required=False, nullable=True),  # the supplier's product code, on purchase orders
))

SUPPLIERS = Schema("suppliers", (
    Column("supplier"),
    Column("lead_time_days", "number", min_value=0.5),
    Column("lead_time_sd_days", "number", required=False, nullable=True, min_value=0),
    Column("lead_time_min_days", "number", required=False, nullable=True, min_value=0),
    Column("lead_time_max_days", "number", required=False, nullable=True, min_value=0),
    Column("ordering_cost", "money", required=False, nullable=True, min_value=0),
    Column("transit_days", "number", required=False, nullable=True, default=0, min_value=0),
))

BUNDLES = Schema("bundles", (
    Column("bundle_sku"),
    Column("component_sku"),
    Column("quantity", "whole", min_value=1),
))

#: days that move demand beyond the market's calendar (school holidays, paydays, a final, own promotions)
EVENTS = Schema("events", (
    Column("start", "date"),
    Column("end", "date", required=False, nullable=True),  # empty: a one-day event
    Column("name"),
    Column("type"),
    Column("scope", required=False, nullable=True, default="all"),
    Column("magnitude", "number", required=False, nullable=True, default=1.0, min_value=0),
))

#: a planner's own figure for days the statistics cannot know (a confirmed wholesale order, a creator's
#: booked live), laid over the forecast with who set it and why (planner.overrides)
OVERRIDES = Schema("overrides", (
    Column("scope"),  # a SKU, SKUs separated by ';', 'category:NAME' or 'all'
    Column("start", "date"),
    Column("end", "date", required=False, nullable=True),  # empty: one day
    Column("units", "number", required=False, nullable=True, min_value=0),  # units per day
    Column("pct", "number", required=False, nullable=True, min_value=-100),  # or a change in percent
    Column("reason"),
    Column("author"),
))

TABLES: dict[str, Schema] = {
    "campaigns": CAMPAIGNS, "inventory": INVENTORY, "purchase_orders": PURCHASE_ORDERS,
    "products": PRODUCTS, "suppliers": SUPPLIERS, "bundles": BUNDLES, "events": EVENTS, "overrides": OVERRIDES,
}


def empty_table(schema: Schema) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=_dtype(c)) for c in schema.columns})


def _dtype(column: Column) -> str:
    return {"whole": "float64", "number": "float64", "money": "float64",
            "date": "datetime64[ns]", "timestamp": "datetime64[ns]"}.get(column.kind, "object")


def read_input(path: Path, table: str, dates: DateStyle = DAY_FIRST, required: bool = False) -> pd.DataFrame:
    """Read one input table; a missing optional file is an empty table. Bad rows always fail here:
    these are short hand-kept tables, and a silently dropped purchase order or campaign would
    mislead the plan."""
    schema = TABLES[table]
    path = Path(path)
    if not path.exists():
        if required:
            raise InputError(path.name, f"not found; the {table} table is needed here (see docs/inputs.md)")
        return empty_table(schema)
    frame = parse_table(path, schema, "fail", dates=dates).frame
    _check_table(path.name, table, frame)
    return frame


def _unique(file: str, frame: pd.DataFrame, keys: list[str], label: str) -> None:
    duplicated = frame.duplicated(keys, keep="first")
    if duplicated.any():
        row = frame.loc[duplicated.idxmax()]
        raise InputError(file, f"{label} {tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]!r} "
                         f"appears twice; each must be unique", row=int(row["_row"]), column=keys[-1])


def _check_table(file: str, table: str, frame: pd.DataFrame) -> None:
    if table == "campaigns":
        _unique(file, frame, ["campaign_id"], "campaign_id")
        backwards = frame["end"] <= frame["start"]
        if backwards.any():
            row = frame.loc[backwards.idxmax()]
            raise InputError(file, f"end {row['end']} is not after start {row['start']}", row=int(row["_row"]), column="end")
        pct = frame["discount_pct"].astype(float) > 100
        if pct.any():
            row = frame.loc[pct.idxmax()]
            raise InputError(file, f"{row['discount_pct']:g} is not a percentage between 0 and 100",
                             row=int(row["_row"]), column="discount_pct")
    elif table == "products":
        _unique(file, frame, ["sku"], "SKU")
    elif table == "suppliers":
        _unique(file, frame, ["supplier"], "supplier")
    elif table == "inventory":
        _unique(file, frame, ["sku", "location"], "SKU and location")
    elif table == "bundles":
        _no_cycle(file, frame)
    elif table == "overrides":
        _one_figure(file, frame)
        _day_range(file, frame)
    elif table == "events":
        _day_range(file, frame)


def _day_range(file: str, frame: pd.DataFrame) -> None:
    """An empty end is the start's day; an end before the start is an error naming the row."""
    frame["end"] = frame["end"].fillna(frame["start"])
    backwards = frame["end"] < frame["start"]
    if backwards.any():
        row = frame.loc[backwards.idxmax()]
        raise InputError(file, f"end {row['end']:%Y-%m-%d} is before start {row['start']:%Y-%m-%d}",
                         row=int(row["_row"]), column="end")


def _one_figure(file: str, overrides: pd.DataFrame) -> None:
    """An override gives units per day or a percent change, exactly one of them."""
    both, neither = overrides["units"].notna() & overrides["pct"].notna(), overrides["units"].isna() & overrides["pct"].isna()
    for wrong, words in ((both, "gives both units and pct"), (neither, "gives neither units nor pct")):
        if wrong.any():
            row = overrides.loc[wrong.idxmax()]
            raise InputError(file, f"the override {words}: give units per day (e.g. 40) or a change in percent "
                             f"(e.g. -30), not both", row=int(row["_row"]), column="units")


def _no_cycle(file: str, bundles: pd.DataFrame) -> None:
    """A kit may hold other kits, but none may hold itself, directly or through another kit: its demand
    would be passed down the loop for ever. The error names the loop and the row that closes it."""
    contains: dict[str, list[tuple[str, int]]] = {}
    for bundle, component, row in zip(bundles["bundle_sku"], bundles["component_sku"], bundles["_row"]):
        contains.setdefault(str(bundle), []).append((str(component), int(row)))
    done: set[str] = set()
    for start in contains:
        if start in done:
            continue
        path, stack = [start], [iter(contains[start])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                done.add(path.pop())
                continue
            component, row = step
            if component in path:
                loop = path[path.index(component):] + [component]
                raise InputError(file, f"bundle {component!r} contains itself: {' -> '.join(loop)}; a kit cannot hold "
                                 f"itself, directly or through another kit", row=row, column="component_sku")
            if component in contains and component not in done:
                path.append(component)
                stack.append(iter(contains[component]))


def expand_campaigns(campaigns: pd.DataFrame, products: pd.DataFrame, known_skus: list[str] | None = None) -> pd.DataFrame:
    """One row per campaign and featured SKU (the forecast contract): 'all' and 'category:X' expanded.

    A SKU a campaign names that the shop does not know is an error naming the row: a typo there
    would silently plan the campaign's stock for nothing.
    """
    scopes = Scopes(products, known_skus, "campaigns", "skus")
    rows = []
    for campaign in campaigns.to_dict("records"):
        # read lazily, as before the scopes were shared: frames not read from a file have no _row
        for sku in scopes.skus(campaign["skus"], campaign.get("_row")):
            rows.append((campaign["campaign_id"], campaign["type"], campaign["start"], campaign["end"], sku,
                         campaign["expected_viewers"], campaign["daily_budget"], campaign["discount_pct"]))
    frame = pd.DataFrame(rows, columns=list(CAMPAIGN_COLUMNS))
    for column in ("expected_viewers", "daily_budget", "discount_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


class Scopes:
    """What a row's scope names: 'all', 'category:NAME' or SKUs separated by ';' (campaigns' ``skus``,
    events' ``scope``). A category without products or a SKU the shop does not know is an error naming
    the row: a typo there would silently plan for nothing."""

    def __init__(self, products: pd.DataFrame, known_skus: list[str] | None, file: str, column: str):
        self.known = set(products["sku"]).union(known_skus or [])
        self.catalogue = sorted(self.known)
        self.by_category = products.groupby("category")["sku"].apply(list).to_dict() if len(products) else {}
        self.file, self.column = file, column

    def skus(self, spec, row) -> list[str]:
        """The SKUs ``spec`` names ('all': every known SKU); ``row``: the spreadsheet row an error names
        (None for a frame not read from a file, e.g. a generated shop's campaigns)."""
        spec = str(spec).strip()
        if spec.casefold() == "all":
            return self.catalogue
        if spec.casefold().startswith("category:"):
            category = spec.split(":", 1)[1].strip()
            if category not in self.by_category:
                raise InputError(self.file, f"category {category!r} has no products; known: {sorted(self.by_category)}",
                                 row=_row_number(row), column=self.column)
            return self.by_category[category]
        skus = [s.strip() for s in spec.split(";") if s.strip()]
        unknown = [s for s in skus if s not in self.known]  # one set, not one per SKU named
        if unknown and self.catalogue:
            raise InputError(self.file, f"SKU(s) {unknown} are not in products.csv or the order history",
                             row=_row_number(row), column=self.column)
        return skus


def _row_number(row) -> int | None:
    return None if row is None or pd.isna(row) else int(row)


def expand_events(events: pd.DataFrame, products: pd.DataFrame, known_skus: list[str] | None = None) -> pd.DataFrame:
    """The events frame of the forecast contract: one row per event whose scope is 'all' (sku missing:
    every SKU, kept as one row), else one row per event and SKU its scope names ('category:X', SKUs)."""
    scopes = Scopes(products, known_skus, "events", "scope")
    rows = []
    for event in events.to_dict("records"):
        spec = str(event["scope"] if isinstance(event["scope"], str) else "all").strip()
        skus = [None] if spec.casefold() == "all" else scopes.skus(spec, event["_row"])
        rows += [(event["start"], event["end"], event["name"], event["type"], sku, event["magnitude"]) for sku in skus]
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["sku"] = frame["sku"].astype(object)
    frame["magnitude"] = pd.to_numeric(frame["magnitude"], errors="coerce").fillna(1.0).astype(float)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


@dataclass
class Inputs:
    """Every hand-kept table of a shop, read and checked."""

    campaigns: pd.DataFrame
    inventory: pd.DataFrame
    purchase_orders: pd.DataFrame
    products: pd.DataFrame
    suppliers: pd.DataFrame
    bundles: pd.DataFrame
    events: pd.DataFrame = field(default_factory=lambda: empty_table(EVENTS))
    overrides: pd.DataFrame = field(default_factory=lambda: empty_table(OVERRIDES))
    #: what the FBT exports said (planner.io.fbt_stock.FbtStock), None without them
    fbt: object | None = None
    #: FBT's receiving days measured from the inbound history (shrunk to the stated), None without it
    fbt_receiving_days: int | None = None
    fbt_receiving_source: str = "stated"
    #: per supplier with deliveries recorded by `restock receive`: stated against measured lead time
    #: (planner.plan.terms.supplier_deliveries); empty without them
    supplier_deliveries: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def snapshot_date(self) -> pd.Timestamp | None:
        dates = self.inventory["snapshot_date"].dropna() if len(self.inventory) else pd.Series([], dtype="datetime64[ns]")
        return pd.Timestamp(dates.max()) if len(dates) else None


def template_header(table: str) -> str:
    """The header line of an empty input template (required columns first)."""
    schema = TABLES[table]
    return ",".join(c.name for c in schema.columns) + "\n"


def required_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns if c.required]

