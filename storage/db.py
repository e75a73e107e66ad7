"""Engine, sessions and the unit of work.

SQLite (aiosqlite) follows SQLAlchemy's documented recipe for real transactions: the driver's
own BEGIN handling is switched off (`isolation_level = None`) and a begin listener emits
`BEGIN IMMEDIATE`. A transaction that reads and then writes would otherwise fail at once with
"database is locked" (SQLITE_BUSY_SNAPSHOT) whatever the busy timeout; taking the write lock at
BEGIN makes writers queue on `busy_timeout` instead. Read-only units use a plain deferred BEGIN
so reports never hold the write lock.

A ticket hook (`on_ticket_flush`) sees every ticket a unit of work writes, before it is
written: `domain.sla` uses it to keep the SLA due-at columns in step, so no caller can forget to.
An event hook (`on_new_event`) sees every new ticket event the same way: the automation rules
mark their triggers with it, in the transaction that records them.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, exc, inspect, make_url, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from storage.known_customers import KnownCustomers
from storage.models import Customer, Ticket, TicketEvent
from storage.sqlite_trips import OneTripDBAPI

SQLITE_BUSY_TIMEOUT_SECONDS = 10
_SQLITE_BEGIN = "kefu_sqlite_begin"  # execution option read by the begin listener
_READ_ONLY = {_SQLITE_BEGIN: "DEFERRED", "postgresql_readonly": True}
_CHANGED_CUSTOMERS = "kefu_changed_customers"  # session.info: Telegram ids (None: some)
_READ_CUSTOMERS = "kefu_read_customers"  # session.info: Telegram ids of rows loaded in it
_KEEP_CUSTOMERS = "kefu_keep_customers"  # session.info: Telegram ids to keep once committed
_URL_EXAMPLES = "sqlite+aiosqlite:///kefu.db or postgresql+asyncpg://user@host/db"


class DatabaseUnavailable(Exception):
    """The database cannot be opened or reached. The message is meant for a human."""


def async_url(url: str | URL) -> URL:
    """Parse a database URL and pick the asyncio driver (`sqlite://` → `sqlite+aiosqlite://`).

    Raises ValueError with a readable message for anything Kefu cannot use.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        # The text is not echoed: it may hold a password.
        raise ValueError(f"not a database URL; expected one like {_URL_EXAMPLES}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite", "aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres") and driver in ("", "asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {parsed.drivername!r}: use {_URL_EXAMPLES}")


def create_engine(
    url: str | URL,
    *,
    sqlite_foreign_keys: bool = True,
    sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS,
) -> AsyncEngine:
    """An `AsyncEngine` configured for Kefu's two databases.

    `sqlite_foreign_keys=False` is for migrations only: SQLite's batch mode rebuilds tables,
    which must not cascade or fail on foreign keys half-way (checked afterwards instead).
    """
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _create_async_engine(
            parsed,
            module=OneTripDBAPI(),  # a statement in one trip to aiosqlite's thread, not four
            connect_args={"timeout": sqlite_busy_timeout},
        )
        _configure_sqlite(
            engine, foreign_keys=sqlite_foreign_keys, busy_timeout=sqlite_busy_timeout
        )
        return engine
    return _create_async_engine(
        parsed,
        pool_size=5,
        max_overflow=10,
        pool_pre_ping=True,  # survive a PostgreSQL restart without a failed update
        pool_recycle=1800,
        connect_args={"timeout": 10, "server_settings": {"application_name": "kefu"}},
    )


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module doc
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so switching to WAL waits for a lock instead of failing.
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


@event.listens_for(Customer, "load")
def _note_customer_read(customer: Customer, context: Any) -> None:
    """Which customers a session loaded from the database itself (`_keep_as_committed`)."""
    context.session.info.setdefault(_READ_CUSTOMERS, set()).add(customer.telegram_id)


def describe_failure(url: str | URL, error: BaseException) -> DatabaseUnavailable:
    """Turn a connect-time error into a `DatabaseUnavailable` a person can act on."""
    parsed = make_url(url)
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    why = lines[0] if lines else type(error).__name__
    if parsed.get_backend_name() == "sqlite":
        hint = ""
        if "unable to open" in why:
            hint = " (does the folder exist, and may Kefu write to it?)"
        elif "locked" in why:
            hint = " (another process held the write lock for longer than Kefu waits)"
        return DatabaseUnavailable(f"cannot open SQLite database {parsed.database!r}: {why}{hint}")
    where = parsed.render_as_string(hide_password=True)
    return DatabaseUnavailable(f"cannot reach the database at {where}: {why}")


CONNECT_ERRORS = (exc.DBAPIError, OSError, TimeoutError)

