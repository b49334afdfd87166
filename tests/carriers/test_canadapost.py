import json
import re
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carriers.base import PayloadInvalid, PollEndpoint, WebhookRejected, get_carrier
from carriers.detect import detect
from carriers.shapes import recognise
from schemas.status import Status

CANADAPOST = get_carrier("canadapost")
FIXTURES = Path(__file__).parents[2] / "carriers/canadapost/fixtures"
LOGIN = PollEndpoint("https://soa-gw.canadapost.ca/", api_key="6e93d53968881714:0bfa9fcb9853d1f51ee57a")


def fixture(name: str) -> str:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(*occurrences: str, pin: str = "7023210039414604") -> str:
    return (
        f'<tracking-detail xmlns="http://www.canadapost.ca/ws/track-v2"><pin>{pin}</pin>'
        f"<significant-events>{''.join(occurrences)}</significant-events></tracking-detail>"
    )


def occurrence(
    code="1496", date="2026-04-09", time="14:12:05", zone="PDT", site="VANCOUVER", province="BC", **more
) -> str:
    fields = {
        "event-identifier": code,
        "event-date": date,
        "event-time": time,
        "event-time-zone": zone,
        "event-description": "text",
        "event-site": site,
        "event-province": province,
        **{name.replace("_", "-"): value for name, value in more.items()},
    }
    return "<occurrence>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None) + "</occurrence>"


def only_event(xml: str):
    (shipment,) = CANADAPOST.parse(xml)
    (event,) = shipment.events
    return event


def test_poll_request_asks_one_pin_for_its_details_with_the_api_key_as_basic():
    request = CANADAPOST.build_poll_request(["7023210039414604"], LOGIN)
    assert (request.method, str(request.url)) == (
        "GET",
        "https://soa-gw.canadapost.ca/vis/track/pin/7023210039414604/detail",
    )
    assert request.headers["Accept"] == "application/vnd.cpc.track-v2+xml"
    assert request.headers["Accept-language"] == "en-CA"
    assert request.headers["Authorization"] == "Basic " + b64encode(LOGIN.api_key.encode()).decode()
    assert CANADAPOST.poll_batch_size == 1


@pytest.mark.parametrize(
    ("numbers", "endpoint", "message"),
    [
        (["A", "B"], LOGIN, "one PIN per call, not 2"),
        (["A"], PollEndpoint("https://soa-gw.canadapost.ca"), "'userid:password'"),
        (["A"], PollEndpoint("https://soa-gw.canadapost.ca", api_key="userid-only"), "'userid:password'"),
    ],
)
def test_poll_request_refuses_what_canada_post_cannot_answer(numbers, endpoint, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        CANADAPOST.build_poll_request(numbers, endpoint)


def test_pushes_are_refused():
    with pytest.raises(WebhookRejected):
        CANADAPOST.verify_webhook({}, b"{}", ["secret"], datetime(2026, 4, 9, tzinfo=UTC), 300)


def test_a_pin_without_history_gives_no_shipment():
    assert CANADAPOST.parse(fixture("no_pin_history")) == []
    assert CANADAPOST.tracking_numbers(fixture("no_pin_history")) == []
    assert CANADAPOST.split(fixture("no_pin_history")) == {}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            '<messages xmlns="http://www.canadapost.ca/ws/messages"><message><code>E002</code>'
            "<description>AAA Authentication Failure</description></message></messages>",
            "messages: E002 AAA Authentication Failure",
        ),
        ("<messages/>", "messages: no message"),
        ("<tracking-summary><pin-summary/></tracking-summary>", "tracking-summary is not a tracking-detail answer"),
        ("<tracking-detail><significant-events/></tracking-detail>", "tracking-detail.pin: missing or empty"),
        ("<tracking-detail>", "not well-formed XML"),
        ({"pin": "7023210039414604"}, "expected the XML text"),
    ],
)
def test_an_answer_that_is_not_a_tracking_says_why(payload, message):
    with pytest.raises(PayloadInvalid, match=re.escape(message)):
        CANADAPOST.parse(payload)


@pytest.mark.parametrize(
    ("code", "status", "substatus"),
    [
        ("0100", Status.IN_TRANSIT, None),
        ("0173", Status.IN_TRANSIT, "address_issue"),
        ("0174", Status.OUT_FOR_DELIVERY, None),
        ("1496", Status.DELIVERED, None),
        ("20", Status.UNKNOWN, None),
        ("9999", Status.UNKNOWN, None),
    ],
)
def test_an_event_is_read_by_its_identifier(code, status, substatus):
    event = only_event(answer(occurrence(code)))
    assert (event.status, event.substatus, event.raw_code, event.description) == (status, substatus, code, "text")


@pytest.mark.parametrize(
    ("zone", "written"),
    [("PDT", "2026-04-09T14:12:05-07:00"), ("est", "2026-04-09T14:12:05-05:00"), ("NST", "2026-04-09T14:12:05-03:30")],
)
def test_the_local_time_is_read_at_the_offset_its_zone_abbreviation_stands_for(zone, written):
    event = only_event(answer(occurrence(zone=zone)))
    assert (event.occurred_at.isoformat(), event.time_inferred) == (written, False)


@pytest.mark.parametrize(
    ("changed", "reason", "message"),
    [
        ({"zone": ""}, "no_zone", "event-time-zone is empty"),
        ({"zone": "ISRAEL"}, "no_zone", "event-time-zone 'ISRAEL' is no North American zone abbreviation"),
        ({"time": None}, "no_time", "event-date and event-time: missing or empty"),
        ({"date": "09/04/2026"}, "unreadable_time", "09/04/2026 14:12:05 is not YYYY-MM-DD HH:MM:SS"),
        ({"code": None}, "invalid_event", "event-identifier: missing or empty"),
    ],
)
def test_an_event_that_cannot_be_used_is_refused_and_the_rest_is_used(changed, reason, message):
    (shipment,) = CANADAPOST.parse(answer(occurrence(**changed), occurrence("0174", time="07:48:31")))
    assert [event.raw_code for event in shipment.events] == ["0174"]
    (refused,) = shipment.refused
    assert refused.kind == reason
    assert refused.reason.startswith("occurrence 0: ") and message in refused.reason


def test_a_canadian_province_makes_the_event_canadas_and_a_retail_name_is_the_place_when_no_site_is():
    assert (only_event(answer(occurrence())).country, only_event(answer(occurrence())).location) == (
        "CA",
        "VANCOUVER, BC",
    )
    abroad = only_event(answer(occurrence(zone="EST", site="NEW YORK", province="NY")))
    assert (abroad.country, abroad.location) == (None, "NEW YORK, NY")
    counter = only_event(answer(occurrence(site=None, province=None, event_retail_name="SHOPPERS DRUG MART 1234")))
    assert (counter.country, counter.location) == (None, "SHOPPERS DRUG MART 1234")


def test_auto_recognises_the_answers_and_their_messages_and_not_another_xml_carrier():
    for name in ("documented_example", "inbound_delivered", "no_pin_history"):
        assert recognise(fixture(name)) == "canadapost"
    assert not CANADAPOST.recognises('<data name="piece-shipment-list" code="0"/>')
    assert not CANADAPOST.recognises({"tracking-detail": {}})


def test_numbers_issued_in_canada_are_canada_posts():
    assert [c.carrier for c in detect("RR123456785CA")][:1] == ["canadapost"]
    assert "canadapost" not in [c.carrier for c in detect("RR123456785CN")]
    assert "canadapost" not in [c.carrier for c in detect("7023210039414604")]
