"""The history store: snapshots recorded once per tracker and As Of, read back as series, a file
that is not ours refused and left byte-identical, migrations applied once, many writers at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl import history
from saypro_xl.model import ActionStatus
from saypro_xl.read import load_tracker
from saypro_xl.rules import score

MARCH_14, MARCH_31 = dt.date(2025, 3, 14), dt.date(2025, 3, 31)
NO_ACTIONS = {"Overdue": 0, "Blocked": 0, "Late Start": 0, "Not Started": 0, "At Risk": 0, "On Track": 0}
NO_KPIS = {"No Data": 0, "On Track": 0, "At Risk": 0, "Off Track": 0}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return write_tracker_openpyxl(tmp_path_factory.mktemp("small") / "Small.xlsx", **small_tracker_rows())


@pytest.fixture(scope="module")
def small_tracker(small):
    return load_tracker(small)


def rows(path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


# ------------------------------------------------------------------ recording and reading


def test_two_as_ofs_give_two_snapshots_with_the_status_mix_worked_out_by_hand(small, small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    digest = history.content_hash(small)
    history.record(store, score(small_tracker, MARCH_31), "Small", digest)
    history.record(store, score(small_tracker, MARCH_14), "Small", digest)
    early, late = history.series(store, "Small")  # oldest first, whatever the order of recording
    # 14 March: K1 at 72 against 80 is 10 % short (Off Track); K2 has no actual yet. A1 is 50 % done
    # with 11 of its 14 days gone, A2 40 % with 13 of 14 gone (both more than 20 points behind: At
    # Risk); A3 50 % with 4 of 51 days gone (On Track).
    assert early.as_of == MARCH_14
    assert early.kpi_status == {**NO_KPIS, "Off Track": 1, "No Data": 1}
    assert early.action_health == {**NO_ACTIONS, "At Risk": 2, "On Track": 1}
    assert early.departments == {
        "Sales": {"kpi_status": {**NO_KPIS, "Off Track": 1}, "action_health": {**NO_ACTIONS, "At Risk": 1}},
        "Support": {"kpi_status": {**NO_KPIS, "No Data": 1},
                    "action_health": {**NO_ACTIONS, "At Risk": 1, "On Track": 1}},
    }
    # 31 March: K1 at 70 (12.5 % short, Off Track), K2 at 10.3 against 10 (3 % short, within its 10 %:
    # At Risk). A1 is Done (not open), A2 was due 15 March (Overdue), A3 is on track.
    assert late.as_of == MARCH_31
    assert late.kpi_status == {**NO_KPIS, "Off Track": 1, "At Risk": 1}
    assert late.action_health == {**NO_ACTIONS, "Overdue": 1, "On Track": 1}
    assert late.departments["Sales"]["action_health"] == NO_ACTIONS
    assert (late.kpi_count, late.open_actions) == (2, 2)
    assert (late.tracker, late.source, late.content_hash) == ("Small", "Small.xlsx", digest)
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    assert history.trackers(store) == ["Small"]


def test_each_score_is_a_row(small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    history.record(store, score(small_tracker, MARCH_31), "Small", "sha256:x")
    assert rows(store, "SELECT kpi_id, department, kpi, target, latest_actual, gap, gap_pct, progress, status, "
                       "trend, pace FROM kpi_scores ORDER BY position") == [
        # (70 − 60) / (80 − 60) = 0.5 of the planned improvement; 75, 72, 70 is Declining.
        ("K1", "Sales", "Leads converted", 80.0, 70.0, -10.0, -0.125, 0.5, "Off Track", "Declining", None),
        # Target 20 × (1 − 50 %) = 10; (10.3 − 20) / (10 − 20) = 0.97; 10.5 then 10.3 is Improving.
        ("K2", "Support", "Response time", 10.0, 10.3, pytest.approx(-0.3), pytest.approx(-0.03),
         pytest.approx(0.97), "At Risk", "Improving", None),
    ]
    assert rows(store, "SELECT action_id, department, owner, due_date, status, pct_complete, health, escalation "
                       "FROM action_scores ORDER BY position") == [
        ("A1", "Sales", "Ana", "2025-03-17", "Done", 100.0, "Done", None),
        # Due 15 March, 16 days overdue on 31 March: past the 14 days of Escalate To Leadership After.
        ("A2", "Support", "Ben", "2025-03-15", "In progress", 40.0, "Overdue", "Leadership"),
        ("A3", "Support", "Ben", "2025-04-30", "In progress", 50.0, "On Track", None),
    ]
    assert rows(store, "SELECT tracker, as_of, source, content_hash FROM snapshots") == [
        ("Small", "2025-03-31", "Small.xlsx", "sha256:x")]


def test_recording_the_same_tracker_and_as_of_again_replaces_that_snapshot(small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    card = score(small_tracker, MARCH_31)
    history.record(store, card, "Small", "sha256:first")
    history.record(store, card, "Other", "sha256:first")  # another tracker: its own snapshot
    fewer = replace(card, actions=card.actions[1:])  # A1 gone from the tracker since
    again = history.record(store, fewer, "Small", "sha256:second")
    assert again.content_hash == "sha256:second" and again.open_actions == 2
    assert rows(store, "SELECT tracker, content_hash FROM snapshots ORDER BY tracker") == [
        ("Other", "sha256:first"), ("Small", "sha256:second")]
    assert rows(store, "SELECT COUNT(*) FROM kpi_scores") == [(4,)]
    assert rows(store, "SELECT COUNT(*) FROM action_scores") == [(5,)]  # 3 of Other's, 2 of Small's
    assert [s.as_of for s in history.series(store, "Small")] == [MARCH_31]


def test_a_replacement_that_fails_half_way_leaves_the_old_snapshot_whole(small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    card = score(small_tracker, MARCH_31)
    history.record(store, card, "Small", "sha256:good")
    # An action score sqlite3 cannot store fails the last insert, after the old rows were deleted.
    broken = replace(card, actions=(*card.actions[:2], replace(card.actions[2], pct_complete=object())))
    with pytest.raises(sqlite3.Error):
        history.record(store, broken, "Small", "sha256:broken")
    assert rows(store, "SELECT content_hash FROM snapshots") == [("sha256:good",)]
    assert rows(store, "SELECT COUNT(*) FROM kpi_scores") == [(2,)]
    assert rows(store, "SELECT COUNT(*) FROM action_scores") == [(3,)]


def test_until_leaves_later_as_ofs_out(small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    for day in (MARCH_14, MARCH_31):
        history.record(store, score(small_tracker, day), "Small", "sha256:x")
    assert [s.as_of for s in history.series(store, "Small", until=dt.date(2025, 3, 30))] == [MARCH_14]
    assert history.series(store, "Nobody") == []


def test_no_file_reads_as_an_empty_history_and_reading_creates_nothing(tmp_path):
    store = tmp_path / "none" / "h.sqlite"
    assert history.series(store, "Small") == [] and history.trackers(store) == []
    history.check(store)
    assert not store.parent.exists()


def test_the_snapshot_counts_what_the_web_dashboard_counts(tmp_path):
    """The dashboard charts today's scorecard and the stored ones side by side: they must agree."""
    from saypro_xl.dashboard.data import current_point
    from saypro_xl.sample import sample_tracker

    card = score(sample_tracker(), dt.date(2025, 4, 25))
    stored = history.record(tmp_path / "h.sqlite", card, "Sample", "sha256:x")
    today = current_point(card)

    def nonzero(counts):
        return {k: v for k, v in counts.items() if v}

    assert nonzero(stored.kpi_status) == today.kpi_status
    assert nonzero(stored.action_health) == today.action_health
    assert {d: {part: nonzero(c) for part, c in v.items()} for d, v in stored.departments.items()} == \
        {d: {part: nonzero(c) for part, c in v.items()} for d, v in today.departments.items()}
    assert stored.departments.keys() == today.departments.keys()


