"""FakeBotApi: an aiohttp server speaking the Telegram Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import socket
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from .methods import CONFLICT_POLL, Methods
from .models import (
    BotApiError,
    Call,
    ChatRef,
    ConnectionDropped,
    ErrorReply,
    chat_id_of,
)
from .observe import Observer
from .residents import Residents
from .webhook import WebhookDelivery
from .wire import read_params

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: scripted failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT_POLL,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_LOG = logging.getLogger(__name__)
_dumps = functools.partial(json.dumps, ensure_ascii=False)


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None


@dataclass
class _Delay:
    method: str
    seconds: float
    remaining: int


class FakeBotApi(WebhookDelivery, Methods, Residents, Observer):
    """A fake Telegram Bot API server. See tests/fakebotapi/__init__.py for the overview."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "legaldesk_test_bot",
        bot_first_name: str = "法律顾问服务台",
    ) -> None:
        super().__init__(token, bot_username=bot_username, bot_first_name=bot_first_name)
        self._init_webhook()
        self._handlers = {
            name[2:].lower(): (name[2:], getattr(self, name))
            for name in dir(self)
            if name.startswith("m_")
        }
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._background: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.downloads: list[str] = []
        self.internal_errors: list[str] = []

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self.closing = True
        self._stopped.set()
        await self._notify()
        await self._stop_webhooks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- scripted faults --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: ChatRef | None = None,
    ) -> None:
        """The next *count* calls of *method* (optionally only to *chat_id*) fail with
        *status*. 429 carries parameters.retry_after (default 1 s)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
            )
        target = None if chat_id is None else chat_id_of(chat_id)
        self._faults.append(_Fault(method.lower(), status, description, retry_after, count, target))

    def delay_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """Hold the next *count* calls of *method* for *seconds* before executing them. The
        call still takes effect if the client gave up meanwhile, as on real Telegram."""
        self._delays.append(_Delay(method.lower(), seconds, count))

    def block(self, chat: ChatRef) -> None:
        """Every call aimed at this chat gets 403 (bot blocked by the user / kicked)."""
        self.blocked.add(chat_id_of(chat))

    def unblock(self, chat: ChatRef) -> None:
        self.blocked.discard(chat_id_of(chat))

    def go_offline(self) -> None:
        """Drop every connection without a reply (pending long polls included)."""
        self.offline = True
        self._wake()

    def go_online(self) -> None:
        self.offline = False
        self._wake()

    def _wake(self) -> None:
        task = asyncio.get_running_loop().create_task(self._notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    async def _apply_delay(self, method: str) -> None:
        for delay in self._delays:
            if delay.method == method.lower():
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self._delays.remove(delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), delay.seconds)
                return

    # -- HTTP -------------------------------------------------------------------------------

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.abort()
        raise web.HTTPServiceUnavailable()

    @staticmethod
    def _error(status: int, description: str) -> web.Response:
        body = {"ok": False, "error_code": status, "description": description}
        return web.json_response(body, status=status, dumps=_dumps)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.offline:
            return self._drop(request)
        path = request.path
        if path.startswith("/file/bot"):
            return await self._serve_file(request, path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return self._error(404, "Not Found")
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return self._error(401, "Unauthorized")
        entry = self._handlers.get(method.lower())
        name = entry[0] if entry else method
        params: dict[str, Any] = {}
        try:
            params = await read_params(request)
            self.calls.append(Call(name, params))
            await self._notify()
            if entry is None:
                raise BotApiError(404, "Not Found")
            await self._apply_delay(name)
            if self.offline:
                raise ConnectionDropped
            fault = self._take_fault(name, params)
            if fault is not None:
                raise BotApiError(fault.status, fault.description, fault.retry_after)
            result = await entry[1](params)
        except ConnectionDropped:
            return self._drop(request)
        except BotApiError as exc:
            if exc.status == 409:  # let a just-closed client's disconnect be processed first
                for _ in range(3):
                    await asyncio.sleep(0)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=exc.status)  # the client already left
            self.errors.append(ErrorReply(name, params, exc.status, exc.description))
            await self._notify()
            return web.json_response(exc.body(), status=exc.status, dumps=_dumps)
        except Exception as exc:  # a bug in the fake itself: make it loud, not a hang
            _LOG.exception("fake Bot API crashed in %s", name)
            self.internal_errors.append(f"{name}: {exc!r}")
            self.errors.append(ErrorReply(name, params, 500, f"fake server bug: {exc!r}"))
            await self._notify()
            return self._error(500, f"Internal Server Error: fake server bug: {exc!r}")
        await self._notify()
        if self.offline:
            return self._drop(request)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _serve_file(self, request: web.Request, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._error(401, "Unauthorized")
        self.downloads.append(file_path)
        await self._apply_delay("downloadFile")
        fault = self._take_fault("downloadFile", {})
        if fault is not None:
            return self._error(fault.status, fault.description)
        stored = self._files_by_path.get(file_path)
        if stored is None:
            return self._error(404, "Not Found")
        return web.Response(body=stored.content, content_type="application/octet-stream")
