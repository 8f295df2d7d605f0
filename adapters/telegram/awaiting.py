"""The messages the bot waits for in reply: what a reply to one of its messages means (a
report's words, a comment on an issue), kept in the database (core.chat) by chat and
message id so that it survives a restart.

A question (ForceReply) waits for one answer: a reply to it or, in a private chat, the
asker's next message within a few minutes (unless a decline prompt was asked since: a
message that replies to nothing answers the most recent question). An issue's card or
notice takes any number of replies, each a comment, for as long as REPLY_TTL.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.error import TelegramError

from adapters.telegram.messages import PLATFORM
from adapters.text import UserFacing, describe_error
from core import chat
from core.errors import InvalidInput, IssueRefused, NotFound, PermissionDenied
from core.services import Services

log = logging.getLogger(__name__)

QUESTION_TTL = timedelta(days=1)
REPLY_TTL = timedelta(days=90)
NEXT_MESSAGE_WINDOW = 600.0  # seconds in which a private message answers the question
REPORT = "report"  # the words of a report whose title, type and place were chosen
COMMENT = "comment"  # a comment on an issue
# Refusals that no other answer would change: the question is closed.
FINAL = (IssueRefused, NotFound, PermissionDenied)
# Words that do not do (too long, say): the user's message stays in the chat to copy.
AGAIN_TO_QUESTION = "Your message is still above: shorten it and reply to my question again."
AGAIN_TO_CARD = "Your message is still above: shorten it and reply to the card again."


def _key(chat_id: int | str, ref: int | str) -> str:
    return f"ask:{chat_id}:{ref}"


def asker_lock(chat_id: int, user_id: int) -> str:
    """The lock key under which a question to a user is asked and answered: an answer that
    comes before the question is kept waits for it."""
    return _key(chat_id, f"u{user_id}")


async def expect_replies(
    services: Services, chat_id: int | str, message_id: int | str, what: str, data: dict[str, Any]
) -> None:
    """Take every reply to this message (a card, a notice) as ``what`` with ``data``."""
    kept = {"w": what, **data}
    await chat.remember(services, PLATFORM, kept, REPLY_TTL, key=_key(chat_id, message_id))


async def expect_answer(
    services: Services, question: Message, asked: int, what: str, data: dict[str, Any]
) -> None:
    """Take one answer to ``question`` from user ``asked`` as ``what`` with ``data``."""
    kept = {"w": what, **data, "o": asked, "q": question.message_id, "at": time.time()}
    for ref in (question.message_id, f"u{asked}"):
        key = _key(question.chat_id, ref)
        await chat.remember(services, PLATFORM, kept, QUESTION_TTL, key=key)


async def awaited(
    services: Services, message: Message, sender_id: int, *, newer_than: float | None = None
) -> dict[str, Any] | None:
    """What ``message`` answers: the question or card it replies to, or in a private chat
    the question its sender was asked last, a few minutes ago at most and after
    ``newer_than`` (when another kind of question was asked); None if nothing."""
    replied = message.reply_to_message
    if replied is not None:
        return await chat.recall(services, PLATFORM, _key(message.chat_id, replied.message_id))
    if message.chat.type != "private":
        return None
    found = await chat.recall(services, PLATFORM, _key(message.chat_id, f"u{sender_id}"))
    asked = float(found.get("at", 0)) if found is not None else 0.0
    if found is None or time.time() - asked > NEXT_MESSAGE_WINDOW:
        return None
    if newer_than is not None and newer_than > asked:
        return None
    return found


@contextlib.asynccontextmanager
async def answering(
    services: Services, answer: Message, found: dict[str, Any]
) -> AsyncIterator[None]:
    """Close the question ``answer`` answers once its answer is taken, or refused for good
    (FINAL); words that do not do (too long, say) leave it open for another answer, for
    as long again as the first (a long text takes a while to shorten), and say how to give
    it. A card's or notice's replies are never closed."""
    try:
        yield
    except FINAL:
        await _close(services, answer, found)
        raise
    except InvalidInput as exc:
        await _keep_open(services, answer, found)
        again = AGAIN_TO_QUESTION if "q" in found else AGAIN_TO_CARD
        raise UserFacing(f"{describe_error(exc, services.clock.now())} {again}") from exc
    await _close(services, answer, found)


async def _keep_open(services: Services, answer: Message, found: dict[str, Any]) -> None:
    """Wait for another answer to the question, the next message in a private chat too."""
    if "q" not in found:
        return
    chat_id, asked = answer.chat_id, found["o"]
    kept = {**found, "at": time.time()}
    current = await chat.recall(services, PLATFORM, _key(chat_id, f"u{asked}"))
    refs: list[int | str] = [found["q"]]
    if current is None or current.get("q") == found["q"]:  # not a newer question
        refs.append(f"u{asked}")
    for ref in refs:
        await chat.remember(services, PLATFORM, kept, QUESTION_TTL, key=_key(chat_id, ref))


async def _close(services: Services, answer: Message, found: dict[str, Any]) -> None:
    """Forget the question and delete it (the answer quotes it as deleted)."""
    if "q" not in found:
        return
    chat_id, asked = answer.chat_id, found["o"]
    await chat.forget(services, PLATFORM, _key(chat_id, found["q"]))
    current = await chat.recall(services, PLATFORM, _key(chat_id, f"u{asked}"))
    if current is not None and current.get("q") == found["q"]:  # not a newer question
        await chat.forget(services, PLATFORM, _key(chat_id, f"u{asked}"))
    try:
        await answer.get_bot().delete_message(chat_id, int(found["q"]))
    except TelegramError as exc:
        log.info("question %s not deleted: %s", found["q"], exc)
