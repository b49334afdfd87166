"""The numbers behind the buyer-protection rules (BRIEF §1). Every one is a setting."""

from decimal import Decimal

from pydantic import BaseModel, Field

from streams.eta.settings import EtaSettings
from streams.sellers.settings import SellerSettings


class RuleSettings(BaseModel):
    delivered_protection_days: float = Field(
        5, gt=0, description="R1: protection ends this many days after the delivery scan (never lengthened)"
    )
    seller_check_days: float = Field(10, gt=0, description="R2: no scan this many days after shipment: seller checks")
    unreadable_days: float = Field(15, gt=0, description="R3: no scan this many days after shipment: unreadable")
    low_value_usd: Decimal = Field(Decimal(10), ge=0, description="R4: orders under this value skip R2/R3")
    low_value_days_left: float = Field(3, gt=0, description="R4: flag low-value untracked with this many days left")
    stuck_in_export_days: float = Field(30, gt=0, description="R5: in export this long: stuck_in_export")
    origin_only_silence_days: float = Field(
        20, gt=0, description="R7: silent this long after export without import: origin-only"
    )
    protection_ending_days: float = Field(5, gt=0, description="R8: warn the buyer this many days before the end")
    act_after_delivery_days: float = Field(
        5, gt=0, description="R9/R11: days the buyer has after a delivery to cancel, modify or dispute"
    )
    shipment_predates_days: float = Field(
        1, ge=0, description="R14: a first scan earlier than shipment by more than this is flagged"
    )
    pickup_reminder_days: float = Field(25, gt=0, description="R15: waiting at a pickup point this long: remind")
    pickup_return_days: float = Field(30, gt=0, description="R15: parcels left at pickup points return after this")
    kept_events: int = Field(
        8,
        ge=1,
        description="a shipment's state keeps its latest N events and the earlier ones the rules read "
        "(schemas.event.kept_events); the whole history stays on tracking.raw.v1",
    )
    retention_days: float = Field(
        30, gt=0, description="a shipment no order needs (closed, or protection over) is forgotten this long after"
    )
    eta: EtaSettings = Field(default_factory=EtaSettings, description="the delivery estimate (streams.eta)")
    sellers: SellerSettings = Field(
        default_factory=SellerSettings, description="the seller scorecard (streams.sellers)"
    )
