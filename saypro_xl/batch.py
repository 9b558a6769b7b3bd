"""Many trackers at once: one report folder per tracker, then one organisation-wide pack.

A bad tracker (not a workbook, encrypted, validation errors, a report that cannot be
written) is reported in one sentence and skipped; the others are still built.
With jobs > 1 the trackers are built in separate processes; workers take and return
only picklable data (paths, strings, frozen records).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from saypro_xl import history
from saypro_xl.dashboard import PagePart, page_part, write_page
from saypro_xl.model import Scorecard
from saypro_xl.read import TrackerFileError, first_error_sentence, load_tracker
from saypro_xl.reports import DEFAULT_REPORT_KINDS, build_consolidated_pack, build_reports, safe_file_part
from saypro_xl.rules import score
from saypro_xl.xlsx import WriteError, write_error_sentence

# What the user of `saypro-xl batch` can do about an output that cannot be written.
WRITE_HINT = "choose a folder you can write to with -o"

TRACKER_SUFFIXES = (".xlsx", ".xlsm")

# What this tool itself writes; a folder scanned for trackers may also hold last run's output.
OUTPUT_PREFIXES = (
    "findings_report_",
    "implementation_timeline_",
    "meeting_agenda_",
    "leadership_pack_",  # also Leadership_Pack_Consolidated_...
)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class TrackerOutcome:
    """What became of one tracker: its reports, or the one sentence saying why not."""

    path: Path
    ok: bool
    out_dir: Path
    outputs: tuple[Path, ...] = ()
    error: str = ""
    history: Path | None = None  # the history file its scorecard was recorded in
    history_error: str = ""  # set when its scorecard could not be recorded (its reports were built)


@dataclass(frozen=True)
class BatchResult:
    outcomes: tuple[TrackerOutcome, ...]
    consolidated_pack: Path | None = None
    consolidated_error: str = ""  # set when the organisation-wide pack could not be built
    dashboard: Path | None = None  # the web page (index.html) of every tracker built
    dashboard_error: str = ""  # set when the web page could not be written

    @property
    def failed(self) -> tuple[TrackerOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    @property
    def ok(self) -> bool:
        """True when every tracker was built and recorded, and so were the consolidated pack and the
        dashboard (those asked for)."""
        return (not self.failed and not self.consolidated_error and not self.dashboard_error
                and not any(o.history_error for o in self.outcomes))


@dataclass(frozen=True)
class DashboardResult:
    """`saypro-xl dashboard`: the page, and what became of each tracker it was to show."""

    outcomes: tuple[TrackerOutcome, ...]
    page: Path | None = None
    error: str = ""  # set when the page could not be written

    @property
    def failed(self) -> tuple[TrackerOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    @property
    def ok(self) -> bool:
        return self.page is not None and not self.failed and not self.error


# ------------------------------------------------------------------ finding trackers


def _is_candidate(file: Path) -> bool:
    name = file.name
    if name.startswith(("~$", ".")):  # Excel's lock files and hidden files
        return False
    if file.suffix.lower() not in TRACKER_SUFFIXES:
        return False
    return not name.lower().startswith(OUTPUT_PREFIXES)


def find_trackers(paths: Iterable[Path | str]) -> list[Path]:
    """Tracker files among `paths`, sorted and without duplicates.

    A file given by name is always taken (if it is not a workbook, the batch says so);
    a folder contributes its own .xlsx/.xlsm files, not its subfolders', skipping Excel
    lock files (~$...), hidden files and reports this tool wrote. A path that does not
    exist is kept, so the batch reports it instead of silently dropping it.
    """
    found: dict[Path, Path] = {}
    for given in map(Path, paths):
        if given.is_dir():
            files = [f for f in given.iterdir() if f.is_file() and _is_candidate(f)]
        else:
            files = [given]
        for file in files:
            found.setdefault(file.resolve(), file)
    return sorted(found.values(), key=lambda p: (str(p.parent).lower(), p.name.lower(), str(p)))


def tracker_name(path: Path) -> str:
    """A tracker's name: its file name without extension, made safe for a folder name. Its batch
    folder is named so (unless two clash), and its snapshots in the history are filed under it."""
    return safe_file_part(path.stem, fallback="Tracker")


def output_folder_names(trackers: Sequence[Path]) -> dict[Path, str]:
    """A distinct, file-system-safe folder name for each tracker's reports.

    The name is the tracker's stem; where two stems clash (same name in different folders,
    or names that only differ in case or in characters the sanitiser drops), the parent
    folder's name is added, then a counter. Compared without case, as Windows and macOS do.
    """
    base = {t: tracker_name(t) for t in trackers}
    clashing = _clashes(base.values())
    names = {
        t: f"{name}_{safe_file_part(t.resolve().parent.name, fallback='folder')}"
        if name.lower() in clashing else name
        for t, name in base.items()
    }
    taken: set[str] = set()
    unique: dict[Path, str] = {}
    for tracker in trackers:  # in the sorted order, so numbering is stable from run to run
        name, n = names[tracker], 1
        while name.lower() in taken:
            n += 1
            name = f"{names[tracker]}_{n}"
        taken.add(name.lower())
        unique[tracker] = name
    return unique


def _clashes(names: Iterable[str]) -> set[str]:
    counts = Counter(name.lower() for name in names)
    return {name for name, count in counts.items() if count > 1}


# ------------------------------------------------------------------ one tracker


Built = tuple[TrackerOutcome, Scorecard | None, PagePart | None]


def build_one(
    path: Path,
    out_dir: Path,
    as_of: dt.date | None,
    only: tuple[str, ...],
    meeting: str,
    page: tuple[str, bool] | None = None,
) -> Built:
    """Read, score and report one tracker; never raises for a bad tracker.

    Runs in a worker process when jobs > 1, so it takes and returns only picklable data. Besides
    its outcome it returns what the parent still needs of it, built here, where trackers are
    built side by side, rather than in the parent, which does its part alone after them all: the
    Scorecard without the tracker's actuals and updates (for the history and the consolidated
    pack, which use neither), and with `page` (its name on the web page, and whether the page
    shows more than one tracker) its share of the web page, rendered.
    """
    def failed(sentence: str) -> Built:
        return TrackerOutcome(path=path, ok=False, out_dir=out_dir, error=sentence), None, None

    try:
        tracker = load_tracker(path)
    except TrackerFileError as exc:
        return failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - a reader bug on one file must not stop the batch
        return failed(f"Could not read the tracker ({type(exc).__name__}: {exc}).")
    if tracker.errors:
        return failed(first_error_sentence(tracker, f"run `saypro-xl validate {path}`"))
    try:
        card = score(tracker, as_of)
        outputs = build_reports(card, out_dir, only=only, meeting=meeting)
    except WriteError as exc:
        return failed(str(exc))
    except OSError as exc:
        return failed(_write_failure(exc, out_dir))
    except Exception as exc:  # noqa: BLE001 - one tracker's bug must not stop the batch
        return failed(f"Could not build the reports ({type(exc).__name__}: {exc}).")
    part = None
    if page is not None:
        try:
            part = page_part(card, *page)
        except Exception as exc:  # noqa: BLE001 - one tracker's bug must not stop the batch
            return failed(f"Could not build its part of the web page ({type(exc).__name__}: {exc}).")
    outcome = TrackerOutcome(path=path, ok=True, out_dir=out_dir, outputs=tuple(map(Path, outputs)))
    return outcome, _without_actuals(card), part


def _without_actuals(card: Scorecard) -> Scorecard:
    """The card as the parent keeps it: its tracker's actuals and updates are most of it (sent
    back from each worker, kept for the whole batch), and what follows the workers uses neither."""
    return replace(card, tracker=replace(card.tracker, actuals=(), updates=()))


# ------------------------------------------------------------------ the batch


def run_batch(
    paths: Iterable[Path | str],
    out_dir: Path | str,
    jobs: int = 1,
    as_of: dt.date | None = None,
    only: Iterable[str] = DEFAULT_REPORT_KINDS,
    meeting: str = "follow-up",
    progress: Progress | None = None,
    dashboard: bool = True,
    record_history: bool = False,
    history_file: Path | str | None = None,
) -> BatchResult:
    """Build every report for each tracker found in `paths`, then the consolidated pack
    and the web dashboard (out_dir/index.html, unless `dashboard` is False).

    `only` picks report kinds; the organisation-wide pack is built when "pack" is
    among them and at least one tracker succeeded. `progress(done, total, tracker_name)` is
    called after each tracker, in completion order. Outcomes come back in `find_trackers` order.

    With `record_history`, each tracker built has its scorecard recorded in the history store
    (see history.history_path: `history_file`, else its Settings' History File, else
    out_dir/saypro_history.sqlite) under its folder's name, before the pack and the dashboard are
    written. A store that is not one (history.UnusableHistory) at `history_file` or the default
    place is refused before anything is built; one named in a tracker's Settings is that
    tracker's `history_error`.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}.")
    out_dir = Path(out_dir)
    if record_history:
        history.check(history_file or out_dir / history.DEFAULT_NAME)
    trackers = find_trackers(paths)
    folders = output_folder_names(trackers)
    kinds = tuple(only)
    # Each tracker's share of the web page is rendered with it, for a page of all of them; should
    # only one be built after all, write_page renders its rows again.
    many = len(trackers) > 1
    tasks = [(t, out_dir / folders[t], as_of, kinds, meeting, (folders[t], many) if dashboard else None)
             for t in trackers]

    results: dict[Path, Built] = {}
    recorded = 0  # how many trackers, in find_trackers order, have had their history recorded

    def record(task, result) -> None:
        nonlocal recorded
        results[task[0]] = result
        # Recorded as the trackers come in, while the workers build the rest, rather than all after them.
        while record_history and recorded < len(trackers) and trackers[recorded] in results:
            _record_history(results, trackers[recorded], folders[trackers[recorded]], out_dir, history_file)
            recorded += 1
        if progress:
            progress(len(results), len(tasks), task[0].name)

    if jobs == 1 or len(tasks) < 2:
        for task in tasks:  # inline: a debugger and a traceback see the real frames
            record(task, build_one(*task))
    else:
        _run_in_processes(tasks, min(jobs, len(tasks)), record)

    outcomes = tuple(results[t][0] for t in trackers)
    cards = [results[t][1] for t in trackers if results[t][1] is not None]
    pack, pack_error = None, ""
    if cards and "pack" in kinds:
        pack, pack_error = _consolidated(cards, out_dir)
    page, page_error = None, ""
    if cards and dashboard:
        built = [t for t in trackers if results[t][1] is not None]
        stores = [results[t][0].history if record_history else None for t in built]
        page, page_error = _dashboard([results[t][2] for t in built], out_dir, stores)
    return BatchResult(outcomes=outcomes, consolidated_pack=pack, consolidated_error=pack_error,
                       dashboard=page, dashboard_error=page_error)


