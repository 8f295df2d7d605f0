"""Seerr's webhook body: parseKeys over Seerr's default template and Home Assistant's, the
placeholders' values, the URL's variables, and the payload checks."""

from __future__ import annotations

import base64
import json

import pytest

from core.agent_messages import AgentMessage, MediaFacts, Person, check_message
from core.media import MediaStatus, MediaType
from core.notification_types import MEDIA_TYPES, NotificationType
from core.webhook import (
    DEFAULT_PAYLOAD,
    InvalidPayload,
    WebhookConfig,
    check,
    from_settings,
    posted_form,
    render_body,
    url_for,
)
from tests.fake_home_assistant import JSON_PAYLOAD, parse

# Seerr's settings default for the webhook's jsonPayload (base64 of what a client posts).
SEERR_DEFAULT = (
    "IntcbiAgXCJub3RpZmljYXRpb25fdHlwZVwiOiBcInt7bm90aWZpY2F0aW9uX3R5cGV9fVwiLFxuICBcImV2ZW50XC"
    "I6IFwie3tldmVudH19XCIsXG4gIFwic3ViamVjdFwiOiBcInt7c3ViamVjdH19XCIsXG4gIFwibWVzc2FnZVwiOiBc"
    "Int7bWVzc2FnZX19XCIsXG4gIFwiaW1hZ2VcIjogXCJ7e2ltYWdlfX1cIixcbiAgXCJ7e21lZGlhfX1cIjoge1xuIC"
    "AgIFwibWVkaWFfdHlwZVwiOiBcInt7bWVkaWFfdHlwZX19XCIsXG4gICAgXCJ0bWRiSWRcIjogXCJ7e21lZGlhX3Rt"
    "ZGJpZH19XCIsXG4gICAgXCJ0dmRiSWRcIjogXCJ7e21lZGlhX3R2ZGJpZH19XCIsXG4gICAgXCJzdGF0dXNcIjogXC"
    "J7e21lZGlhX3N0YXR1c319XCIsXG4gICAgXCJzdGF0dXM0a1wiOiBcInt7bWVkaWFfc3RhdHVzNGt9fVwiXG4gIH0s"
    "XG4gIFwie3tyZXF1ZXN0fX1cIjoge1xuICAgIFwicmVxdWVzdF9pZFwiOiBcInt7cmVxdWVzdF9pZH19XCIsXG4gIC"
    "AgXCJyZXF1ZXN0ZWRCeV9lbWFpbFwiOiBcInt7cmVxdWVzdGVkQnlfZW1haWx9fVwiLFxuICAgIFwicmVxdWVzdGVk"
    "QnlfdXNlcm5hbWVcIjogXCJ7e3JlcXVlc3RlZEJ5X3VzZXJuYW1lfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X2F2YX"
    "RhclwiOiBcInt7cmVxdWVzdGVkQnlfYXZhdGFyfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X3NldHRpbmdzX2Rpc2Nv"
    "cmRJZFwiOiBcInt7cmVxdWVzdGVkQnlfc2V0dGluZ3NfZGlzY29yZElkfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X3"
    "NldHRpbmdzX3RlbGVncmFtQ2hhdElkXCI6IFwie3tyZXF1ZXN0ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZH19"
    "XCJcbiAgfSxcbiAgXCJ7e2lzc3VlfX1cIjoge1xuICAgIFwiaXNzdWVfaWRcIjogXCJ7e2lzc3VlX2lkfX1cIixcbi"
    "AgICBcImlzc3VlX3R5cGVcIjogXCJ7e2lzc3VlX3R5cGV9fVwiLFxuICAgIFwiaXNzdWVfc3RhdHVzXCI6IFwie3tp"
    "c3N1ZV9zdGF0dXN9fVwiLFxuICAgIFwicmVwb3J0ZWRCeV9lbWFpbFwiOiBcInt7cmVwb3J0ZWRCeV9lbWFpbH19XC"
    "IsXG4gICAgXCJyZXBvcnRlZEJ5X3VzZXJuYW1lXCI6IFwie3tyZXBvcnRlZEJ5X3VzZXJuYW1lfX1cIixcbiAgICBc"
    "InJlcG9ydGVkQnlfYXZhdGFyXCI6IFwie3tyZXBvcnRlZEJ5X2F2YXRhcn19XCIsXG4gICAgXCJyZXBvcnRlZEJ5X3"
    "NldHRpbmdzX2Rpc2NvcmRJZFwiOiBcInt7cmVwb3J0ZWRCeV9zZXR0aW5nc19kaXNjb3JkSWR9fVwiLFxuICAgIFwi"
    "cmVwb3J0ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZFwiOiBcInt7cmVwb3J0ZWRCeV9zZXR0aW5nc190ZWxlZ3"
    "JhbUNoYXRJZH19XCJcbiAgfSxcbiAgXCJ7e2NvbW1lbnR9fVwiOiB7XG4gICAgXCJjb21tZW50X21lc3NhZ2VcIjog"
    "XCJ7e2NvbW1lbnRfbWVzc2FnZX19XCIsXG4gICAgXCJjb21tZW50ZWRCeV9lbWFpbFwiOiBcInt7Y29tbWVudGVkQn"
    "lfZW1haWx9fVwiLFxuICAgIFwiY29tbWVudGVkQnlfdXNlcm5hbWVcIjogXCJ7e2NvbW1lbnRlZEJ5X3VzZXJuYW1l"
    "fX1cIixcbiAgICBcImNvbW1lbnRlZEJ5X2F2YXRhclwiOiBcInt7Y29tbWVudGVkQnlfYXZhdGFyfX1cIixcbiAgIC"
    "BcImNvbW1lbnRlZEJ5X3NldHRpbmdzX2Rpc2NvcmRJZFwiOiBcInt7Y29tbWVudGVkQnlfc2V0dGluZ3NfZGlzY29y"
    "ZElkfX1cIixcbiAgICBcImNvbW1lbnRlZEJ5X3NldHRpbmdzX3RlbGVncmFtQ2hhdElkXCI6IFwie3tjb21tZW50ZW"
    "RCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZH19XCJcbiAgfSxcbiAgXCJ7e2V4dHJhfX1cIjogW11cbn0i"
)

