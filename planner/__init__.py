"""restock planner: the application around the pure `forecast` package.

Import and store the shop's data, compute inventory positions, plan restock orders,
simulate policies, run scenarios, write the buyer's report, and the `restock` CLI.
"""

__version__ = "0.1.0"