def test_where_the_history_goes(tmp_path):
    from saypro_xl.model import Settings

    tracker = tmp_path / "trackers" / "T.xlsx"
    out = tmp_path / "reports"
    assert history.history_path(tracker, Settings(), out) == out / "saypro_history.sqlite"
    assert history.history_path(tracker, Settings(history_file=" ../shared/h.sqlite "), out) == \
        tmp_path / "trackers" / "../shared/h.sqlite"
    assert history.history_path(tracker, Settings(history_file="h.sqlite"), out, override=tmp_path / "x.db") == \
        tmp_path / "x.db"


# ------------------------------------------------------------------ a snapshot as the older scorecard


def last_week_and_this_week():
    """The sample tracker now (As Of 25 April) and as it stood a fortnight before, with edits since:
    CA-06 was Blocked then, CA-01 was numbered CA-99, CA-10 was due 28 April (typed over since to
    2 May), and CA-12 has no Department of its own (it falls back to its KPI's, Operations)."""
    from saypro_xl.sample import sample_tracker

    now = sample_tracker()
    actions = tuple(replace(a, department="") if a.action_id == "CA-12" else a for a in now.actions)
    now = replace(now, actions=actions)

    def earlier(a):
        if a.action_id == "CA-06":
            return replace(a, status=ActionStatus.BLOCKED)
        if a.action_id == "CA-01":
            return replace(a, action_id="CA-99")
        if a.action_id == "CA-10":
            return replace(a, due_date_typed=dt.date(2025, 4, 28))
        return a

    then = replace(now, settings=replace(now.settings, as_of=dt.date(2025, 4, 11)),
                   actions=tuple(map(earlier, now.actions)))
    return then, now


