"""The history store: snapshots recorded once per tracker and As Of, read back as series, a file
that is not ours refused and left byte-identical, migrations applied once, many writers at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl import history
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
