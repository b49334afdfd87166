"""The numbers behind the buyer-protection rules (BRIEF §1). Every one is a setting."""

from pydantic import BaseModel, Field


class RuleSettings(BaseModel):
    delivered_protection_days: float = Field(
        5, gt=0, description="R1: protection ends this many days after the delivery scan (never lengthened)"
    )
