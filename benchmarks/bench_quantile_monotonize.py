"""Crossing repair over a (1,000,000 x 99) matrix of quantile predictions.

Ours: :func:`skvariance.quantile.monotonize` with ``"isotonic"`` (numba PAVA
across the levels of every row, 1 thread and all threads) and ``"sort"``
(NumPy's row sort). Peer: a loop of scikit-learn's ``IsotonicRegression``
over the rows, the way one would do it without a row-wise kernel. The loop is
timed on a subset of rows and scaled linearly to the full matrix (rows are
independent, so the loop's time is linear in the row count); the table says
how many rows were timed. Quality: the largest absolute difference to
scikit-learn on those rows, and the mean pinball loss (x2 = WIS) before and
after on a target drawn beside the predictions.
"""

import os
import time

import numpy as np
from _harness import measure, print_table
from sklearn.isotonic import IsotonicRegression

from skvariance.metrics import weighted_interval_score
from skvariance.quantile import monotonize


def _sklearn_loop(q):
    x = np.arange(q.shape[1])
    return np.stack([IsotonicRegression().fit_transform(x, row) for row in q])


def main(quick: bool = False):
    n_rows, n_loop = (100_000, 1_000) if quick else (1_000_000, 5_000)
    n_levels = 99
    rng = np.random.default_rng(0)
    levels = np.linspace(0.01, 0.99, n_levels)
    # increasing quantile curves plus noise: many small crossings per row
    q = np.sort(rng.normal(size=(1, n_levels)), axis=1) + 0.3 * rng.normal(
        size=(n_rows, n_levels)
    )
    y = rng.normal(size=n_rows)
    crossing = float(np.mean(np.any(np.diff(q, axis=1) < 0, axis=1)))

    start = time.perf_counter()
    peer_rows = _sklearn_loop(q[:n_loop])
    t_loop = (time.perf_counter() - start) * n_rows / n_loop

    threads = os.cpu_count()
    rows = []
    wis_before = weighted_interval_score(y, q, levels)
    cases = [
        ("isotonic (numba PAVA), n_jobs=1", "isotonic", 1),
        (f"isotonic (numba PAVA), n_jobs=-1 ({threads} cores)", "isotonic", -1),
        ("sort (NumPy)", "sort", None),
    ]
    for label, method, n_jobs in cases:
        t_ours, fixed = measure(
            lambda m=method, j=n_jobs: monotonize(q, m, n_jobs=j), repeat=3
        )
        row = {
            "case": f"{label}, {n_rows} x {n_levels}",
            "ours_s": t_ours,
            "peer_s": t_loop,
            "speedup": t_loop / t_ours,
            "rows_timed_for_peer": n_loop,
            "WIS_before": wis_before,
            "WIS_after": weighted_interval_score(y, fixed, levels),
        }
        if method == "isotonic":
            row["max_abs_diff_vs_sklearn"] = float(
                np.max(np.abs(fixed[:n_loop] - peer_rows))
            )
        rows.append(row)
    title = (
        f"crossing repair, {crossing:.0%} of rows crossing "
        "(peer: loop of sklearn IsotonicRegression, scaled from the rows timed)"
    )
    return print_table(title, rows, peer="sklearn_loop")


if __name__ == "__main__":
    main()
