"""The bot's HTTP client for the Bot API: PTB's documented ``BaseRequest`` interface on aiohttp.

PTB's default client, ``HTTPXRequest``, costs about 1.3-2.5 ms of CPU per Bot API call in this
process (httpx, httpcore and anyio); aiohttp about 0.3 ms (both measured against the fake Bot API
server on localhost, the server's own work included; see benchmarks/e2e_bench.py). Every
resident's message costs at least one call (the reply), so with httpx the client was the largest
single cost of a message. ``BaseRequest`` is how PTB documents bringing another HTTP library;
the behaviour is that of ``HTTPXRequest``: the same timeouts, multipart bodies for uploads,
time-outs raised as ``TimedOut`` and other transport failures as ``NetworkError`` (PTB maps the
HTTP status codes itself).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session (opened by ``initialize``). Timeouts in
    seconds, None for no limit; ``connection_pool_size``: connections open at once."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, name: str, given: Any, files: bool = False) -> float | None:
        """The timeout passed for this call, else this client's own."""
        if given is not BaseRequest.DEFAULT_NONE:
            return given
        return self._media_write if files and name == "write" else self._timeouts[name]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        read = self._timeout("read", read_timeout)
        write = self._timeout("write", write_timeout, bool(files))
        connect = self._timeout("connect", connect_timeout)
        pool = self._timeout("pool", pool_timeout)
        body: Any = None
        headers = None
        if files:
            assert request_data is not None
            # File names travel as UTF-8, as httpx sends them: Telegram shows a percent-encoded
            # name (aiohttp's default) as it is, so 调解协议.pdf would arrive as %E8%B0%83….pdf.
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
        elif request_data is not None:
            body, headers = request_data.json_payload, _JSON  # the Bot API accepts JSON
        timeout = aiohttp.ClientTimeout(
            connect=_sum(pool, connect),  # waiting for a pooled connection, then connecting
            sock_connect=connect,
            sock_read=read,
        )
        try:
            # aiohttp has no write timeout: the whole exchange gets the sum of the parts.
            async with asyncio.timeout(_sum(pool, connect, write, read)):
                async with self._session.request(
                    method, url, data=body, headers=headers, timeout=timeout
                ) as response:
                    return response.status, await response.read()
        except TimeoutError as err:  # also aiohttp's ServerTimeoutError
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _sum(*parts: float | None) -> float | None:
    """The total of the given timeouts; None (no limit) if any of them is None."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
