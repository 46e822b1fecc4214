"""The WeChat API through wechatpy's ``WeChatClient``, with the access token shared in the database.

wechatpy's client is synchronous (requests): every call runs in a worker thread. Its token fetch
hard-codes api.weixin.qq.com, so :class:`_Client` fetches from the configured ``api_base_url``
(tests and proxies point it elsewhere); the client is made per call with the current token.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from wechatpy import WeChatClient

from bot.config.settings import WeChatSettings
from bot.core.ports import Clock
from bot.storage.channel_store import SqlChannelStore

# requests' connection pool logs URLs at DEBUG, the token request's includes the app secret.
logging.getLogger("urllib3").setLevel(logging.INFO)

REFRESH_BEFORE = timedelta(minutes=5)  # a token this close to expiry is replaced
TIMEOUT = 10  # seconds per API call


class _Client(WeChatClient):
    def __init__(self, settings: WeChatSettings, access_token: str | None = None) -> None:
        assert settings.app_secret is not None
        super().__init__(
            settings.app_id,
            settings.app_secret.get_secret_value(),
            access_token=access_token,
            timeout=TIMEOUT,
            auto_retry=False,  # token errors are handled here: the token is shared
        )
        self.API_BASE_URL = settings.api_base_url

    def fetch_access_token(self) -> dict[str, Any]:
        return dict(
            self._fetch_access_token(
                url=f"{self.API_BASE_URL}token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
            )
        )


class WeChatApi:
    """Calls with the shared access token; ``refused`` forgets a token WeChat rejected."""

    def __init__(self, settings: WeChatSettings, store: SqlChannelStore, clock: Clock) -> None:
        self._settings, self._store, self._clock = settings, store, clock
        self._name = f"wechat:{settings.app_id}"
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A token valid for at least ``REFRESH_BEFORE``: the shared one, else a new one."""
        token = await self._store.token(self._name, self._clock.now() + REFRESH_BEFORE)
        if token is not None:
            return token
        # One fetch at a time: per process, and across instances sharing PostgreSQL (a new
        # token soon makes the one before it invalid).
        async with self._lock, self._store.refreshing(self._name):
            token = await self._store.token(self._name, self._clock.now() + REFRESH_BEFORE)
            if token is not None:
                return token
            result = await asyncio.to_thread(_Client(self._settings).fetch_access_token)
            token = str(result["access_token"])
            expires = self._clock.now() + timedelta(seconds=int(result.get("expires_in", 7200)))
            await self._store.save_token(self._name, token, expires)
            return token

    async def refused(self, token: str) -> None:
        await self._store.drop_token(self._name, token)

    async def call(self, token: str, method: str, *args: Any) -> Any:
        """``client.<method>(*args)`` (e.g. ``message.send_text``) with ``token``, in a worker
        thread."""
        target: Any = _Client(self._settings, access_token=token)
        for name in method.split("."):
            target = getattr(target, name)
        return await asyncio.to_thread(target, *args)
