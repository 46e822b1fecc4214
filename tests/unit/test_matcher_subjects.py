"""What the FAQ does not cover is not answered: uncovered subjects, entries that cover little."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.matching import Action, Lexicon, Matcher, Thresholds
from bot.storage.faq_yaml import FaqError, load_knowledge_base
from bot.storage.lexicon_yaml import load_lexicon

FAQ = Path(__file__).resolve().parents[2] / "faq"
THRESHOLDS = Thresholds(30, 20, 10, coverage=0.0)  # this file tests the subject words alone


def _entry(entry_id: str, question: str, answer: str, *alternates: str) -> FaqEntry:
    return FaqEntry(entry_id, "测试", question, alternates, answer, (), date(2026, 1, 1))


WAGES = _entry(
    "wages", "公司老板拖欠工资不给怎么办", "到劳动仲裁委员会申请仲裁。", "公司不给钱怎么办"
)
DOG = _entry("dog-bite", "被狗咬了谁赔", "狗的主人赔。", "狗咬人怎么赔偿")
UNCOVERED = Lexicon(uncovered=("股东", "分红"))
QUESTION = "我是公司股东，公司不给分红怎么办"


def test_without_the_list_a_neighbour_sharing_words_answers() -> None:
    """The failure the list exists for: the shareholder question gets the wages entry."""
    result = Matcher(KnowledgeBase.of([WAGES, DOG]), Lexicon(), THRESHOLDS).match(QUESTION)
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "wages"


def test_a_question_on_an_uncovered_subject_goes_to_the_adviser() -> None:
    result = Matcher(KnowledgeBase.of([WAGES, DOG]), UNCOVERED, THRESHOLDS).match(QUESTION)
    assert result.action is Action.HANDOFF
    assert result.reason == "uncovered"
    assert result.candidates == ()


def test_traditional_characters_name_the_subject_too() -> None:
    result = Matcher(KnowledgeBase.of([WAGES, DOG]), UNCOVERED, THRESHOLDS).match(
        "我是公司股東，公司不給分紅怎麼辦"
    )
    assert result.action is Action.HANDOFF and result.reason == "uncovered"


def test_a_covered_question_is_still_answered() -> None:
    matcher = Matcher(KnowledgeBase.of([WAGES, DOG]), UNCOVERED, THRESHOLDS)
    result = matcher.match("公司老板拖欠工资不给")
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "wages"
    assert matcher.match("被狗咬了谁赔钱").action is Action.ANSWER


def test_an_entry_that_speaks_of_the_subject_may_answer() -> None:
    shares = _entry("dividends", "公司股东分红不给怎么办", "股东可以要求公司分红。")
    matcher = Matcher(KnowledgeBase.of([WAGES, DOG, shares]), UNCOVERED, THRESHOLDS)
    result = matcher.match(QUESTION)
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == "dividends"


def test_choices_keep_only_the_entries_that_speak_of_the_subject() -> None:
    # the wages entry ranks first (more shared words); the other entry names 股东 in its answer
    board = _entry("meeting", "公司开会不通知怎么办", "股东会要提前通知每个股东。")
    matcher = Matcher(
        KnowledgeBase.of([WAGES, DOG, board]), UNCOVERED, Thresholds(30, 5, 100, coverage=0.0)
    )
    result = matcher.match("公司股东老板不给钱不通知怎么办")
    assert result.best and result.best.faq_id == "wages"
    assert result.action is Action.CLARIFY and result.reason == "uncovered"
    assert [c.faq_id for c in result.candidates] == ["meeting"]


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_knowledge_base(FAQ), load_lexicon(FAQ / "lexicon.yaml"), Thresholds())


@pytest.mark.parametrize(
    "question",
    [
        "我是公司的小股东，大股东一直不给分红也不让查账，怎么办",
        "我注册的商标被人抢注了，还反过来告我侵权",
        "对城管的罚款决定不服，怎么申请行政复议",
        # work abroad: 12333 and labour arbitration at home are not the answer (was answered)
        "海外工地老板拖欠工资三个月不发怎么办",
        # overdrawn credit cards have rules of their own: the bank-loan entry does not answer them
        "信用卡还不上会不会坐牢",
        # a soldier's consent (民法典 第1081条) is not in divorce-litigation (was answered by it)
        "老公是现役军人，我想起诉离婚他不同意，怎么办",
        # school discipline is not a school injury (was answered by school-injury)
        "孩子被学校开除学籍，家长能申诉吗",
    ],
)
def test_shipped_faq_gives_no_direct_answer_on_uncovered_subjects(
    shipped: Matcher, question: str
) -> None:
    assert shipped.match(question).action is not Action.ANSWER


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("老板拖欠了三个月工资不给，去哪里告", "wage-arrears"),
        ("说我中奖了要先交税才能领，是不是骗人的", "fraud-prize"),
        ("派出所说不够立案，不给立案怎么办", "report-crime"),
        # once wrongly answered by unrelated entries; the wider FAQ now has the right ones
        ("对方是全责，签了责任认定书以后对方是不是就不管了", "traffic-accident-claim-after-report"),
    ],
)
def test_shipped_faq_still_answers_covered_questions_that_name_such_words(
    shipped: Matcher, question: str, entry: str
) -> None:
    result = shipped.match(question)
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == entry


def test_a_refused_filing_is_never_answered_with_another_entry(shipped: Matcher) -> None:
    result = shipped.match("请问法院不同意立案，进入诉调程序，应该怎么申请")
    assert result.action in (Action.ANSWER, Action.CLARIFY)
    assert result.candidates and result.candidates[0].faq_id == "court-filing-refused"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text("schema: 1\n" + text, encoding="utf-8")
    return path


def test_the_list_is_read_from_the_lexicon_file(tmp_path: Path) -> None:
    lexicon = load_lexicon(_write(tmp_path, "uncovered: [股东, 商标, 4s店]\n"))
    assert lexicon.uncovered == ("股东", "商标", "4s店")


def test_mistakes_in_the_list_are_reported_with_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "uncovered:\n  - 股东\n  - 股 东\n  - 商標\n  - 股东\n")
    with pytest.raises(FaqError) as caught:
        load_lexicon(path)
    name = f"{tmp_path.name}/lexicon.yaml"
    assert sorted(str(p) for p in caught.value.problems) == [
        f"{name}:4: 'uncovered': '股 东' must be one word as the matcher reads it (simplified "
        "characters, lower case, no spaces or punctuation: '股 东')",
        f"{name}:5: 'uncovered': '商標' must be one word as the matcher reads it (simplified "
        "characters, lower case, no spaces or punctuation: '商标')",
        f"{name}:6: 'uncovered': '股东' is listed twice",
    ]


def test_an_entry_that_covers_little_of_the_question_is_offered_not_answered(
    shipped: Matcher,
) -> None:
    # shares 老板 and 工资 with the wage-arrears entry, but asks about docking a thief's pay
    question = "店员偷了店里的东西，老板能扣他工资抵吗"
    assert shipped.match(question).action is Action.CLARIFY
    # with no margin rule in the way, the coverage gate alone decides
    kb, lexicon = load_knowledge_base(FAQ), load_lexicon(FAQ / "lexicon.yaml")
    # its score (~32) passes this answer threshold
    gate = Thresholds(answer=30.0, margin=0.0, wide_margin=0.0)
    assert Matcher(kb, lexicon, gate).match(question).action is Action.CLARIFY
    loose = Matcher(kb, lexicon, Thresholds(answer=30.0, margin=0.0, coverage=0.0, wide_margin=0.0))
    assert loose.match(question).action is Action.ANSWER


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("老板拖欠了三个月工资一直不给", "wage-arrears"),
        ("邻居家的狗把我家的羊咬死了，他不认账", "animal-injury"),
        ("在工地干活摔断了腿，老板不给报工伤", "work-injury"),
    ],
)
def test_questions_an_entry_covers_are_answered_directly(
    shipped: Matcher, question: str, entry: str
) -> None:
    result = shipped.match(question)
    assert result.action is Action.ANSWER and result.best and result.best.faq_id == entry
