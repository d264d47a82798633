"""One ingest at a time per user, with locks the operating system or the database releases when
their holder dies.

A Dagster pool slot (or any lock kept as a row) outlives a process killed by SIGKILL or the OOM
killer: the next run waits for a holder that will never come back. These locks cannot: on SQLite
the state DB's folder holds one lock file per user, locked with `flock`, which the kernel drops
with the process; on PostgreSQL a session advisory lock, which the server drops with the
connection. A waiter polls, and says every `report_every` seconds who holds the lock and since when.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

__all__ = ["LockHolder", "UserLocks"]

_POLL_SECONDS = 0.25
_REPORT_EVERY_SECONDS = 10.0
# PostgreSQL keeps application_name to 63 bytes: the holder is written in that space.
_PG_NAME_LIMIT = 63


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a user's lock: a description (a run id), its process, since when."""

    description: str
    pid: int | None = None
    host: str | None = None
    since: datetime | None = None

    def describe(self) -> str:
        where = f"pid {self.pid} on {self.host}" if self.pid and self.host else None
        when = f"since {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since else None
        extra = ", ".join(part for part in (where, when) if part)
        return f"{self.description} ({extra})" if extra else self.description


WaitReport = Callable[[LockHolder | None, float], None]


class UserLocks:
    """`with locks.hold(user_id, holder="run 1a2b"):` runs the block as the user's only ingest."""

    def __init__(
        self, engine: Engine, *, namespace: str = "", lock_dir: Path | None = None
    ) -> None:
        """`namespace` keeps the locks of several state DBs in one PostgreSQL database apart
        (the schema name); `lock_dir` is where SQLite's lock files go (default: `locks/` beside
        the database)."""
        self._engine = engine
        self._namespace = namespace
        self._lock_dir = lock_dir

    @contextmanager
    def hold(
        self,
        user_id: str,
        *,
        holder: str,
        on_wait: WaitReport | None = None,
        report_every: float = _REPORT_EVERY_SECONDS,
    ) -> Iterator[None]:
        """Waits for the user's lock (calling `on_wait(holder, waited_seconds)` now and then),
        holds it for the block, and releases it; a dead holder's lock is free at once."""
        me = LockHolder(holder, os.getpid(), socket.gethostname())
        if self._engine.dialect.name == "postgresql":
            lock = _PostgresLock(self._engine, f"{self._namespace}\0{user_id}", me)
        else:
            lock = _FileLock(self._lock_path(user_id), me)
        started = time.monotonic()
        next_report = started
        try:
            while not lock.try_acquire():
                now = time.monotonic()
                if on_wait is not None and now >= next_report:
                    on_wait(lock.current_holder(), now - started)
                    next_report = now + report_every
                time.sleep(_POLL_SECONDS)
            yield
        finally:
            lock.release()

    def _lock_path(self, user_id: str) -> Path:
        folder = self._lock_dir
        if folder is None:
            database = self._engine.url.database or "state.db"
            folder = Path(database).resolve().parent / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        # Hashed: a user id is not a safe file name.
        return folder / f"user-{_digest(user_id)[:32]}.lock"


class _FileLock:
    def __init__(self, path: Path, me: LockHolder) -> None:
        self._path = path
        self._me = me
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, _encode(replace(self._me, since=datetime.now(UTC))), 0)
        self._fd = fd
        return True

    def current_holder(self) -> LockHolder | None:
        try:
            return _decode(self._path.read_bytes())
        except OSError:
            return None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # releases the flock


class _PostgresLock:
    def __init__(self, engine: Engine, name: str, me: LockHolder) -> None:
        self._engine = engine
        self._key = int.from_bytes(bytes.fromhex(_digest(name)[:16]), "big", signed=True)
        self._me = me
        self._connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        connection = self._engine.connect()
        try:
            # Written before trying, so a waiter that sees the lock also sees who holds it.
            name = f"syncrag {self._me.description} since {datetime.now(UTC):%H:%M:%S}"
            connection.execute(
                sa.text("SELECT set_config('application_name', :name, false)"),
                {"name": name[:_PG_NAME_LIMIT]},
            )
            got = connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def current_holder(self) -> LockHolder | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT a.application_name, a.pid, a.client_addr::text, a.state_change "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    # A bigint key shows as its high and low 32 bits, with objsubid 1.
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                    "AND l.classid::bigint = :high AND l.objid::bigint = :low"
                ),
                {"high": (self._key >> 32) & 0xFFFFFFFF, "low": self._key & 0xFFFFFFFF},
            ).first()
        if row is None:
            return None
        name, pid, address, since = row
        return LockHolder(
            str(name or "another session"),
            pid=int(pid),
            host=f"database session {address or 'local'}",
            since=since,
        )

    def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                connection.commit()
            finally:
                connection.close()


def _digest(user_id: str) -> str:
    return hashlib.sha256(user_id.encode("utf-8")).hexdigest()


def _encode(holder: LockHolder) -> bytes:
    return json.dumps(
        {
            "holder": holder.description,
            "pid": holder.pid,
            "host": holder.host,
            "since": holder.since.isoformat() if holder.since else None,
        }
    ).encode("utf-8")


def _decode(data: bytes) -> LockHolder | None:
    try:
        raw = json.loads(data.decode("utf-8"))
        since = raw.get("since")
        return LockHolder(
            str(raw["holder"]),
            pid=raw.get("pid"),
            host=raw.get("host"),
            since=datetime.fromisoformat(since) if since else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
