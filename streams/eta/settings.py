"""The numbers behind the delivery estimate (`shipments.eta.v1`). Every one is a setting."""

from pydantic import BaseModel, Field


class EtaSettings(BaseModel):
    enabled: bool = Field(True, description="learn lanes' transit times and emit eta_estimated")
    window_days: float = Field(180, gt=0, description="learn from shipments shipped this many days back")
    bucket_days: float = Field(30, gt=0, description="the window moves in steps of this many days (shipment time)")
    min_samples: int = Field(
        20, ge=1, description="a level with fewer deliveries beyond the time already spent falls back to the next"
    )
    revise_days: float = Field(1, gt=0, description="emit again when p80 moves by at least this many days")
    min_bin_hours: float = Field(2, gt=0, description="the narrowest histogram bin (short durations)")
    bin_growth: float = Field(0.03, gt=0, description="each longer bin is this much wider than the last (relative)")
    max_days: float = Field(400, gt=0, description="durations beyond this many days fall in the last bin")
