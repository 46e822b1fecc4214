"""Citations of one article: the FAQ's basis lines and the article requests residents type."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.law.numerals import chinese_to_int

DEFAULT_LAW = "民法典"  # the law meant when a resident names none


def normalise_law_name(name: str) -> str:
    """A law name as the library keys it: no spaces, no 《》, full-width brackets."""
    name = re.sub(r"\s+", "", name).strip("《》")
    return name.replace("(", "（").replace(")", "）")


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
    return Citation(normalise_law_name(law) if law else DEFAULT_LAW, number)
