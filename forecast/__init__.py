"""restock forecast: pure demand forecasting. Data frames in, data frames out; no files, no config.

Public entry points:
    daily_demand, mark_stockouts        (history)
    campaign_features, holiday_features (features)
    get_model, MODELS                   (models)
    backtest                            (backtest)
"""

from forecast.contract import DEMAND_COLUMNS, CAMPAIGN_COLUMNS, CAMPAIGN_TYPES, QUANTILES

__all__ = ["DEMAND_COLUMNS", "CAMPAIGN_COLUMNS", "CAMPAIGN_TYPES", "QUANTILES"]