def test_a_snapshot_gives_the_same_changes_as_the_older_tracker_scored_afresh(tmp_path):
    from saypro_xl.reports.changes import (DUE_SLIPPED, NEW_ACTION, REMOVED_ACTION, STATUS_CHANGED, Change,
                                           changes_since)

    then, now = last_week_and_this_week()
    older, newer = score(then), score(now)
    store = tmp_path / "h.sqlite"
    history.record(store, older, "Sample", "sha256:then")
    rebuilt = history.scorecard(store, "Sample", on_or_before=dt.date(2025, 4, 18))
    assert rebuilt.as_of == dt.date(2025, 4, 11)
    assert history.scorecard(store, "Sample", on_or_before=dt.date(2025, 4, 10)) is None
    assert history.scorecard(store, "Other", on_or_before=dt.date(2025, 4, 18)) is None

    from_file = changes_since(older, newer)
    assert changes_since(rebuilt, newer) == from_file
    # Worked out by hand from the edits (the rest are health that changed as two weeks passed).
    ca01 = next(a for a in now.actions if a.action_id == "CA-01")
    ca06 = next(a for a in now.actions if a.action_id == "CA-06")
    ca10 = next(a for a in now.actions if a.action_id == "CA-10")
    assert Change(NEW_ACTION, "CA-01", ca01.action, "—", "Done · Done", ca01.owner, "Sales") in from_file
    assert Change(STATUS_CHANGED, "CA-06", ca06.action, "Blocked", "Not started", ca06.owner,
                  "Marketing") in from_file
    assert Change(DUE_SLIPPED, "CA-10", ca10.action, "28 Apr 2025", "2 May 2025 (+4 days)", ca10.owner,
                  "Operations") in from_file
    removed = [c for c in from_file if c.kind == REMOVED_ACTION]
    assert removed == [Change(REMOVED_ACTION, "CA-99", ca01.action, "Done", "—", ca01.owner, "Sales")]
    # The rebuilt scores carry what the comparison reads, Watch and the fallback department included.
    assert [k.status_label for k in rebuilt.kpis] == [k.status_label for k in older.kpis]
    assert any("Watch" in k.status_label for k in rebuilt.kpis)
    ca12 = next(a for a in rebuilt.actions if a.action_id == "CA-12")
    assert ca12.action.department == "Operations"
    assert [(a.action_id, a.status, a.health, a.due_date, a.escalation) for a in rebuilt.actions] == \
        [(a.action_id, a.status, a.health, a.due_date, a.escalation) for a in older.actions]


# ------------------------------------------------------------------ upgrading a version-1 file


# The schema exactly as version 1 of the history store wrote it, frozen here: a file made by it
# must open with every later saypro-xl.
VERSION_1 = (
    f"PRAGMA application_id = {0x53505848}",
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    "INSERT INTO schema_migrations VALUES (1, 'snapshots of KPI and action scores', '2025-04-11T09:00:00+00:00')",
    """CREATE TABLE snapshots (id INTEGER PRIMARY KEY, tracker TEXT NOT NULL, as_of TEXT NOT NULL,
       source TEXT NOT NULL, content_hash TEXT NOT NULL, recorded_at TEXT NOT NULL,
       saypro_version TEXT NOT NULL, UNIQUE (tracker, as_of))""",
    """CREATE TABLE kpi_scores (snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
       position INTEGER NOT NULL, kpi_id TEXT NOT NULL, department TEXT NOT NULL, kpi TEXT NOT NULL,
       target REAL, latest_actual REAL, gap REAL, gap_pct REAL, progress REAL, status TEXT NOT NULL,
       trend TEXT, pace TEXT, PRIMARY KEY (snapshot_id, position))""",
    """CREATE TABLE action_scores (snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
       position INTEGER NOT NULL, action_id TEXT NOT NULL, department TEXT NOT NULL, owner TEXT NOT NULL,
       due_date TEXT, status TEXT NOT NULL, pct_complete REAL NOT NULL, health TEXT NOT NULL,
       escalation TEXT, PRIMARY KEY (snapshot_id, position))""",
    "INSERT INTO snapshots VALUES (1, 'Small', '2025-03-14', 'Small.xlsx', 'sha256:v1', "
    "'2025-03-14T09:00:00+00:00', '0.1.0')",
    "INSERT INTO kpi_scores VALUES (1, 0, 'K1', 'Sales', 'Leads converted', 80, 72, -8, -0.1, 0.6, 'Off Track', "
    "'Declining', NULL)",
    "INSERT INTO kpi_scores VALUES (1, 1, 'K2', 'Support', 'Response time', 10, NULL, NULL, NULL, NULL, "
    "'No Data', NULL, NULL)",
    "INSERT INTO action_scores VALUES (1, 0, 'A1', 'Sales', 'Ana', '2025-03-17', 'In progress', 50, 'At Risk', NULL)",
    "INSERT INTO action_scores VALUES (1, 1, 'A2', 'Support', 'Ben', '2025-03-15', 'In progress', 40, 'At Risk', "
    "NULL)",
    "INSERT INTO action_scores VALUES (1, 2, 'A3', 'Support', 'Ben', '2025-04-30', 'In progress', 50, 'On Track', "
    "NULL)",
)


