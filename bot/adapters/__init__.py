"""Adapters: Telegram, the terminal shell. They translate; the core decides."""