# The ticket fields whose change the hook is told about (see `TicketFlush.changed`).
TRACKED_TICKET_FIELDS = (
    "status",
    "priority",
    "type",
    "first_response_at",
    "reopened_at",
    "emergency_at",
)


@dataclass(frozen=True, slots=True)
class TicketFlush:
    """A ticket about to be written, for `Database.on_ticket_flush`.

    - `changed`: the tracked fields set since the last flush (all of them for a new ticket).
      A change written with a Core UPDATE (`tickets.stamp_first_response`) is not seen here:
      the hook also runs, with nothing changed, for every ticket of the unit of work just
      before it commits, and must read the ticket's current state rather than rely on this.
    - `now`: the ticket's `updated_at`, which every repository change sets from the caller's
      clock.
    """

    ticket: Ticket
    changed: frozenset[str]
    is_new: bool

    @property
    def now(self) -> datetime:
        return self.ticket.updated_at


TicketFlushHook = Callable[[TicketFlush], None]
# Sees each ticket event a unit of work adds, before it is written (it may set its columns).
EventHook = Callable[[TicketEvent], None]


class Database:
    """The engine plus a session factory; one unit of work per update or job run.

    `on_ticket_flush` (settable later, e.g. once configuration is known) runs inside the
    flush, synchronously: it may change the ticket's attributes but must not do I/O. So does
    `on_new_event`, for each new ticket event (`domain.automation.triggers` marks triggers).
    """

    def __init__(
        self,
        url: str | URL,
        *,
        on_ticket_flush: TicketFlushHook | None = None,
        sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.url = async_url(url)
        self.engine = create_engine(self.url, sqlite_busy_timeout=sqlite_busy_timeout)
        self._busy_timeout = sqlite_busy_timeout
        self.on_ticket_flush = on_ticket_flush
        self.on_new_event: EventHook | None = None
        # SQLite has one write lock, and a writer that finds it taken sleeps in SQLite's busy
        # handler (1, 2, 5, 10 ... 100 ms at a time) rather than being woken when it is free:
        # with sixteen chats writing at once, a third of the writes waited over 0.2 s and some
        # over 2 s (docs/benchmarks.md). So this process's writers queue here first, in
        # order, each handed the lock as the one before commits; the busy timeout is left for
        # other processes (`kefu migrate`, a second start refused by `bot.instance`).
        self._sqlite_writers = asyncio.Lock() if self.dialect == "sqlite" else None
        # A Session class of our own, so the listeners belong to this Database only.
        writer_class = type("KefuSession", (Session,), {})
        event.listen(writer_class, "before_flush", self._before_flush)
        event.listen(writer_class, "before_commit", self._before_commit)
        event.listen(writer_class, "do_orm_execute", self._on_statement)
        event.listen(writer_class, "after_commit", self._after_commit)
        # Customers as last read, dropped when a unit of work changes their row: the listeners
        # above see every change, so they are the ones to keep it true (`known_customers`).
        self.known_customers = KnownCustomers()
        self._sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=writer_class
        )
        read_only = dict(_READ_ONLY)
        if self.dialect == "postgresql":
            # One snapshot for the whole read, as SQLite gives: a report (or anything reading a
            # ticket and then its events) never mixes rows from before and after a commit.
            # Read-only REPEATABLE READ transactions never fail to serialize.
            read_only["isolation_level"] = "REPEATABLE READ"
        self._read_sessions = async_sessionmaker(
            self.engine.execution_options(**read_only), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error.

        Raises `DatabaseUnavailable` if the database cannot be opened or reached.
        """
        async with self._writing(), self._transaction(self._sessions) as session:
            yield session

    @asynccontextmanager
    async def core_transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction for Core statements alone, without an ORM session: committed on
        success, rolled back on any error, and `DatabaseUnavailable` as `unit_of_work` raises.

        For the inbox's own writes (storing updates, marking them handled), which run for
        every update: a session's bookkeeping cost them more than the statements themselves.
        Nothing here passes the session hooks, so no ORM object may be written this way.
        """
        async with self._writing(), self._core_transaction() as connection:
            yield connection

    @asynccontextmanager
    async def _core_transaction(self) -> AsyncIterator[AsyncConnection]:
        try:
            connection = await self.engine.connect()
        except CONNECT_ERRORS as error:
            raise describe_failure(self.url, error) from error
        try:
            try:
                transaction = await connection.begin()
            except CONNECT_ERRORS as error:
                raise describe_failure(self.url, error) from error
            try:
                yield connection
                await transaction.commit()
            except BaseException:
                await transaction.rollback()
                raise
        finally:
            await connection.close()

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only (reports, lists): never takes SQLite's write lock.

        Every statement in it sees the same snapshot, on both databases. PostgreSQL enforces
        read-only; on SQLite a write would work, so don't.
        """
        async with self._transaction(self._read_sessions) as session:
            yield session

    async def check(self) -> None:
        """Raise `DatabaseUnavailable` unless a trivial query succeeds."""
        async with self.read_only() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        for instance in (*session.new, *session.dirty, *session.deleted):
            if isinstance(instance, Customer):
                self._customer_changes(session, instance.telegram_id)
        if self.on_new_event is not None:
            for instance in session.new:
                if isinstance(instance, TicketEvent):
                    self.on_new_event(instance)
        if self.on_ticket_flush is None:
            return
        for instance in (*session.new, *session.dirty):
            if isinstance(instance, Ticket):
                self._run_ticket_hook(instance)

    def _before_commit(self, session: Session) -> None:
        # Commit flushes whatever the hook changes here (Session commits after this event).
        if self.on_ticket_flush is None:
            return
        for instance in list(session.identity_map.values()):
            if isinstance(instance, Ticket) and instance not in session.deleted:
                self._run_ticket_hook(instance)

    def _on_statement(self, execution: ORMExecuteState) -> None:
        """A bulk UPDATE or DELETE of customers changes rows the session never loaded."""
        if (execution.is_update or execution.is_delete) and any(
            mapper.class_ is Customer for mapper in execution.all_mappers
        ):
            self._customer_changes(execution.session, None)

    def _customer_changes(self, session: Session, telegram_id: int | None) -> None:
        self.known_customers.changed(telegram_id)
        session.info.setdefault(_CHANGED_CUSTOMERS, set()).add(telegram_id)

    def keep_when_committed(self, session: AsyncSession, telegram_id: int) -> None:
        """Keep this customer's row in `known_customers` once the unit of work commits, as it
        then stands, though the unit of work may not change it (a customer just created)."""
        session.info.setdefault(_KEEP_CUSTOMERS, set()).add(telegram_id)

    def _after_commit(self, session: Session) -> None:
        # Again once committed: a read that began after the flush still saw the old row.
        changed = session.info.pop(_CHANGED_CUSTOMERS, set())
        for telegram_id in changed:
            self.known_customers.changed(telegram_id)
        wanted = changed | session.info.pop(_KEEP_CUSTOMERS, set())
        if self.dialect == "sqlite" and None not in changed and wanted:
            self._keep_as_committed(session, wanted)

    def _keep_as_committed(self, session: Session, telegram_ids: set[int | None]) -> None:
        """Keep the customers this unit of work read and changed (or was asked to keep) as it
        holds them now, so the customer's next update needs no read.

        Only on SQLite: a unit of work there holds the one write lock from BEGIN to COMMIT, so
        a row it loaded inside its transaction is, at commit, the row as committed. A row it
        did not load itself (an object added from another session) may be older: not kept.
        Not on PostgreSQL, where another transaction may change the row meanwhile; the cache
        is not used there anyway (`bot.instance.shares_the_database`).
        """
        read = session.info.get(_READ_CUSTOMERS, set())
        for instance in list(session.identity_map.values()):
            if not isinstance(instance, Customer) or instance.telegram_id not in telegram_ids:
                continue
            if instance.telegram_id in read and not inspect(instance).expired_attributes:
                self.known_customers.keep(
                    instance, read_in_generation=self.known_customers.generation
                )

    def _run_ticket_hook(self, ticket: Ticket) -> None:
        assert self.on_ticket_flush is not None
        state = inspect(ticket)
        changed = frozenset(
            name for name in TRACKED_TICKET_FIELDS if state.attrs[name].history.has_changes()
        )
        self.on_ticket_flush(TicketFlush(ticket, changed, is_new=state.key is None))

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """Hold this process's turn to write (SQLite only), for as long as SQLite's own lock
        would be held: from BEGIN to COMMIT. Waiting longer than the busy timeout fails as
        SQLite's own wait would."""
        if self._sqlite_writers is None:
            yield
            return
        try:
            async with asyncio.timeout(self._busy_timeout):
                await self._sqlite_writers.acquire()
        except TimeoutError:
            raise DatabaseUnavailable(
                f"cannot open SQLite database {self.url.database!r}: database is locked (a write "
                "of this process held it for longer than Kefu waits)"
            ) from None
        try:
            yield
        finally:
            self._sqlite_writers.release()

    @asynccontextmanager
    async def _transaction(
        self, sessions: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            try:
                await session.connection()  # connect and BEGIN now, to report failures clearly
            except CONNECT_ERRORS as error:
                raise describe_failure(self.url, error) from error
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
