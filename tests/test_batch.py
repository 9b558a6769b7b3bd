"""Batch: every good tracker gets its reports, a bad one is reported in one sentence and skipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl.batch import BatchResult, _without_actuals, find_trackers, output_folder_names, run_batch
from saypro_xl.dashboard import write_dashboard
from saypro_xl.read import load_tracker
from saypro_xl.reports.names import report_file_name
from saypro_xl.reports.pack import consolidated_workbook
from saypro_xl.rules import score

AS_OF = dt.date(2025, 3, 31)
MEETING_DATE = dt.date(2025, 4, 2)  # small_tracker_rows' Settings
REPORTS = {report_file_name(kind, AS_OF, "follow-up", MEETING_DATE)
           for kind in ("findings", "timeline", "agenda", "pack")}


def write_good(path: Path, organisation: str) -> Path:
    rows = small_tracker_rows()
    rows["settings"] = {**rows["settings"], "Organisation": organisation}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_tracker_openpyxl(path, **rows)


@pytest.fixture(scope="module")
def trackers(tmp_path_factory) -> dict[str, Path]:
    """A folder of two good trackers and two broken ones, plus a third good one elsewhere
    with the same file name as one in the folder."""
    root = tmp_path_factory.mktemp("batch_in")
    folder = root / "trackers"
    made = {
        "north": write_good(folder / "Clinic_North.xlsx", "SayPro North"),
        "south": write_good(folder / "Clinic_South.xlsx", "SayPro South"),
        "other_north": write_good(root / "other" / "Clinic_North.xlsx", "SayPro Other North"),
    }
    junk = folder / "Broken.xlsx"
    junk.write_bytes(bytes(range(256)) * 8)
    made["junk"] = junk
    rows = small_tracker_rows()
    rows["actions"][1] = {**rows["actions"][1], "Start Date": "31/02/2025"}  # planted at Actions!H3
    made["planted"] = write_tracker_openpyxl(folder / "Planted.xlsx", **rows)
    # Things a folder scan must pass over.
    (folder / "~$Clinic_North.xlsx").write_bytes(b"lock")
    (folder / ".hidden.xlsx").write_bytes(b"hidden")
    (folder / "notes.txt").write_text("not a tracker")
    (folder / "Leadership_Pack_2025-03-24.xlsx").write_bytes(b"last week's output")
    (folder / "old").mkdir()
    write_good(folder / "old" / "Archived.xlsx", "SayPro Archive")  # subfolders are not scanned
    made["folder"] = folder
    return made


def batch_inputs(trackers) -> list[Path]:
    return [trackers["folder"], trackers["other_north"]]


@pytest.fixture(scope="module")
def serial(trackers, tmp_path_factory) -> tuple[BatchResult, Path, list]:
    out = tmp_path_factory.mktemp("batch_out_j1")
    calls: list[tuple[int, int, str]] = []
    result = run_batch(batch_inputs(trackers), out, jobs=1, as_of=AS_OF,
                       progress=lambda done, total, name: calls.append((done, total, name)))
    return result, out, calls


@pytest.fixture(scope="module")
def parallel(trackers, tmp_path_factory) -> tuple[BatchResult, Path]:
    out = tmp_path_factory.mktemp("batch_out_j2")
    return run_batch(batch_inputs(trackers), out, jobs=2, as_of=AS_OF), out


# ------------------------------------------------------------------ finding trackers


def test_find_trackers_takes_workbooks_and_skips_locks_hidden_and_outputs(trackers):
    folder = trackers["folder"]
    found = find_trackers([folder, trackers["other_north"], folder / "Clinic_South.xlsx"])
    assert found == [
        trackers["other_north"],
        folder / "Broken.xlsx",
        folder / "Clinic_North.xlsx",
        folder / "Clinic_South.xlsx",  # given twice, listed once
        folder / "Planted.xlsx",
    ]


def test_find_trackers_keeps_a_missing_path_so_it_gets_reported(tmp_path):
    missing = tmp_path / "nowhere.xlsx"
    assert find_trackers([missing]) == [missing]


def test_find_trackers_takes_xlsm_and_any_file_named_explicitly(tmp_path):
    (tmp_path / "Macro.XLSM").write_bytes(b"x")
    (tmp_path / "old.xls").write_bytes(b"x")
    assert find_trackers([tmp_path]) == [tmp_path / "Macro.XLSM"]
    assert find_trackers([tmp_path / "old.xls"]) == [tmp_path / "old.xls"]


def test_output_folder_names_never_collide(tmp_path):
    a = tmp_path / "north" / "Tracker.xlsx"
    b = tmp_path / "south" / "Tracker.xlsx"
    c = tmp_path / "south" / "tracker.xlsm"  # same name on a case-insensitive disk
    d = tmp_path / "Sales Q1.xlsx"
    e = tmp_path / "misc" / "Sales_Q1.xlsx"  # the same once sanitised
    f = tmp_path / "Finance.xlsx"
    names = output_folder_names([a, b, c, d, e, f])
    assert names == {
        a: "Tracker_north",
        b: "Tracker_south",
        c: "tracker_south_2",
        d: f"Sales_Q1_{tmp_path.name}",
        e: "Sales_Q1_misc",
        f: "Finance",
    }


# ------------------------------------------------------------------ the batch


def test_good_trackers_are_built_and_bad_ones_reported(serial, trackers):
    result, out, _ = serial
    by_path = {o.path: o for o in result.outcomes}
    folder = trackers["folder"]
    assert list(by_path) == find_trackers(batch_inputs(trackers))

    expected_dirs = {
        trackers["north"]: out / "Clinic_North_trackers",
        trackers["south"]: out / "Clinic_South",
        trackers["other_north"]: out / "Clinic_North_other",
    }
    for path, report_dir in expected_dirs.items():
        outcome = by_path[path]
        assert outcome.ok, outcome.error
        assert outcome.error == ""
        assert outcome.out_dir == report_dir
        assert {p.name for p in outcome.outputs} == REPORTS
        assert {p.parent for p in outcome.outputs} == {report_dir}
        assert sorted(p.name for p in report_dir.iterdir()) == sorted(REPORTS)  # no temporaries left
        for report in outcome.outputs:
            book = openpyxl.load_workbook(report, read_only=True)
            assert book.sheetnames
            book.close()

    broken = by_path[folder / "Broken.xlsx"]
    assert not broken.ok and broken.outputs == ()
    assert broken.error == ("Broken.xlsx is not an Excel workbook; open the tracker in Excel and save it "
                            "as .xlsx (File > Save As > Excel Workbook).")
    planted = by_path[folder / "Planted.xlsx"]
    assert not planted.ok and planted.outputs == ()
    assert planted.error == ('Actions!H3: Start Date "31/02/2025" is not a date '
                             "(use 2025-02-28 or a date cell)")
    assert not (out / "Broken").exists() and not (out / "Planted").exists()

    assert [o.path for o in result.failed] == [folder / "Broken.xlsx", folder / "Planted.xlsx"]
    assert not result.ok


def test_consolidated_pack_covers_the_good_trackers_only(serial):
    result, out, _ = serial
    assert result.consolidated_error == ""
    pack = result.consolidated_pack
    assert pack is not None and pack.parent == out and pack.suffix == ".xlsx"
    book = openpyxl.load_workbook(pack, read_only=True)
    text = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                    for v in row if v is not None)
    book.close()
    for organisation in ("SayPro North", "SayPro South", "SayPro Other North"):
        assert organisation in text
    assert "SayPro Archive" not in text


def test_progress_reports_each_tracker_once(serial, trackers):
    _, _, calls = serial
    names = [p.name for p in find_trackers(batch_inputs(trackers))]
    assert [done for done, _, _ in calls] == [1, 2, 3, 4, 5]
    assert {total for _, total, _ in calls} == {5}
    assert sorted(name for _, _, name in calls) == sorted(names)


def test_two_processes_give_the_same_outputs_as_one(serial, parallel):
    (one, out1, _), (two, out2) = serial, parallel

    def shape(result: BatchResult, out: Path):
        return [(o.path, o.ok, o.error, o.out_dir.relative_to(out),
                 tuple(p.relative_to(out) for p in o.outputs)) for o in result.outcomes]

    assert shape(one, out1) == shape(two, out2)
    assert two.consolidated_pack.relative_to(out2) == one.consolidated_pack.relative_to(out1)
    files1 = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file())
    files2 = sorted(p.relative_to(out2) for p in out2.rglob("*") if p.is_file())
    assert files1 == files2
    # The creation date is pinned, so the same tracker on the same day gives the same bytes.
    for rel in files1:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel


def test_only_some_kinds_and_no_consolidated_pack_without_pack(trackers, tmp_path):
    result = run_batch([trackers["south"]], tmp_path, as_of=AS_OF, only=["findings", "timeline"])
    [outcome] = result.outcomes
    assert outcome.ok, outcome.error
    assert {p.name for p in outcome.outputs} == {report_file_name("findings", AS_OF),
                                                 report_file_name("timeline", AS_OF)}
    assert result.consolidated_pack is None and result.ok


def test_nothing_good_means_no_consolidated_pack(trackers, tmp_path):
    result = run_batch([trackers["junk"], tmp_path / "missing.xlsx"], tmp_path / "out", jobs=2, as_of=AS_OF)
    assert [o.ok for o in result.outcomes] == [False, False]
    assert result.outcomes[1].error.startswith('Tracker file "')
    assert result.outcomes[1].error.endswith('missing.xlsx" was not found; check the path and try again.')
    assert result.consolidated_pack is None


def test_an_unwritable_output_is_one_sentence_per_tracker(trackers, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    result = run_batch([trackers["south"]], blocker, as_of=AS_OF)
    [outcome] = result.outcomes
    assert not outcome.ok
    # The first report it tried, the folder it was for, what stood in the way and what to do;
    # never the hidden temporary name.
    assert outcome.error == (f"Could not write {report_file_name('findings', AS_OF)} in "
                             f"{blocker / 'Clinic_South'}: {blocker} is a file, not a folder; "
                             "choose a folder you can write to with -o.")


def test_jobs_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="jobs must be 1 or more, not 0."):
        run_batch([tmp_path], tmp_path / "out", jobs=0)


def test_a_consolidated_pack_that_cannot_be_written_is_reported(trackers, tmp_path):
    # A folder squatting on the pack's file name makes the final rename fail.
    (tmp_path / f"Leadership_Pack_Consolidated_{AS_OF.isoformat()}").with_suffix(".xlsx").mkdir()
    result = run_batch([trackers["south"]], tmp_path, as_of=AS_OF)
    assert [o.ok for o in result.outcomes] == [True]
    assert result.consolidated_pack is None
    assert result.consolidated_error == (
        f"Could not write Leadership_Pack_Consolidated_{AS_OF.isoformat()}.xlsx in {tmp_path}: "
        "a folder of that name is in the way; choose a folder you can write to with -o.")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    assert not result.ok


def test_jobs_above_one_uses_a_process_pool_sized_to_the_work(trackers, tmp_path, monkeypatch):
    import saypro_xl.batch as batch

    pools: list[int] = []

    class SpyPool(batch.ProcessPoolExecutor):
        def __init__(self, max_workers, mp_context):
            pools.append(max_workers)
            assert mp_context.get_start_method() == "spawn"  # as on Windows
            super().__init__(max_workers=max_workers, mp_context=mp_context)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", SpyPool)
    inputs = [trackers["north"], trackers["south"]]
    run_batch(inputs, tmp_path / "j1", jobs=1, as_of=AS_OF, only=["findings"])
    assert pools == []  # jobs=1 stays in this process
    result = run_batch(inputs, tmp_path / "j8", jobs=8, as_of=AS_OF, only=["findings"])
    assert pools == [2]  # never more processes than trackers
    assert [o.ok for o in result.outcomes] == [True, True]


def test_template_sample_tracker_through_batch_and_into_a_mail(tmp_path):
    # The real template (not the openpyxl builder), in worker processes, then the pack is mailed.
    from saypro_xl.mail import build_message, check_macro_free
    from saypro_xl.sample import sample_tracker
    from saypro_xl.template import write_tracker

    first = write_tracker(tmp_path / "in" / "SayPro_Tracker.xlsx", sample_tracker())
    second = write_tracker(tmp_path / "in" / "copy" / "SayPro_Tracker.xlsx", sample_tracker())
    result = run_batch([first, second], tmp_path / "out", jobs=2)  # As Of from Settings: 2025-04-25
    assert [o.ok for o in result.outcomes] == [True, True], [o.error for o in result.outcomes]
    assert [o.out_dir.name for o in result.outcomes] == ["SayPro_Tracker_in", "SayPro_Tracker_copy"]
    assert [p.name for p in result.outcomes[0].outputs] == [
        "Findings_Report_2025-04-25.xlsx",
        "Implementation_Timeline_2025-04-25.xlsx",
        "Meeting_Agenda_follow-up_2025-04-29.xlsx",
        "Leadership_Pack_2025-04-25.xlsx",
    ]
    assert result.consolidated_pack == tmp_path / "out" / "Leadership_Pack_Consolidated_2025-04-25.xlsx"
    check_macro_free(result.consolidated_pack)
    message = build_message(result.consolidated_pack, ["ceo@saypro.example"])
    assert message["Subject"] == "SayPro Leadership Pack Consolidated – 2025-04-25"


def test_the_page_workers_put_together_is_the_page_of_the_trackers_built(serial, parallel, trackers, tmp_path):
    # Each worker renders its tracker's share of the page; the parent only puts them together.
    for result, out in (serial[:2], parallel):
        built = [o for o in result.outcomes if o.ok]
        assert len(built) == 3
        cards = [score(load_tracker(o.path), AS_OF) for o in built]
        expected = write_dashboard(cards, tmp_path / out.name, names=[o.out_dir.name for o in built])
        assert result.dashboard.read_bytes() == expected.read_bytes()
    # Rendered for a page of many trackers, but only one was built: the parent renders it again.
    result = run_batch([trackers["junk"], trackers["south"]], tmp_path / "one", jobs=2, as_of=AS_OF,
                       only=["findings"])
    alone = write_dashboard([score(load_tracker(trackers["south"]), AS_OF)], tmp_path / "alone",
                            names=["Clinic_South"])
    assert result.dashboard.read_bytes() == alone.read_bytes()


def test_workers_send_back_what_the_consolidated_pack_needs(trackers):
    # The parent keeps each Scorecard without its actuals and updates; the pack must not miss them.
    cards = [score(load_tracker(trackers[name]), AS_OF) for name in ("north", "south")]
    assert consolidated_workbook([_without_actuals(c) for c in cards]) == consolidated_workbook(cards)
