"""The history store: every report and batch run's scorecard, in one SQLite file.

Each `saypro-xl report` and `saypro-xl batch` run records a *snapshot* of each tracker it
scored: every KPI's score, every action's score, the As Of date, the tracker's name and a
content hash of the tracker file. A snapshot is keyed by (tracker, As Of): recording the same
tracker and As Of again replaces that snapshot, in one transaction, so a rerun never doubles
a point and a reader never sees half of one.

Where it lives (resolved by `history_path`): `--history PATH`, else Settings' History File
(relative to the tracker's folder), else `saypro_history.sqlite` in the output folder.

Read API (for the web dashboard, the pack and `--since DATE`):

    trackers(path) -> list[str]
        The tracker names the file holds, sorted.
    series(path, tracker, until=None) -> list[Snapshot]
        One Snapshot per As Of, oldest first (only those on or before `until` when given).
        A Snapshot has `as_of`, `kpi_status` ({KPI status: count}, every status present, zeros
        included), `action_health` ({health: count} of the *open* actions: every health but
        Done and Cancelled, zeros included), `departments` ({department: {"kpi_status": {...},
        "action_health": {...}}}), and `tracker`, `source`, `content_hash`, `recorded_at`,
        `kpi_count`, `open_actions`. Its four first fields are those of the dashboard's
        HistoryPoint, so a Snapshot can stand where a HistoryPoint is expected.
    scorecard(path, tracker, on_or_before) -> Scorecard | None
        The newest snapshot on or before a date, rebuilt as the Scorecard that
        reports.changes.changes_since compares (`saypro-xl report --since DATE`).
    A file that does not exist reads as an empty history ([], None).

Write API: `record(path, card, tracker, content_hash)`; `check(path)` refuses a file that is
not a history store before any report is written, and creates nothing.

Every problem is a `HistoryError` whose message is one sentence naming the file and what to do;
`UnusableHistory` (a subclass) marks a file that is there but cannot be used — not SQLite, another
application's database, damaged, a newer saypro-xl's, a folder — and such a file is never
written to, let alone replaced.

Schema: numbered migrations (MIGRATIONS) applied once each, in order, recorded in the
`schema_migrations` table (version, name, applied_at); those a file lacks are applied together
in one transaction when it is next opened, so an upgrade is whole or not at all. A file is
ours when its SQLite application_id is APPLICATION_ID. To change the schema, append a
Migration with the next number; never edit one that has shipped.

Concurrency: see `record`. Stdlib `sqlite3` only, and a parameter for every value in every query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .model import (Action, ActionScore, ActionStatus, Direction, Escalation, EscalationLevel, Health, KpiScore,
                    KpiStatus, Objective, Pace, Scorecard, Settings, Tracker, Trend)

DEFAULT_NAME = "saypro_history.sqlite"

# "SPXH" in the database header: how a history store is told from any other SQLite file.
APPLICATION_ID = 0x53505848

# How long a write waits for another process holding the file's write lock (seconds).
BUSY_TIMEOUT = 30.0

SQLITE_HEADER = b"SQLite format 3\x00"

# The actions still to be done: every health but these two counts as open.
CLOSED_HEALTH = (Health.DONE.value, Health.CANCELLED.value)
OPEN_HEALTH = tuple(h.value for h in Health if h.value not in CLOSED_HEALTH)
KPI_STATUSES = tuple(s.value for s in KpiStatus)

# The heading a blank Department gets in every report (reports/facts.py says the same).
NO_DEPARTMENT = "(No department)"

WHERE_ELSE = "give another file with --history PATH (or Settings' History File), or add --no-history"


# ------------------------------------------------------------------ errors


class HistoryError(Exception):
    """One sentence: the history file could not be read or written, and what to do."""


class UnusableHistory(HistoryError):
    """A file is at the history path but is not a history store this saypro-xl can use.

    It is left exactly as it was."""


def _where(path: Path) -> str:
    return f"{path.name} in {path.parent}"


# ------------------------------------------------------------------ schema


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "snapshots of KPI and action scores", (
        """CREATE TABLE snapshots (
               id INTEGER PRIMARY KEY,
               tracker TEXT NOT NULL,          -- the tracker's name (its batch folder name)
               as_of TEXT NOT NULL,            -- YYYY-MM-DD
               source TEXT NOT NULL,           -- the tracker file's name
               content_hash TEXT NOT NULL,     -- 'sha256:<hex>' of the tracker file's bytes
               recorded_at TEXT NOT NULL,      -- UTC, ISO 8601
               saypro_version TEXT NOT NULL,   -- the saypro-xl that scored it
               UNIQUE (tracker, as_of)
           )""",
        """CREATE TABLE kpi_scores (
               snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
               position INTEGER NOT NULL,      -- row order in the tracker, from 0
               kpi_id TEXT NOT NULL,
               department TEXT NOT NULL,       -- as the reports head it: blank is '(No department)'
               kpi TEXT NOT NULL,
               target REAL,
               latest_actual REAL,
               gap REAL,
               gap_pct REAL,                   -- a fraction: -0.15 is 15 % behind
               progress REAL,                  -- a fraction: 1.0 is the planned improvement achieved
               status TEXT NOT NULL,           -- No Data / On Track / At Risk / Off Track
               trend TEXT,
               pace TEXT,
               PRIMARY KEY (snapshot_id, position)
           )""",
        """CREATE TABLE action_scores (
               snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
               position INTEGER NOT NULL,
               action_id TEXT NOT NULL,
               department TEXT NOT NULL,       -- its own, else its KPI's, as the reports show it
               owner TEXT NOT NULL,
               due_date TEXT,
               status TEXT NOT NULL,
               pct_complete REAL NOT NULL,     -- 0..100
               health TEXT NOT NULL,
               escalation TEXT,                -- Owner / Department Head / Leadership, or NULL
               PRIMARY KEY (snapshot_id, position)
           )""",
    )),
    # What rebuilding a snapshot as the Scorecard `changes_since` compares needs beyond the
    # scores: the KPI's label and owner, the Watch and Stale marks of its status, the action's
    # words and KPI. Snapshots of version 1 keep blanks here (see `scorecard`).
    Migration(2, "what a snapshot needs to stand as an older scorecard", (
        "ALTER TABLE kpi_scores ADD COLUMN unit TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE kpi_scores ADD COLUMN direction TEXT",
        "ALTER TABLE kpi_scores ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE kpi_scores ADD COLUMN latest_period_end TEXT",
        "ALTER TABLE kpi_scores ADD COLUMN tolerance_pct REAL",
        "ALTER TABLE kpi_scores ADD COLUMN watch INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE kpi_scores ADD COLUMN stale INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE action_scores ADD COLUMN action TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE action_scores ADD COLUMN kpi_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE action_scores ADD COLUMN escalation_days INTEGER",
        "ALTER TABLE action_scores ADD COLUMN escalation_reason TEXT",
    )),
)

CURRENT_VERSION = MIGRATIONS[-1].version

_MIGRATIONS_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""


# ------------------------------------------------------------------ where


def history_path(tracker_path: Path | str, settings: Settings, out_dir: Path | str,
                 override: Path | str | None = None) -> Path:
    """Where a tracker's history goes: `override` (--history), else Settings' History File taken
    from the tracker's folder, else saypro_history.sqlite in `out_dir`."""
    if override:
        return Path(override)
    if settings.history_file.strip():
        return Path(tracker_path).parent / settings.history_file.strip()
    return Path(out_dir) / DEFAULT_NAME


