"""SQLAlchemy 2 models. The schema itself comes only from the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class ResidentRow(Base):
    __tablename__ = "residents"
    # A broadcast goes to chats; its deliveries are logged against the resident of the chat.
    __table_args__ = (
        Index("ix_residents_chat_id", "chat_id"),
        Index("ix_residents_channel_external", "channel", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Telegram: the numeric ids below; other channels: ``external_id`` (a WeChat openid).
    channel: Mapped[str] = mapped_column(String(16), server_default=sql_text("'telegram'"))
    external_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]
    last_off_duty_notice: Mapped[date | None] = mapped_column(Date)


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        # Covers every report aggregate: index-only range scans per kind (kind, at, ...).
        Index(
            "ix_interactions_report",
            "kind",
            "at",
            "detail",
            "category",
            "faq_id",
            "resident_id",
            "case_id",
            "actor_name",
        ),
        # A resident's recent messages of some kinds (flood control, on every message).
        Index("ix_interactions_resident_kind_at", "resident_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    faq_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str | None] = mapped_column(String(256))
    detail: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_opened", "status", "opened_at"),
        # Reports: cases answered in a period, open at its end (covering: no table lookups).
        Index("ix_cases_answered_at", "answered_at", "opened_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    opened_at: Mapped[datetime]
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by_name: Mapped[str | None] = mapped_column(String(256))
    claimed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    undeliverable: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseMessageRow(Base):
    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(256))
    file_channel: Mapped[str | None] = mapped_column(String(16))  # whose id file_id is
    file_name: Mapped[str | None] = mapped_column(String(256))


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_chat_message", "chat_id", "message_id"),
        Index("ix_outbox_broadcast", "broadcast_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Telegram: ``chat_id``; other channels: ``recipient`` (a WeChat openid).
    channel: Mapped[str] = mapped_column(String(16), server_default=sql_text("'telegram'"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    recipient: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    media_filename: Mapped[str | None] = mapped_column(String(256))
    media_content: Mapped[bytes | None] = mapped_column(LargeBinary)  # an upload; cleared once sent
    media_channel: Mapped[str | None] = mapped_column(String(16))  # whose id media_file_id is
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(512))
    # Set on a broadcast's messages: sent by the paced broadcast pump, never by the courier.
    broadcast_id: Mapped[int | None] = mapped_column(BigInteger)


class DutyOverrideRow(Base):
    __tablename__ = "duty_overrides"

    staff_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    on_duty: Mapped[bool] = mapped_column(Boolean)
    until: Mapped[datetime]


class InboxRow(Base):
    """A Telegram update as fetched, stored before the getUpdates offset moves past it."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_processed_failed", "processed_at", "failed_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # ordering key: chat, else user
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(512))


class SubscriptionRow(Base):
    """A resident's consent to the monthly theme messages: from ``started_at`` until
    ``ended_at`` (None while it lasts). Rows are kept, so past periods can be counted."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_resident_ended", "resident_id", "ended_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class BroadcastRow(Base):
    """One theme queued for its subscribers (one outbox message each); a theme is queued once."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    theme: Mapped[str] = mapped_column(String(16), unique=True)  # the theme's month, YYYY-MM
    title: Mapped[str] = mapped_column(String(128))
    queued_at: Mapped[datetime] = mapped_column(index=True)
    recipients: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))  # "command" | "schedule"


class ConsoleLinkRow(Base):
    """A one-time sign-in link for the web console: only its SHA-256 is stored."""

    __tablename__ = "console_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleSessionRow(Base):
    """A signed-in browser: the cookie's SHA-256, its CSRF token, when it expires or ended."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(BigInteger, index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class StaffPasswordRow(Base):
    """A staff member's console password (argon2 hash), set by ``legaldesk staff set-password``."""

    __tablename__ = "staff_passwords"

    staff_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    password_hash: Mapped[str] = mapped_column(String(256))
    set_at: Mapped[datetime]


class ChannelInboxRow(Base):
    """An inbound callback of a push channel (WeChat), stored under its dedupe key before it is
    acknowledged: a retried callback finds its key taken and is not processed again."""

    __tablename__ = "channel_inbox"
    __table_args__ = (Index("ix_channel_inbox_processed_failed", "processed_at", "failed_at"),)

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(512))


class AccessTokenRow(Base):
    """An API access token shared by every process until ``expires_at``."""

    __tablename__ = "access_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime]
