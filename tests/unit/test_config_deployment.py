"""The deployment settings: Telegram's mode and webhook, and the cluster timings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings

WEBHOOK = """
web: {listen: "127.0.0.1:8080"}
telegram: {mode: webhook, webhook_url: "https://desk.example.cn/telegram/webhook"}
"""


def load(directory: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    (directory / "legaldesk.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_settings(None, env or {}, cwd=directory)


def test_polling_is_the_default_and_the_cluster_timings_have_defaults(tmp_path: Path) -> None:
    settings = load_settings(None, {}, cwd=tmp_path)
    assert settings.telegram.mode == "polling" and not settings.telegram.webhook
    assert (settings.telegram.set_webhook, settings.telegram.delete_webhook) == (True, False)
    assert settings.cluster.outbox_lease_seconds == 30
    assert settings.cluster.sweep_seconds == 1


def test_webhook_mode_takes_its_secret_from_the_environment_only(tmp_path: Path) -> None:
    settings = load(tmp_path, WEBHOOK, {"TELEGRAM_WEBHOOK_SECRET": "s3cret_-token"})
    assert settings.telegram.webhook
    assert settings.telegram.webhook_url == "https://desk.example.cn/telegram/webhook"
    secret = settings.telegram.webhook_secret
    assert secret is not None and secret.get_secret_value() == "s3cret_-token"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("telegram: {mode: push}", {}, "telegram.mode: must be polling or webhook"),
        ("telegram: {mode: webhook}", {}, "telegram.webhook_url: needed with mode: webhook"),
        (
            'telegram: {mode: webhook, webhook_url: "https://d.example/telegram/webhook"}',
            {},
            "web.listen: needed with telegram.mode: webhook",
        ),
        ("telegram: {webhook_url: desk}", {}, "telegram.webhook_url: 'desk' must be a URL"),
        ("telegram: {delete_webhook: 1}", {}, "telegram.delete_webhook: must be true or false"),
        ("telegram: {secret: x}", {}, "telegram.secret: unknown key"),
        ("cluster: {outbox_lease_seconds: 0}", {}, "cluster.outbox_lease_seconds: must be"),
        (WEBHOOK, {"TELEGRAM_WEBHOOK_SECRET": "no spaces"}, "TELEGRAM_WEBHOOK_SECRET: 1-256"),
    ],
)
def test_each_problem_names_its_key(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, env)
    assert message in str(caught.value)
    assert "no spaces" not in str(caught.value)  # a secret is never echoed


def test_run_in_webhook_mode_without_the_secret_stops_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "legaldesk.yaml").write_text(WEBHOOK, encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-TOKEN")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    assert main(["--config", str(tmp_path / "legaldesk.yaml"), "run"]) == 2
    assert "set TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err
