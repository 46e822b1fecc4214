"""The messages and events WeChat pushes to the account's message server (接收普通消息,
接收事件推送), as ``Inbound`` values that render to WeChat's XML."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from .wire import Fields, render

_msg_ids = itertools.count(int(time.time()) * 1_000_000)


@dataclass(frozen=True)
class Inbound:
    """One push from WeChat. ``msg_id`` is None for events (WeChat sends none; bots are told
    to deduplicate events by FromUserName + CreateTime)."""

    openid: str
    msg_type: str
    create_time: int
    fields: dict[str, str | int | float] = field(default_factory=dict)
    msg_id: int | None = None

    @property
    def event(self) -> str | None:
        value = self.fields.get("Event")
        return None if value is None else str(value)

    @property
    def interaction(self) -> str | None:
        """Which customer-service window this opens on WeChat's side, if any."""
        if self.msg_type != "event":
            return "message"
        return {"subscribe": "subscribe", "CLICK": "click", "SCAN": "scan"}.get(self.event or "")

    def xml(self, account_id: str) -> str:
        head: Fields = {
            "ToUserName": account_id,
            "FromUserName": self.openid,
            "CreateTime": self.create_time,
            "MsgType": self.msg_type,
        }
        tail: Fields = {} if self.msg_id is None else {"MsgId": self.msg_id}
        return render({**head, **self.fields, **tail})


def next_msg_id() -> int:
    return next(_msg_ids)


def message(
    openid: str,
    msg_type: str,
    fields: dict[str, str | int | float],
    *,
    create_time: int,
    msg_id: int | None = None,
) -> Inbound:
    return Inbound(
        openid, msg_type, create_time, fields, next_msg_id() if msg_id is None else msg_id
    )


def event(
    openid: str, name: str, fields: dict[str, str | int | float], *, create_time: int
) -> Inbound:
    return Inbound(openid, "event", create_time, {"Event": name, **fields})
