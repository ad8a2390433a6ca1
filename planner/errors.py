"""The library's own exceptions. The CLI turns them into messages and exit codes."""

from __future__ import annotations


class RestockError(Exception):
    """Base class for errors a user can act on."""

    exit_code = 1


class InputError(RestockError):
    """A file the user gave cannot be read as expected.

    The message names the file, the row as a spreadsheet shows it (header = row 1), the column,
    and what was expected, e.g.
    ``orders_0301.csv, row 57, column 'Quantity': '3 pcs' is not a whole number``.
    """

    exit_code = 3

    def __init__(self, file: str, problem: str, row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        where = [str(file)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class ConfigError(RestockError):
    """shop.toml or a scenario file is invalid."""

    exit_code = 2


class ShopNotFound(RestockError):
    """The folder given with --shop is not a shop."""

    exit_code = 2


class StoreError(RestockError):
    """The store cannot be opened (e.g. written by an incompatible version)."""

    exit_code = 4


class LockedError(RestockError):
    """Another run holds the shop's lock."""

    exit_code = 75  # EX_TEMPFAIL: cron may simply try again later


class PurchaseOrderError(RestockError):
    """A purchase order named to approve, unapprove or receive cannot be: unknown, already approved, or
    already received. The message names it and says what to do."""

    exit_code = 3


class WriteError(RestockError):
    """A file or folder cannot be written: a full disk, a read-only folder, no permission."""

    exit_code = 74  # EX_IOERR
