"""The OpenAPI document tells the truth about chat completions: tool calls, several choices,
the streamed chunks (each event's data, under `contentSchema`) and the 400 of a missing
capability."""

from __future__ import annotations

import orjson
import pytest
from jsonschema import Draft202012Validator

from tests.api.test_openapi import assert_documented
from tests.gateway.helpers import providers

PATH = "/v1/chat/completions"
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}


@pytest.fixture(scope="module")
def document(app):
    return app.openapi()


def chat(**body) -> dict:
    return {"model": "auto", "messages": [{"role": "user", "content": "Paris"}], **body}


async def test_answers_with_tool_calls_and_choices_match_the_document(
    client, tenant, upstream, document
):
    setup = await providers(client, tenant, upstream, "openai", "deepseek")
    for body in (chat(tools=[WEATHER]), chat(n=3), chat(model="deepseek", seed=1)):
        response = await client.post(PATH, json=body, headers=setup.member())
        assert response.status_code in (200, 400), response.text
        assert_documented(document, PATH, response)


async def test_every_streamed_event_matches_the_documented_chunk(
    client, tenant, upstream, document
):
    setup = await providers(client, tenant, upstream, "openai")
    media = document["paths"][PATH]["post"]["responses"]["200"]["content"]["text/event-stream"]
    validator = Draft202012Validator(media["schema"]["properties"]["data"]["contentSchema"])
    for body in (chat(tools=[WEATHER], tool_choice="required"), chat(n=2)):
        response = await client.post(
            PATH, json={**body, "stream": True, "stream_options": {"include_usage": True}},
            headers=setup.member(),
        )
        events = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        for event in events[:-1]:
            errors = [e.message for e in validator.iter_errors(orjson.loads(event))]
            assert errors == [], event
