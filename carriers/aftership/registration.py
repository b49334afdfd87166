"""Registering numbers with AfterShip (creating trackings) and stopping them (deleting them).

API version 2026-07 (https://www.aftership.com/docs/tracking/2026-07/changelog), the key in the
`as-api-key` header, one number a call:

    POST   /tracking/2026-07/trackings        {"tracking_number", "slug"?}   201 {"meta", "data": {tracking}}
    DELETE /tracking/2026-07/trackings/{id}                                   200 {"meta", "data": {tracking}}

Since 2024-04 a tracking is deleted by AfterShip's own `id` only, which the creation answers
(`data.id`): parcelwatch keeps it with the registration. `meta.code` 4003 ("Tracking already exists")
is an idempotent creation, 4004 ("Tracking does not exist") a deletion with nothing left to delete;
HTTP 402 (Payment Required) is read as the plan's shipments used up. Rate limits per endpoint
(https://www.aftership.com/docs/tracking/2025-01/quickstart/rate-limit): POST /trackings 20
requests/s, DELETE /trackings/:id 5/s. AfterShip bills per shipment created, and its API reports no
quota; it has no carrier change either (a wrong slug is deleted and created again by hand). A slug is
sent when parcelwatch knows it (`SLUGS`); without one AfterShip detects the courier.
"""

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from carriers.base import Answered, Format, Outcome, PollEndpoint, Tracked, only

API_VERSION = "2026-07"
ALREADY_EXISTS = 4003
DOES_NOT_EXIST = 4004

#: AfterShip's courier slugs (GET /couriers/all) for the carriers parcelwatch knows, from AfterShip's
#: own list of them in AfterShip/aftership-apps-woocommerce assets/js/couriers.json (2024-08); each
#: comment is the courier's name there. `upu` (an S10 number of any post) names no one courier.
SLUGS = MappingProxyType(
    {
        "auspost": "australia-post",  # Australia Post
        "cainiao": "cainiao",  # Cainiao
        "canadapost": "canada-post",  # Canada Post
        "correios": "brazil-correios",  # Brazil Correios
        "dhl": "dhl",  # DHL Express
        "dhl_parcel_de": "dhl-germany",  # Deutsche Post DHL
        "fedex": "fedex",  # FedEx®
        "gls": "gls",  # GLS
        "inpost": "inpost-paczkomaty",  # InPost Paczkomaty
        "laposte": "la-poste-colissimo",  # La Poste
        "mydhl": "dhl",  # DHL Express
        "postnl": "postnl",  # PostNL Domestic
        "royalmail": "royal-mail",  # Royal Mail
        "russianpost": "russian-post",  # Russian Post
        "ups": "ups",  # UPS
        "usps": "usps",  # USPS
        "yanwen": "yanwen",  # Yanwen
    }
)


class Meta(Format):
    code: int
    message: str = ""


class Created(Format):
    id: str | None = None
    slug: str | None = None


class Answer(Format):
    meta: Meta
    data: Created | None = None


def _one(numbers: Sequence[Tracked]) -> Tracked:
    return only(numbers, "AfterShip creates and deletes one tracking a call")


def headers(endpoint: PollEndpoint) -> dict[str, str]:
    """The headers of every call to the API, with the account's key."""
    return {"as-api-key": endpoint.required_key("AfterShip needs the account's API key (the as-api-key header)")}


def trackings_url(endpoint: PollEndpoint) -> str:
    return endpoint.url(f"/tracking/{API_VERSION}/trackings")


def register_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    body = {"tracking_number": tracked.number} | ({"slug": tracked.carrier} if tracked.carrier else {})
    return httpx.Request("POST", trackings_url(endpoint), headers=headers(endpoint), json=body)


def stop_request(numbers: Sequence[Tracked], endpoint: PollEndpoint) -> httpx.Request:
    tracked = _one(numbers)
    if tracked.reference is None:
        raise LookupError(f"AfterShip deletes a tracking by its id, and {tracked.number} has none recorded")
    url = f"{trackings_url(endpoint)}/{quote(tracked.reference, safe='')}"
    return httpx.Request("DELETE", url, headers=headers(endpoint))


def read_answer(status: int, payload: Any, numbers: Sequence[Tracked]) -> list[Answered]:
    number = _one(numbers).number
    if status == 402:
        return [Answered(number, Outcome.QUOTA_EXCEEDED, "HTTP 402 Payment Required")]
    try:
        answer = Answer.model_validate(payload)
    except ValidationError:
        return [Answered(number, Outcome.RETRY, f"HTTP {status}, an answer without meta.code")]
    detail = f"{answer.meta.code}: {answer.meta.message}".rstrip(": ")
    data = answer.data or Created()
    if 200 <= status < 300:
        return [Answered(number, Outcome.ACCEPTED, carrier=data.slug, reference=data.id)]
    if answer.meta.code in (ALREADY_EXISTS, DOES_NOT_EXIST):
        return [Answered(number, Outcome.ALREADY, detail, carrier=data.slug, reference=data.id)]
    return [Answered(number, Outcome.REJECTED, detail)]