def version_1_file(path: Path) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in VERSION_1:
        conn.execute(statement)
    conn.execute("COMMIT")
    conn.close()
    return path


def test_a_version_1_file_is_upgraded_once_and_keeps_its_snapshots(small_tracker, small, tmp_path):
    from saypro_xl.reports.changes import HEALTH_CHANGED, KPI_STATUS_CHANGED, Change, changes_since

    store = version_1_file(tmp_path / "h.sqlite")
    [old] = history.series(store, "Small")  # reading it upgrades it
    assert rows(store, "SELECT version, applied_at FROM schema_migrations ORDER BY version")[0] == \
        (1, "2025-04-11T09:00:00+00:00")
    assert [v for (v,) in rows(store, "SELECT version FROM schema_migrations ORDER BY version")] == \
        list(range(1, history.CURRENT_VERSION + 1))
    assert history.CURRENT_VERSION >= 2
    # The version-1 snapshot reads as before: 14 March, K1 Off Track, K2 No Data, two actions At Risk.
    assert old.as_of == MARCH_14 and old.content_hash == "sha256:v1"
    assert old.kpi_status == {**NO_KPIS, "Off Track": 1, "No Data": 1}
    assert old.action_health == {**NO_ACTIONS, "At Risk": 2, "On Track": 1}
    # The columns version 2 added are blank for it, and it still stands as an older scorecard.
    assert rows(store, "SELECT unit, owner, watch, stale FROM kpi_scores WHERE kpi_id = ?", "K1") == [("", "", 0, 0)]
    assert rows(store, "SELECT action, kpi_id FROM action_scores WHERE action_id = ?", "A2") == [("", "")]
    rebuilt = history.scorecard(store, "Small", on_or_before=MARCH_31)
    newer = score(small_tracker, MARCH_31)
    # 14 → 31 March: K2 got its first actuals; A1 finished; A2 passed its due date.
    assert changes_since(rebuilt, newer) == [
        Change("Closed action", "A1", "CRM training", "In progress", "Done", "Ana", "Sales"),
        Change(HEALTH_CHANGED, "A2", "Auto-routing", "At Risk", "Overdue", "Ben", "Support"),
        Change(KPI_STATUS_CHANGED, "K2", "Response time (hours)", "No Data", "At Risk", "Ben", "Support"),
    ]
    # The upgraded file takes new snapshots with every column, and is sound.
    history.record(store, newer, "Small", history.content_hash(small))
    assert rows(store, "SELECT unit, owner FROM kpi_scores JOIN snapshots ON id = snapshot_id "
                       "WHERE as_of = ? AND kpi_id = ?", "2025-03-31", "K2") == [("hours", "Ben")]
    assert rows(store, "PRAGMA integrity_check") == [("ok",)]
    history.series(store, "Small")  # opening it again applies nothing twice
    assert rows(store, "SELECT COUNT(*) FROM schema_migrations") == [(history.CURRENT_VERSION,)]


def test_migrations_are_numbered_one_by_one():
    assert [m.version for m in history.MIGRATIONS] == list(range(1, len(history.MIGRATIONS) + 1))


# ------------------------------------------------------------------ files that are not ours


def foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES (?)", ("Thandi",))
    return path


def damaged_history(path: Path, small_tracker) -> Path:
    history.record(path, score(small_tracker, MARCH_31), "Small", "sha256:x")
    data = bytearray(path.read_bytes())
    page = 4096  # SQLite's default page size: garble the second page, a table's
    data[page:2 * page] = b"\xff" * page
    path.write_bytes(bytes(data))
    return path


def newer_history(path: Path, small_tracker) -> Path:
    history.record(path, score(small_tracker, MARCH_31), "Small", "sha256:x")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (99, "from the future", "2030-01-01"))
    return path


