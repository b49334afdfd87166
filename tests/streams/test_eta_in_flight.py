"""A shipment's estimate requests in flight together, as in the stream: its records are decided before
any answer comes back, so every request names the same p80 last emitted (none), and the lanes answer
each. The shipment decides the answers one at a time against its state and emits only the news.

The lane (60 deliveries, CN → ES) is learned and the shipment registered on day 40 in replay; then
the shipment's scans are decided as the stream decides records (`decide_record`), their lane
commands by the lanes (`step`), and the answers applied to the shipment after all its scans.
"""

from datetime import datetime

from carriers.textclass import TEXT_THRESHOLD
from schemas.commands import EtaAnswered
from schemas.eta import LaneCommandBase
from schemas.inputs import RAW_TOPIC
from schemas.outputs import EtaEstimated
from streams.engine import Engine, Source, decide_record, step
from streams.rules.settings import RuleSettings
from tests.core.helpers import TN, day, lines, registered, run, scans
from tests.streams.test_eta_replay import HOUR, history, lane
from workers.replay import replay

SETTINGS = RuleSettings()
LEARNED = history(lane(60), [registered(at=day(40))])
SCANNED = scans(TN, ("export", day(41)))


def learned() -> Engine:
    engine = Engine(SETTINGS)
    list(replay(lines(*LEARNED), SETTINGS, engine=engine))
    return engine


def answers_in_flight(engine: Engine, *records: dict) -> list[EtaAnswered]:
    """Each of the shipment's records decided, then its lane commands, in order; the lanes' answers
    to its requests are returned, not applied."""
    sent: list[tuple[LaneCommandBase, datetime]] = []
    for record in records:
        at = datetime.fromisoformat(record["at"])
        value = {"received_at": record["at"], **record["value"]}
        source = Source(RAW_TOPIC, 0, len(sent), TN, "")
        steps, _ = decide_record(
            engine.shipments, engine.orders, source, value, at, SETTINGS, TEXT_THRESHOLD, engine.lanes
        )
        sent.extend((command, at) for s in steps for command in s.commands if isinstance(command, LaneCommandBase))
    answers = []
    while sent:
        command, at = sent.pop(0)
        for sent_on in step(engine.shipments, engine.orders, command, at, SETTINGS, engine.lanes).commands:
            if isinstance(sent_on, EtaAnswered):
                answers.append(sent_on)
            else:
                sent.append((sent_on, at))
    return answers


def emitted(engine: Engine, answers: list[EtaAnswered], at: datetime) -> list[list[EtaEstimated]]:
    """What the shipment emits on each answer, in turn."""
    return [
        [o for o in step(engine.shipments, engine.orders, answer, at, SETTINGS).outputs if isinstance(o, EtaEstimated)]
        for answer in answers
    ]


def replayed(*records: dict) -> list[EtaEstimated]:
    return [o for o in run(history(LEARNED, [SCANNED, *records])) if isinstance(o, EtaEstimated)]


def test_a_burst_of_scans_gets_one_estimate_as_in_replay():
    engine = learned()
    an_hour_later = scans(TN, ("in_transit", day(41) + HOUR))
    answers = answers_in_flight(engine, SCANNED, an_hour_later)
    assert len(answers) == 2  # each request named no estimate emitted, so the lane answered both
    first, second = emitted(engine, answers, day(41) + 2 * HOUR)
    assert second == []
    assert [o.event_id for o in first] == [o.event_id for o in replayed(an_hour_later)]
    assert engine.shipments[TN].eta.estimate.estimated_at == day(41)


def test_an_answer_older_than_the_estimate_emitted_emits_nothing():
    """Scanned on day 41 and on day 58: p80 moved more than a day (replay emits both, in order)."""
    later = scans(TN, ("in_transit", day(58)))
    both = replayed(later)
    assert [o.estimated_at for o in both] == [day(41), day(58)]
    engine = learned()
    older, newer = answers_in_flight(engine, SCANNED, later)
    assert emitted(engine, [newer, older], day(58) + HOUR) == [[both[1]], []]
    assert engine.shipments[TN].eta.estimate == newer.estimate
    in_order = learned()
    assert emitted(in_order, answers_in_flight(in_order, SCANNED, later), day(58) + HOUR) == [[both[0]], [both[1]]]


def test_an_answer_after_the_delivery_emits_nothing():
    engine = learned()
    (answer,) = answers_in_flight(engine, SCANNED, scans(TN, ("delivered", day(45))))
    assert emitted(engine, [answer], day(45) + HOUR) == [[]]
    assert engine.shipments[TN].eta.estimate is None
