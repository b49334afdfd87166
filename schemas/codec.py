"""How table values are written on their changelogs and in the local store.

The stream's tables, `parcelwatch inspect` and the benchmarks encode and decode states through
these functions only, so the encoding has one home.
"""

from schemas.state import OrderLink, ShipmentState


def dump_state(state: ShipmentState) -> bytes:
    return state.model_dump_json().encode()


def load_state(data: bytes) -> ShipmentState:
    return ShipmentState.model_validate_json(data)


def dump_link(link: OrderLink) -> bytes:
    return link.model_dump_json().encode()


def load_link(data: bytes) -> OrderLink:
    return OrderLink.model_validate_json(data)
