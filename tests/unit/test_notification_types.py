"""Seerr's notification type names and bits, as admins write them."""

import pytest

from core.events import EventKind
from core.notification_types import (
    ALL_TYPES,
    MEDIA_TYPES,
    NotificationType,
    of_event,
    parse_types,
    type_names,
)


def test_media_types_are_what_home_assistant_registers() -> None:
    assert int(MEDIA_TYPES) == 222


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("pending, approved", NotificationType.MEDIA_PENDING | NotificationType.MEDIA_APPROVED),
        ("Auto_Approved", NotificationType.MEDIA_AUTO_APPROVED),
        ("media", MEDIA_TYPES),
        ("all", ALL_TYPES),
        ("none", NotificationType.NONE),
        ("222", MEDIA_TYPES),
        ("", NotificationType.NONE),
    ],
)
def test_parse_types(text: str, flags: NotificationType) -> None:
    assert parse_types(text) == flags


def test_unknown_names_are_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"not an event type: aproved \(use pending, approved"):
        parse_types("pending, aproved")
    with pytest.raises(ValueError, match="no notification type"):
        parse_types("3")


def test_events_map_to_seerr_types_and_back_to_names() -> None:
    assert of_event(EventKind.RETRIED) is NotificationType.MEDIA_APPROVED
    assert of_event(EventKind.CANCELLED) is NotificationType.NONE
    assert type_names(MEDIA_TYPES) == [
        "pending", "approved", "auto-approved", "declined", "failed", "available"
    ]  # fmt: skip
