"""What the chats say about claims of media-server accounts (core.claims): the answer to the
claimant, the managers' card as it stands, the answer to a press and what the claimant is told
of the outcome; and the answer to a manager who links someone directly (core.linking). Plain
text: each adapter escapes it for its own markup."""

from __future__ import annotations

from core.claims import Claim, ClaimOutcome, Decision, Verdict
from core.identity import User

CLAIM_CARD_TITLE = "🔗 Account claim"


def claimed_text(claim: Claim) -> str:
    """The answer to ``/link NAME``."""
    name = claim.account.media_server_username or claim.account.display_name
    match claim.outcome:
        case ClaimOutcome.LINKED:
            return f"Linked to the media-server account {name}."
        case ClaimOutcome.PENDING:
            return (
                f"I asked the managers to confirm that you are the media-server account {name}; "
                "I will tell you when one has."
            )
        case ClaimOutcome.WAITING:
            return f"You asked already: a manager has yet to confirm that you are {name}."
        case ClaimOutcome.ALREADY_YOURS:
            return f"You are linked to the media-server account {name} already."
        case ClaimOutcome.TAKEN:
            return (
                f"The media-server account {name} is linked to someone else here already; "
                "ask a manager if that is a mistake."
            )
        case ClaimOutcome.LINKED_ELSEWHERE:
            mine = claim.claimant.media_server_username
            return f"You are the media-server account {mine} already; a manager can change that."
    raise AssertionError(claim.outcome)  # pragma: no cover


def linked_text(who: str, account: User) -> str:
    """The answer to a manager who linked ``who`` (as they named them) to an account."""
    return (
        f"Linked {who} to the media-server account {account.media_server_username} "
        f"(user #{account.id})."
    )


NO_MANAGER = (
    "No manager could be asked right now; your claim is kept for a week. Ask a manager to "
    "confirm it."
)


def card_text(claimant: str, handle: str | None, account: str) -> str:
    """The managers' card of a pending claim."""
    who = f"{claimant} (@{handle})" if handle else claimant
    return (
        f"{CLAIM_CARD_TITLE}\n{who} says they are the media-server account {account}. "
        "Confirm only if you know it is them: their requests and quota become that account's."
    )


def decided_card_text(decision: Decision) -> str:
    """The card once the claim is decided (by this press or an earlier one)."""
    who, account, by = decision.claimant_name, decision.account_name, decision.decided_by
    match decision.verdict:
        case Verdict.CONFIRMED:
            outcome = f"✅ Confirmed by {by}: {who} is the media-server account {account}."
        case Verdict.REFUSED:
            outcome = f"❌ Refused by {by}: {who} is not linked to {account}."
        case Verdict.DECIDED if decision.confirmed:
            outcome = f"✅ Confirmed by {by}: {who} is the media-server account {account}."
        case Verdict.DECIDED:
            outcome = f"❌ Not linked ({by} decided): {who} and {account}."
        case Verdict.TAKEN:
            outcome = f"⚠️ Not linked: {account} is linked to someone else here by now."
        case Verdict.LINKED_ELSEWHERE:
            outcome = f"⚠️ Not linked: {who} is linked to another account by now."
        case _:
            outcome = "This claim has expired."
    return f"{CLAIM_CARD_TITLE}\n{outcome}"


def press_answer(decision: Decision) -> str:
    """The answer to the manager who pressed."""
    match decision.verdict:
        case Verdict.CONFIRMED:
            return f"Linked {decision.claimant_name} to {decision.account_name}."
        case Verdict.REFUSED:
            return f"Refused: {decision.claimant_name} is not linked."
        case Verdict.DECIDED:
            how = "confirmed" if decision.confirmed else "decided"
            return f"This claim was {how} already, by {decision.decided_by}."
        case Verdict.GONE:
            return "This claim has expired or is not one I know; nothing was changed."
        case Verdict.TAKEN:
            return f"{decision.account_name} is linked to someone else by now; nothing changed."
        case Verdict.LINKED_ELSEWHERE:
            return f"{decision.claimant_name} is linked to another account by now; nothing changed."
    raise AssertionError(decision.verdict)  # pragma: no cover


def outcome_for_claimant(decision: Decision) -> str | None:
    """What the claimant is told of a decision made now (None: nothing new to tell)."""
    account = decision.account_name
    match decision.verdict:
        case Verdict.CONFIRMED:
            return f"A manager confirmed it: you are linked to the media-server account {account}."
        case Verdict.REFUSED:
            return (
                f"A manager did not confirm that you are the media-server account {account}. "
                "Ask a manager if that is a mistake."
            )
        case Verdict.TAKEN:
            return f"Your claim of {account} was not confirmed: someone else is linked to it."
    return None
