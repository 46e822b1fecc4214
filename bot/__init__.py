"""legaldesk — 法律顾问服务台: a Telegram help desk for a township's legal adviser."""

__version__ = "0.1.0"
