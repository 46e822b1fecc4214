"""The roster in the configuration file (``advisers:``): each entry checked into a StaffMember,
or a ConfigError naming the entry and key.

A member is named by ``telegram_id``, ``wechat_openid`` or both (at least one); each id belongs to
one entry only.
"""

from __future__ import annotations

import re
from typing import Any

from bot.config.values import bounded_number, config_error, kind, nonempty_text, reject_unknown
from bot.core.roster import Role, ShiftSpecError, StaffMember, WeeklyShift, parse_shift

MEMBER_KEYS = ("telegram_id", "wechat_openid", "name", "role", "shifts")
# WeChat openids are 28 characters of letters, digits, '-' and '_'; allow some room.
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")


def staff(raw: Any, label: str) -> tuple[StaffMember, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise config_error(label, "advisers", f"must be a list of staff entries, got {kind(raw)}")
    members: list[StaffMember] = []
    for i, item in enumerate(raw):
        key = f"advisers[{i}]"
        if not isinstance(item, dict):
            raise config_error(label, key, f"must be a mapping of {', '.join(MEMBER_KEYS)}")
        reject_unknown(item, MEMBER_KEYS, f"{key}.", label)
        if "telegram_id" not in item and "wechat_openid" not in item:
            raise config_error(
                label, f"{key}.telegram_id", "missing (give telegram_id, wechat_openid or both)"
            )
        if "name" not in item:
            raise config_error(label, f"{key}.name", "missing")
        telegram_id = None
        if "telegram_id" in item:
            telegram_id = bounded_number(
                item["telegram_id"], label, f"{key}.telegram_id", lo=0, whole=True
            )
        openid = _openid(item.get("wechat_openid"), label, f"{key}.wechat_openid")
        _check_unique(members, telegram_id, openid, label, key)
        role = item.get("role", Role.ADVISER.value)
        if role not in tuple(Role):
            raise config_error(label, f"{key}.role", f"must be adviser or office, got {role!r}")
        name = nonempty_text(item["name"], label, f"{key}.name")
        shifts = shift_list(item.get("shifts"), label, f"{key}.shifts")
        members.append(StaffMember(telegram_id, name, Role(role), shifts, openid))
    return tuple(members)


def _openid(value: Any, label: str, key: str) -> str | None:
    if value is None:
        return None
    openid = nonempty_text(value, label, key)
    if not _OPENID.fullmatch(openid):
        raise config_error(
            label, key, f"'{openid}' is not a WeChat openid (letters, digits, '-' and '_')"
        )
    return openid


def _check_unique(
    members: list[StaffMember], telegram_id: int | None, openid: str | None, label: str, key: str
) -> None:
    for j, other in enumerate(members):
        if telegram_id is not None and other.telegram_id == telegram_id:
            problem = f"{telegram_id} is already used by advisers[{j}] ({other.name})"
            raise config_error(label, f"{key}.telegram_id", problem)
        if openid is not None and other.wechat_openid == openid:
            problem = f"'{openid}' is already used by advisers[{j}] ({other.name})"
            raise config_error(label, f"{key}.wechat_openid", problem)


def shift_list(raw: Any, label: str, key: str) -> tuple[WeeklyShift, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise config_error(
            label, key, f"must be a list like ['mon-fri 10:00-19:30'], got {kind(raw)}"
        )
    shifts = []
    for j, spec in enumerate(raw):
        try:
            shifts.append(parse_shift(spec))
        except ShiftSpecError as exc:
            raise config_error(label, f"{key}[{j}]", str(exc)) from None
    return tuple(shifts)
