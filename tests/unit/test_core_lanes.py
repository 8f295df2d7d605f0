"""Ordered lanes: work for one destination in order, for different destinations at once."""

from __future__ import annotations

from core.lanes import Lanes


def test_work_for_different_chats_may_start_at_once() -> None:
    lanes = Lanes()
    alice, bob = lanes.join(["dm:alice"]), lanes.join(["dm:bob"])

    assert alice.turn.is_set()
    assert bob.turn.is_set()


def test_work_for_one_chat_starts_in_the_order_it_was_queued() -> None:
    lanes = Lanes()
    first, second = lanes.join(["dm:alice"]), lanes.join(["dm:alice"])
    assert not second.turn.is_set()

    lanes.leave(first)

    assert second.turn.is_set()
    assert lanes.waiting("dm:alice") == 1


def test_work_for_two_chats_waits_until_it_is_first_in_both() -> None:
    lanes = Lanes()
    card = lanes.join(["shared"])
    private = lanes.join(["dm:boss"])
    manager_card = lanes.join(["dm:boss", "shared"])  # a card in a private chat
    later_dm = lanes.join(["dm:boss"])

    lanes.leave(private)
    assert not manager_card.turn.is_set()  # the shared chats are still busy
    lanes.leave(card)
    assert manager_card.turn.is_set()
    assert not later_dm.turn.is_set()  # it does not overtake the card

    lanes.leave(manager_card)
    assert later_dm.turn.is_set()
    lanes.leave(later_dm)
    assert len(lanes) == 0


def test_work_given_up_while_queued_leaves_its_place_to_the_next() -> None:
    lanes = Lanes()
    running, dropped, next_one = (lanes.join(["dm:alice"]) for _ in range(3))

    lanes.leave(dropped)  # cancelled before its turn
    assert not next_one.turn.is_set()
    lanes.leave(running)

    assert next_one.turn.is_set()
