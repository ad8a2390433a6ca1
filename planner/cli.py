"""The `restock` command: parse options, call the library, print a short summary.

Exit codes (also in the README):
  0  success
  1  unexpected error (a bug: please report it with the traceback shown by --debug)
  2  usage error, shop not found, invalid shop.toml or scenario file
  3  bad input: a file, row and column are named in the message
  4  the store cannot be opened (e.g. written by a newer restock)
  75 another run holds the shop's lock (try again later)
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

from planner import __version__
from planner.errors import RestockError

SHOP_OPTION_HELP = "The shop folder (default: the current folder)."


def shop_option(func):
    """The shared --shop option: opens the shop and passes it as ``shop``."""

    @click.option("--shop", "shop_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                  show_default=False, help=SHOP_OPTION_HELP)
    @functools.wraps(func)
    def wrapper(*args, shop_dir: Path, **kwargs):
        from planner.shop import Shop

        return func(*args, shop=Shop.open(shop_dir), **kwargs)

    return wrapper


class RestockGroup(click.Group):
    """Turns the library's own exceptions into one-line messages and documented exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RestockError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=RestockGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="restock")
def main() -> None:
    """restock: forecast demand and plan restock orders for a TikTok Shop seller, offline.

    \b
    Start with the bundled sample shop:
      restock init demo-shop --sample
      restock import --shop demo-shop demo-shop/inbox/*
      restock history --shop demo-shop
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Copy the bundled sample shop (a Thai beauty/home/gadgets seller).")
def init_command(directory: Path, sample: bool) -> None:
    """Create a shop folder: a commented shop.toml, empty input templates, inbox/ and runs/.

    \b
    Example:
      restock init my-shop
      restock init demo-shop --sample
    """
    from planner.shop import init_shop

    shop = init_shop(directory, sample=sample)
    click.echo(f"Created shop '{shop.config.shop.name}' in {directory}")
    if sample:
        click.echo(f"Next: restock import --shop {directory} {directory}/inbox/*")
    else:
        click.echo(f"Next: edit {directory}/shop.toml and the input tables (see docs/inputs.md), then "
                   f"restock import --shop {directory} ORDERS.csv")


@main.command("import")
@shop_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--on-bad-rows", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="fail: stop at the first bad row, storing nothing of that file; skip: store the good rows "
                   "and write the bad ones with their reason to rejects/FILE.rejects.csv.")
@click.option("--format", "fmt", type=click.Choice(["tiktok", "generic", "online_retail"]), default=None,
              help="The file format (default: recognised from the header).")
def import_command(shop, files: tuple[Path, ...], on_bad_rows: str, fmt: str | None) -> None:
    """Import order files into the shop's store: TikTok Shop exports (CSV/XLSX), generic
    sku/date/units tables (CSV/Parquet), or Online Retail lines. Overlapping exports update
    lines; importing a file twice changes nothing. Buyer personal data is never read.

    \b
    Example:
      restock import --shop my-shop exports/orders_2026-09-01_2026-11-29.csv
    """
    from planner.importer import import_files

    results = import_files(shop, list(files), on_bad_rows=on_bad_rows, fmt=fmt)
    width = max(len(r.file) for r in results)
    click.echo(f"{'file':<{width}}  {'format':<13} {'added':>8} {'updated':>8} {'unchanged':>9} {'rejected':>8}")
    for r in results:
        click.echo(f"{r.file:<{width}}  {r.format:<13} {r.added:>8} {r.updated:>8} {r.unchanged:>9} {r.rejected:>8}")
        if r.rejects_file:
            click.echo(f"  rejected rows and reasons: {r.rejects_file}")


@main.command("history")
@shop_option
@click.option("--top", default=10, show_default=True, help="How many top SKUs to list.")
def history_command(shop, top: int) -> None:
    """Summarise the order history in the store: period, lines, SKUs, units, returns, top sellers.

    \b
    Example:
      restock history --shop demo-shop
    """
    from planner.summary import history_summary

    click.echo(history_summary(shop, top=top))


@main.command("check")
@shop_option
def check_command(shop) -> None:
    """Check every input table of the shop (campaigns, inventory, purchase orders, products,
    suppliers, bundles) and report what was read.

    \b
    Example:
      restock check --shop demo-shop
    """
    inputs = shop.inputs()
    for table in ("products", "suppliers", "bundles", "inventory", "purchase_orders", "campaigns"):
        click.echo(f"{table + '.csv':<22} {len(getattr(inputs, table)):>6} rows  ok")


def run() -> None:  # pragma: no cover - console entry for `python -m planner.cli`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