def content_hash(path: Path | str) -> str:
    """'sha256:<hex>' of a file's bytes: which tracker file a snapshot was scored from."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


# ------------------------------------------------------------------ opening


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _identify(path: Path) -> bool:
    """True when `path` holds a history store, False when it is new (missing, empty, or an SQLite
    file with nothing in it). Raises UnusableHistory otherwise, without writing a byte."""
    if path.is_dir():
        raise UnusableHistory(f"The history file {_where(path)} is a folder; {WHERE_ELSE}.")
    try:
        with open(path, "rb") as f:
            header = f.read(100)  # the database header: its magic string and application_id
    except (FileNotFoundError, NotADirectoryError):  # not there (a file where a folder above it
        return False                                # should be is said when it is written)
    except OSError as exc:
        raise HistoryError(f"Could not read the history file {_where(path)}: "
                           f"{exc.strerror or exc}; check its permissions, or {WHERE_ELSE}.") from None
    if not header:
        return False
    if not header.startswith(SQLITE_HEADER):
        raise UnusableHistory(f"{_where(path)} is not a saypro-xl history file (not an SQLite database) "
                              f"and was left as it is; move it away, or {WHERE_ELSE}.")
    if len(header) < 100:
        raise _damaged(path, "cut short")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id == APPLICATION_ID:
        return True
    if app_id == 0 and _is_empty_database(path):
        return False
    raise UnusableHistory(f"{_where(path)} is another application's SQLite database, not a saypro-xl "
                          f"history file, and was left as it is; {WHERE_ELSE}.")


def _is_empty_database(path: Path) -> bool:
    """An SQLite file with no table in it (made by `sqlite3 FILE` and nothing else)?"""
    try:
        # Read-only: looking at someone else's file must never change it.
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            (objects,) = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return False
    return objects == 0


def _verify(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged store before anything is read from it or written to it."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _damaged(path, problems[0])


def _damaged(path: Path, detail: str) -> UnusableHistory:
    return UnusableHistory(f"The history file {_where(path)} is damaged ({detail}) and was left as it is; "
                           f"restore it from a backup or move it away, or {WHERE_ELSE}.")


def _operational(path: Path, exc: sqlite3.OperationalError) -> HistoryError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return HistoryError(f"The history file {_where(path)} stayed locked by another program for "
                            f"{BUSY_TIMEOUT:.0f} seconds; try again when it has finished.")
    return _cannot_write(path, text)


def _cannot_write(path: Path, reason: str) -> HistoryError:
    for place in (path.parent, *path.parent.parents):
        if place.exists():
            if not place.is_dir():  # a file where a folder above the history should be
                reason = f"{place} is a file, not a folder"
            break
    return HistoryError(f"Could not write the history file {_where(path)}: {reason}; choose a folder you can "
                        "write to with --history PATH (or Settings' History File), or add --no-history.")


@contextlib.contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    """sqlite3's errors about the file, as one sentence naming it; our own mistakes pass through."""
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.IntegrityError, sqlite3.InterfaceError):
        raise
    except sqlite3.OperationalError as exc:
        raise _operational(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from None


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; every write below says BEGIN IMMEDIATE
    # and COMMIT itself, so a migration or a snapshot is one transaction, DDL included.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _applied(conn: sqlite3.Connection) -> set[int]:
    found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                         ("schema_migrations",)).fetchone()
    if found is None:
        return set()
    return {version for (version,) in conn.execute("SELECT version FROM schema_migrations")}


