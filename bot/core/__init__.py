"""The transport-independent core: domain values, matching, desk use cases, reports.

Nothing in here imports telegram, wechatpy, aiohttp, sqlalchemy, yaml or click; storage is reached
only through the ports in :mod:`bot.core.ports`.
"""
