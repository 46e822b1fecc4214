"""Hostile and broken input for the real bot: data only (driven by test_hostile_input.py).

Each entry is ``(id, value)``; ids name the input class so a failure says what broke. Texts go
to the bot exactly as written (the fake Bot API adds a bot_command entity to a leading /command,
as Telegram does); raw updates are injected verbatim, with lone surrogates escaped as ``\\ud800``
in the JSON on the wire.
"""

from __future__ import annotations

from typing import Any

TELEGRAM_TEXT_LIMIT = 4096

# -------------------------------------------------------------------- private texts

LONG_TEXTS: list[tuple[str, str]] = [
    ("long-chinese-4096", ("我家承包地被邻居占了，村里调解三次都没用。" * 200)[:4096]),
    ("long-lt-4096", "<" * TELEGRAM_TEXT_LIMIT),
    ("long-amp-4096", "&" * TELEGRAM_TEXT_LIMIT),
    ("long-tags-4096", ("<b>加粗</b>" * 500)[:TELEGRAM_TEXT_LIMIT]),
    ("long-one-word-4096", "a" * TELEGRAM_TEXT_LIMIT),
    ("long-emoji-2048", "😭" * (TELEGRAM_TEXT_LIMIT // 2)),  # 4,096 UTF-16 units
    ("long-newlines", "离婚\n" * 1300),
    ("long-entities-mix", ("&lt;&amp;<>\"'" * 400)[:TELEGRAM_TEXT_LIMIT]),
]

BLANK_TEXTS: list[tuple[str, str]] = [
    ("empty", ""),
    ("space", " "),
    ("whitespace-mix", " \t\n\r "),
    ("ideographic-space", "\u3000\u3000"),
    ("nbsp", "\u00a0"),
]

EMOJI_TEXTS: list[tuple[str, str]] = [
    ("emoji-one", "🙏"),
    ("emoji-row", "😭😭😭"),
    ("emoji-zwj-family", "👨\u200d👩\u200d👧\u200d👦"),
    ("emoji-flag-skin", "🇨🇳👍🏽"),
    ("emoji-keycap", "1\ufe0f\u20e3"),
]

CONTROL_TEXTS: list[tuple[str, str]] = [
    ("nul", "离婚\x00财产怎么分"),
    ("nul-only", "\x00"),
    ("bell-escape", "\x07\x1b[31m红色\x1b[0m"),
    ("c1-next-line", "赡养费\u0085不给"),
    ("line-separator", "工资\u2028拖欠\u2029怎么办"),
    ("backspaces", "工资" + "\b" * 10),
    ("del-char", "\x7f\x7f"),
]

INVISIBLE_TEXTS: list[tuple[str, str]] = [
    ("zero-width-space", "离\u200b婚\u200b"),
    ("zero-width-joiner-only", "\u200d\u200d"),
    ("bom", "\ufeff老板不给工资"),
    ("word-joiner", "工\u2060资"),
    ("soft-hyphen", "\u00ad"),
    ("variation-selectors", "\ufe0f\ufe0e"),
]

RTL_TEXTS: list[tuple[str, str]] = [
    ("rlo", "\u202e资工给不板老"),
    ("rlo-only", "\u202e\u202d\u202c"),
    ("arabic", "مرحبا، أحتاج مساعدة قانونية"),
    ("hebrew", "שלום עזרה משפטית"),
    ("bidi-isolates", "\u2067abc\u2069 离婚"),
]

MARKUP_TEXTS: list[tuple[str, str]] = [
    ("html-bold", "<b>离婚</b>"),
    ("html-unclosed", "<b>我要离婚"),
    ("html-close-only", "</b></i></code>"),
    ("html-script", "<script>alert('x')</script>"),
    ("html-link", '<a href="javascript:alert(1)">点我</a>'),
    ("html-entity", "&amp; &lt; &#0; &#x110000; &nbsp;"),
    ("html-bare-amp-lt", "a < b && c > d"),
    ("html-comment", "<!-- 注释 -->"),
    ("html-spoiler", "<tg-spoiler>秘密</tg-spoiler>"),
    ("html-pre-code", '<pre><code class="language-python">x</code></pre>'),
    ("md-bold", "*离婚* _财产_ __怎么__ ~分~"),
    ("md-code", "`code` ```\nblock\n```"),
    ("md-link", "[点这里](http://example.com) ![img](x)"),
    ("md-spoiler", "||秘密|| \\ \\* \\_"),
]

INJECTION_TEXTS: list[tuple[str, str]] = [
    ("sql-drop", "'; DROP TABLE residents; --"),
    ("sql-or", '" OR 1=1 --'),
    ("sql-like", "%_%\\%"),
    ("sql-union", "1 UNION SELECT user_id, display_name FROM residents"),
    ("sql-sleep", "1; SELECT pg_sleep(5);"),
    ("format-strings", "%s %d %(name)s {0} {name} {{7*7}} ${jndi:ldap://x}"),
    ("path", "../../etc/passwd"),
    ("nullish", "None null undefined NaN"),
    ("huge-number", "9" * 40),
    ("law-huge-article", "民法典第99999999999999999999999条"),
]

COMMAND_TEXTS: list[tuple[str, str]] = [
    ("law-no-args", "/law"),
    ("law-garbage", "/law <b>x</b> & 1"),
    ("law-long-query", "/law " + "&" * 3000),
    ("law-negative", "/law 民法典 -1"),
    ("law-huge", "/law 民法典 99999999999999999999"),
    ("start-args", "/start <b>x</b> extra"),
    ("start-other-bot", "/start@other_bot"),
    ("help-args", "/help me please"),
    ("topics-args", "/topics 1 2 3"),
    ("privacy-args", "/privacy now"),
    ("forgetme-args", "/forgetme please"),
    ("claim-by-resident", "/claim 1"),
    ("claim-letters", "/claim abc"),
    ("claim-superscript", "/claim ²"),
    ("claim-huge", "/claim 99999999999999999999"),
    ("answer-no-args", "/answer"),
    ("answer-by-resident", "/answer 1 你好"),
    ("case-negative", "/case -1"),
    ("close-huge", "/close 99999999999999999999"),
    ("duty-sideways", "/duty sideways"),
    ("queue-args", "/queue <b>"),
]

UNKNOWN_COMMANDS: list[tuple[str, str]] = [
    ("unknown-command", "/foo"),
    ("unknown-command-args", "/delete_all residents"),
    ("uppercase-command", "/START"),
    ("slash-only", "/"),
    ("slash-chinese", "/离婚"),
    ("slash-space", "/ 工资"),
]

PRIVATE_TEXTS: list[tuple[str, str]] = [
    *LONG_TEXTS,
    *BLANK_TEXTS,
    *EMOJI_TEXTS,
    *CONTROL_TEXTS,
    *INVISIBLE_TEXTS,
    *RTL_TEXTS,
    *MARKUP_TEXTS,
    *INJECTION_TEXTS,
    *COMMAND_TEXTS,
    *UNKNOWN_COMMANDS,
]

# Advisers mistype too; their commands must fail politely, never with a traceback.
STAFF_TEXTS: list[tuple[str, str]] = [
    ("staff-claim-superscript", "/claim ²"),
    ("staff-claim-huge", "/claim 99999999999999999999"),
    ("staff-case-huge", "/case 99999999999999999999"),
    ("staff-close-arabic-digits", "/close ٣"),
    ("staff-answer-huge", "/answer 99999999999999999999 您好"),
    ("staff-answer-no-text", "/answer 1"),
    ("staff-duty-garbage", "/duty <b>"),
    ("staff-plain-html", "<b>not a reply</b>"),
]

# -------------------------------------------------------------------- names

NAMES: list[tuple[str, str, str | None]] = [
    ("name-html", "<b>王</b>&大妈", "</i>"),
    ("name-long-64", "王" * 64, "李" * 64),
    ("name-very-long", "<&>" * 3000, None),  # beyond Telegram's limits, as a forged update
    ("name-rtl", "\u202e妈大王", None),
    ("name-zero-width", "\u200b", "\u200d"),
    ("name-emoji", "👵🏻🌸", None),
    ("name-control", "王\x00\x07", None),
    ("name-markdown", "*王* _大妈_ [x](y)", None),
]

# -------------------------------------------------------------------- callback data

FORGED_CALLBACKS: list[tuple[str, str]] = [
    ("cb-empty-kind", ":"),
    ("cb-unknown", "delete:all"),
    ("cb-cat-negative", "cat:-1"),
    ("cb-cat-huge", "cat:99999999999999999999"),
    ("cb-cat-superscript", "cat:²"),
    ("cb-cat-fullwidth", "cat:１"),
    ("cb-faq-unknown", "faq:../../etc/passwd"),
    ("cb-feedback-unknown", "fb:no-such-entry"),
    ("cb-pick-other-resident", "pick:1:marriage-age"),
    ("cb-pick-huge", "pick:99999999999999999999:marriage-age"),
    ("cb-pick-superscript", "pick:²:marriage-age"),
    ("cb-esc-huge", "esc:99999999999999999999"),
    ("cb-esc-superscript", "esc:³"),
    ("cb-esc-browse-unknown", "esc:b:no-such-entry"),
    ("cb-claim-by-resident", "claim:1"),
    ("cb-claim-arabic-digits", "claim:٣"),
    ("cb-forget-unknown", "forget:maybe"),
    ("cb-sql", "faq:'; DROP TABLE cases; --"),
    ("cb-html", "faq:<b>x</b>"),
    ("cb-64-bytes", "x" * 64),
]

# -------------------------------------------------------------------- raw updates

LONE_SURROGATE = "\ud800"


def _chat(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": first_name}


def _user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name}


def raw_message(
    user_id: int, message_id: int, text: str, first_name: str = "王大妈"
) -> dict[str, Any]:
    """A private text message as Telegram sends it (a leading /command gets its entity)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1_790_000_000,
        "text": text,
        "from": _user(user_id, first_name),
        "chat": _chat(user_id, first_name),
    }
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"message": message}


# Private messages answered by the bot: (id, update builder taking (user_id, message_id)).
RAW_PRIVATE: list[tuple[str, Any]] = [
    ("surrogate-text", lambda u, m: raw_message(u, m, f"离婚{LONE_SURROGATE}财产")),
    ("surrogate-only", lambda u, m: raw_message(u, m, LONE_SURROGATE * 3)),
    ("low-surrogate-pair-reversed", lambda u, m: raw_message(u, m, "\udc00\ud800工资")),
    ("surrogate-name", lambda u, m: raw_message(u, m, "/start", f"王{LONE_SURROGATE}")),
    ("surrogate-law", lambda u, m: raw_message(u, m, f"/law 民法典 {LONE_SURROGATE}")),
]

# Updates with no private sender to answer: nothing may crash, nothing is sent.
RAW_SILENT: list[tuple[str, dict[str, Any]]] = [
    (
        "inline-query",
        {"inline_query": {"id": "iq1", "from": _user(424242, "x"), "query": "<b>", "offset": ""}},
    ),
    (
        "my-chat-member",
        {
            "my_chat_member": {
                "chat": _chat(424243, "x"),
                "from": _user(424243, "x"),
                "date": 1_790_000_000,
                "old_chat_member": {"status": "member", "user": _user(123456, "bot")},
                "new_chat_member": {
                    "status": "kicked",
                    "user": _user(123456, "bot"),
                    "until_date": 0,
                },
            }
        },
    ),
    (
        "private-message-without-sender",
        {
            "message": {
                "message_id": 1,
                "date": 1_790_000_000,
                "text": "你好",
                "chat": _chat(424246, "x"),
            }
        },
    ),
]
