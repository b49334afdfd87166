"""Event times checked where events enter: before 2000, or more than a day after the record was
received, an event is not a scan. It is refused with the reason and the rest of the payload is used."""

from datetime import UTC, datetime

import pytest

from carriers.base import EARLIEST_EVENT_TIME, FUTURE_TOLERANCE, RefusedEvent, normalise, registry
from schemas.status import Status

RECEIVED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
AFTER_RECEIVED = "is more than 1 day after the record was received (2026-03-01T10:00:00Z)"
#: The normal event every carrier case below carries beside its two impossible ones.
NORMAL = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def generic(*times: str) -> dict:
    return {
        "tracking_number": "LP123456785CN",
        "events": [{"status": "in_transit", "occurred_at": time, "code": f"E{i}"} for i, time in enumerate(times)],
    }


def test_the_window_is_2000_to_a_day_after_receipt():
    assert EARLIEST_EVENT_TIME == datetime(2000, 1, 1, tzinfo=UTC)
    assert FUTURE_TOLERANCE.total_seconds() == 86_400


@pytest.mark.parametrize(
    ("occurred_at", "received_at", "refused_because"),
    [
        ("1999-12-31T23:59:59Z", RECEIVED, "event time 1999-12-31T23:59:59Z is before 2000-01-01"),
        ("2000-01-01T00:59:59+01:00", RECEIVED, "event time 2000-01-01T00:59:59+01:00 is before 2000-01-01"),
        ("2000-01-01T00:00:00Z", RECEIVED, None),
        ("2000-01-01T08:00:00+08:00", RECEIVED, None),
        ("2026-03-02T10:00:00Z", RECEIVED, None),
        ("2026-03-02T11:00:00+01:00", RECEIVED, None),
        ("2026-03-02T10:00:01Z", RECEIVED, f"event time 2026-03-02T10:00:01Z {AFTER_RECEIVED}"),
        ("9999-12-31T23:59:59Z", RECEIVED, f"event time 9999-12-31T23:59:59Z {AFTER_RECEIVED}"),
        ("9999-12-31T23:59:59-05:00", RECEIVED, f"event time 9999-12-31T23:59:59-05:00 {AFTER_RECEIVED}"),
        ("0001-01-01T00:00:00Z", RECEIVED, "event time 0001-01-01T00:00:00Z is before 2000-01-01"),
        ("0001-01-01T00:00:00+14:00", None, "event time 0001-01-01T00:00:00+14:00 is before 2000-01-01"),
        ("1970-01-01T00:00:00Z", None, "event time 1970-01-01T00:00:00Z is before 2000-01-01"),
        ("2000-01-01T00:00:00Z", None, None),
        ("9999-12-31T23:59:59Z", None, None),
    ],
)
def test_an_event_outside_the_window_is_refused_with_the_reason(occurred_at, received_at, refused_because):
    (shipment,) = normalise("generic", generic(occurred_at), received_at=received_at)
    parsed = datetime.fromisoformat(occurred_at)
    if refused_because is None:
        assert ([e.occurred_at for e in shipment.events], shipment.refused) == ([parsed], ())
    else:
        (refused,) = shipment.refused
        assert (shipment.events, refused.reason, refused.event.occurred_at) == ((), refused_because, parsed)


def test_the_rest_of_the_shipment_is_kept_in_order():
    payload = generic("2026-02-20T10:00:00Z", "0001-01-01T00:00:00Z", "2026-02-21T10:00:00Z", "9999-12-31T23:59:59Z")
    (shipment,) = normalise("generic", payload, received_at=RECEIVED)
    assert [e.raw_code for e in shipment.events] == ["E0", "E2"]
    assert [r.event.raw_code for r in shipment.refused] == ["E1", "E3"]
    assert all(isinstance(r, RefusedEvent) for r in shipment.refused)


def test_without_received_at_only_the_lower_bound_applies():
    (shipment,) = normalise("generic", generic("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"))
    assert [e.raw_code for e in shipment.events] == ["E0"]
    assert [r.event.raw_code for r in shipment.refused] == ["E1"]


def test_a_refused_event_keeps_what_the_carrier_said():
    payload = {
        "tracking_number": "LP123456785CN",
        "events": [{"status": "delivered", "occurred_at": "9999-12-31T23:59:59Z", "location": "Madrid", "code": "EMI"}],
    }
    ((refused,),) = [s.refused for s in normalise("generic", payload, received_at=RECEIVED)]
    assert (refused.event.status, refused.event.location, refused.event.raw_code) == (Status.DELIVERED, "Madrid", "EMI")


RUSSIANPOST_RECORD = (
    "<historyRecord><ItemParameters><Barcode>RA123456785CN</Barcode></ItemParameters><OperationParameters>"
    "<OperType><Id>2</Id></OperType><OperAttr><Id>1</Id></OperAttr><OperDate>{}</OperDate></OperationParameters>"
    "</historyRecord>"
)


def russianpost(*times: str) -> str:
    records = "".join(RUSSIANPOST_RECORD.format(time) for time in times)
    return f"<Envelope><Body><OperationHistoryData>{records}</OperationHistoryData></Body></Envelope>"