ALICE = Person(username="alice", email="alice@example.org", discord_id="1234", telegram_chat_id="")


def pending_show() -> AgentMessage:
    """A pending request for two seasons of Breaking Bad, as message_for makes it."""
    return AgentMessage(
        type=NotificationType.MEDIA_PENDING,
        subject="Breaking Bad (2008)",
        message="A chemistry teacher...",
        event="New Series Request",
        image="https://image.tmdb.org/t/p/w600_and_h900_bestv2/bb.jpg",
        extra=(("Requested By", "alice"), ("Request Status", "Pending Approval")),
        media=MediaFacts(MediaType.TV, 1396, 81189, MediaStatus.PENDING, MediaStatus.UNKNOWN),
        request_id=7,
        requested_by=ALICE,
    )


def test_the_default_is_seerrs_stored_default() -> None:
    assert base64.b64encode(DEFAULT_PAYLOAD.encode()).decode() == SEERR_DEFAULT
    assert WebhookConfig().json_payload == DEFAULT_PAYLOAD


def test_seerrs_default_template_fills_the_media_and_request_sections() -> None:
    body = render_body(DEFAULT_PAYLOAD, pending_show())

    assert body == {
        "notification_type": "MEDIA_PENDING",
        "event": "New Series Request",
        "subject": "Breaking Bad (2008)",
        "message": "A chemistry teacher...",
        "image": "https://image.tmdb.org/t/p/w600_and_h900_bestv2/bb.jpg",
        "media": {
            "media_type": "tv",
            "tmdbId": "1396",
            "tvdbId": "81189",
            "status": "PENDING",
            "status4k": "UNKNOWN",
        },
        "request": {
            "request_id": "7",
            "requestedBy_email": "alice@example.org",
            "requestedBy_username": "alice",
            "requestedBy_avatar": "",
            "requestedBy_settings_discordId": "1234",
            "requestedBy_settings_telegramChatId": "",
        },
        "issue": None,
        "comment": None,
        "extra": [
            {"name": "Requested By", "value": "alice"},
            {"name": "Request Status", "value": "Pending Approval"},
        ],
    }
    # The section keys end up after the plain ones, as Seerr's delete-and-add leaves them.
    assert list(body)[:5] == ["notification_type", "event", "subject", "message", "image"]


def test_a_movie_has_no_tvdb_id_and_the_test_notification_no_sections() -> None:
    movie = AgentMessage(
        type=NotificationType.MEDIA_AVAILABLE,
        subject="The Matrix (1999)",
        media=MediaFacts(MediaType.MOVIE, 603, None, MediaStatus.AVAILABLE, MediaStatus.UNKNOWN),
        request_id=3,
    )
    body = render_body(DEFAULT_PAYLOAD, movie)
    assert body["media"]["tvdbId"] == ""
    assert body["media"]["status"] == "AVAILABLE"
    assert body["request"]["requestedBy_username"] == ""

    test = render_body(DEFAULT_PAYLOAD, check_message())
    assert test["notification_type"] == "TEST_NOTIFICATION"
    assert test["subject"] == "Test Notification"
    assert (test["media"], test["request"], test["issue"], test["comment"]) == (None,) * 4
    assert test["extra"] == []


