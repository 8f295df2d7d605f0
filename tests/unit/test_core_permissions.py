"""Seerr's permission flags: the checks, parsing and naming."""

from __future__ import annotations

import pytest

from core.permissions import ROLES, Permission, describe, has_all, has_any, parse_permissions

P = Permission


def test_the_flags_have_seerrs_numbers() -> None:
    assert (P.ADMIN, P.MANAGE_REQUESTS, P.REQUEST, P.AUTO_APPROVE) == (2, 16, 32, 128)
    assert (P.REQUEST_MOVIE, P.REQUEST_TV, P.VIEW_BLOCKLIST) == (262144, 524288, 1073741824)


@pytest.mark.parametrize("flag", [p for p in P if p is not P.NONE])
def test_admin_satisfies_every_check(flag: Permission) -> None:
    assert has_all(P.ADMIN, flag)
    assert has_any(P.ADMIN, flag)
    assert has_all(P.ADMIN, flag, P.MANAGE_SETTINGS, P.MANAGE_USERS)


def test_has_all_needs_every_flag() -> None:
    held = P.MANAGE_REQUESTS | P.REQUEST
    assert has_all(held, P.MANAGE_REQUESTS, P.REQUEST)
    assert not has_all(held, P.MANAGE_REQUESTS, P.MANAGE_USERS)
    assert has_all(held)


def test_has_any_needs_one_flag() -> None:
    assert has_any(P.REQUEST_TV, P.REQUEST, P.REQUEST_TV)
    assert not has_any(P.REQUEST_TV, P.REQUEST, P.REQUEST_MOVIE)
    assert not has_any(P.REQUEST)


def test_a_user_without_flags_passes_no_check() -> None:
    assert not has_all(P.NONE, P.REQUEST)
    assert not has_any(P.NONE, P.REQUEST, P.VOTE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("admin", P.ADMIN),
        ("Moderator", P.MANAGE_REQUESTS | P.REQUEST | P.AUTO_APPROVE),
        ("user", P.REQUEST | P.CREATE_ISSUES | P.VIEW_ISSUES),
        ("guest", P.NONE),
        ("48", P.MANAGE_REQUESTS | P.REQUEST),
        (" 2 ", P.ADMIN),
        ("REQUEST|AUTO_APPROVE", P.REQUEST | P.AUTO_APPROVE),
        ("request, auto_approve_movie", P.REQUEST | P.AUTO_APPROVE_MOVIE),
        ("user+VOTE", P.REQUEST | P.CREATE_ISSUES | P.VIEW_ISSUES | P.VOTE),
        ("REQUEST_4K | REQUEST_4K_TV", P.REQUEST_4K | P.REQUEST_4K_TV),
    ],
)
def test_parse_permissions_reads_roles_numbers_and_names(text: str, expected: Permission) -> None:
    assert parse_permissions(text) == expected


@pytest.mark.parametrize("text", ["FLY", "REQUEST|FLY", "", "   ", "-1", "REQUEST|admin|superuser"])
def test_parse_permissions_rejects_unknown_names(text: str) -> None:
    with pytest.raises(ValueError, match=r"permission"):
        parse_permissions(text)


def test_parse_permissions_names_the_unknown_part() -> None:
    with pytest.raises(ValueError, match="'FLY'"):
        parse_permissions("REQUEST|FLY")


@pytest.mark.parametrize(("role", "value"), ROLES.items())
def test_describe_names_a_role_when_it_matches_exactly(role: str, value: Permission) -> None:
    assert describe(value) == role


def test_describe_joins_flag_names_otherwise() -> None:
    assert describe(P.REQUEST | P.VOTE) == "REQUEST|VOTE"
    assert describe(P.ADMIN | P.REQUEST) == "ADMIN|REQUEST"


@pytest.mark.parametrize(
    "perms",
    [P.REQUEST | P.VOTE, P.MANAGE_USERS | P.MANAGE_REQUESTS, P.ADMIN, P.NONE, P.REQUEST_4K_TV],
)
def test_describe_and_parse_round_trip(perms: Permission) -> None:
    assert parse_permissions(describe(perms)) == perms
