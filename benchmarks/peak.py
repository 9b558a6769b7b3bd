"""A measured process's peak memory, written when it ends (imports nothing of the project's,
so loading it costs the measured command nothing)."""

from __future__ import annotations

import os
import sys

PEAK_FILE = "SAYPRO_BENCH_PEAK_FILE"


def peak_mb() -> float | None:
    """This process's peak resident memory since it started its program, in MB.

    VmHWM where /proc has it: ru_maxrss would also count the pages a fork shares with the
    parent that started it. None where neither can be read (Windows).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def write_peak() -> None:
    """Write peak_mb() to the file SAYPRO_BENCH_PEAK_FILE names, if it names one."""
    path = os.environ.get(PEAK_FILE)
    found = peak_mb()
    if path and found is not None:
        with open(path, "w") as out:
            out.write(f"{found}")


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    except OSError:
        pass
    return found


def tree_pss_mb(pid: int) -> float | None:
    """Proportional set size of a process and all its descendants now, in MB (None without /proc).

    Pages a forked child still shares with its parent are split between them, so the sum is the
    memory the whole tree holds, counted once.
    """
    total, todo, seen = 0, [pid], False
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        seen = True
                        break
        except OSError:
            continue
        todo += _children(current)
    return total / 1024 if seen else None
