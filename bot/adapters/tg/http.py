"""The bot's HTTP client for the Bot API: PTB's ``BaseRequest`` on aiohttp.

PTB's default, ``HTTPXRequest``, spends about 1.4 ms of CPU per Bot API call in this process
(httpx, httpcore and anyio; measured against the fake Bot API server on localhost), aiohttp about
0.3 ms. Each resident's message costs at least one call (the reply), so on a busy desk the client
was the largest single cost after the database. PTB documents ``BaseRequest`` as the way to bring
another HTTP library; behaviour is that of ``HTTPXRequest``: the same default timeouts, multipart
bodies for files (JSON otherwise), timeouts raised as ``TimedOut`` and other transport failures as
``NetworkError`` (PTB maps HTTP status codes itself).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session (created by ``initialize``)."""

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write = read_timeout, write_timeout
        self._connect, self._pool = connect_timeout, pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if files else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        body: Any = None
        headers = None
        if request_data is not None and not files:
            # JSON, which the Bot API accepts: cheaper than the form HTTPXRequest encodes
            body, headers = request_data.json_payload, _JSON
        elif files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
        timeout = aiohttp.ClientTimeout(
            total=None,
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
