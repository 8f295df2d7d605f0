"""Seerr's permission bit flags and the checks on them."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Permission(enum.IntFlag):
    NONE = 0
    ADMIN = 2
    MANAGE_SETTINGS = 4
    MANAGE_USERS = 8
    MANAGE_REQUESTS = 16
    REQUEST = 32
    VOTE = 64
    AUTO_APPROVE = 128
    AUTO_APPROVE_MOVIE = 256
    AUTO_APPROVE_TV = 512
    REQUEST_4K = 1024
    REQUEST_4K_MOVIE = 2048
    REQUEST_4K_TV = 4096
    REQUEST_ADVANCED = 8192
    REQUEST_VIEW = 16384
    AUTO_APPROVE_4K = 32768
    AUTO_APPROVE_4K_MOVIE = 65536
    AUTO_APPROVE_4K_TV = 131072
    REQUEST_MOVIE = 262144
    REQUEST_TV = 524288
    MANAGE_ISSUES = 1048576
    VIEW_ISSUES = 2097152
    CREATE_ISSUES = 4194304
    AUTO_REQUEST = 8388608
    AUTO_REQUEST_MOVIE = 16777216
    AUTO_REQUEST_TV = 33554432
    RECENT_VIEW = 67108864
    WATCHLIST_VIEW = 134217728
    MANAGE_BLOCKLIST = 268435456
    VIEW_BLOCKLIST = 1073741824


ALL_PERMISSIONS = sum(Permission)

# What a new user gets here: requesting, and reporting and seeing problems with titles.
# Seerr's own default is REQUEST alone (settings.main.defaultPermissions); the issue
# permissions are added so that the chats' "Report a problem" works out of the box.
DEFAULT_USER = Permission.REQUEST | Permission.CREATE_ISSUES | Permission.VIEW_ISSUES

ROLES: dict[str, Permission] = {
    "admin": Permission.ADMIN,
    "moderator": Permission.MANAGE_REQUESTS | Permission.REQUEST | Permission.AUTO_APPROVE,
    "user": DEFAULT_USER,
    "guest": Permission.NONE,
}


def has_all(held: int, *required: Permission) -> bool:
    """True if ``held`` has every flag in ``required``; ADMIN satisfies every check."""
    if held & Permission.ADMIN:
        return True
    need = 0
    for flag in required:
        need |= flag
    return held & need == need


def has_any(held: int, *required: Permission) -> bool:
    """True if ``held`` has at least one flag in ``required``; ADMIN satisfies every check."""
    if held & Permission.ADMIN:
        return True
    return any(held & flag for flag in required)


def manages_requests(held: int) -> bool:
    """Whether a user may approve, decline and list others' requests."""
    return has_any(held, Permission.MANAGE_REQUESTS)


def may_request(held: int) -> bool:
    """Whether a user may request anything at all (movies, shows, or both)."""
    return has_any(held, Permission.REQUEST, Permission.REQUEST_MOVIE, Permission.REQUEST_TV)


def parse_permissions(text: str) -> Permission:
    """Parse a role name, a number, or flag names joined by ``|``, ``,`` or ``+``.

    ``"moderator"``, ``"48"``, ``"REQUEST|AUTO_APPROVE"`` all work; raises ValueError
    naming the unknown part otherwise.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty permission list")
    if value.lower() in ROLES:
        return ROLES[value.lower()]
    if value.isdigit():
        number = int(value)
        if number & ~ALL_PERMISSIONS:
            raise ValueError(f"not a combination of permission flags: {value}")
        return Permission(number)
    result = Permission.NONE
    for part in value.replace(",", "|").replace("+", "|").split("|"):
        name = part.strip().upper()
        if not name:
            continue
        if name.lower() in ROLES:
            result |= ROLES[name.lower()]
        elif name in Permission.__members__:
            result |= Permission[name]
        else:
            raise ValueError(f"unknown permission: {part.strip()!r}")
    return result


def describe(perms: int) -> str:
    """``ADMIN`` or ``MANAGE_REQUESTS|REQUEST``; a role name where it matches one exactly."""
    for role, value in ROLES.items():
        if perms == value:
            return role
    return "|".join(_names(perms)) or "NONE"


def _names(perms: int) -> Iterable[str]:
    for flag in Permission:
        if flag and flag.name and perms & flag == flag:
            yield flag.name