def ups(*moments: tuple[str, str, str]) -> dict:
    activity = [{"date": d, "time": t, "gmtOffset": o, "status": {"type": "D", "code": "FS"}} for d, t, o in moments]
    package = {"trackingNumber": "1Z999AA10123456784", "activity": activity}
    return {"trackResponse": {"shipment": [{"inquiryNumber": "1Z999AA10123456784", "package": [package]}]}}


def usps(*moments: tuple[str, str]) -> dict:
    events = [{"eventCode": "01", "GMTTimestamp": at, "GMTOffset": offset} for at, offset in moments]
    return {"trackingNumber": "9405511206213456789012", "trackingEvents": events}


def cainiao(*milliseconds: int) -> dict:
    details = [{"actionCode": "GTMS_SIGNED", "time": ms} for ms in milliseconds]
    return {"success": True, "module": [{"mailNo": "LP00412345678901", "detailList": details}]}


#: Per carrier, in its own format: an event at the calendar's last second in a zone west of UTC
#: (or converted to a zone east of it), one at its first second, and a normal one (NORMAL).
EDGES = {
    "generic": generic("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T09:00:00+01:00"),
    "sandbox": {
        "tracking_number": "LP123456785CN",
        "events": [
            {"code": "DELIVERED", "time": time}
            for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T16:00:00+08:00")
        ],
    },
    "upu": {
        "events": [
            {"mail_item_id": "RR123456785CN", "event_code": "EMI", "event_time": time}
            for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T09:00:00+01:00")
        ]
    },
    "17track": {
        "event": "TRACKING_UPDATED",
        "data": {
            "number": "RB123456785CN",
            "track_info": {
                "tracking": {
                    "providers": [
                        {
                            "events": [
                                {"time_iso": "9999-12-31T23:59:59-05:00", "sub_status": "Delivered_Other"},
                                {"time_utc": "0001-01-01T00:00:00Z", "sub_status": "Delivered_Other"},
                                {"time_iso": "2026-03-01T09:00:00+01:00", "sub_status": "Delivered_Other"},
                            ]
                        }
                    ]
                }
            },
        },
    },
    "aftership": {
        "event": "tracking_update",
        "event_id": "e-1",
        "msg": {
            "tracking_number": "RB123456785CN",
            "checkpoints": [
                {"checkpoint_time": time, "tag": "Delivered", "subtag": "Delivered_001"}
                for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T08:00:00Z")
            ],
        },
    },
    "fedex": {
        "output": {
            "completeTrackResults": [
                {
                    "trackingNumber": "794612345678",
                    "trackResults": [
                        {
                            "scanEvents": [
                                {"date": time, "eventType": "DL"}
                                for time in (
                                    "9999-12-31T23:59:59-05:00",
                                    "0001-01-01T00:00:00+14:00",
                                    "2026-03-01T03:00:00-05:00",
                                )
                            ]
                        }
                    ],
                }
            ]
        }
    },
    "dhl": {
        "shipments": [
            {
                "id": "00340434161094042557",
                "events": [
                    {"timestamp": time, "statusCode": "delivered"}
                    for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T09:00:00+01:00")
                ],
            }
        ]
    },
    "ups": ups(("99991231", "235959", "-05:00"), ("00010101", "000000", "+14:00"), ("20260301", "030000", "-05:00")),
    "usps": usps(
        ("9999-12-31T23:59:59Z", "+05:00"), ("0001-01-01T00:00:00Z", "-05:00"), ("2026-03-01T08:00:00Z", "-05:00")
    ),
    "cainiao": cainiao(253_402_300_799_000, -62_135_596_800_000, int(NORMAL.timestamp() * 1000)),
    "russianpost": russianpost(
        "9999-12-31T23:59:59.000-05:00", "0001-01-01T00:00:00.000+14:00", "2026-03-01T11:00:00.000+03:00"
    ),
    "ship24": {
        "trackings": [
            {
                "tracker": {"trackingNumber": "RB123456785CN"},
                "events": [
                    {"occurrenceDatetime": time, "statusCode": "delivery_delivered", "statusMilestone": "delivered"}
                    for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T09:00:00+01:00")
                ],
            }
        ]
    },
    "trackingmore": {
        "meta": {"code": 200},
        "data": [
            {
                "tracking_number": "RB123456785CN",
                "origin_info": {
                    "trackinfo": [
                        {"checkpoint_date": time, "checkpoint_delivery_substatus": "delivered001"}
                        for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T08:00:00Z")
                    ]
                },
            }
        ],
    },
    "yanwen": {
        "code": 0,
        "result": [
            {
                "tracking_number": "UG998877665YP",
                "checkpoints": [
                    {"time_stamp": stamp, "time_zone": zone, "tracking_status": "PU10"}
                    for stamp, zone in (
                        ("9999-12-31T23:59:59", "-5"),
                        ("0001-01-01T00:00:00", "+14"),
                        ("2026-03-01T16:00:00", "+8"),
                    )
                ],
            }
        ],
    },
    "laposte": {
        "returnCode": 200,
        "shipment": {
            "idShip": "CB314159268FR",
            "event": [
                {"code": "DI1", "date": time}
                for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T09:00:00+01:00")
            ],
        },
    },
    "royalmail": {
        "mailPieces": {
            "mailPieceId": "AB112233447GB",
            "events": [
                {"eventCode": "EVNMI", "eventDateTime": time}
                for time in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2026-03-01T08:00:00+00:00")
            ],
        }
    },
    "postnl": {
        "CompleteStatus": {
            "Shipment": {
                "Barcode": "3SABCD123456789",
                "Event": [
                    {"Code": "I01", "TimeStamp": stamp}
                    for stamp in ("31-12-9999 23:59:59", "01-01-0001 00:00:00", "01-03-2026 09:00:00")
                ],
            }
        }
    },
    "mydhl": {
        "shipments": [
            {
                "shipmentTrackingNumber": "1234567890",
                "events": [
                    {"date": date, "time": time, "GMTOffset": offset, "typeCode": "OK"}
                    for date, time, offset in (
                        ("9999-12-31", "23:59:59", "-05:00"),
                        ("0001-01-01", "00:00:00", "+14:00"),
                        ("2026-03-01", "09:00:00", "+01:00"),
                    )
                ],
            }
        ]
    },
    "gls": {
        "parcels": [
            {
                "requested": "36301917596",
                "unitno": "36301917596",
                "events": [
                    {"code": "INTIAL.NORMAL", "eventDateTime": time}
                    for time in ("9999-12-31T23:59:59-0500", "0001-01-01T00:00:00+1400", "2026-03-01T09:00:00+0100")
                ],
            }
        ]
    },
    "auspost": {
        "tracking_results": [
            {
                "tracking_id": "7XX1000634011427",
                "trackable_items": [
                    {
                        "events": [
                            {"description": "Delivered", "date": time}
                            for time in (
                                "9999-12-31T23:59:59-05:00",
                                "0001-01-01T00:00:00+14:00",
                                "2026-03-01T19:00:00+11:00",
                            )
                        ]
                    }
                ],
            }
        ]
    },
    "inpost": {
        "tracking_number": "520113014230722029585646",
        "tracking_details": [
            {"status": "delivered", "datetime": time}
            for time in (
                "9999-12-31T23:59:59.000-05:00",
                "0001-01-01T00:00:00.000+14:00",
                "2026-03-01T09:00:00.000+01:00",
            )
        ],
    },
    "correios": (
        "<Envelope><Body><buscaEventosResponse><return><objeto><numero>JF598971235BR</numero>"
        + "".join(
            f"<evento><tipo>BDE</tipo><status>01</status><data>{data}</data><hora>{hora}</hora><uf>SP</uf></evento>"
            for data, hora in (("31/12/9999", "23:59"), ("01/01/0001", "00:00"), ("01/03/2026", "05:00"))
        )
        + "</objeto></return></buscaEventosResponse></Body></Envelope>"
    ),
    "canadapost": (
        "<tracking-detail><pin>7023210039414604</pin><significant-events>"
        + "".join(
            f"<occurrence><event-identifier>1496</event-identifier><event-date>{date}</event-date>"
            f"<event-time>{time}</event-time><event-time-zone>EST</event-time-zone></occurrence>"
            for date, time in (("9999-12-31", "23:59:59"), ("0001-01-01", "00:00:00"), ("2026-03-01", "03:00:00"))
        )
        + "</significant-events></tracking-detail>"
    ),
    "dhl_parcel_de": (
        '<data name="piece-shipment-list" code="0"><data name="piece-shipment" piece-code="00340434161094015902">'
        '<data name="piece-event-list">'
        + "".join(
            f'<data name="piece-event" event-timestamp="{stamp}" ice="DLVRD" ric="ACCPT" event-country="DE"/>'
            for stamp in ("31.12.9999 23:59", "01.01.0001 00:00", "01.03.2026 09:00")
        )
        + "</data></data></data>"
    ),
}


@pytest.mark.parametrize("slug", sorted(EDGES))
def test_every_adapter_reads_times_at_the_calendars_ends_and_they_are_refused(slug):
    (shipment,) = normalise(slug, EDGES[slug], received_at=RECEIVED)
    assert [event.occurred_at for event in shipment.events] == [NORMAL]
    reasons = [refused.reason for refused in shipment.refused]
    assert len(reasons) == 2
    assert [reason for reason in reasons if reason.endswith(AFTER_RECEIVED)]
    assert [reason for reason in reasons if reason.endswith("is before 2000-01-01")]


def test_every_carrier_has_an_edge_case():
    assert set(registry()) == set(EDGES)


def test_cainiao_null_time_is_a_refused_event_not_a_refused_answer():
    (shipment,) = normalise("cainiao", cainiao(0, int(NORMAL.timestamp() * 1000)), received_at=RECEIVED)
    assert [event.occurred_at for event in shipment.events] == [NORMAL]
    ((refused,),) = [shipment.refused]
    assert refused.reason == "event time 1970-01-01T08:00:00+08:00 is before 2000-01-01"
