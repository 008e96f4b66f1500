"""`FeedStore`: the profile's SQLite archive of chat, trades, viewers, own messages and state.

The database lives in the profile's data directory (``feeds.sqlite3``), the
directory with mode 0700 and the file with mode 0600 (SQLite gives its journal
files the database file's mode). Every SQLite call runs in one worker thread, so
disk I/O does not block the event loop. Writes are queued and written in one
transaction every ``flush_interval`` seconds, and a queued row that changes
again before then is written once.

When a write fails, for example because the disk is full ("database or disk
is full", SQLITE_FULL), the rows stay queued (at most ``backlog_max``, the
oldest dropped first) and are written once the disk has room again. The
failure and the recovery are each reported once through ``on_alert``, and the
caller goes on streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cockpit import paths
from cockpit.feeds.events import Alert, ChatItem, SendUpdate, TradeItem
from cockpit.settings import FeedSettings

logger = logging.getLogger(__name__)

DATABASE_NAME = "feeds.sqlite3"
SCHEMA_VERSION = 1
_MAX_RETRY_DELAY = 30.0

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chat (
    id TEXT PRIMARY KEY,
    platform_id TEXT,
    streamer_id TEXT NOT NULL,
    session_id TEXT,
    author_name BLOB,
    author_user_id TEXT,
    author_wallet TEXT,
    text BLOB NOT NULL,
    kind TEXT NOT NULL,
    amount_usd REAL,
    at REAL NOT NULL,
    own INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_by_streamer ON chat (streamer_id, at);
CREATE INDEX IF NOT EXISTS chat_by_platform_id ON chat (platform_id);
CREATE TABLE IF NOT EXISTS trades (
    id TEXT PRIMARY KEY,
    token_address TEXT NOT NULL,
    ticker BLOB,
    is_buy INTEGER NOT NULL,
    amount_usd REAL NOT NULL,
    wallet TEXT,
    tx_hash TEXT,
    at REAL NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_by_token ON trades (token_address, at);
CREATE TABLE IF NOT EXISTS viewers (
    viewer_id TEXT PRIMARY KEY,
    user_id TEXT,
    wallet TEXT,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_messages (
    message_id TEXT PRIMARY KEY,
    text BLOB NOT NULL,
    destination TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    warning TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

_CHAT_COLUMNS = (
    "id, platform_id, streamer_id, session_id, author_name, author_user_id, author_wallet, "
    "text, kind, amount_usd, at, own, source"
)
_TRADE_COLUMNS = "id, token_address, ticker, is_buy, amount_usd, wallet, tx_hash, at, source"


class StoreError(Exception):
    """Raised when the chat store cannot be opened or read."""


def _blob(text: str | None) -> bytes | None:
    """Encode text verbatim, lone surrogates included, which SQLite TEXT cannot hold."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


def _text(blob: bytes | str | None) -> str | None:
    if blob is None or isinstance(blob, str):
        return blob
    return blob.decode("utf-8", "surrogatepass")


def _key(text: str | None) -> str | None:
    """Make an id storable as TEXT: lone surrogates, which no valid id has, become U+FFFD."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8")


def _json_blob(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _json_value(blob: bytes) -> Any:
    return json.loads(blob.decode("utf-8", "surrogatepass"))


def is_disk_full(error: sqlite3.Error) -> bool:
    """Return whether ``error`` is SQLite's "database or disk is full" (SQLITE_FULL)."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "database or disk is full" in str(error)
    )


@dataclass
class _Pending:
    """Rows queued for the next write, keyed so that a row changed twice is written once."""

    chat: dict[str, ChatItem] = field(default_factory=dict)
    trades: dict[str, TradeItem] = field(default_factory=dict)
    viewers: dict[str, tuple[str | None, str | None, dict[str, Any]] | None] = field(
        default_factory=dict
    )
    sent: dict[str, SendUpdate] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return (
            len(self.chat) + len(self.trades) + len(self.viewers) + len(self.sent) + len(self.state)
        )

    def absorb_older(self, older: _Pending) -> None:
        """Put back rows of a failed write, unless a newer version is already queued."""
        for mine, theirs in (
            (self.chat, older.chat),
            (self.trades, older.trades),
            (self.viewers, older.viewers),
            (self.sent, older.sent),
            (self.state, older.state),
        ):
            merged = {**theirs, **mine}
            mine.clear()
            mine.update(merged)

    def drop_oldest(self, limit: int) -> int:
        """Drop the oldest chat and trade rows beyond ``limit`` rows in all; return how many."""
        dropped = 0
        for table in (self.chat, self.trades):
            while len(self) > limit and table:
                del table[next(iter(table))]
                dropped += 1
        return dropped


