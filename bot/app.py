"""The one place where legaldesk is put together: settings → engine → knowledge base → services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.courier import Courier
from bot.core.desk import DeskPolicy, ResidentDesk
from bot.core.faq import KnowledgeBase
from bot.core.files import CaseFiles, FileSource, FileSources
from bot.core.handoff import Handoff
from bot.core.instance import Instance
from bot.core.law import LawLibrary
from bot.core.matching.matcher import Matcher, Thresholds
from bot.core.messages import TELEGRAM, WECHAT
from bot.core.outreach.broadcasts import BroadcastDesk
from bot.core.outreach.pump import BroadcastPump
from bot.core.outreach.subscriptions import SubscriptionDesk
from bot.core.outreach.themes import Themes
from bot.core.ports import Clock, Transport, Transports
from bot.core.privacy import PrivacyDesk
from bot.core.reminders import ReminderPolicy, Reminders
from bot.core.reports import ReportService
from bot.core.scams import ScamChecker
from bot.core.signin import ConsoleAccess
from bot.core.staff import StaffDesk
from bot.resources import shipped_faq_dir
from bot.storage.cluster import PostgresLocks
from bot.storage.console import SqlConsoleUnitOfWorkFactory
from bot.storage.faq_yaml import LEXICON_FILE, load_knowledge_base
from bot.storage.law_files import load_law_library
from bot.storage.lexicon_yaml import load_lexicon
from bot.storage.passwords import Argon2Hasher
from bot.storage.privacy import SqlPrivacyUnitOfWorkFactory
from bot.storage.queries import report_queries
from bot.storage.repositories.outbox import OUTBOX_LEASE
from bot.storage.scams_yaml import PATTERNS_FILE, load_scam_rules
from bot.storage.themes_yaml import load_themes
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine, create_sessionmaker, warm_pool


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything read from files at start-up: FAQ, matcher index, law texts, monthly themes."""

    kb: KnowledgeBase
    matcher: Matcher
    laws: LawLibrary
    themes: Themes = field(default_factory=Themes)
    scams: ScamChecker | None = None  # None: the FAQ folder has no scams/patterns.yaml


def load_knowledge(settings: Settings) -> Knowledge:
    """Load and index the knowledge base and the scam patterns; raises FaqError naming file and
    line on bad content."""
    faq_dir = Path(settings.faq_dir) if settings.faq_dir else shipped_faq_dir()
    kb = load_knowledge_base(faq_dir)
    lexicon = load_lexicon(faq_dir / LEXICON_FILE)
    m = settings.matcher
    thresholds = Thresholds(m.answer_threshold, m.clarify_threshold, m.clarify_margin)
    themes = load_themes(faq_dir, {e.id for e in kb}, settings.timezone)
    scams = None
    if (patterns := faq_dir / PATTERNS_FILE).exists():
        scams = ScamChecker(load_scam_rules(patterns, known_entries={e.id for e in kb}))
    matcher = Matcher(kb, lexicon, thresholds)
    return Knowledge(kb, matcher, load_law_library(), themes, scams)