def _record_history(results: dict[Path, Built], tracker: Path, folder: str, out_dir: Path,
                    history_file: Path | str | None) -> None:
    """Record a built tracker's scorecard; its outcome says where, or why not.

    Only this, the parent process, writes the history: the workers hand their Scorecards back
    (for the consolidated pack too) and never open it, so `-j N` never has two of our processes
    writing one file (history.record says why not WAL). In `find_trackers` order, one
    transaction per tracker.
    """
    outcome, card, part = results[tracker]
    if card is None:
        return
    store = history.history_path(tracker, card.tracker.settings, out_dir, history_file)
    try:
        history.record(store, card, folder, history.content_hash(tracker))
    except history.HistoryError as exc:
        outcome = replace(outcome, history_error=str(exc))
    except OSError as exc:  # the tracker file gone before it could be hashed
        outcome = replace(outcome, history_error=f"Could not read {tracker.name} to record it: "
                                                 f"{exc.strerror or exc}.")
    else:
        outcome = replace(outcome, history=store)
    results[tracker] = (outcome, card, part)


# ------------------------------------------------------------------ the web dashboard alone


def score_one(path: Path, as_of: dt.date | None) -> tuple[Scorecard | None, str]:
    """Read and score one tracker: its Scorecard, or None and the sentence saying why not."""
    try:
        tracker = load_tracker(path)
    except TrackerFileError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a reader bug on one file must not stop the others
        return None, f"Could not read the tracker ({type(exc).__name__}: {exc})."
    if tracker.errors:
        return None, first_error_sentence(tracker, f"run `saypro-xl validate {path}`")
    try:
        return score(tracker, as_of), ""
    except Exception as exc:  # noqa: BLE001 - one tracker's bug must not stop the others
        return None, f"Could not score the tracker ({type(exc).__name__}: {exc})."


