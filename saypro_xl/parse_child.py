"""The child process of saypro_xl.guard.parse_isolated: python-calamine parses a workbook here.

    python -P parse_child.py '["Objectives", "Actuals"]' MEMORY_BYTES  < workbook bytes

Run as a script, never imported by the package: it imports only the standard library and
python-calamine, so it starts fast. It limits its own address space to MEMORY_BYTES (POSIX),
parses the workbook from stdin and writes a pickle to stdout: {"names": [...], "grids":
{sheet: rows}} or {"error": "open" | "sheet", "sheet": ..., "detail": ...}. In the rows an empty
cell is None (calamine's "" converted here, once), and equal texts and dates are one object each,
so the pickle names each once (a sheet repeats its IDs and dates on every row). If calamine aborts
the process (an allocation it cannot make), only this child dies; the parent says so in one
sentence. Exit codes: 0 answered, 3 out of memory (MemoryError), 5 python-calamine missing.
"""

import datetime
import gc
import io
import json
import pickle
import sys

OUT_OF_MEMORY, CALAMINE_MISSING = 3, 5
MOST_KEPT = 1_000_000  # distinct texts and dates made one object each (the benchmark tracker has 64,000)


def _limit_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # Windows, or a hard limit already lower
        pass


def _failure(kind: str, exc: BaseException, sheet: str = "") -> dict:
    """The answer for a parse that raised: a Rust panic over memory (zlib-rs says MemError when
    an allocation fails under the limit) is a memory failure, anything else a damaged file."""
    text = str(exc)
    if type(exc).__name__ == "PanicException" and ("MemError" in text or "alloc" in text.lower()):
        return {"error": "memory", "detail": text}
    return {"error": kind, "sheet": sheet, "detail": text}


def _compact(grid: list, one: dict) -> list:
    """calamine's rows with None for "" and one object for equal texts and dates (see the top);
    `one` holds the first of each value, across sheets, starting as {"": None}. Texts and dates
    never equal each other, so one table serves both."""
    keep = one.setdefault
    kinds = frozenset((str, datetime.date, datetime.datetime))  # never floats: 1.0 == True, 0.0 == -0.0
    for i, row in enumerate(grid):  # row by row, so the old rows go as the new ones come
        if len(one) >= MOST_KEPT:  # texts mostly all different: the table would only cost memory
            keep = one.get
        grid[i] = [keep(v, v) if type(v) in kinds else v for v in row]
    return grid


def main(argv: list) -> int:
    # A short-lived process whose objects form no cycles: the collector would only walk the rows.
    gc.disable()
    titles, memory = json.loads(argv[1]), int(argv[2])
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return CALAMINE_MISSING
    _limit_memory(memory)  # after the import: a missing library is not a memory problem
    out = sys.stdout.buffer
    try:
        data = sys.stdin.buffer.read()
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            names = list(book.sheet_names)
        except MemoryError:
            raise
        except BaseException as exc:  # calamine's errors, and a Rust panic (pyo3's PanicException)
            pickle.dump(_failure("open", exc), out)
            return 0
        grids, one = {}, {"": None}
        for title in titles:
            if title not in names:
                continue
            try:
                grids[title] = _compact(book.get_sheet_by_name(title).to_python(skip_empty_area=False), one)
            except MemoryError:
                raise
            except BaseException as exc:  # as above
                pickle.dump(_failure("sheet", exc, title), out)
                return 0
        pickle.dump({"names": names, "grids": grids}, out, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
