"""Which carrier a tracking number belongs to, from its format and check digit.

`detect(number)` asks every registered carrier for the formats of its own the number is in
(`Carrier.number_candidates`, beside the carrier's adapter, which names each format's source) and
answers every candidate, most likely first. A candidate whose format carries a check digit says
whether it holds (`valid_check_digit`); formats distinctive enough to be recognised without it (UPU
S10, UPS `1Z`) are answered even when it fails, flagged `False`, so that R14 can raise
`invalid_tracking_number` at once. All-digit formats whose check digit fails are not answered:
twelve random digits are not a FedEx number with a typo.

Here is what several carriers share (re-implemented; the test vectors in
`tests/carriers/test_detect.py` come from the same sources):

- UPU S10 (13 characters: service indicator, 8-digit serial, check digit, ISO 3166 country of
  the issuing operator), read by `read_s10`: weights 8 6 4 2 3 5 9 7, check = 11 - sum mod 11,
  10 → 0, 11 → 5. UPU standard S10 as summarised by bwipp's UPU S10 encoder and
  jkeen/tracking_number_data (`couriers/s10.json`, MIT). Service indicators J, K, S, T and W are
  reserved (bwipp). `upu` takes every S10 number, an operator's adapter those of its country.
- Check digits: `mod10` (letters as digits, weights alternating from the left), `gs1_mod10` (GS1,
  USPS Publication 199, FedEx Ground) and `weighted_mod11_mod10` (FedEx Express).
"""

import re
from dataclasses import dataclass

from carriers.base import Candidate, registry

#: ISO 3166-1 alpha-2: the country part of an S10 identifier.
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC
    EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK
    HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB
    LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU
    RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN
    TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)

#: S10 service indicators by first letter (UPU S10; J, K, S, T, W are reserved and refused).
S10_SERVICES = {
    "E": "EMS",
    "C": "parcel post",
    "H": "e-commerce parcel",
    "L": "letter post, tracked",
    "R": "registered letter post",
    "V": "insured letter post",
    "U": "letter post",
    "M": "M-bag",
    "Q": "international business reply",
    **{letter: "domestic or bilateral use" for letter in "ABDGNPZ"},
}


# ---------------------------------------------------------------- check digits


def s10_check_digit(serial: str) -> int:
    check = 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def digit_value(char: str) -> int:
    """A digit's value, a letter's as a digit ((code point - 3) mod 10, so A = 2)."""
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def mod10(serial: str, odd_weight: int, even_weight: int) -> int:
    """(10 - Σ weight × digit mod 10) mod 10; positions counted from 1 at the left."""
    total = sum(digit_value(c) * (odd_weight if i % 2 == 0 else even_weight) for i, c in enumerate(serial))
    return (10 - total % 10) % 10


def weighted_mod11_mod10(serial: str, weights: tuple[int, ...]) -> int:
    """Σ weight × digit mod 11 mod 10, the weights repeated from the left."""
    return sum(int(d) * weights[i % len(weights)] for i, d in enumerate(serial)) % 11 % 10


def gs1_mod10(serial: str) -> int:
    """GS1 mod 10 (USPS Pub. 199, FedEx Ground): weight 3 on the digit next to the check, then 1, 3, …"""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(serial)))
    return (10 - total % 10) % 10


# ---------------------------------------------------------------- UPU S10

_S10 = re.compile(r"([A-Z]{2})(\d{8})(\d)([A-Z]{2})")


@dataclass(frozen=True, slots=True)
class S10:
    """A number in the UPU S10 format, its check digit right or wrong."""

    service: str
    serial: str
    check: int
    country: str

    @property
    def valid(self) -> bool:
        return s10_check_digit(self.serial) == self.check

    def candidate(self, carrier: str, confidence: float) -> Candidate:
        """The number as one of `carrier`'s, with the S10 reading as the reason."""
        kind = f"UPU S10 {S10_SERVICES[self.service[0]]} ({self.service}), issued in {self.country}"
        if self.valid:
            reason = f"{kind}; check digit holds"
        else:
            reason = f"{kind}; check digit {self.check} is wrong (expected {s10_check_digit(self.serial)})"
        return Candidate(carrier, confidence, "s10", reason, self.valid, self.country)


def read_s10(number: str) -> S10 | None:
    """The cleaned number read as UPU S10, or None when it is not in that format."""
    match = _S10.fullmatch(number)
    if not match:
        return None
    service, serial, check, country = match.groups()
    if service[0] not in S10_SERVICES or country not in ISO_COUNTRIES:
        return None
    return S10(service, serial, int(check), country)


def s10_candidates(
    carrier: str, number: str, country: str, valid: float = 0.95, wrong: float = 0.55
) -> list[Candidate]:
    """`number` as one of `carrier`'s where it is a UPU S10 number issued in `country`: at the confidence
    `valid` when its check digit holds, `wrong` when it does not; [] for any other number."""
    s10 = read_s10(number)
    if s10 is None or s10.country != country:
        return []
    return [s10.candidate(carrier, valid if s10.valid else wrong)]


# ---------------------------------------------------------------- detection

_SEPARATORS = re.compile(r"[\s\-]+")


def clean(number: str) -> str:
    """The number as carriers print it, without spaces or dashes, in capitals."""
    return _SEPARATORS.sub("", number).upper()


def detect(number: str) -> list[Candidate]:
    """Every carrier the number may belong to, most likely first (ties by slug)."""
    cleaned = clean(number)
    candidates = [c for carrier in registry().values() for c in carrier.number_candidates(cleaned)]
    return sorted(candidates, key=lambda c: (-c.confidence, c.carrier, c.format))


def s10_check_fails(number: str) -> bool:
    """True when the number is shaped like UPU S10 and its check digit is wrong (R14)."""
    s10 = read_s10(clean(number))
    return s10 is not None and not s10.valid
