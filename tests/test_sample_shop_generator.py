"""The sample-shop generator (data/generate.py) and the committed sample shop (data/sample_shop/)."""

from __future__ import annotations

import csv
import importlib.util
import re
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample_shop"


def _load_generator():
    spec = importlib.util.spec_from_file_location("restock_sample_generator", ROOT / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def shop():
    """The sample shop's own parameters, without order lines (fast)."""
    return gen.generate_shop(order_lines=False)


def _frames(data) -> dict[str, pd.DataFrame]:
    names = ("products", "suppliers", "bundles", "campaigns", "inventory", "purchase_orders", "order_lines",
             "order_events", "true_demand", "sales")
    return {name: getattr(data, name) for name in names}


def test_same_seed_same_frames_other_seed_other_frames():
    first = _frames(gen.generate_shop(n_skus=40, days=120, seed=3))
    again = _frames(gen.generate_shop(n_skus=40, days=120, seed=3))
    other = _frames(gen.generate_shop(n_skus=40, days=120, seed=4))
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[name], obj=name)
    assert not first["true_demand"]["units"].equals(other["true_demand"]["units"])


def test_order_lines_have_the_tiktok_columns_and_add_up_to_the_sales():
    small = gen.generate_shop(n_skus=40, days=120, seed=3)
    lines = small.order_lines
    assert list(lines.columns) == list(gen.TIKTOK_COLUMNS)
    created = pd.to_datetime(lines["Created Time"], format="%d/%m/%Y %H:%M:%S")
    settled = created < small.dates[-2]  # the last two days' lines may still be cancelled before shipping
    demand = ~((lines["Cancelation/Return Type"] == "Cancel") & (lines["Shipped Time"] == ""))
    assert lines.loc[demand & settled, "Quantity"].astype(int).sum() == small.sales_matrix[:-2].sum()
    assert (lines.loc[~demand, "Order Status"] == "Cancelled").all()
    assert (~demand).sum() > 0.02 * len(lines)


def test_generic_writer_columns_and_units(shop, tmp_path):
    import pyarrow.parquet as pq

    path = gen.write_generic(shop, tmp_path / "demand.parquet", chunk_skus=37)
    table = pq.read_table(path)
    assert table.column_names == ["sku", "date", "units", "location", "price"]
    frame = table.to_pandas()
    assert (frame["units"] > 0).all()
    assert frame["units"].sum() == shop.sales_matrix.sum()
    assert set(frame["location"]) <= {"own", "fbt"}
    assert not frame.duplicated(["sku", "date", "location"]).any()
    assert (frame["price"] > 0).all()


def test_featured_skus_sell_many_times_their_baseline_on_livestream_days(shop):
    sales = shop.sales_matrix
    first_day = shop.dates[0]
    ratios = {"livestream_own": [], "livestream_creator": []}
    skus = {sku: i for i, sku in enumerate(shop.products["sku"])}
    past = shop.campaigns[pd.to_datetime(shop.campaigns["start"]) <= shop.dates[-1]]
    for row in past[past["type"].str.startswith("livestream")].itertuples():
        day = (pd.Timestamp(row.start).normalize() - first_day).days
        if day < 35:
            continue
        cols = [skus[s] for s in row.skus.split(";")]
        live = sales[day, cols].sum()
        baseline = sales[day - 35:day - 7, cols].sum() / 28  # four weeks before, clear of the pre-live dip
        if baseline > 0:
            ratios[row.type].append(live / baseline)
    assert len(ratios["livestream_own"]) > 30 and len(ratios["livestream_creator"]) > 10
    assert np.median(ratios["livestream_own"]) > 2.5
    assert np.median(ratios["livestream_creator"]) > np.median(ratios["livestream_own"])


def test_mega_sale_pulls_demand_forward(shop):
    demand = shop.demand_matrix.sum(axis=1)
    day = shop.dates.get_loc(pd.Timestamp("2025-11-11"))
    assert demand[day] > 2.5 * demand[day - 10:day - 3].mean()
    assert demand[day - 1] < demand[day - 10:day - 3].mean()


def test_stockouts_cut_sales_short(shop):
    lost = shop.demand_matrix > shop.sales_matrix
    assert lost.sum() > 100  # days on which demand went unserved
    assert shop.stockout_matrix[lost].all()  # ... are all flagged censored
    assert (shop.sales_matrix <= shop.demand_matrix).all()
    sales = shop.sales
    assert sales["censored"].sum() == shop.stockout_matrix[
        shop.dates.get_indexer(sales["date"]), sales["sku"].cat.codes.to_numpy()].sum()
    # some livestreams sold out mid-session
    skus = {sku: i for i, sku in enumerate(shop.products["sku"])}
    lives = shop.campaigns[shop.campaigns["type"].str.startswith("livestream")]
    sold_out = 0
    for row in lives.itertuples():
        day = (pd.Timestamp(row.start).normalize() - shop.dates[0]).days
        if day < len(shop.dates):
            sold_out += int(lost[day, [skus[s] for s in row.skus.split(";")]].any())
    assert sold_out >= 3