REFUSALS = {
    "text": (lambda p, t: (p.write_text("my notes, not a database\n"), p)[1],
             "{name} in {folder} is not a saypro-xl history file (not an SQLite database) and was left as it "
             "is; move it away, or give another file with --history PATH (or Settings' History File), or add "
             "--no-history."),
    "foreign": (lambda p, t: foreign_sqlite(p),
                "{name} in {folder} is another application's SQLite database, not a saypro-xl history file, "
                "and was left as it is; give another file with --history PATH (or Settings' History File), or "
                "add --no-history."),
    "damaged": (damaged_history,
                "The history file {name} in {folder} is damaged (database disk image is malformed) and was left "
                "as it is; restore it from a backup or move it away, or give another file with --history PATH "
                "(or Settings' History File), or add --no-history."),
    "newer": (newer_history,
              "The history file {name} in {folder} was written by a newer saypro-xl (history version 99; this "
              "one knows up to {current}) and was left as it is; upgrade saypro-xl, or give another file with "
              "--history PATH (or Settings' History File), or add --no-history."),
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_a_file_that_is_not_a_usable_history_is_refused_and_left_byte_identical(kind, small_tracker, tmp_path):
    make, sentence = REFUSALS[kind]
    store = make(tmp_path / "h.sqlite", small_tracker)
    before = store.read_bytes()
    expected = sentence.format(name=store.name, folder=tmp_path, current=history.CURRENT_VERSION)
    for attempt in (lambda: history.check(store),
                    lambda: history.record(store, score(small_tracker, MARCH_31), "Small", "sha256:y"),
                    lambda: history.series(store, "Small"),
                    lambda: history.trackers(store)):
        with pytest.raises(history.UnusableHistory) as refused:
            attempt()
        assert str(refused.value) == expected
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite"]  # no journal, nothing beside it


def test_a_folder_at_the_history_path_is_refused(small_tracker, tmp_path):
    (tmp_path / "h.sqlite").mkdir()
    with pytest.raises(history.UnusableHistory) as refused:
        history.record(tmp_path / "h.sqlite", score(small_tracker, MARCH_31), "Small", "sha256:x")
    assert str(refused.value) == (f"The history file h.sqlite in {tmp_path} is a folder; give another file with "
                                  "--history PATH (or Settings' History File), or add --no-history.")


@pytest.mark.parametrize("empty", ["no bytes", "an SQLite file with nothing in it"])
def test_an_empty_file_becomes_a_history(empty, small_tracker, tmp_path):
    store = tmp_path / "h.sqlite"
    if empty == "no bytes":
        store.write_bytes(b"")
    else:
        sqlite3.connect(store).execute("VACUUM").connection.close()
        assert store.stat().st_size > 0
    history.record(store, score(small_tracker, MARCH_31), "Small", "sha256:x")
    assert history.trackers(store) == ["Small"]


# ------------------------------------------------------------------ many writers


def _record_many(store: str, tracker_file: str, name: str) -> None:
    card = score(load_tracker(tracker_file), MARCH_31)
    for day in range(1, 6):
        history.record(store, replace(card, as_of=dt.date(2025, 4, day)), name, f"sha256:{name}")


def test_writers_in_separate_processes_at_once_lose_nothing(small, tmp_path):
    """Four processes record five snapshots each into one new file at the same time."""
    store = tmp_path / "h.sqlite"
    names = [f"T{i}" for i in range(4)]
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in [pool.submit(_record_many, str(store), str(small), n) for n in names]:
            future.result()
    assert rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert history.trackers(store) == names
    assert rows(store, "SELECT COUNT(*), COUNT(DISTINCT tracker || as_of) FROM snapshots") == [(20, 20)]
    assert rows(store, "SELECT COUNT(*) FROM kpi_scores") == [(40,)]
    assert rows(store, "SELECT COUNT(*) FROM action_scores") == [(60,)]
    assert rows(store, "SELECT version FROM schema_migrations ORDER BY version") == \
        [(m.version,) for m in history.MIGRATIONS]  # each applied once, though four raced to create it


# ------------------------------------------------------------------ floors


def test_history_sits_beside_the_reports_and_below_the_doors():
    from test_layers import imports_of

    allowed = ("saypro_xl.model", "saypro_xl.rules")
    ours = imports_of("history.py") - {"saypro_xl", "saypro_xl.__version__"}
    assert ours and all(i.startswith(allowed) for i in ours), ours
    text = Path(history.__file__).read_text(encoding="utf-8")
    assert "xlsxwriter" not in text and "xlwings" not in text and "openpyxl" not in text


# ------------------------------------------------------------------ the command line


def run(*args, cwd=None):
    """The real console entry point in a child process, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "saypro_xl.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def cell_texts(workbook: Path) -> list[str]:
    return [str(c.value) for ws in openpyxl.load_workbook(workbook).worksheets
            for row in ws.iter_rows() for c in row if c.value is not None]


def as_it_stood_on_11_april(sample: Path, to: Path) -> Path:
    """The sample tracker as it stood a fortnight earlier: As Of 11 April, CA-06 Blocked, and CA-10
    due 28 April (typed over since to 2 May)."""
    wb = openpyxl.load_workbook(sample)
    settings = wb["Settings"]
    row = next(r for r in range(1, settings.max_row + 1) if settings.cell(r, 1).value == "As Of Date")
    settings.cell(row, 2, dt.datetime(2025, 4, 11))
    actions = wb["Actions"]
    header = [c.value for c in actions[1]]
    for r in range(2, actions.max_row + 1):
        if actions.cell(r, 1).value == "CA-06":
            actions.cell(r, header.index("Status") + 1, "Blocked")
        if actions.cell(r, 1).value == "CA-10":
            actions.cell(r, header.index("Due Date") + 1, dt.datetime(2025, 4, 28))
    to.parent.mkdir(parents=True, exist_ok=True)
    wb.save(to)
    return to


def test_report_runs_leave_a_history_and_since_a_date_matches_since_the_older_tracker(tmp_path):
    tracker = tmp_path / "SayPro_Tracker.xlsx"
    assert run("new-tracker", tracker, "--sample")[0] == 0
    older = as_it_stood_on_11_april(tracker, tmp_path / "then" / "SayPro_Tracker.xlsx")
    reports = tmp_path / "reports"
    code, out, err = run("report", older, "-o", reports, "--only", "findings")
    assert code == 0, err
    assert out.splitlines()[-1] == f"Recorded SayPro_Tracker as of 2025-04-11 in {reports / 'saypro_history.sqlite'}"
    by_date = ("report", tracker, "-o", reports, "--only", "agenda", "--meeting", "weekly", "--since", "2025-04-18")
    code, _, err = run(*by_date)
    assert code == 0, err
    by_file = tmp_path / "by_file"
    code, _, err = run("report", tracker, "-o", by_file, "--only", "agenda", "--meeting", "weekly",
                       "--since", older, "--no-history")
    assert code == 0, err

    # Two runs, two As Ofs: 11 April from the older copy, 25 April (Settings' As Of Date) from today's.
    store = reports / "saypro_history.sqlite"
    then, now = history.series(store, "SayPro_Tracker")
    assert (then.as_of, now.as_of) == (dt.date(2025, 4, 11), dt.date(2025, 4, 25))
    assert now.content_hash == history.content_hash(tracker) != then.content_hash
    # 25 April, as `saypro-xl status` lists the sample: SAL-03 and MKT-02 on track, SAL-01, CS-01 and
    # OPS-02 at risk, EER-02 without data, the other five off track; of the open actions CA-04 is
    # overdue, CA-08 blocked, CA-09 a late start, CA-03 at risk, CA-06, CA-11 and CA-15 not started,
    # and the other five on track.
    assert now.kpi_status == {"No Data": 1, "On Track": 2, "At Risk": 3, "Off Track": 5}
    assert now.action_health == {"Overdue": 1, "Blocked": 1, "Late Start": 1, "Not Started": 3, "At Risk": 1,
                                 "On Track": 5}
    assert not (by_file / "saypro_history.sqlite").exists()  # --no-history

    (dated,) = reports.glob("Meeting_Agenda_weekly_*.xlsx")
    (filed,) = by_file.glob("Meeting_Agenda_weekly_*.xlsx")
    texts = cell_texts(dated)
    assert texts == cell_texts(filed)  # the same agenda, changes since last meeting included
    changes = texts[texts.index("Compared with the tracker as of 11 Apr 2025"):]
    assert changes[changes.index("CA-06"):][2:4] == ["Blocked", "Not started"]
    assert changes[changes.index("CA-10", changes.index("Due date slipped") - 1):][2:4] == \
        ["28 Apr 2025", "2 May 2025 (+4 days)"]

    code, _, err = run(*by_date)  # the same tracker and As Of again: replaced, not added
    assert code == 0, err
    assert [s.as_of for s in history.series(store, "SayPro_Tracker")] == [then.as_of, now.as_of]


def test_since_a_date_the_history_cannot_answer_is_one_sentence(small, tmp_path):
    out = tmp_path / "out"
    store = out / "saypro_history.sqlite"
    code, _, err = run("report", small, "-o", out, "--only", "agenda", "--since", "2025-03-24")
    assert (code, err) == (2, f"saypro-xl: --since 2025-03-24: there is no history file saypro_history.sqlite in "
                              f"{out} yet; give an older copy of the tracker instead, or with --history the file "
                              "earlier runs recorded in.\n")
    assert not out.exists()
    assert run("report", small, "-o", out, "--only", "findings", "--as-of", "2025-03-14")[0] == 0
    code, _, err = run("report", small, "-o", out, "--only", "agenda", "--since", "2025-03-07")
    assert (code, err) == (2, f"saypro-xl: --since 2025-03-07: saypro_history.sqlite in {out} holds no snapshot "
                              "of Small on or before that date (the first is 2025-03-14); give a later date, or "
                              "an older copy of the tracker.\n")
    code, _, err = run("report", small, "-o", out, "--only", "agenda", "--since", "2025-04-01")
    assert (code, err) == (2, "saypro-xl: --since 2025-04-01: that is after the As Of date 2025-03-31; give the "
                              "date of the last meeting, on or before it.\n")
    code, _, err = run("report", small, "-o", out, "--since", "2025-02-31")
    assert code == 2 and err.endswith('argument --since: "2025-02-31" is not a date (use YYYY-MM-DD, '
                                      'e.g. 2025-04-25)\n')
    assert [s.as_of for s in history.series(store, "Small")] == [MARCH_14]  # nothing recorded by the refusals


def test_settings_history_file_is_taken_from_the_trackers_folder(tmp_path):
    rows_ = small_tracker_rows()
    rows_["settings"] = {**rows_["settings"], "History File": "history/clinic.sqlite"}
    (tmp_path / "trackers").mkdir()
    tracker = write_tracker_openpyxl(tmp_path / "trackers" / "Clinic.xlsx", **rows_)
    code, out, err = run("report", tracker, "-o", tmp_path / "out", "--only", "findings")
    assert code == 0, err
    store = tmp_path / "trackers" / "history" / "clinic.sqlite"
    assert f"Recorded Clinic as of 2025-03-31 in {store}" in out
    assert [s.as_of for s in history.series(store, "Clinic")] == [MARCH_31]
    assert not (tmp_path / "out" / "saypro_history.sqlite").exists()
    mine = tmp_path / "mine.sqlite"
    assert run("report", tracker, "-o", tmp_path / "out", "--only", "findings", "--history", mine)[0] == 0
    assert history.trackers(mine) == ["Clinic"]
    assert len(history.series(store, "Clinic")) == 1  # --history wins over Settings


@pytest.mark.parametrize("kind", ["foreign", "damaged", "text"])
def test_report_and_batch_refuse_a_file_that_is_not_a_history_and_write_nothing(kind, small, small_tracker,
                                                                                  tmp_path):
    make, sentence = REFUSALS[kind]
    out = tmp_path / "out"
    out.mkdir()
    store = make(out / "saypro_history.sqlite", small_tracker)
    before = store.read_bytes()
    expected = "saypro-xl: " + sentence.format(name=store.name, folder=out, current=history.CURRENT_VERSION) + "\n"
    code, stdout, err = run("report", small, "-o", out)
    assert (code, stdout, err) == (2, "", expected)
    code, stdout, err = run("batch", small, "-o", out)
    assert (code, stdout, err) == (2, "", expected)
    code, stdout, err = run("batch", small, "-o", tmp_path / "elsewhere", "--history", store)
    assert (code, stdout, err) == (2, "", expected)
    assert store.read_bytes() == before
    assert [p.name for p in out.iterdir()] == [store.name]  # no report, no journal
    assert not (tmp_path / "elsewhere").exists()


def test_a_history_that_cannot_be_written_is_exit_1_after_the_reports(small, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    code, out, err = run("report", small, "-o", tmp_path / "out", "--only", "findings",
                         "--history", blocker / "h.sqlite")
    assert code == 1
    assert out == f"Wrote {tmp_path / 'out' / 'Findings_Report_2025-03-31.xlsx'}\n"
    assert err == (f"saypro-xl: Could not write the history file h.sqlite in {blocker}: {blocker} is a file, not "
                   "a folder; choose a folder you can write to with --history PATH (or Settings' History File), "
                   "or add --no-history.\n")


def write_clinics(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name in names:
        rows_ = small_tracker_rows()
        rows_["settings"] = {**rows_["settings"], "Organisation": f"SayPro {name}"}
        made.append(write_tracker_openpyxl(folder / f"{name}.xlsx", **rows_))
    return made


def test_batch_with_two_processes_records_every_tracker_in_one_sound_history(tmp_path):
    write_clinics(tmp_path / "trackers", ["North", "South", "East", "West"])
    rows_ = small_tracker_rows()
    rows_["settings"] = {**rows_["settings"], "History File": "own.sqlite"}
    write_tracker_openpyxl(tmp_path / "trackers" / "Own.xlsx", **rows_)
    out = tmp_path / "out"
    code, stdout, err = run("batch", tmp_path / "trackers", "-o", out, "-j", "2", "--no-dashboard")
    assert code == 0, stdout + err
    store = out / "saypro_history.sqlite"
    assert f"History: 4 scorecard(s) recorded in {store}\n" in stdout
    assert f"History: 1 scorecard(s) recorded in {tmp_path / 'trackers' / 'own.sqlite'}\n" in stdout
    assert rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert history.trackers(store) == ["East", "North", "South", "West"]
    assert rows(store, "SELECT COUNT(*) FROM kpi_scores") == [(8,)]
    assert rows(store, "SELECT COUNT(*) FROM action_scores") == [(12,)]
    for name in ("East", "North", "South", "West"):
        [snap] = history.series(store, name)
        assert snap.as_of == MARCH_31 and snap.source == f"{name}.xlsx"
        assert snap.content_hash == history.content_hash(tmp_path / "trackers" / f"{name}.xlsx")
        assert snap.kpi_status["Off Track"] == 1 and snap.action_health["Overdue"] == 1
    assert history.trackers(tmp_path / "trackers" / "own.sqlite") == ["Own"]


def test_two_batches_at_once_into_one_history_lose_nothing(tmp_path):
    store = tmp_path / "shared" / "h.sqlite"
    groups = {g: write_clinics(tmp_path / g, [f"{g}{i}" for i in range(3)]) for g in ("A", "B")}
    procs = [subprocess.Popen([sys.executable, "-m", "saypro_xl.cli", "batch", str(tmp_path / g), "-o",
                               str(tmp_path / f"out_{g}"), "-j", "2", "--no-dashboard", "--only", "findings",
                               "--history", str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for g in groups]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stdout + stderr
    assert rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert history.trackers(store) == ["A0", "A1", "A2", "B0", "B1", "B2"]
    assert rows(store, "SELECT COUNT(*) FROM snapshots") == [(6,)]
    assert rows(store, "SELECT COUNT(*) FROM action_scores") == [(18,)]


def test_the_dashboard_shows_the_earlier_as_ofs_batch_recorded(tmp_path):
    """Two batch runs a week apart into one folder: the page's history holds both As Ofs, and
    `saypro-xl dashboard` reading the same folder's store shows them too."""
    import html
    import json
    import re

    from saypro_xl import cli

    tracker = tmp_path / "in" / "SayPro.xlsx"
    tracker.parent.mkdir()
    assert cli.main(["new-tracker", str(tracker), "--sample"]) == 0
    out = tmp_path / "out"
    for day in ("2025-04-18", "2025-04-25"):
        assert cli.main(["batch", str(tracker.parent), "-o", str(out), "--as-of", day]) == 0

    def history_of(page):
        raw = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S).group(1)
        data = json.loads(html.unescape(raw) if raw.lstrip().startswith("&") else raw)
        return [row["as_of"] for row in data["trackers"][0]["history"]]

    assert history_of((out / "index.html").read_text(encoding="utf-8")) == ["2025-04-18", "2025-04-25"]
    # `dashboard` reads the history where batch left it when given the same output folder.
    assert cli.main(["dashboard", str(tracker.parent), "-o", str(out)]) in (0, 1)
    assert history_of((out / "index.html").read_text(encoding="utf-8"))[:2] == ["2025-04-18", "2025-04-25"]