def run_dashboard(paths: Iterable[Path | str], out_dir: Path | str,
                  as_of: dt.date | None = None) -> DashboardResult:
    """One web page, out_dir/index.html, for every tracker found in `paths` (as `batch` finds
    them); a tracker that cannot be read or has validation errors is reported and left out.
    Trackers are named on the page as `batch` names their folders."""
    out_dir = Path(out_dir)
    trackers = find_trackers(paths)
    folders = output_folder_names(trackers)
    outcomes, parts, stores = [], [], []
    for tracker in trackers:
        card, error = score_one(tracker, as_of)
        outcomes.append(TrackerOutcome(path=tracker, ok=card is not None, out_dir=out_dir, error=error))
        if card is not None:
            # Its share of the page now, so no tracker's Scorecard is kept past its turn.
            parts.append(page_part(card, folders[tracker], len(trackers) > 1))
            # Read, never written here: the history that report and batch runs left behind.
            stores.append(history.history_path(tracker, card.tracker.settings, out_dir, None))
    page, page_error = _dashboard(parts, out_dir, stores) if parts else (None, "")
    return DashboardResult(outcomes=tuple(outcomes), page=page, error=page_error)


def _dashboard(parts: list[PagePart], out_dir: Path, stores: list[Path | None]) -> tuple[Path | None, str]:
    """The web page, with each tracker's earlier As Ofs from its history store (a history.Snapshot
    stands where the page expects a point) under the name the run recorded it by."""
    over_time = {}
    for i, store in enumerate(stores):
        if store is None or not Path(store).is_file():
            continue
        try:
            over_time[i] = history.series(store, parts[i].entry["name"], until=parts[i].as_of)
        except history.HistoryError:
            continue  # the page still shows today; report and batch say what is wrong with the file
    try:
        return write_page(parts, out_dir, history=over_time or None), ""
    except OSError as exc:
        return None, _write_failure(exc, out_dir)


