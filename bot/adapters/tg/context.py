"""Typed access to the services from PTB callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.ports import Person

if TYPE_CHECKING:
    from bot.app import Services

SERVICES_KEY = "legaldesk.services"


class DeskContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB context whose ``services`` property reaches the wired application services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]


DeskApplication = Application[
    ExtBot[None], DeskContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


def person_of(update: Update) -> Person | None:
    """The sender of a private-chat update as a plain value; None outside private chats."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != chat.PRIVATE:
        return None
    return Person(user_id=user.id, chat_id=chat.id, display_name=user.full_name or str(user.id))
