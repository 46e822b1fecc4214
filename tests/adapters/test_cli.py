"""The command line through its entry point: help, JSON shapes, clear errors and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.adapters.tg.application import COMMANDS, STAFF_COMMANDS
from bot.cli import _parser, main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _subcommands(parser: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import argparse

    found = []
    for action in parser._actions:  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += _subcommands(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _subcommands(_parser()), ids=" ".join)
def test_every_command_has_help(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: legaldesk" in capsys.readouterr().out


def test_every_bot_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [c.command for c in COMMANDS + STAFF_COMMANDS if f"/{c.command}" not in readme]
    assert missing == []


def test_ask_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "老公喝了酒就打我，家暴怎么办", "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"action", "faq_id", "score", "candidates", "answer"}
    assert data["action"] in {"answer", "clarify"}
    assert data["candidates"][0]["faq_id"] == "domestic-violence"
    assert set(data["candidates"][0]) == {"faq_id", "question", "score"}


def test_ask_hands_off_case_specific_requests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "帮我写一份起诉状，告我儿子不给赡养费", "--json")
    assert code == 0 and json.loads(out)["action"] == "handoff"


def test_faq_list_json_lists_every_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faq", "list", "--json")
    entries = json.loads(out)
    assert code == 0 and len(entries) >= 48
    assert {"id", "category", "question", "alternates"} <= set(entries[0])


def test_faq_check_passes_on_the_shipped_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faq", "check")
    assert code == 0 and out.startswith("ok: ")


def test_faq_check_reports_every_problem_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text(
        "schema: 1\ncategory: 测试\nentries:\n"
        "  - id: Bad_Id\n    category: 测试\n    question: 问\n    alternates: [x]\n"
        "    answer: ''\n    basis: []\n    updated: 2026-01-01\n    colour: red\n"
        "  - id: dup\n    category: 测试\n    question: 问\n    alternates: [x]\n"
        "    answer: 答\n    basis: []\n    updated: 2026-01-01\n"
        "  - id: elsewhere\n    category: 测验\n    question: 问\n    alternates: [x]\n"
        "    answer: 答\n    basis: []\n    updated: 2026-01-01\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "entries:\n  - id: dup\n    category: 测试\n    question: 问\n    alternates: [x]\n"
        "    answer: 答\n    basis: []\n    updated: 2026-01-01\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text("entries: [\n  - id: x\n", encoding="utf-8")
    code, _, err = run(capsys, "faq", "check", str(tmp_path))
    assert code == 1
    assert re.search(r"a\.yaml:4: .*kebab-case", err)
    assert re.search(r"a\.yaml:8: .*'answer' is empty", err)
    assert re.search(r"a\.yaml:11: .*unknown field 'colour'", err)
    assert re.search(r"b\.yaml:2: duplicate id 'dup'", err)
    assert re.search(r"a\.yaml:19: entry 'elsewhere': category '测验' is not the file's", err)
    assert re.search(r"c\.yaml:\d+: YAML syntax", err)


def test_run_without_any_channel_explains_how_to_configure_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("LEGALDESK_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "run")
    assert code == 2
    assert "@BotFather" in err and "TELEGRAM_BOT_TOKEN" in err  # Telegram
    assert "wechat.app_id" in err and "WECHAT_TOKEN" in err  # or WeChat
    assert "legaldesk shell" in err  # meanwhile, the terminal
    assert not (tmp_path / "data").exists()  # nothing was created


def test_invalid_config_is_one_clear_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    code, _, err = run(capsys, "--config", str(config), "faq", "list")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "timezone" in err


def test_run_refuses_a_broken_knowledge_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.yaml").write_text("entries:\n  - id: only-id\n", encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi")
    monkeypatch.setenv("LEGALDESK_FAQ_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "run")
    assert code == 2
    assert "x.yaml:2" in err and "missing field" in err
    assert "ABCDEFGHIJ" not in err


def labelled_file(folder: Path, questions: str) -> Path:
    """A labelled question file (``faq eval``'s format) with these question lines."""
    path = folder / "labelled.yaml"
    path.write_text("schema: 1\nquestions:\n" + questions, encoding="utf-8")
    return path


def test_faq_eval_json_reports_summary_and_every_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = labelled_file(
        tmp_path,
        "  - q: 老公喝了酒就打我，家暴怎么办\n    expect: domestic-violence\n"
        "  - q: 明天团场刮不刮大风\n    expect: none\n",
    )
    code, out, _ = run(capsys, "faq", "eval", str(labelled), "--json")
    data = json.loads(out)
    assert code == 0
    assert [r["q"] for r in data["results"]] == [
        "老公喝了酒就打我，家暴怎么办",
        "明天团场刮不刮大风",
    ]
    assert {"q", "expect", "also", "action", "faq_id", "candidates"} <= set(data["results"][0])
    assert data["results"][1]["action"] != "answer"
    assert data["summary"]["direct"] == 1
    assert data["rates"]["direct_precision"] == 1.0
    code, out, _ = run(capsys, "faq", "eval", str(labelled))
    assert code == 0
    assert "Direct answers (in and out of scope): 1" in out
    assert any("precision" in line and "100.0%" in line for line in out.splitlines())


def test_faq_eval_measures_the_chosen_sections_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = labelled_file(
        tmp_path,
        "  # ======== IN SCOPE: family ========\n"
        "  - q: 老公喝了酒就打我，家暴怎么办\n    expect: domestic-violence\n"
        "  # ======== HELD-OUT batch ========\n"
        "  # (a note, not a header)\n"
        "  - q: 明天团场刮不刮大风\n    expect: none\n"
        "  - q: 借条怎么写\n    expect: lending-iou\n",
    )
    code, out, _ = run(capsys, "faq", "eval", str(labelled), "--section", "held-out", "--json")
    assert code == 0
    assert [r["q"] for r in json.loads(out)["results"]] == ["明天团场刮不刮大风", "借条怎么写"]
    code, out, _ = run(capsys, "faq", "eval", str(labelled), "--skip-section", "HELD", "--json")
    assert [r["q"] for r in json.loads(out)["results"]] == ["老公喝了酒就打我，家暴怎么办"]
    code, _, err = run(capsys, "faq", "eval", str(labelled), "--section", "criminal")
    assert code == 2
    assert "IN SCOPE: family" in err and "HELD-OUT batch" in err


def test_shell_chats_as_a_resident_in_the_terminal(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input="你好\n/law 民法典 1047\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "欢迎使用" in done.stdout  # the /start greeting
    assert "机器人" in done.stdout  # small talk
    assert "二十二周岁" in done.stdout  # the article, as plain text
    assert "<b>" not in done.stdout
