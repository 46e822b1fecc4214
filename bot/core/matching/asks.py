"""What a question asks for, and whether an entry's answer gives it.

Some questions ask for one concrete thing: how much it costs (多少钱), what to bring (要带啥),
where to go (去哪), where to look it up (在哪查). An entry about the question's subject whose
answer never says any such thing (no sum, no 免费; nothing to bring; no office) does not answer
it, however many words it shares: 「结婚证丢了去哪补办，要带啥」 is not answered by the entry on
补办结婚登记, which tells nobody what to bring. The matcher then offers the entry as a choice.

An ask is looked for in the question's last two clauses (residents put it at the end, often two
at once: 去哪里做 要多少钱), a gift in the entry's answer; both by regular expression on cleaned
text (``normalize.clean``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.faq import FaqEntry
from bot.core.matching.normalize import clean

# kind: (what asks for it, what in an answer gives it)
ASKS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "cost": (
        re.compile(r"多少钱|收多少|交多少|花多少|什么标准收|啥标准收|收费标准|怎么收费"),
        re.compile(
            r"\d+(\.\d+)?\s?(元|块|万|%)|[一二两三四五六七八九十百千万几]+(元|块)"
            r"|免费|不收费|不要钱|减半|缓交|减交|免交"
        ),
    ),
    "bring": (
        re.compile(
            r"带啥|带什么|带些啥|带哪些|准备什么|准备啥|什么材料|啥材料|哪些材料|什么手续|啥手续"
        ),
        re.compile(r"带|材料|证明|身份证|户口本|证件|手续"),
    ),
    "where": (
        re.compile(r"去哪|在哪|到哪|上哪|哪里办|哪里能|哪里可以|什么地方|哪个部门|找谁|找哪"),
        re.compile(
            r"局|所|法院|中心|委员会|窗口|机关|机构|部门|村委|连队|团场|派出所|app|网|热线"
            r"|12\d{3}|110|学校|医院|银行|营业厅|公司|单位|政府"
        ),
    ),
    "lookup": (
        re.compile(r"怎么查|在哪查|哪查|咋查|哪里查|能查到|查得到|查一下"),
        re.compile(r"查"),
    ),
}
_LAST_CLAUSES = 2


class Asks:
    """Which concrete asks of a question an entry's answer leaves unanswered."""

    def __init__(self, entries: Iterable[FaqEntry]) -> None:
        self._gives: dict[str, frozenset[str]] = {}
        for entry in entries:
            answer = "".join(clean(entry.answer).split())
            self._gives[entry.id] = frozenset(
                k for k, (_, give) in ASKS.items() if give.search(answer)
            )

    @staticmethod
    def of(parts: list[str]) -> frozenset[str]:
        """The asks in the last clauses of a question (cleaned clauses, in order)."""
        tail = "".join(parts[-_LAST_CLAUSES:])
        return frozenset(k for k, (ask, _) in ASKS.items() if ask.search(tail))

    def unanswered(self, faq_id: str, asks: frozenset[str]) -> frozenset[str]:
        """The asks the entry's answer does not give (all of them for an unknown entry)."""
        return asks - self._gives.get(faq_id, frozenset())
