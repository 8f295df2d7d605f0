"""The season choice behind every chat's picker: pure rules, no chat and no database."""

from __future__ import annotations

from core.media import DisplayStatus
from core.seasons import (
    SeasonChoice,
    choice_from_state,
    choice_state,
    choose_all,
    choose_none,
    choose_on_page,
    start_choice,
    toggle,
    turn_page,
)

D = DisplayStatus
FREE = D.NOT_REQUESTED


def show(count: int, per_page: int = 20, **taken: DisplayStatus) -> SeasonChoice:
    statuses = {n: FREE for n in range(1, count + 1)}
    statuses.update({int(k[1:]): v for k, v in taken.items()})
    return start_choice(statuses, per_page)


def test_a_new_choice_has_nothing_chosen_and_shows_the_first_page() -> None:
    choice = show(4, s2=D.AVAILABLE)
    assert choice.chosen == ()
    assert choice.page == 0
    assert choice.selectable == (1, 3, 4)
    assert choice.taken == {2: D.AVAILABLE}


def test_a_toggle_chooses_and_unchooses_a_free_season() -> None:
    choice = toggle(toggle(show(3), 3), 1)
    assert choice.chosen == (1, 3)
    assert toggle(choice, 3).chosen == (1,)


def test_a_season_taken_already_cannot_be_chosen() -> None:
    choice = show(3, s2=D.PENDING)
    assert toggle(choice, 2) == choice
    assert toggle(choice, 9) == choice  # no such season


def test_all_chooses_every_free_season_and_none_clears() -> None:
    choice = choose_all(show(5, s1=D.AVAILABLE, s4=D.APPROVED))
    assert choice.chosen == (2, 3, 5)
    assert choose_none(choice).chosen == ()


def test_pages_hold_per_page_seasons_and_turning_stays_within_them() -> None:
    choice = show(45, per_page=20)
    assert choice.pages == 3
    assert choice.on_page == tuple(range(1, 21))
    last = turn_page(choice, 7)
    assert last.page == 2
    assert last.on_page == tuple(range(41, 46))
    assert turn_page(last, -1).page == 0
    assert show(0).pages == 1
    # A page beyond the show (it lost seasons since) is held to the last one.
    assert SeasonChoice(choice.statuses, 20, page=9).page == 2


def test_a_page_s_menu_replaces_that_page_s_choice_only() -> None:
    choice = toggle(toggle(show(30, per_page=25, s3=D.PENDING), 2), 27)
    # On page 0: 2 is dropped, 3 is taken, 99 is not on that page.
    chosen = choose_on_page(choice, 0, [1, 3, 5, 99])
    assert chosen.chosen == (1, 5, 27)


def test_a_choice_survives_as_the_state_earlier_pickers_kept() -> None:
    choice = turn_page(toggle(show(25, s2=D.AVAILABLE), 4), 1)
    state = choice_state(choice)
    assert state == {
        "s": {str(n): (D.AVAILABLE if n == 2 else FREE).value for n in range(1, 26)},
        "sel": [4],
        "pg": 1,
    }
    assert choice_from_state({**state, "u": 5}, 20) == choice
