"""A test load balancer: a round-robin HTTP reverse proxy on 127.0.0.1 (aiohttp).

Like nginx's ``proxy_next_upstream error``: a backend that refuses the connection (a killed
instance) is skipped and the request goes to the next one; a backend that drops a request it
already took answers 502 to the client (Telegram then sends the update again).
"""

from __future__ import annotations

import itertools
import socket
from collections import Counter

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class RoundRobinProxy:
    def __init__(self, backend_ports: list[int]) -> None:
        self.backends = [f"http://127.0.0.1:{port}" for port in backend_ports]
        self._next = itertools.cycle(range(len(self.backends)))
        self.served: Counter[int] = Counter()  # backend index → requests it answered
        self.refused: Counter[int] = Counter()  # backend index → connections refused
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        for _ in range(len(self.backends)):
            index = next(self._next)
            url = self.backends[index] + request.path_qs
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=headers
                ) as reply:
                    content = await reply.read()
                    self.served[index] += 1
                    return web.Response(
                        status=reply.status, body=content, content_type=reply.content_type
                    )
            except aiohttp.ClientConnectorError:  # nobody listens there: the next backend
                self.refused[index] += 1
            except (aiohttp.ClientError, TimeoutError):  # taken, then dropped
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=502, text="no backend")
