"""Law texts: articles, the library that holds them, citations and residents' article queries.

Pure: the Markdown comes in as a string (``bot.storage.law_files`` reads the files). The file
format is described in ``bot/lawtexts/NOTE.md`` and the reference set's README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
DEFAULT_LAW = "民法典"  # the law meant when a resident names none


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


@dataclass(frozen=True, slots=True)
class LawArticle:
    """One article (条) of a law: its paragraphs (款/项) and where it sits (编 › 分编 › 章 › 节)."""

    law_short: str
    law_title: str
    number: int
    paragraphs: tuple[str, ...]
    breadcrumb: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        return f"{self.law_short} 第{self.number}条"

    @property
    def heading(self) -> str:
        title = self.law_title.replace("《", "〈").replace("》", "〉")
        return f"《{title}》第{int_to_chinese(self.number)}条"


@dataclass(frozen=True, slots=True)
class LawText:
    """A whole law; its articles are numbered 1 … N without gaps."""

    short: str
    title: str
    aliases: tuple[str, ...]
    articles: tuple[LawArticle, ...]

    def article(self, number: int) -> LawArticle | None:
        return self.articles[number - 1] if 1 <= number <= len(self.articles) else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.short, self.title, *self.aliases)


_ARTICLE = re.compile(r"^第([零一二三四五六七八九十百千]+)条 (.*)$")
_NUM = "[零一二三四五六七八九十百千]+"
_HEADING_RANKS = (  # rank: 编 (or a judicial interpretation's part) 0, 分编 1, 章 2, 节 3
    (re.compile(rf"^第{_NUM}分编 \S"), 1),
    (re.compile(rf"^第{_NUM}编 \S|^附则$|^{_NUM}、\S"), 0),
    (re.compile(rf"^第{_NUM}章 \S"), 2),
    (re.compile(rf"^第{_NUM}节 \S"), 3),
)
_DECLARED = re.compile(r"条文数 articles: (\d+)\s*$")


def parse_law_markdown(short: str, title: str, text: str, aliases: tuple[str, ...] = ()) -> LawText:
    """Parse one law file; raise ValueError naming the line when the file breaks the format."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != f"# {title}":
        raise ValueError(f"line 1 must be the title heading '# {title}'")
    articles: list[LawArticle] = []
    current: tuple[int, list[str]] | None = None  # (number, paragraphs) of the open article
    stack: list[tuple[int, str]] = []  # (rank, heading text)
    declared: int | None = None
    body_started = False

    def close() -> None:
        if current is not None:
            crumb = tuple(h for _, h in stack)
            articles.append(LawArticle(short, title, current[0], tuple(current[1]), crumb))

    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">") and not body_started:
            if declared is None and (m := _DECLARED.search(line)):
                declared = int(m.group(1))
            continue
        if line.startswith("#"):
            hashes, _, heading = line.partition(" ")
            rank = next((r for rx, r in _HEADING_RANKS if rx.search(heading)), None)
            if rank is None or hashes.strip("#"):
                raise ValueError(f"line {lineno}: unknown heading {line!r}")
            close()
            current, body_started = None, True
            while stack and stack[-1][0] >= rank:
                stack.pop()
            if len(hashes) != len(stack) + 2:
                raise ValueError(f"line {lineno}: heading level does not fit: {line!r}")
            stack.append((rank, heading.strip()))
            continue
        if m := _ARTICLE.match(line):
            number = chinese_to_int(m.group(1))
            if number != len(articles) + 1 + (current is not None):
                raise ValueError(f"line {lineno}: article {number} out of sequence")
            close()
            current, body_started = (number, [m.group(2).strip()]), True
        elif current is not None:
            current[1].append(line)
        elif body_started:
            raise ValueError(f"line {lineno}: text outside any article: {line[:30]!r}")
        # else: the preamble (为正确审理……制定本规定。) before the first heading or article
    close()
    if not articles:
        raise ValueError("no articles found")
    if declared is not None and declared != len(articles):
        raise ValueError(f"metadata says {declared} articles, found {len(articles)}")
    return LawText(short, title, tuple(aliases), tuple(articles))


def _normalise_name(name: str) -> str:
    name = re.sub(r"\s+", "", name).strip("《》")
    return name.replace("(", "（").replace(")", "）")


