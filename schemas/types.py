"""Field types shared by every model: tz-aware times, UTC output times, money; and the base models."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, ValidationError


def format_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, the form every output time takes."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: A tz-aware time that keeps the offset it came with (carrier event times).
Timestamp = Annotated[AwareDatetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]

#: A tz-aware time normalised to UTC and written with `Z` (output values).
UtcTimestamp = Annotated[
    AwareDatetime,
    AfterValidator(lambda d: d.astimezone(UTC)),
    PlainSerializer(format_utc, return_type=str),
]

#: Money as a decimal, written as a decimal string.
Amount = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str)]

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]


class Frozen(BaseModel):
    """Immutable; unknown fields in inputs are ignored so producers can add fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class KeyedCommand(Frozen):
    """What parcelwatch sends itself between keys: the internal topic it travels on and the field it is keyed by."""

    topic: ClassVar[str]
    key_field: ClassVar[str]

    @property
    def key(self) -> str:
        return getattr(self, self.key_field)


class Money(Frozen):
    amount: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]


def describe_validation_error(error: ValidationError) -> str:
    """One readable line naming each failing field, e.g. `events.0.occurred_at: Input should be …`."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(step) for step in item["loc"]) or "(body)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
