"""The season choice behind a show's picker: which seasons there are, which of them may
still be asked for, which are chosen, and which page is shown. Every change is a pure
function returning a new choice, so each chat renders the same rules, and a choice survives
a restart as plain JSON."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.media import DisplayStatus

# The keys of a choice inside a flow's kept state (core.chat.remember): kept short, and
# kept as they are, since pickers saved by an earlier version must still open.
_SEASONS, _CHOSEN, _PAGE = "s", "sel", "pg"


def seasons_left(statuses: Mapping[int, DisplayStatus]) -> tuple[int, ...]:
    """The seasons one may still ask for, from each season's status: neither requested
    nor here."""
    return tuple(sorted(n for n, st in statuses.items() if st is DisplayStatus.NOT_REQUESTED))


@dataclass(frozen=True, slots=True)
class SeasonChoice:
    """A show's seasons with each one's status, the chosen ones, and the page shown
    (``per_page`` seasons a page: a chat's room for buttons or options)."""

    statuses: Mapping[int, DisplayStatus]
    per_page: int
    chosen: tuple[int, ...] = ()
    page: int = 0

    @property
    def numbers(self) -> tuple[int, ...]:
        """Every season, in order."""
        return tuple(sorted(self.statuses))

    def __post_init__(self) -> None:
        # The page shown is always one there is (a show can lose seasons between taps).
        object.__setattr__(self, "page", min(max(0, self.page), self.pages - 1))

    @property
    def selectable(self) -> tuple[int, ...]:
        """The seasons one may still ask for: neither requested nor here."""
        return seasons_left(self.statuses)

    @property
    def taken(self) -> dict[int, DisplayStatus]:
        """The seasons requested or here already, with their status."""
        return {
            n: s for n, s in sorted(self.statuses.items()) if s is not DisplayStatus.NOT_REQUESTED
        }

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.statuses) / self.per_page))

    @property
    def on_page(self) -> tuple[int, ...]:
        """The seasons of the page shown."""
        start = self.page * self.per_page
        return self.numbers[start : start + self.per_page]

    def status_of(self, number: int) -> DisplayStatus:
        return self.statuses.get(number, DisplayStatus.NOT_REQUESTED)


def start_choice(statuses: Mapping[int, DisplayStatus], per_page: int) -> SeasonChoice:
    """A new choice: nothing chosen, the first page shown."""
    return SeasonChoice(dict(sorted(statuses.items())), per_page)


def toggle(choice: SeasonChoice, number: int) -> SeasonChoice:
    """Choose a season, or unchoose it; a season that may not be asked for stays as it is."""
    if number not in choice.selectable:
        return choice
    return replace(choice, chosen=tuple(sorted(set(choice.chosen) ^ {number})))


def choose_all(choice: SeasonChoice) -> SeasonChoice:
    """Every season that may still be asked for."""
    return replace(choice, chosen=choice.selectable)


def choose_none(choice: SeasonChoice) -> SeasonChoice:
    return replace(choice, chosen=())


def choose_on_page(choice: SeasonChoice, page: int, numbers: Iterable[int]) -> SeasonChoice:
    """What is chosen on one page (a menu of that page's seasons) replaces that page's
    choice; choices on other pages stay."""
    on_page = set(choice.numbers[page * choice.per_page : (page + 1) * choice.per_page])
    wanted = set(numbers) & set(choice.selectable) & on_page
    return replace(choice, chosen=tuple(sorted((set(choice.chosen) - on_page) | wanted)))


def turn_page(choice: SeasonChoice, page: int) -> SeasonChoice:
    """Show another page (held to the pages there are)."""
    return replace(choice, page=page)


def choice_state(choice: SeasonChoice) -> dict[str, Any]:
    """The choice as JSON-compatible data, to keep in a flow's state."""
    return {
        _SEASONS: {str(n): s.value for n, s in choice.statuses.items()},
        _CHOSEN: list(choice.chosen),
        _PAGE: choice.page,
    }


def choice_from_state(state: Mapping[str, Any], per_page: int) -> SeasonChoice:
    """The choice kept in a flow's state (choice_state)."""
    statuses = {int(n): DisplayStatus(s) for n, s in state[_SEASONS].items()}
    return SeasonChoice(
        dict(sorted(statuses.items())),
        per_page,
        tuple(sorted(int(n) for n in state[_CHOSEN])),
        int(state[_PAGE]),
    )
