"""Staff named by Telegram id, WeChat openid or both: the roster file's checks, the one staff id
each member keeps, where they are reached, and the staff commands as typed on any channel."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.core.errors import InvalidRequest
from bot.core.messages import WECHAT, Address
from bot.core.roster import Role, wechat_staff_id
from bot.core.staff_commands import case_number, parse_command

OPENID = "oAbC123-xyz_456789012345678"
OTHER = "oZyX987-abc_654321098765432"


def settings_of(tmp_path: Path, advisers: str) -> Settings:
    (tmp_path / "legaldesk.yaml").write_text(
        "advisers:\n" + textwrap.indent(textwrap.dedent(advisers), "  "), encoding="utf-8"
    )
    return load_settings(None, {}, cwd=tmp_path)


def error_of(tmp_path: Path, advisers: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_of(tmp_path, advisers)
    return str(caught.value)


def test_members_by_telegram_wechat_or_both_keep_one_stable_id(tmp_path: Path) -> None:
    roster = settings_of(
        tmp_path,
        f"""\
        - {{telegram_id: 7, name: 王律师}}
        - {{wechat_openid: {OPENID}, name: 李律师}}
        - {{telegram_id: 9, wechat_openid: {OTHER}, name: 司法所, role: office}}
        """,
    ).roster
    wang, li, office = roster.members
    assert (wang.id, wang.addresses) == (7, (7,))
    assert li.telegram_id is None and li.addresses == (Address(WECHAT, OPENID),)
    assert li.id == wechat_staff_id(OPENID) < 0  # never a Telegram user id
    assert settings_of(tmp_path, f"- {{wechat_openid: {OPENID}, name: 李}}\n").staff[0].id == li.id
    assert office.id == 9 and office.addresses == (9, Address(WECHAT, OTHER))
    assert office.role is Role.OFFICE
    assert roster.member_at(Address(WECHAT, OTHER)) is office
    assert roster.member_at(Address(WECHAT, "o-resident-not-on-roster")) is None
    assert roster.member(li.id) is li
    assert roster.addresses(li.id) == (Address(WECHAT, OPENID),)
    assert roster.addresses(12345) == (12345,)  # someone who left: their Telegram chat as before
    assert roster.addresses(-12345) == ()


@pytest.mark.parametrize(
    ("advisers", "message"),
    [
        (
            "- {name: 王律师}\n",
            "advisers[0].telegram_id: missing (give telegram_id, wechat_openid or both)",
        ),
        ("- {wechat_openid: 12, name: x}\n", "advisers[0].wechat_openid: must be a non-empty text"),
        ("- {wechat_openid: '', name: x}\n", "advisers[0].wechat_openid: must be a non-empty text"),
        (
            "- {wechat_openid: 'o 1 2 3 4 5', name: x}\n",
            "advisers[0].wechat_openid: 'o 1 2 3 4 5' is not a WeChat openid",
        ),
        ("- {wechat_id: abc, name: x}\n", "advisers[0].wechat_id: unknown key; did you mean"),
        (
            f"- {{wechat_openid: {OPENID}, name: 王律师}}\n"
            f"- {{telegram_id: 3, wechat_openid: {OPENID}, name: 李律师}}\n",
            f"advisers[1].wechat_openid: '{OPENID}' is already used by advisers[0] (王律师)",
        ),
        (
            "- {telegram_id: 7, name: 王律师}\n"
            f"- {{telegram_id: 7, wechat_openid: {OPENID}, name: 李律师}}\n",
            "advisers[1].telegram_id: 7 is already used by advisers[0] (王律师)",
        ),
    ],
)
def test_each_roster_error_names_the_entry_and_key(
    tmp_path: Path, advisers: str, message: str
) -> None:
    assert message in error_of(tmp_path, advisers)


@pytest.mark.parametrize(
    ("text", "name", "args", "rest"),
    [
        ("/claim 17", "claim", ("17",), ""),
        (
            "  /answer 17 先拍照留证\n再找村委会调解 ",
            "answer",
            ("17", "先拍照留证", "再找村委会调解"),
            "先拍照留证\n再找村委会调解",
        ),
        ("/answer@legaldesk_bot #3 好的", "answer", ("#3", "好的"), "好的"),
        ("/QUEUE", "queue", (), ""),
        ("认领 5", "claim", ("5",), ""),
        ("值班 开", "duty", ("开",), ""),
        ("/console", "console", (), ""),
    ],
)
def test_commands_parse_the_same_on_every_channel(
    text: str, name: str, args: tuple[str, ...], rest: str
) -> None:
    command = parse_command(text)
    assert command is not None
    assert (command.name, command.args, command.rest) == (name, args, rest)


@pytest.mark.parametrize("text", ["", "   ", "你好，在吗", "认领了吗"])
def test_plain_text_is_no_command(text: str) -> None:
    assert parse_command(text) is None


def test_case_numbers_are_ascii_digits_of_sensible_length() -> None:
    assert case_number(["#17"], "usage") == 17
    for bad in (["²"], ["abc"], ["1" * 13], [], None):
        with pytest.raises(InvalidRequest, match="usage"):
            case_number(bad, "usage")


def test_the_examples_wechat_members_load(tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[2] / "legaldesk.example.yaml").read_text("utf-8")
    uncommented = example.replace("  # - wechat_openid:", "  - wechat_openid:").replace(
        "  #   ", "    "
    )
    (tmp_path / "legaldesk.yaml").write_text(uncommented, encoding="utf-8")
    *_, office, zhao = load_settings(None, {}, cwd=tmp_path).roster.members
    assert office.id == office.telegram_id and len(office.addresses) == 2
    assert zhao.name == "赵律师" and zhao.addresses == (Address(WECHAT, zhao.wechat_openid),)
