"""The receiver's committed OpenAPI document is current, served, and says what the receiver takes."""

import json

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from carriers.base import carrier_folder, registry
from tests.receiver import offline_receiver
from workers import openapi

PUSHING = sorted(slug for slug, carrier in registry().items() if carrier.webhook_body is not None)


def committed() -> dict:
    return json.loads(openapi.OPENAPI_FILE.read_text(encoding="utf-8"))


def test_the_committed_document_is_current():
    assert openapi.OPENAPI_FILE.read_text(encoding="utf-8") == openapi.rendered(), "run python -m workers.openapi"
    assert openapi.main(["--check"]) == 0


def test_one_path_per_pushing_carrier_with_its_signature_headers():
    paths = committed()["paths"]
    assert PUSHING == ["17track", "aftership", "generic", "sandbox", "ship24", "upu"]
    assert sorted(p.removeprefix("/webhooks/") for p in paths if p.startswith("/webhooks/")) == PUSHING
    for slug in PUSHING:
        parameters = paths[f"/webhooks/{slug}"]["post"]["parameters"]
        assert [p["name"] for p in parameters if p["in"] == "header"] == list(registry()[slug].webhook_headers)


async def test_it_is_served_at_openapi_json():
    async with offline_receiver({}) as client:
        response = await client.get("/openapi.json")
        assert response.status == 200
        assert await response.json() == committed()


@pytest.mark.parametrize("slug", PUSHING)
def test_every_fixture_the_carrier_reads_as_a_push_is_valid_under_its_documented_schema(slug):
    document = committed()
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{slug}", **document})
    carrier = registry()[slug]
    fixtures = carrier_folder(slug) / "fixtures"
    read = 0
    for path in sorted(fixtures.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        payload = json.loads(path.read_text(encoding="utf-8"))
        try:
            carrier.webhook_body.model_validate(payload)
        except ValidationError:
            continue
        assert not list(validator.iter_errors(payload)), path.name
        read += 1
    assert read