# ------------------------------------------------------------------------------ the committed folder


def _xlsx_header(path: Path) -> list[str]:
    """First row of the first sheet, reading only as much XML as it takes (openpyxl would load the
    whole shared-string table first, seconds for a 90-day export)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        with archive.open("xl/worksheets/sheet1.xml") as sheet:
            for _, element in ElementTree.iterparse(sheet):
                if element.tag == f"{ns}row":
                    cells = [(c.get("t"), c.findtext(f"{ns}v"), c.findtext(f"{ns}is/{ns}t")) for c in element]
                    break
        needed = max((int(v) for t, v, _ in cells if t == "s"), default=-1)
        shared: list[str] = []
        if needed >= 0:
            with archive.open("xl/sharedStrings.xml") as strings:
                for _, element in ElementTree.iterparse(strings):
                    if element.tag == f"{ns}si":
                        shared.append("".join(t.text or "" for t in element.iter(f"{ns}t")))
                        if len(shared) > needed:
                            break
    return [shared[int(v)] if t == "s" else (inline if t == "inlineStr" else v) for t, v, inline in cells]


def _export_header(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        return _xlsx_header(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def test_committed_folder_has_the_documented_files():
    names = {p.name for p in SAMPLE.iterdir()}
    assert {"shop.toml", "README.md", "products.csv", "suppliers.csv", "bundles.csv", "campaigns.csv",
            "inventory.csv", "purchase_orders.csv", "inbox"} <= names
    config = tomllib.loads((SAMPLE / "shop.toml").read_text(encoding="utf-8"))
    assert config["shop"] == {"name": "Mint & Co. (sample shop)", "market": "TH", "currency": "THB",
                              "timezone": "Asia/Bangkok"}
    for key, value in config["paths"].items():
        if value.endswith(".csv"):
            assert (SAMPLE / value).is_file(), key
    assert sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()) < 10.5e6


def test_committed_tables_have_the_input_columns():
    required = {
        "products.csv": {"sku", "name", "category", "unit_cost", "price", "supplier"},
        "suppliers.csv": {"supplier", "lead_time_days"},
        "bundles.csv": {"bundle_sku", "component_sku", "quantity"},
        "campaigns.csv": {"campaign_id", "type", "start", "end", "skus", "expected_viewers", "daily_budget",
                          "discount_pct"},
        "inventory.csv": {"sku", "location", "on_hand", "reserved", "in_transit", "snapshot_date"},
        "purchase_orders.csv": {"po_id", "sku", "quantity", "expected_arrival", "location", "supplier"},
    }
    tables = {name: pd.read_csv(SAMPLE / name) for name in required}
    for name, columns in required.items():
        assert columns <= set(tables[name].columns), name
    products = tables["products.csv"]
    assert len(products) == 150 and products["sku"].is_unique
    assert set(products["category"]) == {"beauty", "home", "gadgets"}
    known = set(products["sku"])
    for name in ("inventory.csv", "purchase_orders.csv"):
        assert set(tables[name]["sku"]) <= known, name
    assert set(tables["bundles.csv"]["component_sku"]) | set(tables["bundles.csv"]["bundle_sku"]) <= known
    campaigns = tables["campaigns.csv"]
    planned = campaigns[campaigns["start"] >= "2026-11-22"]
    assert {"MEGA-12.12-2026", "MEGA-VALENTINE-2027", "LIVE-CR-2026-12-15", "LIVE-CR-2027-01-15"} <= set(
        planned["campaign_id"])
    assert (planned["type"] == "ad").any()
    # the hand calendar keeps what is planned (and what runs on the last day); the past is in exports/
    assert (campaigns["end"] >= "2026-11-21").all()
    inventory = tables["inventory.csv"]
    assert (inventory["snapshot_date"] == "2026-11-22").all()
    assert {"own", "fbt"} <= set(inventory["location"]) and (inventory["location_type"] == "3pl").any()
    assert (tables["purchase_orders.csv"]["expected_arrival"] >= "2026-11-22").all()


def test_committed_exports_have_the_tiktok_header_and_quirks():
    exports = sorted((SAMPLE / "inbox").glob("orders_*"))
    assert len(exports) >= 9 and exports[-1].suffix == ".xlsx"
    assert exports[-1].name == "orders_2026-08-24_2026-11-21.xlsx"
    for path in exports:
        assert _export_header(path) == list(gen.TIKTOK_COLUMNS), path.name
    raw = {p.name: p.read_bytes() for p in exports if p.suffix == ".csv"}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values())
    assert any(not b.startswith(b"\xef\xbb\xbf") for b in raw.values())
    assert all(b"\t," in b for b in raw.values())  # trailing tab in ID and time cells
    us_time = re.compile(rb"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d [AP]M")
    assert 1 <= sum(bool(us_time.search(b)) for b in raw.values()) <= 2
    assert any("ยกเลิก".encode() in b or "สำเร็จ".encode() in b for b in raw.values())
    assert any(b"Platform unique order ID." in b for b in raw.values())


def test_committed_exports_mark_cancellations_and_returns():
    frame = pd.read_csv(SAMPLE / "inbox" / "orders_2026-06-10_2026-09-07.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    frame = frame[frame["Order ID"].str.strip().str.isdigit()]
    cancelled = frame["Cancelation/Return Type"] == "Cancel"
    before_shipping = cancelled & (frame["Shipped Time"] == "")
    assert before_shipping.any() and (cancelled & ~before_shipping).any()
    assert (frame.loc[before_shipping & (frame["Cancel By"] == "System"), "Paid Time"] == "").all()
    returns = frame["Cancelation/Return Type"] == "Return/Refund"
    assert returns.any() and (frame.loc[returns, "Sku Quantity of return"].astype(int) > 0).all()
    assert set(frame["Fulfillment Type"]) == {"Fulfillment by TikTok", "Fulfillment by seller"}
    assert frame["Buyer Username"].str.fullmatch(r"buyer_[0-9a-f]{4}").all()
    assert frame["Phone #"].str.fullmatch(r"\+66 8\d 555 \d{4}").all()


def test_regenerating_gives_the_committed_bytes(tmp_path):
    gen.main(["--out", str(tmp_path), "--skus", "150", "--seed", "7"])
    committed = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file() and p.name != "README.md")
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written == committed
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (SAMPLE / rel).read_bytes(), str(rel)


def test_the_sample_shops_history_from_exports_is_the_generators_past_calendar(tmp_path, shop):
    """What `restock run` reads from exports/ agrees with the generator's true past calendar as far as the
    files can say: every past LIVE with its type, start, end (to the minute the duration gives), featured
    SKUs and viewers (within the 15 % the session's count differs from the plan's), every ad on its days
    and SKUs with its budget (spend within 10 %), the market's mega-sale days; and only these. Flash sales
    are in no export the seller gets: what the history loses, bench/campaign_history.py measures."""
    from forecast.features import campaign_days
    from planner.io.inputs import expand_campaigns
    from planner.shop import init_shop

    seller = init_shop(tmp_path / "shop", sample=True)
    history = seller.export_history()
    products = shop.products
    last_day = shop.dates[-1]
    truth = shop.campaigns.assign(start=lambda f: pd.to_datetime(f["start"]), end=lambda f: pd.to_datetime(f["end"]))
    past = truth[truth["end"].dt.normalize() < last_day]
    derived = history.campaigns[~history.campaigns["campaign_id"].isin(truth["campaign_id"])]
    assert not derived["campaign_id"].str.startswith("TT-AFF-").any()  # the LIVE downloads show every creator LIVE

    def keyed(frame):
        return frame.assign(skus=frame["skus"].map(lambda s: ";".join(sorted(str(s).split(";"))))).set_index(
            ["type", "start"]).sort_index()

    true_lives = keyed(past[past["type"].str.startswith("livestream")])
    lives = keyed(derived[derived["type"].str.startswith("livestream")])
    assert list(lives.index) == list(true_lives.index)
    assert (lives["end"] == true_lives["end"]).all() and (lives["skus"] == true_lives["skus"]).all()
    ratio = lives["expected_viewers"].to_numpy() / true_lives["expected_viewers"].to_numpy(dtype=float)
    assert ((ratio > 0.84) & (ratio < 1.16)).all()

    true_ads, ads = keyed(past[past["type"] == "ad"]), keyed(derived[derived["type"] == "ad"])
    assert list(ads.index) == list(true_ads.index) and (ads["skus"] == true_ads["skus"]).all()
    assert (ads["end"] == true_ads["end"]).all()
    ratio = ads["daily_budget"].to_numpy() / true_ads["daily_budget"].to_numpy(dtype=float)
    assert ((ratio > 0.89) & (ratio < 1.11)).all()

    def cells(frame, kinds):
        rows = campaign_days(expand_campaigns(frame[frame["type"].isin(kinds)], products))
        return set(zip(rows["sku"], rows["date"]))

    kinds = ("livestream_own", "livestream_creator", "ad")
    assert cells(derived, kinds) == cells(past, kinds)
    market_days = set(derived.loc[derived["type"] == "mega_sale", "start"])
    true_mega = past[past["type"] == "mega_sale"]
    assert set(true_mega["start"][true_mega["start"] >= derived["start"].min()]) <= market_days
    assert set(derived["type"]) == set(kinds) | {"mega_sale"}
    assert (past["type"] == "flash_sale").any()  # ... which no export shows
