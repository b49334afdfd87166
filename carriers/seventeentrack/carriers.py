"""17TRACK's carrier keys for the carriers parcelwatch knows, the hint a registration passes.

From 17TRACK's carrier list (https://res.17track.net/asset/carrier/info/apicarrier.all.json, linked
from the v2.2 documentation's "carrier" parameter). A carrier missing here is left to 17TRACK's
detection.
"""

from types import MappingProxyType

CARRIER_KEYS = MappingProxyType(
    {
        "dhl": "100001",
        "ups": "100002",
        "fedex": "100003",
        "usps": "21051",
        "cainiao": "190271",
    }
)
