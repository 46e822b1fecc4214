"""The per-channel breakdown of a report: which channel residents used, for each figure.

Every channel the desk has (Telegram, the WeChat Official Account) is always listed, zeros
included, so that the office compares like with like from month to month and every format shows
the same rows whatever is configured where the report is made. A channel found in the data but
unknown to this version is listed after them under its own id; events that name no resident
(none are logged so today) under 未知渠道, only when there are any. So each figure summed over the
channels is the period's total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.core.messages import TELEGRAM, WECHAT
from bot.core.report_queries import ChannelCounts
from bot.core.reports.figures import ChannelFigures, Figures
from bot.core.reports.shaping import ResponseTimes, figures

UNKNOWN = "unknown"  # the key of events without a resident
CHANNEL_NAMES = {TELEGRAM: "Telegram", WECHAT: "微信公众号"}  # the desk's channels, in order
UNKNOWN_NAME = "未知渠道"


def channel_figures(row: ChannelCounts) -> Figures:
    """One channel's figures, defined as the totals are (no response times, no broadcasts)."""
    return figures(
        row.events,
        residents=row.residents,
        answered=row.answered,
        open_at_end=row.open_at_end,
        response=ResponseTimes(),
        outreach=replace(row.outreach, broadcasts=0),
    )


def by_channel(rows: Iterable[ChannelCounts]) -> tuple[ChannelFigures, ...]:
    """Every channel of the desk (zeros too), then other channels with data, then 未知渠道."""
    counted = {row.channel if row.channel is not None else UNKNOWN: row for row in rows}
    extra = sorted(key for key in counted if key not in CHANNEL_NAMES and key != UNKNOWN)
    out = []
    for key in (*CHANNEL_NAMES, *extra, UNKNOWN):
        f = channel_figures(counted.get(key, ChannelCounts(key)))
        if key in CHANNEL_NAMES or f != Figures():
            out.append(ChannelFigures(key, _name(key), f))
    return tuple(out)


def _name(key: str) -> str:
    if key == UNKNOWN:
        return UNKNOWN_NAME
    return CHANNEL_NAMES.get(key, key)
