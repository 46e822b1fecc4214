"""The WeChat Official Account channel (公众号/服务号): message server and customer-service API.

- :mod:`.endpoint`: the aiohttp message server (URL verification, signed and encrypted POSTs),
  storing every callback before it answers ``success``;
- :mod:`.intake`: turns stored callbacks into the desk's use cases, one sender at a time;
- :mod:`.transport`: delivers the outbox through 客服消息 (customer-service messages);
- :mod:`.files`: residents' voice, images and files by MediaId (``media/get``), for the advisers;
- :mod:`.render`: the desk's ``Outgoing`` values as WeChat messages (text, msgmenu).
"""

from bot.adapters.wechat.serving import start_wechat

__all__ = ["start_wechat"]
