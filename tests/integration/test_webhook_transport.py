"""The webhook's transport against a webhook endpoint on 127.0.0.1 (Home Assistant's, faked):
what it POSTs, and how each failure is classified and worded (never with the URL's path,
which holds HA's webhook id, nor the Authorization header)."""

from __future__ import annotations

import pytest

from adapters.notify.webhook import WebhookTransport
from core.agent_messages import check_message
from core.errors import DeliveryFailed
from core.webhook import DEFAULT_PAYLOAD, WebhookConfig, WebhookSpec
from tests.fake_home_assistant import JSON_PAYLOAD, FakeHomeAssistant

SECRET = "Bearer s3cret-t0ken"


def spec(url: str, **options: object) -> WebhookSpec:
    config = WebhookConfig(enabled=True, types=222, webhook_url=url, **options)  # type: ignore[arg-type]
    found = config.spec()
    assert found is not None
    return found


async def failure(url: str, **options: object) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as raised:
        await WebhookTransport().deliver(spec(url, **options), check_message())
    reason = raised.value.reason
    assert FakeHomeAssistant.webhook_id not in reason
    assert "s3cret" not in reason
    return raised.value


async def test_the_body_is_posted_as_json_with_the_authorization_header(
    fake_home_assistant: FakeHomeAssistant,
) -> None:
    ha = fake_home_assistant
    await WebhookTransport().deliver(
        spec(ha.url, json_payload=JSON_PAYLOAD, auth_header=SECRET), check_message()
    )

    (call,) = ha.calls
    assert call.headers["Authorization"] == SECRET
    assert call.headers["Content-Type"] == "application/json"
    assert call.body["notification_type"] == "TEST_NOTIFICATION"
    assert (call.body["media"], call.body["issue"]) == (None, None)


async def test_no_authorization_header_unless_one_is_set(
    fake_home_assistant: FakeHomeAssistant,
) -> None:
    await WebhookTransport().deliver(spec(fake_home_assistant.url), check_message())
    (call,) = fake_home_assistant.calls
    assert "Authorization" not in call.headers
    assert call.body["extra"] == []  # Seerr's default template


async def test_a_5xx_is_retried_and_names_the_server_by_its_host(
    fake_home_assistant: FakeHomeAssistant,
) -> None:
    ha = fake_home_assistant
    ha.fail(1, 502)
    failed = await failure(ha.url, auth_header=SECRET)
    assert not failed.permanent
    assert failed.reason == f"{ha.origin} answered HTTP 502"


async def test_a_429_is_retried_after_what_the_server_asks(
    fake_home_assistant: FakeHomeAssistant,
) -> None:
    fake_home_assistant.rate_limit(1, retry_after=30)
    failed = await failure(fake_home_assistant.url)
    assert not failed.permanent
    assert failed.retry_after == 30


async def test_another_4xx_is_permanent(fake_home_assistant: FakeHomeAssistant) -> None:
    failed = await failure(f"{fake_home_assistant.origin}/api/webhook/wrong-id")
    assert failed.permanent
    assert "answered HTTP 404" in failed.reason


async def test_a_server_that_is_down_is_retried(fake_home_assistant: FakeHomeAssistant) -> None:
    url = fake_home_assistant.url
    await fake_home_assistant.outage()
    failed = await failure(url)
    assert not failed.permanent
    assert "cannot connect" in failed.reason


async def test_a_url_that_is_no_http_url_and_a_bad_template_are_permanent() -> None:
    failed = await failure("ftp://files.example/hook")
    assert failed.permanent
    assert "not an http(s) URL" in failed.reason
    bad = await failure("http://127.0.0.1:9/x", json_payload='"{"')
    assert bad.permanent
    assert "template is not valid JSON" in bad.reason


async def test_variables_in_the_url_are_filled_in(fake_home_assistant: FakeHomeAssistant) -> None:
    ha = fake_home_assistant
    url = f"{ha.origin}/api/webhook/{{{{notification_type}}}}"
    # A test notification puts "test" in every variable.
    failed = await failure(url, support_variables=True, json_payload=DEFAULT_PAYLOAD)
    assert failed.permanent
    assert ha.requests[-1].path == "/api/webhook/test"
