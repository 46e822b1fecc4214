"""A fake WeChat Official Account platform (公众号/服务号) for end-to-end tests of legaldesk.

Both sides talk real HTTP on 127.0.0.1.

``FakeWeChat(app_id=..., app_secret=..., *, account_id="gh_...", enforce_quota=True)`` is the
API the bot calls; point the bot's ``wechat.api_base_url`` at ``base_url``
(``http://127.0.0.1:PORT/cgi-bin/``, like ``https://api.weixin.qq.com/cgi-bin/``):

- ``GET token`` / ``POST stable_token`` (7200 s; a new ``token`` leaves the previous one 5
  minutes; wrong appid 40013, wrong secret 40125); every other call checks ``access_token``:
  41001 missing, 40001 unknown or revoked, 42001 expired.
- ``POST message/custom/send`` (text ≤ 2048 bytes else 45002; msgmenu ≤ 10 items; image,
  voice, video by media_id): 40003 unknown openid, 43004 unsubscribed, 45015 outside the
  48-hour window, 45047 past the documented quota (5 per resident message, 3 per menu click
  or follow within a minute; ``enforce_quota=False`` lifts the counts, not the window).
- ``POST message/template/send``, ``POST menu/create`` (validated), ``GET media/get`` (the
  bytes with their content type and file name; 40007 for an unknown id or one older than three
  days), ``POST media/upload``.
- Test controls: ``advance(hours=49)``, ``expire_tokens()``, ``invalidate_tokens()``,
  ``add_follower()``, ``record_inbound(openid, kind)``, ``set_subscribed()``, ``add_media()``,
  ``add_template()``; faults ``fail_next(api, errcode, count=, openid=)``,
  ``http_error_next(api, status)`` (0 drops the connection), ``delay_next(api, seconds)``.
- Observation: ``messages_to(openid)``, ``wait_for_message(openid, contains=)``,
  ``wait_for_messages(openid, n)``, ``pending_messages``, ``templates`` /
  ``wait_for_template``, ``menu`` / ``menus``, ``token_requests``, ``calls`` /
  ``wait_for_call``, ``errors`` / ``wait_for_error``, ``followers``, ``service_failures``.

``WeChatCallbacks`` (``wechat.callbacks(bot_url, token, encoding_aes_key)``) is what WeChat
pushes to the bot's message server: signed XML, AES safe (or compatible) mode, a 5-second
deadline with up to 3 retries of the same MsgId, passive replies verified, decrypted and
recorded as messages the resident received. ``image()``, ``voice()`` and ``file()`` store their
bytes for media/get and send the MediaId::

    async with FakeWeChat() as wechat:
        # bot: api_base_url=wechat.base_url, app_id=wechat.app_id, secret=wechat.app_secret
        async with wechat.callbacks("http://127.0.0.1:8081/wechat", "TOKEN", AES_KEY) as push:
            openid = wechat.new_openid()
            (await push.subscribe(openid)).assert_ok()
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
