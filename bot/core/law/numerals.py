"""Chinese numerals as laws write article numbers: 第一千零七十七条 is article 1077."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CANON_DIGITS = "零一二三四五六七八九"


def chinese_to_int(text: str) -> int:
    """Parse a Chinese numeral below 10000: 一千零七十七 → 1077, 十 → 10, 一〇七七 → 1077."""
    s = text.strip()
    if not s or any(c not in _DIGITS and c not in _UNITS for c in s):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if all(c in _DIGITS for c in s):  # a single digit, or digit by digit (一〇七七)
        if len(s) > 1 and _DIGITS[s[0]] == 0:
            raise ValueError(f"leading zero in Chinese numeral: {text!r}")
        return int("".join(str(_DIGITS[c]) for c in s))
    bad = ValueError(f"malformed Chinese numeral: {text!r}")
    total, pending, last_unit, zero = 0, None, 10_000, False
    for c in s:
        if c in _DIGITS:
            if pending is not None or (_DIGITS[c] == 0 and (zero or total == 0)):
                raise bad
            if _DIGITS[c] == 0:
                zero = True
            else:
                pending = _DIGITS[c]
            continue
        unit = _UNITS[c]
        if unit >= last_unit or (pending is None and (unit != 10 or not (total == 0 or zero))):
            raise bad  # out of order, or a bare 百/千 (only 十 stands alone: 十二, 一千零十)
        pending = 1 if pending is None else pending
        total, pending, last_unit, zero = total + pending * unit, None, unit, False
    if zero and pending is None:
        raise bad
    if pending is not None:  # 一百零五 → 105; colloquial 一千二 → 1200
        total += pending if zero or last_unit == 10 else pending * last_unit // 10
    return total


def int_to_chinese(number: int) -> str:
    """Write 0 ≤ number < 10000 as official texts do: 1077 → 一千零七十七, 110 → 一百一十."""
    if not 0 <= number < 10_000:
        raise ValueError(f"out of range for an article number: {number}")
    if number == 0:
        return "零"
    if 10 <= number < 20:
        return "十" + (_CANON_DIGITS[number - 10] if number > 10 else "")
    out: list[str] = []
    pending_zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_CANON_DIGITS[digit] + name)
    return "".join(out)
