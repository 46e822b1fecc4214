"""A fake WeChat Official Account platform (公众号/服务号) for end-to-end tests of legaldesk.

Two sides, both over real HTTP on 127.0.0.1:

- ``FakeWeChat``: the API the bot calls (``base_url`` = ``http://127.0.0.1:PORT/cgi-bin/``):
  access tokens (``token``, ``stable_token``), 客服消息 ``message/custom/send`` with the
  48-hour window and its quotas, ``message/template/send``, ``menu/create``, ``media/get``,
  ``media/upload``; scripted faults (``fail_next``, ``http_error_next``, ``delay_next``),
  a controllable clock (``advance``, ``expire_tokens``) and observation
  (``messages_to``, ``wait_for_message(s)``, ``templates``, ``menu``, ``token_requests``).
- ``WeChatCallbacks``: what WeChat pushes to the bot's message server: signed XML, AES safe
  mode, 5-second deadline and retries with the same MsgId, passive replies checked::

    async with FakeWeChat() as wechat:
        # bot: api_base_url=wechat.base_url, app_id=wechat.app_id, secret=wechat.app_secret
        async with wechat.callbacks("http://127.0.0.1:8081/wechat", "TOKEN", AES_KEY) as push:
            openid = wechat.new_openid()
            await push.subscribe(openid)
            welcome = await wechat.wait_for_message(openid)
"""

from .callbacks import WeChatCallbacks
from .crypto import AesCipher, CryptoError, signature
from .inbound import Inbound
from .models import ApiError, Call, ErrorReply, MenuItem, SentMessage, TemplateMessage
from .replies import Attempt, CallbackResult
from .server import FakeWeChat

__all__ = [
    "AesCipher",
    "ApiError",
    "Attempt",
    "Call",
    "CallbackResult",
    "CryptoError",
    "ErrorReply",
    "FakeWeChat",
    "Inbound",
    "MenuItem",
    "SentMessage",
    "TemplateMessage",
    "WeChatCallbacks",
    "signature",
]
