"""A small harness: run ours and a peer on the same data, print one table.

Every ``benchmarks/bench_*.py`` defines ``main(quick: bool = False)``, builds
its data once, and for each case calls :func:`compare`, which times both
callables the same way in this process and returns a row; :func:`print_table`
prints the rows with the median times, the ratio peer/ours and the quality
columns that show the two computed the same thing.

Times are wall-clock medians over ``repeat`` runs after one untimed warm-up
(which also triggers numba compilation, reported separately when asked).
Peak memory is the growth of the process's resident set (VmHWM on Linux,
reset before each measured call), so it counts NumPy, numba and C
allocations alike.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable

__all__ = [
    "compare",
    "compare_interleaved",
    "measure",
    "peak_rss_growth",
    "print_table",
]


def _read_status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_growth(func: Callable[[], object]) -> tuple[float | None, object]:
    """Run ``func`` once; return (peak resident-set growth in bytes, result).

    Returns ``None`` for the growth where the platform cannot reset the peak.
    """
    gc.collect()
    if not _reset_peak():
        return None, func()
    before = _read_status("VmRSS")
    result = func()
    peak = _read_status("VmHWM")
    return float(max(peak - before, 0)), result


def measure(
    func: Callable[[], object], *, repeat: int = 3, warmup: bool = True
) -> tuple[float, object]:
    """Median wall time of ``func`` over ``repeat`` calls, and the last result."""
    if warmup:
        func()
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def compare(
    case: str,
    ours: Callable[[], object],
    peer: Callable[[], object] | None,
    *,
    repeat: int = 3,
    quality: Callable[[object, object], dict] | None = None,
    memory: bool = False,
    warmup: bool = True,
) -> dict:
    """Time ``ours`` and ``peer`` on the same data; return a table row.

    Parameters
    ----------
    case : str
        Row label (data size, setting).
    ours, peer : callable
        Zero-argument callables; ``peer`` may be ``None`` when the peer is not
        installed (the row then says so rather than inventing a number).
    repeat : int
        Timed calls per side.
    quality : callable(ours_result, peer_result) -> dict, optional
        Extra columns (coverage, CI bounds, WIS...) from the two results.
    memory : bool
        Also record each side's peak resident-set growth (one extra call).
    warmup : bool
        Run each side once untimed first (compilation, caches).
    """
    row: dict = {"case": case}
    t_ours, r_ours = measure(ours, repeat=repeat, warmup=warmup)
    row["ours_s"] = t_ours
    r_peer = None
    if peer is not None:
        t_peer, r_peer = measure(peer, repeat=repeat, warmup=warmup)
        row["peer_s"] = t_peer
        row["speedup"] = t_peer / t_ours if t_ours > 0 else float("inf")
    else:
        row["peer_s"] = None
        row["speedup"] = None
    if memory:
        row["ours_MB"] = _mb(peak_rss_growth(ours)[0])
        row["peer_MB"] = _mb(peak_rss_growth(peer)[0]) if peer else None
        if row["ours_MB"] and row["peer_MB"]:
            row["mem_ratio"] = row["ours_MB"] / row["peer_MB"]
    if quality is not None:
        row.update(quality(r_ours, r_peer))
    return row


def compare_interleaved(
    case: str,
    ours: Callable[[], object],
    peer: Callable[[], object] | None,
    *,
    repeat: int = 21,
    quality: Callable[[object, object], dict] | None = None,
    inner: int = 1,
) -> dict:
    """Time ``ours`` and ``peer`` interleaved (ours, peer, peer, ours, ...).

    For a machine shared with other work: a burst of load hits both sides
    alike. Both are warmed up once; each of ``repeat`` rounds times ``inner``
    back-to-back calls per side (for calls of microseconds) after a
    ``gc.collect()``. ``ours_s``/``peer_s``/``speedup`` use the best round
    (the least noisy estimate of the work itself), ``*_med`` the medians.
    """
    r_ours = ours()
    r_peer = peer() if peer is not None else None
    sides = {"ours": (ours, [])}
    if peer is not None:
        sides["peer"] = (peer, [])
    for i in range(repeat):
        for name in list(sides) if i % 2 == 0 else list(reversed(sides)):
            func, times = sides[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(inner):
                func()
            times.append((time.perf_counter() - start) / inner)
    t_ours = sides["ours"][1]
    row: dict = {"case": case, "ours_s": min(t_ours)}
    t_peer = sides["peer"][1] if peer is not None else None
    row["peer_s"] = min(t_peer) if t_peer else None
    row["speedup"] = row["peer_s"] / row["ours_s"] if t_peer else None
    row["ours_med"] = statistics.median(t_ours)
    row["peer_med"] = statistics.median(t_peer) if t_peer else None
    row["speedup_med"] = row["peer_med"] / row["ours_med"] if t_peer else None
    if quality is not None:
        row.update(quality(r_ours, r_peer))
    return row


def _mb(value):
    return None if value is None else value / 2**20


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if value == 0 or 1e-3 <= abs(value) < 1e5:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return str(value)


def print_table(title: str, rows: list[dict], *, peer: str = "peer") -> str:
    """Print ``rows`` as a Markdown table and return the text."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    header = [c.replace("peer", peer) for c in columns]
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c)) for c in columns) + " |")
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def environment() -> str:
    """One line describing the machine, for the top of a report."""
    import platform

    import numpy as np
    import sklearn

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} cpus"
    )