def _run_in_processes(tasks, workers: int, record) -> None:
    # "spawn" everywhere: it is what Windows does, so a worker that only works when forked
    # (relying on state inherited from the parent) fails here too, not only on users' machines.
    context = multiprocessing.get_context("spawn")
    # A worker that dies (killed for memory, say) breaks the whole pool, and every tracker still
    # queued fails with it. Those are built again one at a time, each in a pool of its own, so
    # only a tracker that kills its own worker is reported: the batch survives any one tracker.
    for task, exc in _run_pool(tasks, workers, record, context):
        for _, again in _run_pool([task], 1, record, context):
            record(task, _crashed(task, again))


def _run_pool(tasks, workers: int, record, context) -> list[tuple[tuple, BaseException]]:
    """Build `tasks` in a pool, recording each result; the tasks lost to a broken pool, unrecorded."""
    broken = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(build_one, *task): task for task in tasks}
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    broken.append((task, exc))
                    continue
                except Exception as exc:  # noqa: BLE001 - a result that cannot come back, and the like
                    result = _crashed(task, exc)
                record(task, result)
        except BaseException:  # Ctrl+C or a failing progress callback: don't start the rest
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return broken


def _crashed(task, exc: BaseException) -> Built:
    path, folder = task[0], task[1]
    if isinstance(exc, BrokenProcessPool):  # met twice: the second time it was built alone
        how = "stopped (it was killed, perhaps for want of memory), also when built alone"
    else:
        how = f"failed ({str(exc) or type(exc).__name__})"
    sentence = f"The process building this tracker {how}; run `saypro-xl report {path}` to see why."
    return TrackerOutcome(path=path, ok=False, out_dir=folder, error=sentence), None, None


def _consolidated(cards: list[Scorecard], out_dir: Path) -> tuple[Path | None, str]:
    try:
        return Path(build_consolidated_pack(cards, out_dir)), ""
    except WriteError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, _write_failure(exc, out_dir)


def _write_failure(exc: OSError, out_dir: Path) -> str:
    """The file and folder that could not be written (never a temporary name), and what to do."""
    if exc.filename is None:  # not from atomic_path: name the folder the user chose
        return f"Could not write the reports in {out_dir}: {exc.strerror or exc}; {WRITE_HINT}."
    return write_error_sentence(exc, WRITE_HINT)

