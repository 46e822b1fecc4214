"""FakeWeChat: an aiohttp server on 127.0.0.1 answering like api.weixin.qq.com/cgi-bin/."""

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

from .api import Api
from .callbacks import WeChatCallbacks
from .models import JSON, ApiError, Call, ErrorReply, HttpFault
from .observe import Observer

_LOG = logging.getLogger(__name__)
_dumps = functools.partial(json.dumps, ensure_ascii=False)


@dataclass
class _Fault:
    api: str
    remaining: int
    errcode: int | None = None  # an errcode reply ...
    status: int | None = None  # ... or a bare HTTP status (0: drop the connection)
    openid: str | None = None


@dataclass
class _Delay:
    api: str
    seconds: float
    remaining: int


class FakeWeChat(Api, Observer):
    """A fake WeChat Official Account platform. See tests/fakewechat/__init__.py."""

    def __init__(
        self,
        app_id: str = "wx0fa4e5eb1c0d7a11",
        app_secret: str = "fake-app-secret-0123456789abcdef",
        *,
        account_id: str = "gh_1e9f0a7c3b5d",
        enforce_quota: bool = True,
    ) -> None:
        super().__init__(app_id, app_secret, account_id=account_id, enforce_quota=enforce_quota)
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._stopped = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.internal_errors: list[str] = []

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._stopped.set()
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeWeChat:
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
        """Where the bot's API calls go, like ``https://api.weixin.qq.com/cgi-bin/``."""
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    def callbacks(
        self, bot_url: str, token: str, encoding_aes_key: str | None = None, **options: Any
    ) -> WeChatCallbacks:
        """A WeChatCallbacks for this account (its AppID and account id), linked to this fake
        so that pushes open customer-service windows and passive replies are recorded."""
        return WeChatCallbacks(
            bot_url, token, self.app_id, encoding_aes_key, wechat=self, **options
        )

    def add_follower(self, openid: str | None = None, *, subscribed: bool = True) -> str:
        """A follower who has not written yet (no customer-service window); its openid."""
        openid = openid or self.new_openid()
        self.set_subscribed(openid, subscribed)
        return openid

    def add_template(self, template_id: str) -> None:
        """Declare a template of the account; once any is declared, others get 40037."""
        self.template_ids.add(template_id)

    # -- scripted faults --------------------------------------------------------------------

    def fail_next(
        self, api: str, errcode: int, *, count: int = 1, openid: str | None = None
    ) -> None:
        """The next *count* calls of *api* ("message/custom/send", "token", ...; optionally
        only those to *openid*) get errcode *errcode* (45015, 40001, 42001, 45047, -1, ...)
        and take no effect."""
        self._faults.append(_Fault(api.strip("/"), count, errcode=errcode, openid=openid))

    def http_error_next(self, api: str, status: int = 502, *, count: int = 1) -> None:
        """The next *count* calls of *api* get a bare HTTP *status* (0 drops the connection
        without an answer) and take no effect."""
        self._faults.append(_Fault(api.strip("/"), count, status=status))

    def delay_next(self, api: str, seconds: float, *, count: int = 1) -> None:
        """Hold the next *count* calls of *api* for *seconds* before executing them; the call
        still takes effect if the client gave up meanwhile."""
        self._delays.append(_Delay(api.strip("/"), seconds, count))

    def _take_fault(self, api: str, body: JSON) -> _Fault | None:
        for fault in self._faults:
            if fault.api != api or (fault.openid and body.get("touser") != fault.openid):
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    async def _apply_delay(self, api: str) -> None:
        for delay in self._delays:
            if delay.api == api:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self._delays.remove(delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), delay.seconds)
                return

    # -- HTTP -------------------------------------------------------------------------------

    @staticmethod
    async def _read_body(request: web.Request) -> JSON:
        if request.method != "POST":
            return {}
        if request.content_type.startswith("multipart/"):
            body: JSON = {}
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    body[name] = value.file.read()
                    body["filename"] = value.filename
                else:
                    body[name] = value
            return body
        raw = await request.read()
        if not raw:
            raise ApiError(44002)
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(47001) from None
        if not isinstance(parsed, dict):
            raise ApiError(47001)
        return parsed

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        api = request.path.removeprefix("/cgi-bin/").strip("/")
        query = dict(request.query)
        body: JSON = {}
        try:
            entry = self.handlers.get(api) if request.path.startswith("/cgi-bin/") else None
            if entry is None:
                raise ApiError(40066)
            if request.method != entry[0]:
                raise ApiError(43002 if entry[0] == "POST" else 40066)
            body = await self._read_body(request)
            call = Call(api, query, body, self.now())
            self.calls.append(call)
            if api in ("token", "stable_token"):
                self.token_requests.append(call)
            else:
                self.check_token(query.get("access_token"))
            await self._notify()
            await self._apply_delay(api)
            fault = self._take_fault(api, body)
            if fault is not None and fault.status is not None:
                raise HttpFault(fault.status)
            if fault is not None and fault.errcode is not None:
                raise ApiError(fault.errcode)
            result: Any = await getattr(self, entry[1])(query, body)
        except HttpFault as exc:
            await self._notify()
            if not exc.status:
                if request.transport is not None:
                    request.transport.abort()
                raise web.HTTPServiceUnavailable() from None
            return web.Response(status=exc.status, text=f"{exc.status} scripted failure")
        except ApiError as exc:
            errmsg = f"{exc.errmsg} rid: fake-{len(self.calls):06d}"
            self.errors.append(ErrorReply(api, exc.errcode, errmsg, body))
            await self._notify()
            return web.json_response({"errcode": exc.errcode, "errmsg": errmsg}, dumps=_dumps)
        except Exception as exc:  # a bug in the fake itself: loud, not a hang
            _LOG.exception("fake WeChat crashed in %s", api)
            self.internal_errors.append(f"{api}: {exc!r}")
            await self._notify()
            return web.json_response({"errcode": -1, "errmsg": f"fake bug: {exc!r}"}, status=500)
        await self._notify()
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, dumps=_dumps)
