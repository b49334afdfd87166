"""What the poller counts and measures (Prometheus). `parcelwatch poller --metrics-port` serves them.

parcelwatch_poller_polls_total{carrier, outcome}         carrier calls: ok, failed, invalid, held_back
parcelwatch_poller_numbers_total{carrier, result}        numbers polled: changed (produced), unchanged,
                                                         stopped (cadence ended), failed (retried later)
parcelwatch_poller_errors_total{carrier, status}         failed attempts: HTTP status, transport, token
parcelwatch_poller_request_seconds{carrier}              latency of one carrier request
parcelwatch_poller_schedule_depth{carrier}               numbers scheduled (due later, due now or leased)
parcelwatch_poller_leased{carrier}                       numbers being polled right now
parcelwatch_poller_overdue_seconds{carrier}              how late the most overdue number is (0: none due)
parcelwatch_poller_circuit_state{carrier}                0 closed, 1 half-open, 2 open
parcelwatch_poller_feed_total{event, result}             order and status events: scheduled, unscheduled,
                                                         kept, extended, moved, skipped, invalid, registering,
                                                         stopping, … (`feed.py`)

parcelwatch_aggregator_registrations_total{aggregator, outcome}   numbers per registration answer: accepted,
                                                                  already, quota_exceeded, rejected, retry
parcelwatch_aggregator_stops_total{aggregator, outcome}           numbers per stop answer, the same outcomes
parcelwatch_aggregator_carrier_changes_total{aggregator, outcome} carrier corrections, the same outcomes
parcelwatch_aggregator_registered{aggregator}                     numbers registered with the aggregator now
parcelwatch_aggregator_waiting{aggregator, queue}                 numbers waiting: queue register or stop
parcelwatch_aggregator_registered_today{aggregator}               registrations accepted this UTC day (all pollers)
parcelwatch_aggregator_quota_remaining{aggregator}                the account's quota left, where the API reports it
"""

from prometheus_client import Counter, Gauge, Histogram

POLLS = Counter("parcelwatch_poller_polls", "Calls to carrier APIs by outcome", ["carrier", "outcome"])
NUMBERS = Counter("parcelwatch_poller_numbers", "Tracking numbers polled by result", ["carrier", "result"])
ERRORS = Counter(
    "parcelwatch_poller_errors",
    "Failed attempts at carrier APIs by HTTP status (or transport, token)",
    ["carrier", "status"],
)
REQUEST_SECONDS = Histogram(
    "parcelwatch_poller_request_seconds",
    "Latency of one request to a carrier API",
    ["carrier"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DEPTH = Gauge("parcelwatch_poller_schedule_depth", "Tracking numbers scheduled for polling", ["carrier"])
LEASED = Gauge("parcelwatch_poller_leased", "Tracking numbers being polled right now", ["carrier"])
OVERDUE = Gauge(
    "parcelwatch_poller_overdue_seconds",
    "How late the most overdue tracking number is (0 when none is due)",
    ["carrier"],
)
CIRCUIT = Gauge("parcelwatch_poller_circuit_state", "Circuit breaker: 0 closed, 1 half-open, 2 open", ["carrier"])
FEED = Counter("parcelwatch_poller_feed", "Order and status events applied to the schedule", ["event", "result"])

REGISTRATIONS = Counter(
    "parcelwatch_aggregator_registrations",
    "Registrations sent to an aggregator, per number, by outcome",
    ["aggregator", "outcome"],
)
STOPS = Counter(
    "parcelwatch_aggregator_stops", "Stops sent to an aggregator, per number, by outcome", ["aggregator", "outcome"]
)
CARRIER_CHANGES = Counter(
    "parcelwatch_aggregator_carrier_changes",
    "Carrier corrections sent to an aggregator by outcome",
    ["aggregator", "outcome"],
)
REGISTERED = Gauge(
    "parcelwatch_aggregator_registered", "Tracking numbers registered with an aggregator", ["aggregator"]
)
WAITING = Gauge(
    "parcelwatch_aggregator_waiting", "Tracking numbers waiting to be registered or stopped", ["aggregator", "queue"]
)
REGISTERED_TODAY = Gauge(
    "parcelwatch_aggregator_registered_today", "Registrations the aggregator accepted this UTC day", ["aggregator"]
)
QUOTA_REMAINING = Gauge(
    "parcelwatch_aggregator_quota_remaining",
    "Registrations left in the aggregator account's quota, as its API reports",
    ["aggregator"],
)
