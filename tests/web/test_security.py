"""The console's defences, as a browser (or an attacker with one) would meet them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.interactions import EventKind
from bot.storage.models import CaseRow, ConsoleLinkRow, InteractionRow, OutboxRow
from tests.integration.test_resident_desk import GRANNY
from tests.integration.test_staff_desk import open_case
from tests.web.conftest import LI, OFFICE, Console


async def _kinds(console: Console) -> list[str]:
    async with console.services.sessions() as session:
        return list(await session.scalars(select(InteractionRow.kind).order_by(InteractionRow.id)))


async def _case_status(console: Console, case_id: int) -> str:
    async with console.services.sessions() as session:
        row = await session.get(CaseRow, case_id)
        assert row is not None
        return row.status


@pytest.mark.parametrize("path", ["/", "/queue", "/cases/1", "/duty", "/report", "/misses"])
async def test_every_page_sends_a_stranger_to_the_sign_in_page(console: Console, path: str) -> None:
    response = await console.client.get(path, allow_redirects=False)
    if path == "/":
        response = await console.client.get("/queue", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/signin?next=")


async def test_a_download_or_the_queue_rows_give_a_stranger_nothing(console: Console) -> None:
    await open_case(console.services)
    for path in ("/report/download/csv", "/queue/rows"):
        response = await console.client.get(path, allow_redirects=False)
        assert response.status == 302
        assert "王大妈" not in await response.text()


async def test_a_post_without_a_session_changes_nothing(console: Console) -> None:
    case_id = await open_case(console.services)
    csrf = await console.csrf("/signin")  # a valid pre-sign-in form token is not enough
    response = await console.client.post(f"/cases/{case_id}/claim", data={"csrf": csrf})
    assert response.status in (302, 401, 403)
    assert await _case_status(console, case_id) == "open"


async def test_a_resident_or_unknown_telegram_id_gets_no_link(console: Console) -> None:
    for stranger in (GRANNY.user_id, 123456):
        with pytest.raises(NotAllowed):
            await console.services.console.request_link(stranger)
    assert (await _kinds(console)).count(EventKind.REFUSED) == 2


async def test_no_link_is_offered_while_the_console_has_no_address(console: Console) -> None:
    console.services.console.base_url = None
    with pytest.raises(InvalidRequest, match=r"web\.base_url"):
        await console.services.console.request_link(LI)


async def test_a_link_signs_its_owner_in_once_and_opening_it_uses_nothing_up(
    console: Console,
) -> None:
    token = await console.link_token(LI)
    for _ in range(2):  # link previews and scanners open links: that must not sign in or use it
        page = await console.client.get(f"/signin/{token}")
        assert page.status == 200 and "ld_session" not in page.cookies
    status, _ = await console.redeem(token)
    assert status == 303
    queue = await console.client.get("/queue")
    assert queue.status == 200 and "李律师" in await queue.text()
    console.client.session.cookie_jar.clear()
    status, text = await console.redeem(token)
    assert status == 403 and "已经用过" in text
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302


async def test_an_expired_link_is_refused(console: Console) -> None:
    token = await console.link_token(LI)
    console.clock.advance(minutes=11)
    status, text = await console.redeem(token)
    assert status == 403 and "已过期" in text
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302


async def test_a_made_up_link_is_refused(console: Console) -> None:
    status, _ = await console.redeem("A" * 43)
    assert status == 403
    assert EventKind.CONSOLE_SIGN_IN_FAILED in await _kinds(console)


async def test_a_post_with_a_missing_or_forged_csrf_token_is_403_and_changes_nothing(
    console: Console,
) -> None:
    case_id = await open_case(console.services)
    await console.sign_in(LI)
    for data in ({}, {"csrf": "forged"}, {"csrf": ""}):
        response = await console.client.post(f"/cases/{case_id}/claim", data=data)
        assert response.status == 403
    assert await _case_status(console, case_id) == "open"
    status, _ = await console.post(f"/cases/{case_id}/claim")
    assert status == 200
    assert await _case_status(console, case_id) == "claimed"


async def test_the_sign_in_form_needs_its_csrf_token_too(console: Console) -> None:
    await console.services.console.set_password("李律师", "correct horse battery")
    response = await console.client.post(
        "/signin", data={"name": "李律师", "password": "correct horse battery"}
    )
    assert response.status == 403
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302


async def _password(console: Console, name: str, password: str) -> tuple[int, str]:
    csrf = await console.csrf("/signin")
    response = await console.client.post(
        "/signin",
        data={"csrf": csrf, "name": name, "password": password, "next": "/duty"},
        allow_redirects=False,
    )
    return response.status, await response.text()


async def test_password_sign_in_and_its_cookie_flags(console: Console) -> None:
    await console.services.console.set_password("李律师", "correct horse battery")
    status, text = await _password(console, "李律师", "wrong horse battery")
    assert status == 403 and "姓名或密码不对" in text
    csrf = await console.csrf("/signin")
    response = await console.client.post(
        "/signin",
        data={"csrf": csrf, "name": "李律师", "password": "correct horse battery", "next": "/duty"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/duty"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert (await console.client.get("/duty")).status == 200


async def test_cookies_are_secure_unless_configured_otherwise(console: Console) -> None:
    services = console.services
    services.settings = replace(
        services.settings, web=replace(services.settings.web, secure_cookies=True)
    )
    response = await console.client.get("/signin")
    assert "Secure" in response.headers["Set-Cookie"]


async def test_a_sign_in_may_only_send_back_to_this_site(console: Console) -> None:
    await console.services.console.set_password("李律师", "correct horse battery")
    csrf = await console.csrf("/signin")
    response = await console.client.post(
        "/signin",
        data={
            "csrf": csrf,
            "name": "李律师",
            "password": "correct horse battery",
            "next": "//evil.example/x",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/"


async def test_wrong_passwords_are_rate_limited_per_name(console: Console) -> None:
    await console.services.console.set_password("李律师", "correct horse battery")
    for _ in range(5):
        status, _ = await _password(console, "李律师", "guess guess guess")
        assert status == 403
    status, text = await _password(console, "李律师", "correct horse battery")
    assert status == 429 and "15 分钟" in text
    console.clock.advance(minutes=16)
    status, _ = await _password(console, "李律师", "correct horse battery")
    assert status == 303


async def test_failed_sign_ins_are_rate_limited_per_address(console: Console) -> None:
    for i in range(20):
        status, _ = await _password(console, f"某人{i}", "guess guess guess")
        assert status == 403
    token = await console.link_token(LI)
    status, _ = await console.redeem(token)  # even a good link, from this address, for now
    assert status == 429


async def test_office_staff_cannot_claim_answer_or_close(console: Console) -> None:
    case_id = await open_case(console.services)
    await console.sign_in(OFFICE)
    page = await console.client.get(f"/cases/{case_id}")
    assert page.status == 200 and 'id="claim"' not in await page.text()
    for action in ("claim", "answer", "close"):
        status, text = await console.post(f"/cases/{case_id}/{action}", {"text": "我来答"})
        assert status == 403 and "角色" in text
    assert await _case_status(console, case_id) == "open"
    assert console.sent.to(GRANNY.chat_id)[-1].text.find("我来答") == -1


async def test_advisers_cannot_open_the_office_page(console: Console) -> None:
    await console.sign_in(LI)
    assert (await console.client.get("/misses")).status == 403
    assert EventKind.REFUSED in await _kinds(console)  # logged, as in Telegram
    console.client.session.cookie_jar.clear()
    await console.sign_in(OFFICE)
    assert (await console.client.get("/misses")).status == 200


async def test_someone_removed_from_the_roster_is_signed_out(console: Console) -> None:
    await console.sign_in(LI)
    services = console.services
    kept = tuple(m for m in services.settings.staff if m.telegram_id != LI)
    services.console._roster = replace(services.settings, staff=kept).roster
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302


async def test_sessions_expire_and_sign_out_ends_them(console: Console) -> None:
    await console.sign_in(LI)
    console.clock.advance(hours=13)
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302
    await console.sign_in(LI)
    stolen = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/"))
    status, _ = await console.post("/signout")
    assert status == 200  # followed to the sign-in page
    console.client.session.cookie_jar.update_cookies(stolen)  # the old cookie, replayed
    assert (await console.client.get("/queue", allow_redirects=False)).status == 302
    kinds = await _kinds(console)
    assert kinds.count(EventKind.CONSOLE_SIGN_IN) == 2
    assert kinds.count(EventKind.CONSOLE_SIGN_OUT) == 1
    assert kinds.count(EventKind.CONSOLE_LINK) == 2


async def test_resident_text_is_shown_escaped(console: Console) -> None:
    await console.services.desk.ask(GRANNY, "<script>alert(1)</script>俺家娃退役安置费一直没发咋办")
    async with console.services.sessions() as session:
        case_id = await session.scalar(select(CaseRow.id))
    assert case_id is not None
    await console.sign_in(LI)
    for path in ("/queue", f"/cases/{case_id}", "/queue/rows"):
        text = await (await console.client.get(path)).text()
        assert "<script>alert" not in text and "&lt;script&gt;alert(1)" in text


async def test_pages_forbid_framing_and_inline_scripts(console: Console) -> None:
    response = await console.client.get("/signin")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def _outbox_texts(console: Console, chat_id: int) -> list[str]:
    async with console.services.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxRow.text).where(OutboxRow.chat_id == chat_id).order_by(OutboxRow.id)
            )
        )


async def test_no_usable_link_stays_in_the_database(console: Console) -> None:
    first = await console.link_token(LI)
    second = await console.link_token(LI)  # asking again hides the first message's link
    texts = await _outbox_texts(console, LI)
    assert not any(first in t for t in texts) and sum(second in t for t in texts) == 1
    async with console.services.sessions() as session:
        stored = list(await session.scalars(select(ConsoleLinkRow.token_hash)))
    assert stored and not any(second in h or first in h for h in stored)
    status, _ = await console.redeem(second)
    assert status == 303
    assert not any(second in t for t in await _outbox_texts(console, LI))