class FeedStore:
    """The chat store of one profile. Use ``await open()`` first and ``await close()`` last."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int | None = None,
        flush_interval: float = 0.25,
        backlog_max: int = 10_000,
    ) -> None:
        """``max_bytes`` caps the database size: writes beyond it fail as on a full disk."""
        self.path = path
        self.on_alert: Callable[[Alert], None] | None = None
        """Called with an `Alert` when writes start failing and when they work again."""
        self._max_bytes = max_bytes
        self._flush_interval = flush_interval
        self._backlog_max = backlog_max
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._pending = _Pending()
        self._flush_task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._failing = False
        self._dropped = 0
        self.rows_written = 0
        """Rows written since open, for tests and health reports."""

    @classmethod
    def for_profile(cls, profile: str, settings: FeedSettings | None = None) -> FeedStore:
        """Return the store in the profile's data directory (``paths.data_dir(profile)``)."""
        return cls.with_settings(paths.data_dir(profile) / DATABASE_NAME, settings)

    @classmethod
    def with_settings(cls, path: Path, settings: FeedSettings | None = None) -> FeedStore:
        """Return a store at ``path`` with the size cap, write interval and backlog set."""
        settings = settings or FeedSettings()
        return cls(
            path,
            max_bytes=settings.store_max_bytes,
            flush_interval=settings.store_flush_interval,
            backlog_max=settings.store_backlog_max,
        )

    @property
    def is_open(self) -> bool:
        """Whether the database is open."""
        return self._executor is not None

    @property
    def failing(self) -> bool:
        """Whether the last write failed (queued rows wait for the next one)."""
        return self._failing

    @property
    def backlog(self) -> int:
        """Rows queued and not yet written."""
        return len(self._pending)

    # Lifecycle

    async def open(self) -> None:
        """Create or open the database and start the periodic writer. Safe to call twice.

        Raises:
            StoreError: the directory or database cannot be created or read.
        """
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-store")
        try:
            await self._run(self._connect)
        except (OSError, sqlite3.Error) as error:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise StoreError(
                f"Could not open the chat store {self.path}: {error}. Check that the directory "
                "is writable and the file is not damaged, or move the file away."
            ) from error
        self._flush_task = asyncio.get_running_loop().create_task(
            self._flush_periodically(), name="feed-store-flush"
        )
        logger.info("Opened the chat store %s", self.path)

    async def close(self) -> None:
        """Write what is queued, stop the writer and close the database. Safe to call twice."""
        if self._executor is None:
            return
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
            self._flush_task = None
        await self.flush()
        if self._pending:
            logger.warning(
                "Closed the chat store with %d rows unwritten (%s)", len(self._pending), self.path
            )
        await self._run(self._disconnect)
        self._executor.shutdown(wait=True)
        self._executor = None
        logger.info("Closed the chat store %s", self.path)

    def _connect(self) -> None:
        paths.ensure_private_dir(self.path.parent)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(descriptor)
        self.path.chmod(0o600)
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            _apply_max_bytes(connection, self._max_bytes)
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    async def set_max_bytes(self, max_bytes: int | None) -> None:
        """Change the cap on the database size; None removes it. Queued rows are retried."""
        self._max_bytes = max_bytes
        await self._run(lambda: _apply_max_bytes(self._require_connection(), max_bytes))
        await self.flush()

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise StoreError(f"The chat store {self.path} is not open; call open() first.")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # Queued writes

    def append_chat(self, item: ChatItem) -> None:
        """Queue a chat item for writing; a later version with the same id replaces it."""
        self._pending.chat[item.id] = item

    def append_trade(self, item: TradeItem) -> None:
        """Queue a trade for writing; a later version with the same id replaces it."""
        self._pending.trades[item.id] = item

    def save_viewer(
        self, viewer_id: str, user_id: str | None, wallet: str | None, data: dict[str, Any]
    ) -> None:
        """Queue a viewer record (JSON-compatible ``data``) for writing."""
        self._pending.viewers[viewer_id] = (user_id, wallet, data)

    def delete_viewer(self, viewer_id: str) -> None:
        """Queue the removal of a viewer record, after it was merged into another."""
        self._pending.viewers[viewer_id] = None

    def save_sent(self, update: SendUpdate) -> None:
        """Queue the latest state of an own message."""
        self._pending.sent[update.message_id] = update

    def set_state(self, key: str, value: Any) -> None:
        """Queue a JSON-compatible state value (cursors, heartbeat state) under ``key``."""
        self._pending.state[key] = value

    async def flush(self) -> None:
        """Write every queued row now. A failed write is reported, not raised."""
        async with self._flush_lock:
            batch, self._pending = self._pending, _Pending()
            if not batch:
                return
            try:
                written = await self._run(self._write, batch)
            except sqlite3.Error as error:
                self._pending.absorb_older(batch)
                self._report_failure(error)
                return
            self.rows_written += written
            if self._failing:
                self._report_recovery()

    async def _flush_periodically(self) -> None:
        # While writes fail, retry with a doubling wait (up to 30 s), so that a full disk
        # is not hammered with a large failing transaction four times a second.
        delay = self._flush_interval
        while True:
            await asyncio.sleep(delay)
            await self.flush()
            delay = min(delay * 2, _MAX_RETRY_DELAY) if self._failing else self._flush_interval

    def _write(self, batch: _Pending) -> int:
        connection = self._require_connection()
        with _transaction(connection):
            connection.executemany(
                f"INSERT OR REPLACE INTO chat ({_CHAT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_chat_row(item) for item in batch.chat.values()],
            )
            connection.executemany(
                f"INSERT OR REPLACE INTO trades ({_TRADE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_trade_row(item) for item in batch.trades.values()],
            )
            for viewer_id, record in batch.viewers.items():
                if record is None:
                    connection.execute("DELETE FROM viewers WHERE viewer_id = ?", (viewer_id,))
                    continue
                user_id, wallet, data = record
                connection.execute(
                    "INSERT OR REPLACE INTO viewers (viewer_id, user_id, wallet, data) "
                    "VALUES (?, ?, ?, ?)",
                    (_key(viewer_id), _key(user_id), _key(wallet), _json_blob(data)),
                )
            connection.executemany(
                "INSERT OR REPLACE INTO sent_messages "
                "(message_id, text, destination, state, reason, warning, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        update.message_id,
                        _blob(update.text),
                        _key(update.destination),
                        update.state,
                        _key(update.reason),
                        _key(update.warning),
                        update.at,
                    )
                    for update in batch.sent.values()
                ],
            )
            connection.executemany(
                "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)",
                [(_key(key), _json_blob(value)) for key, value in batch.state.items()],
            )
        return len(batch)

    def _require_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("The chat store's database is closed.")
        return self._connection

    def _report_failure(self, error: sqlite3.Error) -> None:
        dropped = self._pending.drop_oldest(self._backlog_max)
        self._dropped += dropped
        if self._failing:
            if dropped:
                logger.warning("Dropped %d queued rows of the chat store (%s)", dropped, self.path)
            return
        self._failing = True
        full = is_disk_full(error)
        logger.error("Writing the chat store %s failed: %s", self.path, error)
        if full:
            message = (
                f"The chat store {self.path} cannot grow: the disk is full (or the store reached "
                "its size limit). Streaming goes on and new items stay in memory; free disk "
                "space, or raise feeds.store_max_bytes, to resume saving."
            )
        else:
            message = (
                f"Writing the chat store {self.path} failed: {error}. Streaming goes on and new "
                "items stay in memory; check the file and the disk."
            )
        self._alert(
            Alert(
                kind="store_full" if full else "store_failed",
                severity="critical",
                message=message,
                at=time.time(),
                data={"path": str(self.path), "error": str(error), "backlog": len(self._pending)},
            )
        )

    def _report_recovery(self) -> None:
        self._failing = False
        logger.info("Writing the chat store %s works again", self.path)
        self._alert(
            Alert(
                kind="store_recovered",
                severity="info",
                message=f"The chat store {self.path} saves again; {self._dropped} queued rows "
                "were dropped while it could not.",
                at=time.time(),
                data={"path": str(self.path), "dropped": self._dropped},
            )
        )

    def _alert(self, alert: Alert) -> None:
        if self.on_alert is not None:
            self.on_alert(alert)

    # Reads

    async def chat(
        self, streamer_id: str | None = None, limit: int | None = None
    ) -> list[ChatItem]:
        """Return stored chat items, oldest first: the newest ``limit``, of one streamer or all."""
        return await self._run(self._select_chat, streamer_id, limit)

    def _select_chat(self, streamer_id: str | None, limit: int | None) -> list[ChatItem]:
        where = "WHERE streamer_id = ?" if streamer_id is not None else ""
        parameters: tuple[Any, ...] = (streamer_id,) if streamer_id is not None else ()
        query = f"SELECT {_CHAT_COLUMNS} FROM chat {where} ORDER BY at DESC, rowid DESC"
        if limit is not None:
            query += " LIMIT ?"
            parameters += (limit,)
        rows = self._require_connection().execute(query, parameters).fetchall()
        return [_chat_item(row) for row in reversed(rows)]

    async def trades(
        self, token_address: str | None = None, limit: int | None = None
    ) -> list[TradeItem]:
        """Return stored trades, oldest first: the newest ``limit``, of one token or all."""
        return await self._run(self._select_trades, token_address, limit)

    def _select_trades(self, token_address: str | None, limit: int | None) -> list[TradeItem]:
        where = "WHERE token_address = ?" if token_address is not None else ""
        parameters: tuple[Any, ...] = (token_address,) if token_address is not None else ()
        query = f"SELECT {_TRADE_COLUMNS} FROM trades {where} ORDER BY at DESC, rowid DESC"
        if limit is not None:
            query += " LIMIT ?"
            parameters += (limit,)
        rows = self._require_connection().execute(query, parameters).fetchall()
        return [_trade_item(row) for row in reversed(rows)]

    async def viewers(self) -> list[dict[str, Any]]:
        """Return the data of every stored viewer record."""
        return await self._run(self._select_viewers)

    def _select_viewers(self) -> list[dict[str, Any]]:
        rows = self._require_connection().execute("SELECT data FROM viewers").fetchall()
        return [_json_value(row[0]) for row in rows]

    async def sent(self, since: float = 0.0) -> list[SendUpdate]:
        """Return the latest state of own messages last changed at or after ``since``."""
        return await self._run(self._select_sent, since)

    def _select_sent(self, since: float) -> list[SendUpdate]:
        rows = self._require_connection().execute(
            "SELECT message_id, text, destination, state, reason, warning, at "
            "FROM sent_messages WHERE at >= ? ORDER BY at",
            (since,),
        )
        return [
            SendUpdate(
                message_id=row[0],
                text=_text(row[1]) or "",
                destination=row[2],
                state=row[3],
                reason=row[4],
                warning=row[5],
                at=row[6],
            )
            for row in rows
        ]

    async def get_state(self, key: str, default: Any = None) -> Any:
        """Return the state value under ``key``, a queued one included, or ``default``."""
        if key in self._pending.state:
            return self._pending.state[key]
        return await self._run(self._select_state, key, default)

    def _select_state(self, key: str, default: Any) -> Any:
        row = (
            self._require_connection()
            .execute("SELECT value FROM state WHERE key = ?", (key,))
            .fetchone()
        )
        return default if row is None else _json_value(row[0])


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (it can on SQLITE_FULL); a second
        # ROLLBACK would then raise and hide the original error.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _apply_max_bytes(connection: sqlite3.Connection, max_bytes: int | None) -> None:
    # PRAGMA max_page_count caps the file; inserts beyond it fail with SQLITE_FULL, as on a
    # full disk. SQLite never sets the cap below the pages in use, and clamps a value above
    # its limit (4294967294 pages in SQLite 3.40) to that limit, which lifts the cap.
    pages = 4_294_967_294
    if max_bytes is not None:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = max(1, max_bytes // page_size)
    connection.execute(f"PRAGMA max_page_count = {pages}")


def _chat_row(item: ChatItem) -> tuple[Any, ...]:
    return (
        item.id,
        _key(item.platform_id),
        _key(item.streamer_id),
        _key(item.session_id),
        _blob(item.author_name),
        _key(item.author_user_id),
        _key(item.author_wallet),
        _blob(item.text),
        item.kind,
        item.amount_usd,
        item.at,
        int(item.own),
        item.source,
    )


def _chat_item(row: tuple[Any, ...]) -> ChatItem:
    return ChatItem(
        id=row[0],
        platform_id=row[1],
        streamer_id=row[2],
        session_id=row[3],
        author_name=_text(row[4]),
        author_user_id=row[5],
        author_wallet=row[6],
        text=_text(row[7]) or "",
        kind=row[8],
        amount_usd=row[9],
        at=row[10],
        own=bool(row[11]),
        source=row[12],
    )


def _trade_row(item: TradeItem) -> tuple[Any, ...]:
    return (
        item.id,
        _key(item.token_address),
        _blob(item.ticker),
        int(item.is_buy),
        item.amount_usd,
        _key(item.wallet),
        _key(item.tx_hash),
        item.at,
        item.source,
    )


def _trade_item(row: tuple[Any, ...]) -> TradeItem:
    return TradeItem(
        id=row[0],
        token_address=row[1],
        ticker=_text(row[2]),
        is_buy=bool(row[3]),
        amount_usd=row[4],
        wallet=row[5],
        tx_hash=row[6],
        at=row[7],
        source=row[8],
    )
