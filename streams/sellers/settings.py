"""The numbers behind the seller scorecard (`sellers.metrics.v1`). Every one is a setting."""

from pydantic import BaseModel, Field


class SellerSettings(BaseModel):
    enabled: bool = Field(True, description="count each seller's orders and emit a daily seller_metrics")
    window_days: int = Field(30, ge=1, description="a scorecard counts the UTC days this far back from as_of")
    valid_tracking_days: int = Field(
        5, ge=1, description="an order's number is valid tracking with a real scan this many days after shipment"
    )
