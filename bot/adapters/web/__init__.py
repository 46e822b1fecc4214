"""The web console for advisers and the office: an aiohttp application, server-rendered.

Self-contained: :func:`build_web_app` makes the application from the services, and
:func:`start_web` serves it on ``web.listen`` beside the bot. Other HTTP endpoints (a WeChat
callback) are mounted as sub-applications (``app.add_subapp("/wechat/", other)``): the console's
session and CSRF checks leave their requests alone.
"""

from bot.adapters.web.app import build_web_app, start_web

__all__ = ["build_web_app", "start_web"]
