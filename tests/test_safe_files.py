"""Hostile files in, safe files out (issue 22): scenario YAML without aliases and within size and depth
caps; CSV whose text cells a spreadsheet shows but never runs."""

from __future__ import annotations

import csv
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from planner import pipeline
from planner.cli import main
from planner.errors import ConfigError
from planner.io.files import spreadsheet_safe_frame
from planner.io.safe_yaml import MAX_BYTES, load_yaml
from planner.scenarios import load_scenario
from tests.tiktok_export import line, write_csv

BILLION_LAUGHS = """name: lol
description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
changes: *i
"""


# ------------------------------------------------------------------------------------------ YAML

def test_a_billion_laughs_scenario_is_refused_at_once_with_exit_2(shop, tmp_path):
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["scenarios", "--shop", str(shop.root), str(path)])
    assert time.perf_counter() - started < 1
    assert result.exit_code == 2
    assert result.output == ("Error: lol.yaml: line 2: YAML anchors and aliases (&a, *a) are not allowed; "
                             "write the values out\n")


def test_an_alias_without_an_anchor_of_its_own_line_is_named(tmp_path):
    path = tmp_path / "alias.yaml"
    path.write_text("name: x\nchanges:\n  - budget_cap: 100\n  - service_level: *level\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert str(error.value).startswith("alias.yaml: line 4: ")  # an undefined alias: still refused, with its line


def test_a_scenario_file_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: big\n" + "#" * MAX_BYTES + "\n", encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert str(error.value) == (f"big.yaml: (top level): {size:,} bytes is too large for a scenario file "
                                f"(at most {MAX_BYTES:,})")


def test_a_scenario_nested_too_deep_is_refused_with_its_line(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\nchanges: " + "[" * 25 + "]" * 25 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert str(error.value) == "deep.yaml: line 2: nested more than 20 levels deep; a scenario needs a few"


def test_a_scenario_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: café\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"^latin.yaml: \(top level\): not UTF-8 text"):
        load_yaml(path)


def test_the_example_scenarios_still_read():
    from tests.conftest import REPO

    examples = sorted((REPO / "scenarios").glob("*.yaml"))
    assert examples
    for path in examples:
        assert load_scenario(path).name


# ------------------------------------------------------------------------------------------- CSV

def read_cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_written_text_cells_that_start_a_formula_get_a_quote_numbers_do_not(tmp_path):
    frame = pd.DataFrame({
        "sku": ["=HYPERLINK(\"http://x\",\"y\")", "+SKU", "-SKU", "@SUM(A1)", "\tTAB", "\rCR", "MINT-1", "-12.5"],
        "quantity": [1, -2, 3, 4, 5, 6, 7, 8],
        "value": [-1.5, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0],
    })
    before = frame.copy()
    path = pipeline.write_frame(frame, tmp_path / "orders.csv")
    rows = read_cells(path)
    assert [row[0] for row in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+SKU", "'-SKU", "'@SUM(A1)", "'\tTAB",
                                            "'\rCR", "MINT-1", "-12.5"]
    assert [row[1] for row in rows[1:]] == ["1", "-2", "3", "4", "5", "6", "7", "8"]
    assert rows[1][2] == "-1.5"
    pd.testing.assert_frame_equal(frame, before)                           # the caller's frame is not changed


def test_a_frame_without_formulas_is_written_as_before(tmp_path):
    frame = pd.DataFrame({"sku": ["A-1", "B"], "reason": ["cover 30 days", "MOQ 50"], "units": [1.0, -2.0]})
    assert spreadsheet_safe_frame(frame) is frame


def test_a_rejected_row_with_a_formula_is_written_to_the_rejects_file_quoted(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [line("1", "MINT", "=cmd|' /C calc'!A0"), line("2", "MINT", 1)])
    result = CliRunner().invoke(main, ["import", "--shop", str(shop.root), "--on-bad-rows", "skip", str(path)])
    assert result.exit_code == 0, result.output
    rejects = read_cells(shop.rejects / "orders.csv.rejects.csv")
    assert rejects == [["file", "row", "column", "value", "problem"],
                       ["orders.csv", "3", "Quantity", "'=cmd|' /C calc'!A0", "is not a whole number"]]


def test_the_plans_spreadsheet_files_start_with_a_byte_order_mark_the_machine_files_do_not(tmp_path):
    """Excel reads a CSV without a BOM in the system's code page: Thai names turn to mojibake. pandas
    and restock read both."""
    thai = pd.DataFrame({"sku": ["BEA-1"], "name": ["ครีมกันแดด"], "units": [2.5]})
    for name in pipeline.SPREADSHEET_FILES:
        path = pipeline.write_frame(thai, tmp_path / f"{name}.csv", bom=True)
        assert path.read_bytes().startswith(b"\xef\xbb\xbf\"sku\"")
        pd.testing.assert_frame_equal(pd.read_csv(path), thai)
    plain = pipeline.write_frame(thai, tmp_path / "forecast.csv")
    assert plain.read_bytes().startswith(b"\"sku\"")
    assert {"orders", "plan", "alerts"} <= set(pipeline.SPREADSHEET_FILES) and "projected" not in pipeline.SPREADSHEET_FILES
