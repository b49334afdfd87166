"""17TRACK's carrier keys for the carriers parcelwatch knows, the hint a registration passes.

From 17TRACK's carrier list (https://res.17track.net/asset/carrier/info/apicarrier.all.json, linked
from the v2.2 documentation's "carrier" parameter), read in two public copies that agree on every key
here (Duy247/HLLogistic carriers/apicarrier.all.json of 2025-12, lancerdia/lancerfile
apicarrier.all.json of 2025-08); each comment is the entry's `_name`. `dhl` (DHL's unified tracking)
detects DHL Express and eCommerce numbers, so it has DHL Express's key; GLS Group's API has the
group-wide GLS entry (gls-group.eu), not a national one. `upu` (an S10 number of any post) names no
one operator. A carrier missing here is left to 17TRACK's detection.
"""

from types import MappingProxyType

CARRIER_KEYS = MappingProxyType(
    {
        "auspost": "1151",  # Australia Post
        "cainiao": "190271",  # Cainiao
        "canadapost": "3041",  # Canada Post
        "correios": "2151",  # Correios Brazil
        "dhl": "100001",  # DHL Express
        "dhl_parcel_de": "7041",  # DHL Paket
        "fedex": "100003",  # FedEx
        "gls": "100005",  # GLS
        "inpost": "100043",  # InPost (PL)
        "laposte": "6051",  # La Poste (Colissimo)
        "mydhl": "100001",  # DHL Express
        "postnl": "14041",  # PostNL
        "royalmail": "11031",  # Royal Mail
        "russianpost": "18031",  # Russian Post
        "ups": "100002",  # UPS
        "usps": "21051",  # USPS
        "yanwen": "190012",  # YANWEN
    }
)
