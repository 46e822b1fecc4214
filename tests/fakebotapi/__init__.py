"""A fake Telegram Bot API server for end-to-end tests of legaldesk.

The real python-telegram-bot ``Bot``/``Application`` talks to it over HTTP on 127.0.0.1::

    async with FakeBotApi() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        resident = api.new_user("王大妈")
        await api.send_text(resident, "/start")
        reply = await api.wait_for_message(resident)

Three parts: resident simulation (``new_user``, ``send_text``, ``press_button``, ...),
observation (``calls``, ``messages_to``, ``wait_for_message``, ``wait_for_call``, ...) and
scripted faults (``fail_next``, ``block``, ``delay_next``, ``go_offline``).
"""

from .models import BotMessage, Call, ErrorReply, FakeChat, FakeUser, UploadedFile
from .server import FakeBotApi

__all__ = ["BotMessage", "Call", "ErrorReply", "FakeBotApi", "FakeChat", "FakeUser", "UploadedFile"]