def test_home_assistants_template_gives_what_its_event_entity_parses() -> None:
    body = render_body(JSON_PAYLOAD, pending_show())

    assert set(body) == {
        "notification_type", "subject", "message", "image", "media", "request", "issue", "comment"
    }  # fmt: skip
    assert body["media"]["tmdb_id"] == "1396"
    assert body["request"]["requested_by_username"] == "alice"
    assert (body["issue"], body["comment"]) == (None, None)
    seen = parse(body)
    assert seen.refreshes
    assert seen.event_type == "pending"
    assert seen.data is not None
    assert seen.data["media"] == {
        "media_type": "tv",
        "tmdb_id": 1396,
        "tvdb_id": 81189,
        "status": "pending",
        "status4k": "unknown",
    }
    assert seen.data["request"]["request_id"] == 7

    test = parse(render_body(JSON_PAYLOAD, check_message()))
    assert not test.refreshes
    assert test.event_type is None


def test_strings_get_the_first_of_each_placeholder_and_the_rest_is_walked() -> None:
    template = {
        "text": "{{subject}} / {{subject}} by {{requestedBy_username}} {{unknown}}",
        "list": ["{{media_tmdbid}}", 5, True, None, {"deep": "{{request_id}}"}],
        "number": 1.5,
        "{{media}}": "tmdb {{media_tmdbid}}",
        "{{extra}}": "ignored",
        "{{issue}}": {"issue_id": "{{issue_id}}"},
    }
    message = pending_show()
    message = AgentMessage(
        type=message.type,
        subject=message.subject,
        media=message.media,
        request_id=message.request_id,
        requested_by=message.requested_by,
        extra=(("Note", "about {{subject}}"),),
    )

    body = render_body(posted_form(json.dumps(template)), message)

    assert body == {
        "text": "Breaking Bad (2008) / {{subject}} by alice {{unknown}}",
        "list": ["1396", 5, True, None, {"deep": "7"}],
        "number": 1.5,
        "media": "tmdb 1396",
        # Seerr fills the extra fields' strings in too.
        "extra": [{"name": "Note", "value": "about Breaking Bad (2008)"}],
        "issue": None,
    }


def test_a_template_posted_as_json_rather_than_as_its_text_is_used_as_it_is() -> None:
    body = render_body(json.dumps({"s": "{{subject}}"}), pending_show())
    assert body == {"s": "Breaking Bad (2008)"}


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("{not json", "jsonPayload is not valid JSON"),
        (json.dumps('{"a": }'), "The jsonPayload template is not valid JSON"),
    ],
)
def test_a_payload_that_is_not_json_is_refused_saying_where(payload: str, problem: str) -> None:
    with pytest.raises(InvalidPayload, match=problem) as raised:
        check(payload)
    assert "line 1, column" in str(raised.value)


def test_the_urls_variables_are_filled_in_url_encoded_and_test_for_a_test() -> None:
    config = WebhookConfig(
        enabled=True,
        webhook_url="https://hooks.example/{{media_type}}/{{subject}}?u={{requestedBy_avatar}}"
        "&s={{media_status4k}}&id={{media_tmdbid}}",
        support_variables=True,
    )
    assert url_for(config, pending_show()) == (
        "https://hooks.example/tv/Breaking%20Bad%20(2008)?u=test&s=UNKNOWN&id=1396"
    )
    assert url_for(config, check_message()) == (
        "https://hooks.example/test/test?u=test&s=test&id=test"
    )
    plain = WebhookConfig(enabled=True, webhook_url="https://hooks.example/{{subject}}")
    assert url_for(plain, pending_show()) == "https://hooks.example/{{subject}}"


def test_a_webhook_sends_only_when_on_with_a_url() -> None:
    assert WebhookConfig().spec() is None
    assert WebhookConfig(enabled=True).spec() is None
    assert WebhookConfig(webhook_url="https://h.example/").spec() is None
    spec = WebhookConfig(enabled=True, types=222, webhook_url="https://h.example/").spec()
    assert spec is not None
    assert spec.types == MEDIA_TYPES
    assert spec.carries(NotificationType.MEDIA_DECLINED)
    assert not spec.carries(NotificationType.ISSUE_CREATED)


def test_the_settings_webhook_is_on_with_its_template_and_variables_when_the_url_has_any() -> None:
    config = from_settings(
        "https://h.example/{{media_type}}", authorization="Bearer x", template='{"a": 1}'
    )
    assert (config.enabled, config.types, config.auth_header) == (True, 222, "Bearer x")
    assert config.support_variables
    assert config.template == '{"a": 1}'
    assert not from_settings("https://h.example/").support_variables
    with pytest.raises(InvalidPayload):
        from_settings("https://h.example/", template="{")
