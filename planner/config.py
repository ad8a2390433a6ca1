"""shop.toml: the shop's settings, read once and checked key by key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.errors import ConfigError

if TYPE_CHECKING:  # the readers import the config's errors; avoid a cycle at run time
    from planner.io.checks import OrderChecks
    from planner.io.table import DateStyle

SHOP_FILE = "shop.toml"


@dataclass(frozen=True)
class ShopSettings:
    name: str = "My shop"
    market: str = "US"              # ISO country code: market holidays, date order in exports
    currency: str = "USD"
    timezone: str = "UTC"


@dataclass(frozen=True)
class PlanningSettings:
    service_level: float = 0.95
    service_measure: str = "fill_rate"   # 'fill_rate' (type 2) or 'cycle' (type 1)
    fill_rate_scope: str = "class"       # 'class': over the class's units, least stock value; 'sku': each SKU
    min_sku_service: float = 0.4         # with 'class': no SKU planned below this cycle service, unless the promise is lower
    campaign_service: float = 0.95       # with 'class': a SKU in a campaign its order may cover, at least this (0: off)
    review_period_days: int = 7
    horizon_days: int = 90
    class_service_levels: dict = field(default_factory=lambda: {"A": 0.98, "B": 0.95, "C": 0.90})
    budget_cap: float | None = None
    fbt_inbound_capacity: int | None = None
    fbt_monthly_inbound_quota: object = None   # FBT's monthly inbound quota: 6000, or { "2026-12" = 4000, ... }
    max_cover_days: int | None = 120
    overstock_days: int = 120
    no_sale_days: int = 60
    model: str = "campaign"
    backtest_every_days: int = 7
    backtest_models: list = field(default_factory=list)  # more candidates per SKU in restock run's backtest


@dataclass(frozen=True)
class CalendarSettings:
    """The named days the forecast knows beyond events.csv (docs/inputs.md, "events.csv")."""

    market_holidays: bool = True          # the market's public holidays ([shop] market)
    paydays: bool = True                  # learn a day-of-month profile: paydays, month-end
    mega_sales: bool = True               # the market's mega-sale days (forecast.features.MEGA_SALES_BY_MARKET)
    extra_mega_sales: list = field(default_factory=list)  # more: "6.6", "7.7", "black_friday" ...

    def mega_sale_days(self, market: str) -> tuple[str, ...]:
        """The names of the mega-sale days these switches give ``market``."""
        from forecast.features import market_mega_sales  # the planner's one source of the market lists

        days = market_mega_sales(market) if self.mega_sales else ()
        return tuple(dict.fromkeys(days + tuple(str(d) for d in self.extra_mega_sales)))

    def model_params(self, market: str) -> dict:
        """The campaign engine's parameters these switches set for ``market``."""
        days = self.mega_sale_days(market)
        if self.mega_sales and not self.extra_mega_sales:
            days = True  # the market's list: the engine's default
        return {"market_holidays": self.market_holidays, "monthly": self.paydays, "mega_sales": days}


@dataclass(frozen=True)
class LeadTimeSettings:
    default_days: float = 21
    default_sd_days: float = 4
    fbt_receiving_days: int = 5
    receiving_buffer_days: int = 2


@dataclass(frozen=True)
class CheckSettings:
    """Plausibility checks on what a user gives (planner/io/checks.py; docs/inputs.md, "Plausibility")."""

    max_date_gap_days: int = 365          # an order date further than this from the file's other dates is refused
    quantity_outlier_factor: float = 20   # a line above this many times the usual high is kept out of the demand (0: off)
    max_snapshot_age_days: int = 7        # warn when the inventory snapshot is older than this


@dataclass(frozen=True)
class BackupSettings:
    """Copies of the store (planner/backup.py; README "Backups")."""

    keep_daily: int = 7                   # restock run keeps this many daily copies of the store (0: none)


@dataclass(frozen=True)
class PathSettings:
    campaigns: str = "campaigns.csv"
    inventory: str = "inventory.csv"
    purchase_orders: str = "purchase_orders.csv"
    products: str = "products.csv"
    suppliers: str = "suppliers.csv"
    bundles: str = "bundles.csv"
    events: str = "events.csv"
    overrides: str = "overrides.csv"
    inbox: str = "inbox"
    runs: str = "runs"
    store: str = "restock.duckdb"
    scenarios: str = "scenarios"
    backups: str = "backups"


