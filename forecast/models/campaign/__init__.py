"""The default engine: campaign-aware, probabilistic, vectorised across SKUs (see ``model``).

Importing this package registers ``CampaignForecaster`` as the model ``campaign``.
"""

from forecast.models.campaign.model import CampaignForecaster

__all__ = ["CampaignForecaster"]
