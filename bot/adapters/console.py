"""``legaldesk shell``: chat with the desk as a resident in the terminal, through the same core.

The console is a transport like Telegram: the desk's replies go through the outbox and are printed
here, with HTML removed and buttons numbered; type a button's number to press it.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys

from bot.app import Services
from bot.core.ports import Button, Delivery, DeliveryOutcome, Outgoing, Person, SentBatch

TAG = re.compile(r"<[^>]+>")
SHELL_USER = Person(user_id=1, chat_id=1, display_name="终端用户")


def plain(text: str) -> str:
    """Telegram HTML to terminal text."""
    return html.unescape(TAG.sub("", text))


class ConsoleTransport:
    def __init__(self) -> None:
        self.buttons: list[Button] = []
        self._next_id = 0

    async def send(self, message: Outgoing) -> Delivery:
        print(f"\n🤖 {plain(message.text)}")
        if message.buttons:
            self.buttons = [b for row in message.buttons for b in row]
            for number, b in enumerate(self.buttons, start=1):
                print(f"   [{number}] {b.label}")
        self._next_id += 1
        return Delivery(DeliveryOutcome.SENT, message_id=self._next_id)


class ConsoleShell:
    def __init__(self, services: Services, person: Person = SHELL_USER) -> None:
        self._services, self._person = services, person
        self._transport = ConsoleTransport()
        services.attach_transport(self._transport)

    async def run(self) -> None:
        print("法律顾问服务台（终端）— 输入问题回车；输入按钮编号点按钮；输入 /quit 退出。")
        await self._deliver(await self._services.desk.start(self._person))
        while True:
            line = await asyncio.to_thread(self._read)
            if line is None or line.strip() in {"/quit", "/exit"}:
                return
            await self._deliver(await self.handle(line.strip()))

    async def handle(self, line: str) -> SentBatch:
        desk, person = self._services.desk, self._person
        buttons = self._transport.buttons
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            return await desk.press(person, buttons[int(line) - 1].data)
        if line in {"/start", "/help", "/privacy"}:
            return await desk.start(person, line[1:])
        if line == "/topics":
            return await desk.topics(person)
        if line.startswith("/law"):
            return await desk.lookup_law(person, line[4:].strip())
        return await desk.ask(person, line)

    async def _deliver(self, batch: SentBatch) -> None:
        await self._services.courier.deliver(batch)

    @staticmethod
    def _read() -> str | None:
        try:
            return input("\n👤 ")
        except EOFError:
            print(file=sys.stderr)
            return None
