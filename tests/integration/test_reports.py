"""The report on a real database: a known history, every figure asserted, SQLite and PostgreSQL.

The history goes through the real use cases where they need no matcher (media hand-offs, picks,
feedback, escalation, answers, delivery, closing); the matcher's own decisions (QUESTION with
FAQ_ANSWER, CLARIFY or HANDOFF) are logged exactly as ``ResidentDesk._decide`` logs them.
Times are UTC; the desk's time zone is Asia/Shanghai (UTC+8).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import Services
from bot.core.clock import ManualClock
from bot.core.errors import NotAllowed
from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.interactions import EventKind, Interaction
from bot.core.ports import Delivery, DeliveryOutcome, Person
from bot.core.reports import to_json
from bot.storage.scams_yaml import load_scam_rules

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
UNCLE = Person(user_id=502, chat_id=502, display_name="李大爷")
AUNT = Person(user_id=503, chat_id=503, display_name="张阿姨")
LI, ZHANG = 9001, 9002
QUESTION_TEXT = "（测试）居民的原话"
SCAM_PATTERNS = [p.id for p in load_scam_rules().patterns]  # listed in every report, zeros too


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def entries(kb: KnowledgeBase) -> tuple[FaqEntry, FaqEntry, FaqEntry]:
    """Three real FAQ entries: E1 and E3 in one category, E2 in another."""
    first, second = kb.categories[0], kb.categories[1]
    return kb.in_category(first)[0], kb.in_category(second)[0], kb.in_category(first)[1]


async def asked(
    services: Services,
    clock: ManualClock,
    at: datetime,
    person: Person,
    entry: FaqEntry | None,
    action: str,
    reason: str = "no_match",
) -> tuple[int, int | None]:
    """Log a matched question as the desk does: (question event id, case id if handed off)."""
    clock.set(at)
    async with services.uow() as uow:
        resident = await uow.residents.get_or_create(person, at)

        async def log(kind: EventKind, **fields: Any) -> int:
            return await uow.interactions.add(
                Interaction(
                    kind,
                    at,
                    resident_id=resident.id,
                    faq_id=entry.id if entry else None,
                    category=entry.category if entry else None,
                    score=60.0,
                    **fields,
                )
            )

        question = await log(EventKind.QUESTION, detail=action, text=QUESTION_TEXT)
        case_id = None
        if action == "answer":
            await log(EventKind.FAQ_ANSWER)
        elif action == "clarify":
            await log(EventKind.CLARIFY)
        else:
            case = await uow.cases.open(resident.id, QUESTION_TEXT, at, None, 60.0)
            case_id = case.id
            await uow.interactions.add(
                Interaction(
                    EventKind.HANDOFF,
                    at,
                    resident_id=resident.id,
                    case_id=case.id,
                    detail=reason,
                )
            )
        await uow.commit()
    return question, case_id


async def latest_case(services: Services, person: Person) -> int:
    async with services.uow() as uow:
        resident = await uow.residents.get_or_create(person, utc(2024, 1, 1))
        case = await uow.cases.active_for(resident.id)
        assert case is not None
        return case.id


async def answer(
    services: Services, clock: ManualClock, at: datetime, adviser: int, case_id: int
) -> None:
    clock.set(at)
    await services.courier.deliver(await services.staff.answer(adviser, case_id, "答复"))


async def close(services: Services, clock: ManualClock, at: datetime, case_id: int) -> None:
    clock.set(at)
    await services.courier.deliver(await services.staff.close(LI, case_id))


async def build_history(services: Services, clock: ManualClock) -> None:
    """February: 1 question. March: see MARCH. April: 2 questions, one late answer."""
    e1, e2, e3 = entries(services.knowledge.kb)
    # Feb 29 23:59 in Shanghai: still February.
    await asked(services, clock, utc(2024, 2, 29, 15, 59), AUNT, e1, "answer")
    # Mar 1 00:00 in Shanghai: the first instant of March.
    await asked(services, clock, utc(2024, 2, 29, 16, 0), GRANNY, e1, "answer")
    clock.set(utc(2024, 3, 1, 2))
    await services.desk.feedback(GRANNY, e1.id)
    await services.desk.start(GRANNY)  # a command: not a question
    with pytest.raises(NotAllowed):  # a resident asking for the report: refused, logged
        await services.staff.member(GRANNY.user_id, "report")
    # Uncle is offered choices, picks E2, is not satisfied: case A, answered in 30 minutes.
    question, _ = await asked(services, clock, utc(2024, 3, 5, 3), UNCLE, e2, "clarify")
    clock.set(utc(2024, 3, 5, 3, 1))
    await services.desk.pick(UNCLE, question, e2.id)
    clock.set(utc(2024, 3, 5, 3, 5))
    await services.desk.escalate(UNCLE, question, None)
    case_a = await latest_case(services, UNCLE)
    await answer(services, clock, utc(2024, 3, 5, 3, 35), LI, case_a)
    await close(services, clock, utc(2024, 3, 6), case_a)
    # Aunt's question matches nothing: case B, answered in 90 minutes but undeliverable, then
    # answered again (still one answered case).
    _, case_b = await asked(services, clock, utc(2024, 3, 10, 2), AUNT, None, "handoff")
    assert case_b is not None
    services.transport().fail(  # type: ignore[attr-defined]
        AUNT.chat_id, Delivery(DeliveryOutcome.BLOCKED, error="403")
    )
    await answer(services, clock, utc(2024, 3, 10, 3, 30), ZHANG, case_b)
    await answer(services, clock, utc(2024, 3, 10, 4), ZHANG, case_b)
    await close(services, clock, utc(2024, 3, 11), case_b)
    # Granny sends a voice message: case C, answered in 240 minutes.
    clock.set(utc(2024, 3, 20, 4))
    await services.desk.media(GRANNY, "voice", "voice-file-1", "")
    case_c = await latest_case(services, GRANNY)
    await answer(services, clock, utc(2024, 3, 20, 8), LI, case_c)
    await close(services, clock, utc(2024, 3, 21), case_c)
    # Uncle asks something case-specific (best entry E3): case D, answered only in April.
    _, case_d = await asked(
        services, clock, utc(2024, 3, 25, 5), UNCLE, e3, "handoff", "case_specific"
    )
    assert case_d is not None
    # Aunt sends a photo: case E, closed without an answer.
    clock.set(utc(2024, 3, 28, 1))
    await services.desk.media(AUNT, "photo", "photo-file-1", "")
    await close(services, clock, utc(2024, 3, 29), await latest_case(services, AUNT))
    # Mar 31 23:59 in Shanghai: March. Mar 31 16:30 UTC is Apr 1 00:30 there: April.
    await asked(services, clock, utc(2024, 3, 31, 15, 59), AUNT, e1, "answer")
    await asked(services, clock, utc(2024, 3, 31, 16, 30), UNCLE, e3, "answer")
    # April: case D answered after 7 days 21 hours; Granny asks again.
    await answer(services, clock, utc(2024, 4, 2, 2), ZHANG, case_d)
    await asked(services, clock, utc(2024, 4, 3, 1), GRANNY, e1, "answer")


def days(month: str, count: int, **asked_on: int) -> dict[str, int]:
    """Every day of a month, zero unless given as d05=1."""
    return {f"{month}-{d:02d}": asked_on.get(f"d{d:02d}", 0) for d in range(1, count + 1)}


CHANNEL_KEYS = (
    "questions",
    "residents",
    "faq_answered",
    "clarified",
    "handed_off",
    "adviser_answered",
    "open_at_end",
    "undeliverable",
)


def channel(name: str, **given: int) -> dict[str, Any]:
    """One channel's figures in the JSON's ``by_channel``: zero unless given (feedback and
    outreach figures by their flat names)."""
    nested = {"helpful", "not_helpful", "scam_checks", "reached", "learn_more", "subscribers"}
    assert set(given) <= {*CHANNEL_KEYS, *nested}, given
    return {
        "name": name,
        **{key: given.get(key, 0) for key in CHANNEL_KEYS},
        "feedback": {
            "helpful": given.get("helpful", 0),
            "not_helpful": given.get("not_helpful", 0),
        },
        "scam_checks": given.get("scam_checks", 0),
        "outreach": {
            "residents_reached": given.get("reached", 0),
            "learn_more": given.get("learn_more", 0),
            "subscribers_at_end": given.get("subscribers", 0),
        },
    }


def march(e1: FaqEntry, e2: FaqEntry, kb_categories: tuple[str, ...]) -> dict[str, Any]:
    categories = dict.fromkeys(kb_categories, 0) | {e1.category: 2, e2.category: 1}
    return {
        "month": "2024-03",
        "timezone": "Asia/Shanghai",
        "start": "2024-02-29T16:00:00+00:00",
        "end": "2024-03-31T16:00:00+00:00",
        "questions": 7,  # 5 QUESTION events + 2 media hand-offs
        "residents": 3,
        "faq_answered": 3,  # two answers and one pick among choices
        "clarified": 1,
        "handed_off": 5,  # cases A, B, C, D, E
        "adviser_answered": 3,  # A, B (answered twice), C
        "open_at_end": 1,  # D; E was closed
        "undeliverable": 1,
        "feedback": {"helpful": 1, "not_helpful": 1},
        "first_response_minutes": {"median": 90.0, "p90": 210.0, "cases": 3},
        "outreach": {
            "broadcasts": 0,
            "residents_reached": 0,
            "learn_more": 0,
            "subscribers_at_end": 0,
        },
        "by_category": categories | {"转法律顾问": 4},  # B, D, and the two media messages
        "by_day": days("2024-03", 31, d01=1, d05=1, d10=1, d20=1, d25=1, d28=1, d31=1),
        "by_adviser": {"李律师": 2, "张律师": 1},
        "top_entries": [
            {"faq_id": e1.id, "question": e1.question, "category": e1.category, "count": 2},
            {"faq_id": e2.id, "question": e2.question, "category": e2.category, "count": 1},
        ],
        "scam_checks": 0,  # counted exactly in test_scam_report.py
        "scam_checks_by_pattern": dict.fromkeys(SCAM_PATTERNS, 0) | {"unsure": 0},
        "by_channel": {  # everyone wrote on Telegram; WeChat is listed with zeros
            "telegram": channel(
                "Telegram",
                questions=7,
                residents=3,
                faq_answered=3,
                clarified=1,
                handed_off=5,
                adviser_answered=3,
                open_at_end=1,
                undeliverable=1,
                helpful=1,
                not_helpful=1,
            ),
            "wechat": channel("微信公众号"),
        },
    }


async def test_march_every_figure(services: Services, clock: ManualClock) -> None:
    await build_history(services, clock)
    e1, e2, _ = entries(services.knowledge.kb)
    report = to_json(await services.reports.build(services.reports.period("2024-03")))
    expected = march(e1, e2, services.knowledge.kb.categories)
    assert report == expected
    assert list(report["by_category"])[:2] == ["转法律顾问", e1.category]  # most asked first
    assert sum(report["by_category"].values()) == report["questions"]


async def test_april_counts_the_boundary_event_and_the_late_answer(
    services: Services, clock: ManualClock
) -> None:
    await build_history(services, clock)
    e1, _, e3 = entries(services.knowledge.kb)
    report = to_json(await services.reports.build(services.reports.period("2024-04")))
    assert {
        k: report[k]
        for k in (
            "questions",
            "residents",
            "faq_answered",
            "clarified",
            "handed_off",
            "adviser_answered",
            "open_at_end",
            "undeliverable",
            "feedback",
            "first_response_minutes",
        )
    } == {
        "questions": 2,
        "residents": 2,
        "faq_answered": 2,
        "clarified": 0,
        "handed_off": 0,
        "adviser_answered": 1,
        "open_at_end": 0,
        "undeliverable": 0,
        "feedback": {"helpful": 0, "not_helpful": 0},
        "first_response_minutes": {"median": 11340.0, "p90": 11340.0, "cases": 1},
    }
    assert report["by_day"] == days("2024-04", 30, d01=1, d03=1)
    assert report["by_adviser"] == {"张律师": 1}
    assert [(e["faq_id"], e["count"]) for e in report["top_entries"]] == sorted(
        [(e1.id, 1), (e3.id, 1)]
    )


async def test_year_has_twelve_months_and_totals_over_the_year(
    services: Services, clock: ManualClock
) -> None:
    await build_history(services, clock)
    report = to_json(await services.reports.build(services.reports.period("2024")))
    assert report["year"] == "2024" and "month" not in report
    assert [m["month"] for m in report["by_month"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    per_month = {
        m["month"]: (m["questions"], m["residents"], m["adviser_answered"], m["open_at_end"])
        for m in report["by_month"]
    }
    assert per_month["2024-02"] == (1, 1, 0, 0)
    assert per_month["2024-03"] == (7, 3, 3, 1)
    assert per_month["2024-04"] == (2, 2, 1, 0)
    assert all(
        v == (0, 0, 0, 0)
        for k, v in per_month.items()
        if k not in {"2024-02", "2024-03", "2024-04"}
    )
    assert (
        report["questions"],
        report["residents"],
        report["faq_answered"],
        report["handed_off"],
        report["adviser_answered"],
        report["open_at_end"],
    ) == (10, 3, 6, 5, 4, 0)
    # 30, 90, 240 and 11340 minutes: median between 90 and 240, p90 interpolated.
    assert report["first_response_minutes"] == {"median": 165.0, "p90": 8010.0, "cases": 4}
    assert report["by_adviser"] == {"张律师": 2, "李律师": 2}
    assert len(report["by_day"]) == 366 and sum(report["by_day"].values()) == 10


async def test_a_month_without_data_is_all_zeros(services: Services) -> None:
    report = to_json(await services.reports.build(services.reports.period("2023-07")))
    assert report["questions"] == report["residents"] == report["open_at_end"] == 0
    assert report["first_response_minutes"] == {"median": None, "p90": None, "cases": 0}
    assert set(report["by_day"].values()) == {0} and len(report["by_day"]) == 31
    assert report["by_adviser"] == {} and report["top_entries"] == []


async def test_no_resident_name_id_or_text_in_a_report(
    services: Services, clock: ManualClock
) -> None:
    await build_history(services, clock)
    text = str(to_json(await services.reports.build(services.reports.period("2024"))))
    for secret in ("王大妈", "李大爷", "张阿姨", "501", "502", "503", QUESTION_TEXT):
        assert secret not in text
