"""``legaldesk wechat menu``: create the Official Account's custom menu (自定义菜单).

The buttons send CLICK events the intake understands (bot/adapters/wechat/intake.py):
常见问题 (``topics``), 找法律顾问 (``help``), and under 更多 查法条 (``law``) and 隐私说明
(``privacy``). The access token is the one the running desk shares through the database.
"""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

NOT_CONFIGURED = (
    "legaldesk: the WeChat channel is not configured: set wechat.app_id and wechat.listen in the "
    "config file and WECHAT_APP_SECRET and WECHAT_TOKEN in the environment (README: WeChat)."
)

MENU = {
    "button": [
        {"type": "click", "name": "常见问题", "key": "topics"},
        {"type": "click", "name": "找法律顾问", "key": "help"},
        {
            "name": "更多",
            "sub_button": [
                {"type": "click", "name": "查法条", "key": "law"},
                {"type": "click", "name": "隐私说明", "key": "privacy"},
            ],
        },
    ]
}


async def wechat_menu(settings: Settings) -> int:
    from wechatpy.exceptions import WeChatClientException

    from bot.adapters.wechat.client import WeChatApi
    from bot.commands.database import prepare_database
    from bot.core.clock import SystemClock
    from bot.core.messages import WECHAT
    from bot.storage.channel_store import SqlChannelStore

    if not settings.wechat.app_id:
        print(NOT_CONFIGURED, file=sys.stderr)
        return 2
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        store = SqlChannelStore(SqlUnitOfWorkFactory(engine), WECHAT)
        api = WeChatApi(settings.wechat, store, SystemClock())
        try:
            await api.call(await api.token(), "menu.create", MENU)
        except WeChatClientException as error:
            print(f"legaldesk: WeChat refused the menu: errcode {error.errcode}", file=sys.stderr)
            return 1
    finally:
        await engine.dispose()
    print("WeChat menu created: 常见问题 · 找法律顾问 · 更多（查法条 · 隐私说明）")
    return 0
