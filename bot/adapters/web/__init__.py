"""The web console for advisers and the office: an aiohttp application, server-rendered.

Self-contained: :func:`build_web_app` makes the application from the services, and
:func:`start_web` serves it on ``web.listen`` beside the bot (other HTTP endpoints, such as a
WeChat callback, can be mounted on the same server later).
"""

from bot.adapters.web.app import build_web_app, start_web

__all__ = ["build_web_app", "start_web"]
