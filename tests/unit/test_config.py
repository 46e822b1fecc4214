"""Loading the settings: defaults, file and environment precedence, and one-line error messages."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Secret, load_settings
from bot.core.roster import Role

EXAMPLE = Path(__file__).resolve().parents[2] / "legaldesk.example.yaml"
TOKEN = "123456789:AAH-secret_token_value"


def write(directory: Path, text: str, name: str = "legaldesk.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(directory: Path, text: str, environ: dict[str, str] | None = None) -> str:
    write(directory, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ or {}, cwd=directory)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(None, {}, cwd=tmp_path)
    assert settings.config_path is None
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/data/legaldesk.sqlite3"
    assert settings.faq_dir is None
    assert settings.timezone == ZoneInfo("Asia/Shanghai")
    assert (settings.matcher.answer_threshold, settings.matcher.clarify_threshold) == (34, 24)
    assert settings.matcher.clarify_margin == 6
    assert settings.desk.unclaimed_reminder_minutes == 30
    assert settings.desk.unanswered_reminder_hours == 24
    assert settings.desk.flood_messages_per_minute == 20
    assert settings.desk.retention_months == 24
    assert settings.log_level == "INFO"
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_base_url == "https://api.telegram.org/file/bot"
    assert settings.roster.members == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_file_values_then_environment_overrides(tmp_path: Path) -> None:
    (tmp_path / "conf" / "kb").mkdir(parents=True)
    (tmp_path / "other-kb").mkdir()
    path = write(
        tmp_path / "conf",
        """\
        database_url: sqlite+aiosqlite:///file.sqlite3
        faq_dir: kb
        timezone: Europe/Berlin
        log_level: debug
        matcher: {answer_threshold: 80}
        desk: {unclaimed_reminder_minutes: 0.5}
        """,
    )
    from_file = load_settings(path, {}, cwd=tmp_path)
    assert from_file.config_path == path
    assert from_file.database_url == "sqlite+aiosqlite:///file.sqlite3"
    assert from_file.faq_dir == tmp_path / "conf" / "kb"  # relative to the file
    assert from_file.timezone == ZoneInfo("Europe/Berlin")
    assert from_file.roster.timezone == ZoneInfo("Europe/Berlin")
    assert from_file.log_level == "DEBUG"
    assert (from_file.matcher.answer_threshold, from_file.matcher.clarify_threshold) == (80, 24)
    assert from_file.desk.unclaimed_reminder_minutes == 0.5

    environ = {
        "DATABASE_URL": "postgresql+asyncpg://desk:pw@db/legaldesk",
        "LEGALDESK_FAQ_DIR": "other-kb",
        "LEGALDESK_TIMEZONE": "UTC",
        "LEGALDESK_LOG_LEVEL": "warning",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot/",
    }
    from_env = load_settings(path, environ, cwd=tmp_path)
    assert from_env.database_url == "postgresql+asyncpg://desk:pw@db/legaldesk"
    assert from_env.faq_dir == tmp_path / "other-kb"  # relative to the working directory
    assert from_env.timezone == ZoneInfo("UTC")
    assert from_env.log_level == "WARNING"
    assert from_env.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert from_env.telegram_file_base_url == "http://127.0.0.1:8081/file/bot"
    assert load_settings(path, {"LEGALDESK_TIMEZONE": "  "}, cwd=tmp_path).timezone == ZoneInfo(
        "Europe/Berlin"
    )  # an empty variable counts as unset


def test_which_file_is_read(tmp_path: Path) -> None:
    write(tmp_path, "timezone: Asia/Urumqi\n")
    named = write(tmp_path, "timezone: Europe/Berlin\n", "named.yaml")
    given = write(tmp_path, "timezone: UTC\n", "given.yaml")
    env = {"LEGALDESK_CONFIG": "named.yaml"}
    assert load_settings(None, {}, cwd=tmp_path).timezone == ZoneInfo("Asia/Urumqi")
    assert load_settings(None, env, cwd=tmp_path).config_path == named
    assert load_settings(given, env, cwd=tmp_path).timezone == ZoneInfo("UTC")


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nope\.yaml: config file not found$"):
        load_settings(Path("nope.yaml"), {}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"gone\.yaml: config file not found .*LEGALDESK_CONFIG"):
        load_settings(None, {"LEGALDESK_CONFIG": "gone.yaml"}, cwd=tmp_path)


def test_token_is_a_secret_that_never_prints(tmp_path: Path) -> None:
    settings = load_settings(None, {"TELEGRAM_BOT_TOKEN": f" {TOKEN}\n"}, cwd=tmp_path)
    assert settings.telegram_bot_token == Secret(TOKEN)
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    for shown in (repr(settings), str(settings), f"{settings.telegram_bot_token}"):
        assert "secret_token_value" not in shown
    assert repr(Secret(TOKEN)) == str(Secret(TOKEN)) == "Secret('**********')"


def test_database_password_is_masked_in_repr(tmp_path: Path) -> None:
    settings = load_settings(
        None, {"DATABASE_URL": "postgresql+asyncpg://u:hunter2@db/x"}, cwd=tmp_path
    )
    assert "hunter2" not in repr(settings)
    assert "postgresql+asyncpg://u:***@db/x" in repr(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            """\
            advisers:
              - {telegram_id: 1, name: 王律师, shifts: [mon-fri 10:00-19:30]}
              - {telegram_id: 2, name: 李律师, shifts: [mon-fry 10:00-19:30]}
            """,
            "legaldesk.yaml: advisers[1].shifts[0]: 'mon-fry 10:00-19:30': unknown day 'fry'; "
            "use mon tue wed thu fri sat sun",
        ),
        (
            "matcher: {clarify_threshold: 35}\n",
            "legaldesk.yaml: matcher.clarify_threshold: must be below answer_threshold (34)",
        ),
        ("matcher: {answer_threshold: 120}\n", "matcher.answer_threshold: must be a number from 0"),
        ("matcher: {answer_treshold: 80}\n", "matcher.answer_treshold: unknown key; did you mean"),
        ("matcher: 70\n", "legaldesk.yaml: matcher: must be a mapping of keys"),
        ("desk: {retention_months: 0}\n", "desk.retention_months: must be a whole number above 0"),
        (
            "desk: {flood_messages_per_minute: 2.5}\n",
            "desk.flood_messages_per_minute: must be a whole",
        ),
        (
            "desk: {unanswered_reminder_hours: soon}\n",
            "desk.unanswered_reminder_hours: must be a number",
        ),
        ("timezon: UTC\n", "legaldesk.yaml: timezon: unknown key; did you mean 'timezone'?"),
        (
            "timezone: Asia/Shangai\n",
            "timezone: 'Asia/Shangai' is not an IANA time zone; did you mean",
        ),
        ("log_level: LOUD\n", "legaldesk.yaml: log_level: 'LOUD' is not a log level"),
        ("database_url: data.sqlite3\n", "database_url: 'data.sqlite3' is not a database URL"),
        ("faq_dir: missing\n", "legaldesk.yaml: faq_dir: 'missing' is not a directory"),
        ("telegram_bot_token: x\n", "telegram_bot_token: secrets come from the environment only"),
        ("advisers: {telegram_id: 1}\n", "legaldesk.yaml: advisers: must be a list"),
        ("advisers: [{telegram_id: 1}]\n", "legaldesk.yaml: advisers[0].name: missing"),
        (
            "advisers: [{telegram_id: abc, name: x}]\n",
            "advisers[0].telegram_id: must be a whole number",
        ),
        (
            "advisers: [{telegram_id: 1, name: x, role: boss}]\n",
            "advisers[0].role: must be adviser or",
        ),
        ("advisers: [{telegram_id: 1, name: x, shift: []}]\n", "advisers[0].shift: unknown key"),
        (
            "advisers: [{telegram_id: 1, name: x, shifts: sat 11:00-14:00}]\n",
            "advisers[0].shifts: must be a list",
        ),
        (
            "advisers: [{telegram_id: 7, name: 王律师}, {telegram_id: 7, name: 李律师}]\n",
            "advisers[1].telegram_id: 7 is already used by advisers[0] (王律师)",
        ),
        ("- just\n- a list\n", "legaldesk.yaml: the file must be a mapping of keys, got a list"),
    ],
)
def test_each_error_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in error_of(tmp_path, text)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LEGALDESK_TIMEZONE": "Mars/Base"}, "LEGALDESK_TIMEZONE: 'Mars/Base' is not an IANA"),
        ({"LEGALDESK_LOG_LEVEL": "chatty"}, "LEGALDESK_LOG_LEVEL: 'chatty' is not a log level"),
        ({"LEGALDESK_FAQ_DIR": "nowhere"}, "LEGALDESK_FAQ_DIR: 'nowhere' is not a directory"),
        ({"DATABASE_URL": "db//u:hunter2@x"}, "DATABASE_URL: 'db//u:***@x' is not a database URL"),
        ({"TELEGRAM_API_BASE_URL": "https://api.telegram.org"}, "TELEGRAM_API_BASE_URL: "),
        ({"TELEGRAM_BOT_TOKEN": "'oops secret'"}, "TELEGRAM_BOT_TOKEN: does not look like a bot"),
    ],
)
def test_environment_errors_name_the_variable(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ, cwd=tmp_path)
    assert str(caught.value).startswith(message)
    assert "hunter2" not in str(caught.value) and "oops secret" not in str(caught.value)


def test_bad_yaml_reports_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "timezone: UTC\nmatcher:\n  answer_threshold: [70\n  desk: 1\n")
    assert message.startswith("legaldesk.yaml: line 4, column")
    assert "invalid YAML" in message


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "timezone: UTC\nlog_level: INFO\ntimezone: Asia/Shanghai\n")
    assert message.startswith("legaldesk.yaml: line 3, column 1: invalid YAML: duplicate key")


def test_the_example_file_loads_into_a_working_roster(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE, {}, cwd=tmp_path)
    wang, li, office = settings.roster.members
    assert [m.role for m in (wang, li, office)] == [Role.ADVISER, Role.ADVISER, Role.OFFICE]
    assert [str(s) for s in wang.shifts] == ["mon-fri 10:00-19:30"]
    assert [str(s) for s in li.shifts] == ["sat 11:00-14:00", "sun 11:00-14:00"]
    assert office.shifts == ()
    saturday_noon = datetime(2026, 3, 7, 12, tzinfo=settings.timezone)
    assert settings.roster.on_duty(saturday_noon) == (li,)
    # the values the example spells out are the defaults it documents
    defaults = load_settings(None, {}, cwd=tmp_path)
    assert (settings.matcher, settings.desk) == (defaults.matcher, defaults.desk)
    assert (settings.timezone, settings.log_level) == (defaults.timezone, defaults.log_level)
    assert settings.database_url == defaults.database_url
