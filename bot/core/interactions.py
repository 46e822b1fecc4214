"""The interaction log: every resident message and every desk event, the source of the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.cases import Case
from bot.core.roster import StaffMember


class EventKind(StrEnum):
    """What happened. Values are stored in the database: never rename one."""

    QUESTION = "question"  # a resident's free-text message that was matched
    FAQ_ANSWER = "faq_answer"  # the bot answered with an FAQ entry
    CLARIFY = "clarify"  # the bot offered choices
    SMALLTALK = "smalltalk"  # greeting, thanks, "are you a robot"
    LAW_LOOKUP = "law_lookup"  # an article of a law was looked up
    COMMAND = "command"  # /start, /help, /topics, ...
    BROWSE = "browse"  # an entry opened from the topic menu
    MEDIA = "media"  # voice, photo, document, sticker, location ...
    FEEDBACK_HELPFUL = "feedback_helpful"
    FEEDBACK_NOT_HELPFUL = "feedback_not_helpful"
    HANDOFF = "handoff"  # a case was opened for the legal adviser
    FOLLOW_UP = "follow_up"  # a resident added a message to an open case
    CASE_CLAIMED = "case_claimed"
    CASE_ANSWERED = "case_answered"
    ANSWER_DELIVERED = "answer_delivered"
    ANSWER_UNDELIVERABLE = "answer_undeliverable"
    CASE_CLOSED = "case_closed"
    REMINDER = "reminder"
    REFUSED = "refused"  # someone without the role tried a staff action
    FLOOD = "flood"  # a message over the rate limit: logged, not matched
    SUBSCRIBE = "subscribe"  # a resident subscribed to the monthly themes (detail: how)
    UNSUBSCRIBE = "unsubscribe"
    LEARN_MORE = "learn_more"  # 「了解更多」 under a broadcast (detail: the theme's month)
    BROADCAST_DELIVERED = "broadcast_delivered"  # a theme reached a resident (detail: month)
    SCAM_CHECK = "scam_check"  # a message checked for a scam; detail: pattern id or "unsure"
    CONSOLE_LINK = "console_link"  # a staff member asked for a web-console sign-in link
    CONSOLE_SIGN_IN = "console_sign_in"  # signed in to the web console (detail: link|password)
    CONSOLE_SIGN_IN_FAILED = "console_sign_in_failed"  # detail: why (no actor when unknown)
    CONSOLE_SIGN_OUT = "console_sign_out"
    DUTY_SWITCH = "duty_switch"  # a staff member switched their own duty (detail: on|off)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One event of the log, as a use case records it."""

    kind: EventKind
    at: datetime
    resident_id: int | None = None
    case_id: int | None = None
    faq_id: str | None = None
    category: str | None = None
    score: float | None = None
    actor_id: int | None = None  # a staff member's Telegram id
    actor_name: str | None = None
    detail: str | None = None  # a short machine word: smalltalk kind, "clarify", "button" ...
    text: str | None = None  # what the resident wrote (redacted after the retention period)


def case_event(
    kind: EventKind,
    case: Case,
    at: datetime,
    actor: StaffMember | None = None,
    *,
    holder: bool = False,
    detail: str | None = None,
) -> Interaction:
    """An event about a case, by ``actor`` (or, with ``holder``, by the adviser holding it)."""
    actor_id, actor_name = (actor.id, actor.name) if actor else (None, None)
    if holder:
        actor_id, actor_name = case.claimed_by, case.claimed_by_name
    return Interaction(
        kind,
        at,
        resident_id=case.resident_id,
        case_id=case.id,
        actor_id=actor_id,
        actor_name=actor_name,
        detail=detail,
    )
