"""The shop folder, shop.toml, input tables, the store's version, and the CLI's help and errors."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.errors import ConfigError, InputError, StoreError
from planner.io.inputs import TABLES, expand_campaigns, read_input
from planner.shop import Shop, init_shop
from planner.store import SCHEMA_VERSION, Store


def test_init_creates_a_documented_shop(tmp_path):
    shop = init_shop(tmp_path / "s")
    for table in TABLES:
        header = (shop.root / f"{table}.csv").read_text(encoding="utf-8").strip().split(",")
        assert header[0] == TABLES[table].columns[0].name
    assert (shop.root / "inbox").is_dir() and (shop.root / "runs").is_dir()
    assert "# restock shop settings" in (shop.root / "shop.toml").read_text(encoding="utf-8")
    assert shop.inputs().products.empty   # empty templates read cleanly


def test_init_refuses_an_existing_shop(tmp_path):
    init_shop(tmp_path / "s")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "s")])
    assert result.exit_code == 2 and "already holds a shop" in result.output


def test_not_a_shop_says_how_to_make_one(tmp_path):
    result = CliRunner().invoke(main, ["history", "--shop", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not a shop: no shop.toml. Create one with: restock init" in result.output


@pytest.mark.parametrize("text, message", [
    ("[planning]\nservice_level = 1.5\n", "'planning.service_level' = 1.5 should be between 0.5 and 0.999"),
    ("[planning]\nservice_levl = 0.9\n", "unknown key 'planning.service_levl'; allowed: service_level"),
    ("[shop]\ntimezone = \"Mars/Olympus\"\n", "'shop.timezone' = 'Mars/Olympus' is not a time zone"),
    ("[planing]\n", "unknown section [planing]"),
    ("[planning]\nhorizon_days = \"ninety\"\n", "'planning.horizon_days' = 'ninety' should be a number"),
    ('[calendar]\nextra_mega_sales = ["13.13"]\n', "'calendar.extra_mega_sales' has '13.13': unknown mega-sale day"),
    ('[calendar]\nextra_mega_sales = "6.6"\n', "'calendar.extra_mega_sales' = '6.6' should be a list"),
    ("[calendar]\npaydays = 1\n", "'calendar.paydays' = 1 should be bool"),
])
def test_shop_toml_errors_name_the_key(tmp_path, text, message):
    (tmp_path / "shop.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        Shop.open(tmp_path)


def test_campaign_table_errors(tmp_path):
    path = tmp_path / "campaigns.csv"
    path.write_text("campaign_id,type,start,end,skus\n"
                    "L1,livestream_creator,2026-12-15 19:00,2026-12-15 22:00,A;B\n"
                    "L2,tv_show,2026-12-16 19:00,2026-12-16 22:00,all\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_input(path, "campaigns")
    assert str(error.value) == ("campaigns.csv, row 3, column 'type': 'tv_show' is not one of livestream_own, "
                                "livestream_creator, ad, flash_sale, mega_sale, video, other")
    path.write_text("campaign_id,type,start,end,skus\nL1,ad,2026-12-15,2026-12-01,all\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"campaigns.csv, row 2, column 'end': end 2026-12-01 00:00:00 is not after start"):
        read_input(path, "campaigns")


def test_expand_campaigns_to_skus():
    campaigns = pd.DataFrame({
        "campaign_id": ["L1", "M1", "A1"], "type": ["livestream_own", "mega_sale", "ad"],
        "start": pd.to_datetime(["2026-12-15 19:00", "2026-12-12 00:00", "2026-12-01 00:00"]),
        "end": pd.to_datetime(["2026-12-15 22:00", "2026-12-13 00:00", "2026-12-20 00:00"]),
        "skus": ["A;B", "all", "category:home"], "expected_viewers": [5000, None, None],
        "daily_budget": [None, None, 300.0], "discount_pct": [None, 20, None], "_row": [2, 3, 4],
    })
    products = pd.DataFrame({"sku": ["A", "B", "C"], "category": ["beauty", "beauty", "home"]})
    expanded = expand_campaigns(campaigns, products)
    assert expanded.groupby("campaign_id")["sku"].apply(list).to_dict() == {"A1": ["C"], "L1": ["A", "B"], "M1": ["A", "B", "C"]}
    bad = campaigns.assign(skus=["A;ZZZ", "all", "category:home"])
    with pytest.raises(InputError, match=r"campaigns, row 2, column 'skus': SKU\(s\) \['ZZZ'\] are not in products.csv"):
        expand_campaigns(bad, products)


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "restock.duckdb"
    with Store(path):
        pass
    with duckdb.connect(str(path)) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(StoreError, match="written by a newer restock"):
        Store(path)


def test_a_foreign_duckdb_file_is_not_misread(tmp_path):
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE TABLE sales (x INTEGER)")
    with pytest.raises(StoreError, match="not a restock store"):
        Store(path)


def test_store_migrations_run_in_order(tmp_path, monkeypatch):
    import planner.store as store_module

    path = tmp_path / "restock.duckdb"
    with Store(path):
        pass
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION, ["ALTER TABLE order_lines ADD COLUMN note VARCHAR"])
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION + 1
        assert "note" in store.order_lines().columns


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"restock {name} --help shows no example"


def test_input_tables_may_be_xlsx(shop, tmp_path):
    """shop.toml can point a table at a workbook; it reads like the CSV, errors name the sheet's row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "name", "category", "unit_cost", "price", "supplier", "case_pack"])
    sheet.append(["SERUM-30", "เซรั่มวิตามินซี 30ml", "beauty", 85, 249, "GZ Cosmetics", 24])
    sheet.append(["FAN-01", "小风扇 Quạt mini", "gadgets", "cheap", 199, "Shenzhen", 10])
    book.save(shop.root / "products.xlsx")
    toml = shop.root / "shop.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('products = "products.csv"', 'products = "products.xlsx"'),
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        Shop.open(shop.root).inputs()
    assert str(error.value) == "products.xlsx, row 3, column 'unit_cost': 'cheap' is not an amount of money"
    sheet["D3"] = 58.5
    book.save(shop.root / "products.xlsx")
    products = Shop.open(shop.root).inputs().products
    assert products["name"].tolist() == ["เซรั่มวิตามินซี 30ml", "小风扇 Quạt mini"]
    assert products["unit_cost"].tolist() == [85.0, 58.5] and products["case_pack"].tolist() == [24, 10]
