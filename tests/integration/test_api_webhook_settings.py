"""GET/POST /settings/notifications/webhook and POST .../webhook/test on the whole API (a
real SQLite file), as Seerr answers them: admins only, jsonPayload double-encoded, tests
sent to a webhook endpoint on 127.0.0.1; and read-only when the settings set the webhook."""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest

from adapters.api.app import build_api
from adapters.api.notification_settings import router
from adapters.notify.webhook import WebhookTransport
from core import webhook
from core.webhook import DEFAULT_TEMPLATE, from_settings
from tests.api_world import KEY, ApiWorld, StaticKeys
from tests.fake_home_assistant import JSON_PAYLOAD, FakeHomeAssistant

PATH = "/settings/notifications/webhook"


def ha_body(url: str, **more: object) -> dict[str, object]:
    """What python-overseerr posts for Home Assistant."""
    return {
        "enabled": True,
        "types": 222,
        "options": {"webhookUrl": url, "jsonPayload": JSON_PAYLOAD},
    } | more


async def test_until_set_the_webhook_shows_seerrs_defaults(api_world: ApiWorld) -> None:
    assert await api_world.json(PATH) == {
        "enabled": False,
        "embedPoster": True,
        "types": 0,
        "options": {
            "webhookUrl": "",
            "jsonPayload": DEFAULT_TEMPLATE,
            "authHeader": "",
            "supportVariables": False,
        },
    }


async def test_a_posted_webhook_is_kept_and_shown_one_level_decoded(api_world: ApiWorld) -> None:
    url = "http://ha.local:8123/api/webhook/abc"
    body = ha_body(url)
    body["options"] |= {"authHeader": "Bearer t", "supportVariables": True}  # type: ignore[operator]
    posted = await api_world.post(PATH, body)

    assert posted.status_code == 200, posted.text
    answer = posted.json()
    # As Seerr's POST answers: the config as stored, jsonPayload in base64.
    assert base64.b64decode(answer["options"]["jsonPayload"]).decode() == JSON_PAYLOAD
    shown = await api_world.json(PATH)
    assert shown == {
        "enabled": True,
        "embedPoster": True,
        "types": 222,
        "options": {
            "webhookUrl": url,
            "jsonPayload": json.loads(JSON_PAYLOAD),
            "authHeader": "Bearer t",
            "supportVariables": True,
        },
    }
    async with api_world.services.uow(write=False) as uow:
        stored = await webhook.load(uow)
    assert stored.spec() is not None


async def test_only_admins_see_or_change_the_webhook(api_world: ApiWorld) -> None:
    w = api_world
    for answer in (
        await w.get(PATH, w.alice),
        await w.post(PATH, ha_body("http://ha.local/x"), w.alice),
        await w.post(f"{PATH}/test", ha_body("http://ha.local/x"), w.alice),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"] == "You do not have permission to access this endpoint"
    wrong = await w.http.get(f"/api/v1{PATH}", headers={"X-Api-Key": "not-" + KEY})
    assert wrong.status_code == 403
    missing = await w.http.get(f"/api/v1{PATH}")
    assert missing.status_code == 401
    assert (await w.json(PATH))["enabled"] is False  # nothing changed


@pytest.mark.parametrize("payload", ["{not json", json.dumps("{not json either")])
async def test_a_payload_that_is_not_json_is_refused_and_not_kept(
    api_world: ApiWorld, payload: str
) -> None:
    body = {
        "enabled": True,
        "types": 222,
        "options": {"webhookUrl": "http://h/x", "jsonPayload": payload},
    }
    for path in (PATH, f"{PATH}/test"):
        answer = await api_world.post(path, body)
        assert answer.status_code == 400
        assert "is not valid JSON" in answer.json()["message"]
        assert answer.json()["errors"] == ["options.jsonPayload"]
    assert (await api_world.json(PATH))["enabled"] is False


async def test_the_test_sends_seerrs_test_notification_to_the_posted_webhook(
    api_world: ApiWorld, fake_home_assistant: FakeHomeAssistant
) -> None:
    ha = fake_home_assistant
    # HA's test body: types 2, no embedPoster, no authHeader; the webhook need not be saved.
    answer = await api_world.post(f"{PATH}/test", ha_body(ha.url, types=2))

    assert answer.status_code == 204
    (event,) = ha.events
    assert event["notification_type"] == "TEST_NOTIFICATION"
    assert event["subject"] == "Test Notification"
    assert event["message"] == "Check check, 1, 2, 3. Are we coming in clear?"
    assert (event["media"], event["request"], event["issue"], event["comment"]) == (None,) * 4
    assert (await api_world.json(PATH))["enabled"] is False


async def test_a_failed_test_answers_seerrs_500_and_logs_why(
    api_world: ApiWorld, fake_home_assistant: FakeHomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    ha = fake_home_assistant
    ha.fail(1, 500)
    with caplog.at_level(logging.WARNING, logger="adapters.api.notification_settings"):
        answer = await api_world.post(f"{PATH}/test", ha_body(ha.url))

    assert answer.status_code == 500
    assert answer.json() == {"message": "Failed to send webhook notification."}
    logged = caplog.text
    assert f"{ha.origin} answered HTTP 500" in logged
    assert ha.webhook_id not in logged


async def test_a_webhook_set_in_the_settings_is_shown_and_read_only(
    api_world: ApiWorld, fake_home_assistant: FakeHomeAssistant
) -> None:
    ha = fake_home_assistant
    fixed = from_settings(ha.url, authorization="Bearer s3cret")
    app = build_api(api_world.services, StaticKeys(), routers=[router(WebhookTransport(), fixed)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        headers = {"X-Api-Key": KEY}
        shown = (await http.get(f"/api/v1{PATH}", headers=headers)).json()
        refused = await http.post(f"/api/v1{PATH}", json=ha_body("http://x/y"), headers=headers)
        tested = await http.post(f"/api/v1{PATH}/test", json=ha_body(ha.url), headers=headers)

    assert shown["enabled"] is True
    assert shown["types"] == 222
    assert shown["options"]["webhookUrl"] == ha.url
    assert shown["options"]["jsonPayload"] == DEFAULT_TEMPLATE
    assert shown["options"]["authHeader"] == "********"
    assert refused.status_code == 409
    assert "set in requestbot's settings (WEBHOOK_URL)" in refused.json()["message"]
    assert tested.status_code == 204
    assert len(ha.events) == 1
    async with api_world.services.uow(write=False) as uow:
        assert (await webhook.load(uow)).enabled is False  # nothing was stored