@dataclass
class Services:
    """The wired application, handed to every adapter."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: Knowledge
    clock: Clock
    uow: SqlUnitOfWorkFactory
    desk: ResidentDesk
    staff: StaffDesk
    reminders: Reminders
    reports: ReportService
    privacy: PrivacyDesk
    subscriptions: SubscriptionDesk
    broadcasts: BroadcastDesk
    console: ConsoleAccess
    _transports: Transports = field(default_factory=Transports, repr=False)
    _courier: Courier | None = field(default=None, repr=False)
    _pump: BroadcastPump | None = field(default=None, repr=False)
    file_sources: FileSources = field(default_factory=FileSources, repr=False)
    reader: AsyncEngine | None = field(default=None, repr=False)  # the reports' own engine
    instance: Instance = field(default_factory=Instance)  # among the database's instances

    def attach_transport(self, transport: Transport, channel: str = TELEGRAM) -> None:
        """Connect a channel's messenger (Telegram or the terminal; WeChat) to the outbox.

        Each message goes to its channel's transport; one for a channel this process does not
        run (a Telegram adviser's notice on a WeChat-only desk) waits in the outbox, retried.
        There is one courier and one broadcast pump whatever is attached, and when: a channel
        that starts later (Telegram after WeChat has begun answering) joins the courier that is
        already sending, which therefore never sends a message twice."""
        self._transports.attach(channel, transport)
        if self._courier is None:
            # A held WeChat answer is announced by template message when one is configured.
            held_notice = (WECHAT,) if self.settings.wechat.answer_template_id else ()
            roster = self.settings.roster
            self._courier = Courier(self.uow, self.clock, self._transports, roster, held_notice)
            self._pump = BroadcastPump(self.uow, self.clock, self._transports)

    def transport(self, channel: str = TELEGRAM) -> Transport:
        """The transport attached for ``channel`` (KeyError if none is)."""
        return self._transports[channel]

    def attach_files(self, source: FileSource, channel: str = TELEGRAM) -> None:
        """Connect a channel's file API, through which the console shows residents' files and
        other channels fetch a file they cannot send by its id."""
        self.file_sources.attach(channel, source)

    @property
    def files(self) -> CaseFiles:
        """Case files for the console, each fetched through its own channel's file API."""
        return CaseFiles(self.staff, self.file_sources)

    @property
    def courier(self) -> Courier:
        if self._courier is None:
            raise RuntimeError("no transport attached")
        return self._courier

    @property
    def pump(self) -> BroadcastPump:
        """Delivers the broadcasts' messages, paced (bot.core.outreach.pump)."""
        if self._pump is None:
            raise RuntimeError("no transport attached")
        return self._pump

    async def warm_up(self, connections: int) -> None:
        """Open the database connections that concurrent updates will use (PostgreSQL)."""
        await warm_pool(self.engine, connections)

    async def close(self) -> None:
        await self.instance.locks.close()
        if self.reader is not None and self.reader is not self.engine:
            await self.reader.dispose()
        await self.engine.dispose()


def build_services(
    settings: Settings, knowledge: Knowledge | None = None, clock: Clock | None = None
) -> Services:
    knowledge = knowledge or load_knowledge(settings)
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    instance = Instance()
    if engine.dialect.name != "sqlite":  # other instances may share the database
        instance.locks = PostgresLocks(settings.database_url)
        engine = engine.execution_options(**{OUTBOX_LEASE: settings.cluster.outbox_lease_seconds})
    sessions = create_sessionmaker(engine)
    uow = SqlUnitOfWorkFactory(engine)
    roster = settings.roster
    base_url = settings.web.base_url
    handoff = Handoff(clock, roster, lambda n: f"{base_url}/cases/{n}" if base_url else None)
    desk = ResidentDesk(
        uow,
        clock,
        knowledge.kb,
        knowledge.matcher,
        knowledge.laws,
        handoff,
        DeskPolicy(
            flood_per_minute=settings.desk.flood_messages_per_minute,
            retention_months=settings.desk.retention_months,
        ),
        knowledge.scams,
    )
    staff = StaffDesk(uow, clock, roster)
    reminders = Reminders(
        uow,
        clock,
        roster,
        ReminderPolicy(
            unclaimed_after=timedelta(minutes=settings.desk.unclaimed_reminder_minutes),
            unanswered_after=timedelta(hours=settings.desk.unanswered_reminder_hours),
        ),
    )
    # Reports only read (write=False): on SQLite a month's scan is a snapshot that neither waits
    # for nor holds up the residents' writes.
    reader = engine
    reports = build_reports(
        settings, SqlUnitOfWorkFactory(reader, write=False), knowledge.kb, clock
    )
    privacy = PrivacyDesk(
        SqlPrivacyUnitOfWorkFactory(engine), clock, settings.desk.retention_months, roster
    )
    return Services(
        settings,
        engine,
        sessions,
        knowledge,
        clock,
        uow,
        desk,
        staff,
        reminders,
        reports,
        privacy,
        SubscriptionDesk(uow, clock, knowledge.kb, knowledge.themes),
        BroadcastDesk(uow, clock, knowledge.themes),
        ConsoleAccess(
            SqlConsoleUnitOfWorkFactory(engine),
            clock,
            roster,
            staff,
            Argon2Hasher(),
            base_url,
            reads=SqlConsoleUnitOfWorkFactory(engine, write=False),
        ),
        reader=reader,
        instance=instance,
    )


def build_reports(
    settings: Settings, uow: SqlUnitOfWorkFactory, kb: KnowledgeBase, clock: Clock
) -> ReportService:
    """The report use case (the CLI builds it alone: a report needs no matcher)."""
    return ReportService(
        uow, report_queries, clock, kb, settings.timezone, scam_pattern_names(settings)
    )


def scam_pattern_names(settings: Settings) -> tuple[tuple[str, str], ...]:
    """(id, name) of the scam patterns, for the reports (none without a patterns file)."""
    faq_dir = Path(settings.faq_dir) if settings.faq_dir else shipped_faq_dir()
    if not (path := faq_dir / PATTERNS_FILE).exists():
        return ()
    return tuple((p.id, p.name) for p in load_scam_rules(path).patterns)
