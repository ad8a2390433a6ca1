"""Inventory maths: arrays in, arrays out, no pandas frames of the shop, no files.

policy      scalar textbook formulas, each with its equation and source (the reference)
levels      the same, vectorised over SKUs and sample paths, with lots and group fill rates
allocation  a fill rate kept over a group of SKUs at the least stock value
lost_sales  stock moved day by day when what is not served is lost
"""
