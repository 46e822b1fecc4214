"""The Telegram adapter (python-telegram-bot 22). Named ``tg`` so it never shadows the library."""