@dataclass(frozen=True)
class ShopConfig:
    shop: ShopSettings = field(default_factory=ShopSettings)
    planning: PlanningSettings = field(default_factory=PlanningSettings)
    lead_time: LeadTimeSettings = field(default_factory=LeadTimeSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    backups: BackupSettings = field(default_factory=BackupSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)

    @property
    def dates(self) -> "DateStyle":
        """Undecidable dates like 03/04/2026 are read month first only in the US market; timestamps
        with an offset are converted to the shop's time zone."""
        from planner.io.table import DateStyle

        return DateStyle(month_first=self.shop.market.upper() == "US", timezone=self.shop.timezone)

    @property
    def order_checks(self) -> "OrderChecks":
        """The order files' plausibility checks with this shop's [checks] thresholds, judged today."""
        from planner.io.checks import OrderChecks

        return OrderChecks(self.checks.max_date_gap_days, self.checks.quantity_outlier_factor)


_SECTIONS = {"shop": ShopSettings, "planning": PlanningSettings, "lead_time": LeadTimeSettings, "paths": PathSettings,
             "checks": CheckSettings, "backups": BackupSettings, "calendar": CalendarSettings}


def load_config(path: Path) -> ShopConfig:
    """Read and check shop.toml; every error names the file and the key."""
    name = Path(path).name
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found. Create a shop with: restock init DIR") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    sections = {}
    for section, values in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{name}: unknown section [{section}]; allowed: {', '.join(_SECTIONS)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{name}: '{section}' must be a section ([{section}])")
        sections[section] = _section(name, section, _SECTIONS[section], values)
    config = ShopConfig(**sections)
    _check(name, config)
    return config


def _section(file: str, section: str, cls: type, values: dict):
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    out = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{file}: unknown key '{section}.{key}'; allowed: {', '.join(known)}")
        expected = getattr(defaults, key)
        if expected is not None and not _same_kind(value, expected):
            raise ConfigError(f"{file}: '{section}.{key}' = {value!r} should be {_kind_name(expected)}")
        out[key] = value
    return cls(**out)


def _same_kind(value, expected) -> bool:
    if isinstance(expected, bool):
        return isinstance(value, bool)
    if isinstance(expected, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(expected))


def _kind_name(expected) -> str:
    return {str: "text", dict: "a table like { A = 0.98 }", list: 'a list like ["6.6", "7.7"]', int: "a number", float: "a number"}.get(type(expected), type(expected).__name__)


def _check(file: str, config: ShopConfig) -> None:
    _check_calendar(file, config.calendar)
    planning = config.planning
    if not 0.5 <= planning.service_level < 1:
        raise ConfigError(f"{file}: 'planning.service_level' = {planning.service_level} should be between 0.5 and 0.999")
    if planning.service_measure not in ("fill_rate", "cycle"):
        raise ConfigError(f"{file}: 'planning.service_measure' = {planning.service_measure!r} should be 'fill_rate' or 'cycle'")
    if planning.fill_rate_scope not in ("class", "sku"):
        raise ConfigError(f"{file}: 'planning.fill_rate_scope' = {planning.fill_rate_scope!r} should be 'class' "
                          f"(the fill rate over each class's units) or 'sku' (every SKU on its own)")
    if not 0 < planning.min_sku_service < 1:
        raise ConfigError(f"{file}: 'planning.min_sku_service' = {planning.min_sku_service} should be between 0 and 1, "
                          f"e.g. 0.5")
    if not 0 <= planning.campaign_service < 1:
        raise ConfigError(f"{file}: 'planning.campaign_service' = {planning.campaign_service} should be between 0 "
                          f"(off) and 0.999, e.g. 0.9")
    for cls_name, level in planning.class_service_levels.items():
        if cls_name not in ("A", "B", "C") or not isinstance(level, (int, float)) or not 0.5 <= level < 1:
            raise ConfigError(f"{file}: 'planning.class_service_levels.{cls_name}' = {level!r}: "
                              f"classes are A, B, C with levels between 0.5 and 0.999")
    if planning.horizon_days < 7:
        raise ConfigError(f"{file}: 'planning.horizon_days' = {planning.horizon_days} should be at least 7")
    _check_quota(file, planning.fbt_monthly_inbound_quota)
    checks = config.checks
    if checks.max_date_gap_days < 1 or checks.max_snapshot_age_days < 0 or checks.quantity_outlier_factor < 0:
        raise ConfigError(f"{file}: [checks] values should be positive (max_date_gap_days at least 1; "
                          f"quantity_outlier_factor 0 turns that check off)")
    if not isinstance(config.backups.keep_daily, int) or config.backups.keep_daily < 0:
        raise ConfigError(f"{file}: 'backups.keep_daily' = {config.backups.keep_daily!r} should be a whole number, "
                          f"0 or more (0: no daily backups)")
    try:
        ZoneInfo(config.shop.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{file}: 'shop.timezone' = {config.shop.timezone!r} is not a time zone like 'Asia/Bangkok'") from None


def _check_quota(file: str, quota) -> None:
    """FBT's monthly inbound quota: one number of units for every month, or a table of months."""
    key = "'planning.fbt_monthly_inbound_quota'"
    if quota is None:
        return
    months = quota if isinstance(quota, dict) else {"": quota}
    for month, units in months.items():
        where = f"{key}.{month!r}" if month else key
        if month and not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()
                          and 1 <= int(month[5:]) <= 12):
            raise ConfigError(f"{file}: {where} is not a month like \"2026-12\"")
        if isinstance(units, bool) or not isinstance(units, (int, float)) or units < 0:
            raise ConfigError(f"{file}: {where} = {units!r} should be a number of units, 0 or more "
                              f"(e.g. 6000, or {{ \"2026-12\" = 4000 }})")


def _check_calendar(file: str, calendar: CalendarSettings) -> None:
    """Each extra mega-sale day must be one the forecast can place on the calendar."""
    from forecast.features import mega_sale_dates

    for day in calendar.extra_mega_sales:
        try:
            mega_sale_dates([2024, 2025], (str(day),))  # a day every year has
        except ValueError as exc:
            raise ConfigError(f"{file}: 'calendar.extra_mega_sales' has {day!r}: {exc}") from None
