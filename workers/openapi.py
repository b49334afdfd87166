"""The receiver's OpenAPI 3.1 document, generated from the carrier registry.

One path per carrier that pushes (`webhook_body` set), with the headers it signs with and the
schema of its body; every answer the receiver gives, each refusal with its reason. Committed as
`schemas/openapi.json` beside the AsyncAPI document, so API clients, gateways and fuzzers can be
pointed at the receiver without running it, and served at `GET /openapi.json`.

    python -m workers.openapi           # regenerate schemas/openapi.json
    python -m workers.openapi --check   # exit 1 when it is stale (CI)
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carriers.base import Carrier, registry
from workers.admission import ACCEPTED_TYPES

OPENAPI_FILE = Path(__file__).resolve().parents[1] / "schemas" / "openapi.json"

PROBLEM = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "minLength": 1, "maxLength": 1024, "description": "why, in short"}},
}
ACCEPTED = {
    "type": "object",
    "required": ["status", "delivery_id", "tracking_numbers"],
    "properties": {
        "status": {"const": "accepted"},
        "delivery_id": {"type": "string"},
        "tracking_numbers": {"type": "array", "items": {"type": "string"}},
    },
}
DUPLICATE = {
    "type": "object",
    "required": ["status", "delivery_id"],
    "properties": {"status": {"const": "duplicate"}, "delivery_id": {"type": "string"}},
}
REFUSALS = {
    "400": "the body is not JSON, nests too deep or is not the carrier's format (it is dead-lettered)",
    "401": "a signature header is missing, unreadable or does not match, or no secret is configured",
    "404": "no such carrier",
    "409": "the same delivery id is being produced right now (retry after Retry-After)",
    "413": "the body is over the limit, or too large to become a record",
    "415": "the body is declared as a type the receiver does not read",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "description": "seconds to wait"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _body_schema(carrier: Carrier, components: dict[str, Any]) -> dict[str, Any]:
    """The carrier's body model as a component; its nested models hoisted beside it under the slug."""
    assert carrier.webhook_body is not None
    template = f"#/components/schemas/{carrier.slug}.{{model}}"
    schema = carrier.webhook_body.model_json_schema(ref_template=template)
    for name, nested in schema.pop("$defs", {}).items():
        components[f"{carrier.slug}.{name}"] = nested
    components[carrier.slug] = schema
    return {"$ref": f"#/components/schemas/{carrier.slug}"}


def _push(carrier: Carrier, components: dict[str, Any]) -> dict[str, Any]:
    body = _body_schema(carrier, components)
    responses: dict[str, Any] = {
        "202": {"description": "every record is durable on tracking.raw.v1 (acks=all)", "content": _json(ACCEPTED)},
        "200": {"description": "this delivery id was accepted before; nothing produced", "content": _json(DUPLICATE)},
    }
    responses |= {code: {"description": why, "content": _json(PROBLEM)} for code, why in REFUSALS.items()}
    responses["503"] = {
        "description": "Kafka or Redis cannot make it durable now (retry after Retry-After)",
        "headers": RETRY_AFTER,
        "content": _json(PROBLEM),
    }
    return {
        "post": {
            "operationId": f"push_{carrier.slug}",
            "summary": f"A {carrier.slug} push",
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
                for name in carrier.webhook_headers
            ],
            "requestBody": {"required": True, "content": {kind: {"schema": body} for kind in sorted(ACCEPTED_TYPES)}},
            "responses": responses,
        }
    }


def _probe(description: str) -> dict[str, Any]:
    return {"get": {"summary": description, "responses": {"200": {"description": description}}}}


def document() -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths = {
        f"/webhooks/{slug}": _push(carrier, components)
        for slug, carrier in sorted(registry().items())
        if carrier.webhook_body is not None
    }
    paths["/healthz"] = _probe("the process is up")
    paths["/readyz"] = _probe("Redis and Kafka answer (503 with the problems otherwise)")
    paths["/metrics"] = _probe("Prometheus metrics")
    paths["/openapi.json"] = _probe("this document")
    return {
        "openapi": "3.1.0",
        "info": {"title": "parcelwatch webhook receiver", "version": "1"},
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items()))},
    }


def rendered() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.openapi", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when schemas/openapi.json is stale")
    args = parser.parse_args(argv)
    current = OPENAPI_FILE.read_text(encoding="utf-8") if OPENAPI_FILE.exists() else None
    if args.check:
        if current != rendered():
            print(f"{OPENAPI_FILE} is stale: run python -m workers.openapi", file=sys.stderr)
            return 1
        return 0
    OPENAPI_FILE.write_text(rendered(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