def _refuse_newer(path: Path, applied: set[int]) -> None:
    if applied and max(applied) > CURRENT_VERSION:
        raise UnusableHistory(f"The history file {_where(path)} was written by a newer saypro-xl "
                              f"(history version {max(applied)}; this one knows up to {CURRENT_VERSION}) "
                              f"and was left as it is; upgrade saypro-xl, or {WHERE_ELSE}.")


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations this file lacks, each once; refuse a newer saypro-xl's file."""

    applied = _applied(conn)
    _refuse_newer(path, applied)
    if all(m.version in applied for m in MIGRATIONS):
        return
    with _transaction(conn):
        applied = _applied(conn)  # again, under the write lock: another process may have done it
        _refuse_newer(path, applied)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        conn.execute(_MIGRATIONS_TABLE)
        for migration in MIGRATIONS:
            if migration.version in applied:
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         (migration.version, migration.name, _now()))


@contextlib.contextmanager
def _reading(conn: sqlite3.Connection) -> Iterator[None]:
    """Several SELECTs as one consistent read: BEGIN (deferred) … COMMIT, unless already in a
    transaction (record's reading back what it wrote)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


class _transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all of it or none of it.

    IMMEDIATE takes the write lock at the start, so two writers queue (up to BUSY_TIMEOUT)
    instead of both reading and then one failing to upgrade its lock."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        return False


def _open(path: Path, create: bool) -> sqlite3.Connection | None:
    """A connection to the history store at `path`, checked and migrated to CURRENT_VERSION.

    When there is no store yet: None if `create` is False, else a new one. Raises HistoryError
    (UnusableHistory for a file that is not ours) in one sentence; sqlite3 errors never leave
    this module."""
    ours = _identify(path)
    if not ours and not create:
        return None
    if not ours:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_write(path, exc.strerror or str(exc)) from None
    with _sqlite_errors(path):
        conn = _connect(path)
        try:
            if ours:
                _verify(conn, path)
            _migrate(conn, path)
        except BaseException:
            conn.close()
            raise
    return conn


def check(path: Path | str) -> None:
    """Refuse now a file at `path` that is not a usable history store (UnusableHistory: not
    SQLite, another application's, damaged, a newer saypro-xl's); change and create nothing.

    Called before any report is written, so a bad --history costs nothing."""
    path = Path(path)
    if not _identify(path):
        return
    with _sqlite_errors(path), closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                                                         timeout=BUSY_TIMEOUT)) as conn:
        _verify(conn, path)
        applied = _applied(conn)
    _refuse_newer(path, applied)


# ------------------------------------------------------------------ writing


def _department(text: str) -> str:
    return text.strip() or NO_DEPARTMENT


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _kpi_row(k: KpiScore) -> dict[str, object]:
    o = k.objective
    return {
        "kpi_id": o.kpi_id, "department": _department(o.department), "kpi": o.kpi, "unit": o.unit,
        "direction": o.direction.value, "owner": o.owner,
        "target": k.target, "latest_actual": k.latest_actual, "latest_period_end": _iso(k.latest_period_end),
        "gap": k.gap, "gap_pct": k.gap_pct, "progress": k.progress, "tolerance_pct": k.tolerance_pct,
        "status": k.status.value, "watch": int(k.watch), "stale": int(k.stale),
        "trend": k.trend.value if k.trend else None, "pace": k.pace.value if k.pace else None,
    }


def _action_row(a: ActionScore, kpi_departments: Mapping[str, str]) -> dict[str, object]:
    x = a.action
    # Its own Department, else its KPI's: the department the reports file it under.
    department = _department(x.department) if x.department.strip() else \
        _department(kpi_departments.get(x.kpi_id, ""))
    e = a.escalation
    return {
        "action_id": x.action_id, "department": department, "action": x.action, "kpi_id": x.kpi_id,
        "owner": x.owner, "due_date": _iso(a.due_date), "status": a.status.value,
        "pct_complete": a.pct_complete, "health": a.health.value,
        "escalation": e.level.value if e else None, "escalation_days": e.days if e else None,
        "escalation_reason": e.reason if e else None,
    }


def _insert(conn: sqlite3.Connection, table: str, snapshot_id: int, values: list[dict[str, object]]) -> None:
    """One row per dict; the column names are ours (the dict keys above), every value a parameter."""
    if not values:
        return
    columns = ["snapshot_id", "position", *values[0]]
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     [(snapshot_id, position, *row.values()) for position, row in enumerate(values)])


def record(path: Path | str, card: Scorecard, tracker: str, content_hash: str) -> Snapshot:
    """Record `card` as the snapshot of `tracker` on card.as_of, replacing any earlier one of that
    tracker and As Of, in one transaction. Returns the Snapshot as `series` will read it.

    Concurrency. Only one process of a run writes: `saypro-xl batch` scores trackers in worker
    processes, but the workers hand their Scorecards back (they already do, for the consolidated
    pack) and the parent records them, one transaction each. We do not switch the file to WAL:
    WAL keeps shared memory beside the database, which SQLite documents as unsafe on network file
    systems, and a History File may well live on the organisation's file share. Separate
    saypro-xl processes (a scheduled batch and someone's report) can still meet at one file: each
    write takes the write lock at BEGIN IMMEDIATE and waits up to BUSY_TIMEOUT for it, and the
    rollback journal makes each snapshot all or nothing.
    """
    path = Path(path)
    conn = _open(path, create=True)
    kpi_departments: dict[str, str] = {}
    for k in card.kpis:
        kpi_departments[k.kpi_id] = k.objective.department  # the last of a repeated ID, as the reports
    with _sqlite_errors(path), closing(conn), _transaction(conn):
        key = (tracker, card.as_of.isoformat())
        # The snapshot this one replaces, if any: its rows first, then itself (the foreign keys
        # would cascade too; saying it keeps the replacement plain to read).
        for table in ("kpi_scores", "action_scores"):
            conn.execute(f"DELETE FROM {table} WHERE snapshot_id IN "
                         "(SELECT id FROM snapshots WHERE tracker = ? AND as_of = ?)", key)
        conn.execute("DELETE FROM snapshots WHERE tracker = ? AND as_of = ?", key)
        snapshot_id = conn.execute(
            "INSERT INTO snapshots (tracker, as_of, source, content_hash, recorded_at, saypro_version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (*key, card.tracker.source, content_hash, _now(), __version__),
        ).lastrowid
        _insert(conn, "kpi_scores", snapshot_id, [_kpi_row(k) for k in card.kpis])
        _insert(conn, "action_scores", snapshot_id, [_action_row(a, kpi_departments) for a in card.actions])
        return _series(path, conn, tracker, card.as_of)[-1]


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Snapshot:
    """One As Of of one tracker: how many KPIs had each status, how many open actions each health."""

    as_of: dt.date
    kpi_status: Mapping[str, int]
    action_health: Mapping[str, int]
    departments: Mapping[str, Mapping[str, Mapping[str, int]]]
    tracker: str = ""
    source: str = ""
    content_hash: str = ""
    recorded_at: str = ""

    @property
    def kpi_count(self) -> int:
        return sum(self.kpi_status.values())

    @property
    def open_actions(self) -> int:
        return sum(self.action_health.values())


def trackers(path: Path | str) -> list[str]:
    """The names of the trackers the history at `path` holds, sorted; [] when there is none."""
    path = Path(path)
    conn = _open(path, create=False)
    if conn is None:
        return []
    with closing(conn):
        return _query(path, conn, "SELECT DISTINCT tracker FROM snapshots ORDER BY tracker", (), lambda r: r[0])


def _query(path: Path, conn: sqlite3.Connection, sql: str, params: tuple, convert):
    with _sqlite_errors(path):
        return [convert(row) for row in conn.execute(sql, params)]


def series(path: Path | str, tracker: str, until: dt.date | None = None) -> list[Snapshot]:
    """Every snapshot of `tracker`, oldest As Of first (up to `until` when given): the KPI status
    mix and the open actions by health, overall and per department. [] when there is no history."""
    path = Path(path)
    conn = _open(path, create=False)
    if conn is None:
        return []
    with closing(conn), _reading(conn):
        return _series(path, conn, tracker, until)


def _series(path: Path, conn: sqlite3.Connection, tracker: str, until: dt.date | None) -> list[Snapshot]:
    """`series` on an open connection; the caller holds a transaction, so the three queries
    see one state of the file even while another process writes."""
    last = (until or dt.date.max).isoformat()
    heads = _query(path, conn,
                   "SELECT id, as_of, source, content_hash, recorded_at FROM snapshots "
                   "WHERE tracker = ? AND as_of <= ? ORDER BY as_of", (tracker, last), tuple)
    statuses = _query(path, conn,
                      "SELECT k.snapshot_id, k.department, k.status, COUNT(*) FROM kpi_scores AS k "
                      "JOIN snapshots AS s ON s.id = k.snapshot_id WHERE s.tracker = ? AND s.as_of <= ? "
                      "GROUP BY k.snapshot_id, k.department, k.status", (tracker, last), tuple)
    healths = _query(path, conn,
                     "SELECT a.snapshot_id, a.department, a.health, COUNT(*) FROM action_scores AS a "
                     "JOIN snapshots AS s ON s.id = a.snapshot_id WHERE s.tracker = ? AND s.as_of <= ? "
                     f"AND a.health NOT IN ({', '.join('?' * len(CLOSED_HEALTH))}) "
                     "GROUP BY a.snapshot_id, a.department, a.health", (tracker, last, *CLOSED_HEALTH), tuple)
    by_snapshot: dict[int, tuple[list, list]] = {head[0]: ([], []) for head in heads}
    for row in statuses:
        by_snapshot[row[0]][0].append(row[1:])
    for row in healths:
        by_snapshot[row[0]][1].append(row[1:])
    return [_snapshot(tracker, head, *by_snapshot[head[0]]) for head in heads]


def _snapshot(tracker: str, head: tuple, statuses: list[tuple], healths: list[tuple]) -> Snapshot:
    _, as_of, source, digest, recorded_at = head
    kpi_status = dict.fromkeys(KPI_STATUSES, 0)
    action_health = dict.fromkeys(OPEN_HEALTH, 0)
    departments: dict[str, dict[str, dict[str, int]]] = {}

    def department(name: str) -> dict[str, dict[str, int]]:
        return departments.setdefault(name, {"kpi_status": dict.fromkeys(KPI_STATUSES, 0),
                                             "action_health": dict.fromkeys(OPEN_HEALTH, 0)})

    for name, status, count in statuses:
        kpi_status[status] = kpi_status.get(status, 0) + count
        part = department(name)["kpi_status"]
        part[status] = part.get(status, 0) + count
    for name, health, count in healths:
        action_health[health] = action_health.get(health, 0) + count
        part = department(name)["action_health"]
        part[health] = part.get(health, 0) + count
    return Snapshot(as_of=dt.date.fromisoformat(as_of), kpi_status=kpi_status, action_health=action_health,
                    departments=dict(sorted(departments.items())), tracker=tracker, source=source,
                    content_hash=digest, recorded_at=recorded_at)


# ------------------------------------------------------------------ a snapshot as a Scorecard


def scorecard(path: Path | str, tracker: str, on_or_before: dt.date) -> Scorecard | None:
    """The newest snapshot of `tracker` on or before `on_or_before`, rebuilt as a Scorecard; None
    when the history holds none (or there is no history file).

    It holds what a snapshot keeps — every KPI and action score with its IDs, words, owner and
    department, in the tracker's row order — so `reports.changes.changes_since(older, newer)`
    compares it exactly as it compares an older tracker file scored afresh. It holds no actuals,
    causes or updates: it is for comparing, not for writing reports from. Snapshots recorded
    before history version 2 lack the KPI's unit, owner and Watch/Stale marks and the action's
    words and KPI, and come back with those blank.
    """
    path = Path(path)
    conn = _open(path, create=False)
    if conn is None:
        return None
    with closing(conn), _reading(conn):
        found = _query(path, conn, "SELECT id, as_of, source FROM snapshots WHERE tracker = ? AND as_of <= ? "
                                   "ORDER BY as_of DESC LIMIT 1", (tracker, on_or_before.isoformat()), tuple)
        if not found:
            return None
        snapshot_id, as_of, source = found[0]
        conn.row_factory = sqlite3.Row
        kpis = _query(path, conn, "SELECT * FROM kpi_scores WHERE snapshot_id = ? ORDER BY position",
                      (snapshot_id,), _kpi_score)
        actions = _query(path, conn, "SELECT * FROM action_scores WHERE snapshot_id = ? ORDER BY position",
                         (snapshot_id,), _action_score)
    day = dt.date.fromisoformat(as_of)
    return Scorecard(
        tracker=Tracker(settings=Settings(as_of=day), objectives=tuple(k.objective for k in kpis),
                        actions=tuple(a.action for a in actions), source=source),
        as_of=day, kpis=tuple(kpis), actions=tuple(actions))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _kpi_score(row: sqlite3.Row) -> KpiScore:
    objective = Objective(kpi_id=row["kpi_id"], department=row["department"], kpi=row["kpi"], unit=row["unit"],
                          direction=Direction.parse(row["direction"]) or Direction.HIGHER, owner=row["owner"],
                          tolerance_pct=row["tolerance_pct"])
    return KpiScore(
        objective=objective, target=row["target"], latest_actual=row["latest_actual"],
        latest_period_end=_date(row["latest_period_end"]), gap=row["gap"], gap_pct=row["gap_pct"],
        status=KpiStatus(row["status"]), trend=Trend(row["trend"]) if row["trend"] else None,
        watch=bool(row["watch"]), stale=bool(row["stale"]),
        tolerance_pct=row["tolerance_pct"] if row["tolerance_pct"] is not None else Settings().tolerance_pct,
        progress=row["progress"], pace=Pace(row["pace"]) if row["pace"] else None)


def _action_score(row: sqlite3.Row) -> ActionScore:
    action = Action(action_id=row["action_id"], cause_id="", kpi_id=row["kpi_id"], department=row["department"],
                    action=row["action"], owner=row["owner"])
    escalation = None
    if row["escalation"]:
        escalation = Escalation(level=EscalationLevel(row["escalation"]), days=row["escalation_days"] or 0,
                                reason=row["escalation_reason"] or "")
    due = _date(row["due_date"])
    return ActionScore(action=action, status=ActionStatus(row["status"]), pct_complete=row["pct_complete"],
                       original_due=None, due_date=due, slippage_days=0, health=Health(row["health"]),
                       last_update=None, escalation=escalation)