def test_the_pack_charts_the_status_mix_and_open_actions_over_time(tmp_path):
    """Two report runs a week apart: the second pack charts both As Ofs from the history."""
    import openpyxl

    from saypro_xl import cli
    from saypro_xl import rules as rules_
    from saypro_xl.sample import sample_tracker

    tracker = tmp_path / "SayPro.xlsx"
    assert cli.main(["new-tracker", str(tracker), "--sample"]) == 0
    out = tmp_path / "reports"
    assert cli.main(["report", str(tracker), "-o", str(out), "--only", "pack", "--as-of", "2025-04-18"]) == 0
    assert cli.main(["report", str(tracker), "-o", str(out), "--only", "pack", "--as-of", "2025-04-25"]) == 0
    book = openpyxl.load_workbook(out / "Leadership_Pack_2025-04-25.xlsx")
    titles = [c.title.tx.rich.p[0].r[0].t for c in book["Signals"]._charts if c.title is not None and c.title.tx.rich]
    assert "KPI status mix over time" in titles and "Open actions by health over time" in titles
    data = book["Chart Data"]
    rows = [[c.value for c in row] for row in data.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[:2] == ["As of", "Off Track"])
    first, second = rows[header + 1], rows[header + 2]
    # The status mix as of each date, worked from the rules on the sample on that day.
    for row, day in ((first, "2025-04-18"), (second, "2025-04-25")):
        card = rules_.score(sample_tracker(), __import__("datetime").date.fromisoformat(day))
        expected = [sum(1 for k in card.kpis if k.status.value == st) for st in ("Off Track", "At Risk", "On Track",
                                                                                  "No Data")]
        assert row[1:5] == expected, day
    assert second[1:5] == [5, 3, 2, 1]  # the sample on 25 April (README's status listing)
    # The first pack had only its own As Of: no over-time charts.
    early = openpyxl.load_workbook(out / "Leadership_Pack_2025-04-18.xlsx")
    early_titles = [c.title.tx.rich.p[0].r[0].t for c in early["Signals"]._charts
                    if c.title is not None and c.title.tx.rich]
    assert "KPI status mix over time" not in early_titles