@dataclass(frozen=True, slots=True)
class LawLibrary:
    """Every shipped law, found by short name, full title or alias."""

    laws: tuple[LawText, ...]
    _by_name: dict[str, LawText] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, LawText] = {}
        for law in self.laws:
            for name in law.names:
                key = _normalise_name(name)
                if by_name.setdefault(key, law) is not law:
                    other = by_name[key].short
                    raise ValueError(f"name {name!r} belongs to both {other} and {law.short}")
        object.__setattr__(self, "_by_name", by_name)

    def resolve_name(self, name: str) -> LawText | None:
        key = _normalise_name(name)
        law = self._by_name.get(key)
        if law is None and key.startswith("中华人民共和国"):
            law = self._by_name.get(key.removeprefix("中华人民共和国"))
        return law

    def lookup(self, law_name: str, number: int) -> LawArticle | None:
        law = self.resolve_name(law_name)
        return law.article(number) if law is not None else None


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference to one article: law name (as written) and Arabic article number."""

    law: str
    number: int

    def __str__(self) -> str:
        return f"{self.law} 第{self.number}条"


_CITATION = re.compile(r"^(\S+) 第([1-9]\d*)条$")


def parse_citation(text: str) -> Citation:
    """Parse a basis citation such as "民法典 第1077条" (short name, one space, Arabic number)."""
    m = _CITATION.match(text)
    if m is None:
        raise ValueError(
            f"bad citation {text!r}: expected '<short name> 第<Arabic number>条', "
            "e.g. '民法典 第1077条'"
        )
    return Citation(m.group(1), int(m.group(2)))


_FULLWIDTH = str.maketrans("０１２３４５６７８９\u3000", "0123456789 ")
_PART = r"[（(][一二三四五六七八九十]+[）)]"  # the （一） of an interpretation
_LAW_NAME = rf"《?[\u4e00-\u9fff]{{1,40}}?(?:法|典|条例|规定|解释(?:{_PART})?)》?"
_QUERY = re.compile(
    rf"^(?:(?P<law>{_LAW_NAME})\s*)?(?P<di>第)?\s*"
    rf"(?P<num>\d{{1,5}}|[零〇一二两三四五六七八九十百千]{{1,12}})\s*(?P<tiao>条)?$"
)
_QUERY_PREFIX = re.compile(r"^(?:请问|请|帮我)?(?:查一下|查查|查询|查|看看|看一下)?")
_QUERY_SUFFIX = re.compile(
    r"(?:是什么|说的是什么|说了什么|说的什么|讲的是什么|讲了什么|讲什么|怎么说|怎么规定的?"
    r"|规定了什么|的内容|内容|原文|全文)?[\s？?。！!，,.]*$"
)


def parse_article_query(text: str) -> Citation | None:
    """Recognise an article request: 「民法典第1077条」, 「反家暴法23条」, 「第一千零七十七条」.

    No law named means the civil code. Anything else, such as an ordinary question that merely
    contains a number, gives None. The law name is returned as typed; LawLibrary resolves it.
    """
    s = text.translate(_FULLWIDTH).strip()
    s = _QUERY_SUFFIX.sub("", _QUERY_PREFIX.sub("", s)).strip()
    m = _QUERY.match(s)
    if m is None:
        return None
    law, num = m.group("law"), m.group("num")
    if num.isdigit():
        number = int(num)
    elif law or m.group("di") or m.group("tiao"):
        try:
            number = chinese_to_int(num)
        except ValueError:
            return None
    else:
        return None  # a lone Chinese numeral (「两」) is not a request
    if number < 1:
        return None
    return Citation(_normalise_name(law) if law else DEFAULT_LAW, number)


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); never less than len(text)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    start = size = 0
    for i, ch in enumerate(text):  # whole code points only, so no surrogate pair is cut
        width = _units(ch)
        if size + width > limit:
            chunks.append(text[start:i])
            start, size = i, 0
        size += width
    return [*chunks, text[start:]]


_LEVELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("\n\n", re.compile(r"\n[ \t]*\n\s*")),  # paragraphs
    ("\n", re.compile(r"\n")),  # lines
    ("", re.compile(r"(?<=[。；！？])")),  # sentences, keeping their 。；
)


def _split(text: str, limit: int, level: int) -> list[str]:
    if _units(text) <= limit:
        return [text]
    if level == len(_LEVELS):
        return _hard_split(text, limit)
    sep, pattern = _LEVELS[level]
    out: list[str] = []
    current, size = "", 0
    for piece in pattern.split(text):
        for part in _split(piece, limit, level + 1) if piece.strip() else ():
            width = _units(part)
            if current and size + len(sep) + width <= limit:
                current, size = f"{current}{sep}{part}", size + len(sep) + width
            else:
                out.extend([current] if current else [])
                current, size = part, width
    return [*out, current] if current else out


def split_for_messages(text: str, limit: int = 3500) -> list[str]:
    """Cut text into chunks of at most ``limit`` (UTF-16 units, as Telegram counts) for sending.

    Cuts at paragraph breaks first, then line breaks, then after 。；！？, and only then anywhere.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks = (c.strip() for c in _split(text.strip(), limit, 0))
    return [c for c in chunks if c]


def render_article(article: LawArticle) -> str:
    """Plain text for a resident: the heading line, then each paragraph after a blank line."""
    return "\n\n".join((article.heading, *article.paragraphs))
