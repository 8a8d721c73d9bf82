"""Aggregation weights: the exact LP (HiGHS) against the L-BFGS solver.

``QuantileAggregator`` fits its ``"global"`` and ``"per_quantile"`` weights
on the out-of-fold predictions ``P`` (n_samples x 4 models x 7 levels) by
the linear program (``solver="highs-ipm"``, the peer here) or by L-BFGS-B
on a smoothed pinball loss (``solver="lbfgs"``, ours; what ``"auto"`` picks
above 1,000 rows). Both are run on the same arrays in this process,
interleaved (LP, L-BFGS, LP, L-BFGS...), and the best of N wall times is
reported. Memory: for the LP, whose HiGHS arrays are C++ allocations, the
peak resident-set growth during the timed calls (the harness's
``peak_rss_growth``, the smallest over the runs); for L-BFGS, whose every
large allocation is a NumPy array, the tracemalloc peak of one more call
(at 100,000 rows the two measures agree: 44.7 MB either way), beside the
size of ``P`` itself. Quality: the mean pinball loss
of each solver's weights, their relative difference (the L-BFGS loss can
never be below the LP optimum), and the gap the L-BFGS solver certifies by
duality. At 1,000,000 rows the LP is not run (about 15 minutes and tens of
GB by its growth from 10,000 to 100,000 rows).
"""

from __future__ import annotations

import ctypes
import time
import tracemalloc

import numpy as np
from _harness import peak_rss_growth, print_table
from bench_quantile_weights import LEVELS, _loss, _problem

from skvariance.quantile._weights import fit_simplex_weights, fit_smooth_weights


def _fixed_mmap_threshold():
    """Large arrays from mmap and back to the OS when freed (glibc).

    glibc otherwise raises its mmap threshold after the first large free and
    serves later arrays from a heap it keeps: the resident set then no
    longer grows with a call's allocations and the peak reads 0.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: the peaks may read low
        return
    libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 128 * 1024)  # M_TRIM_THRESHOLD


def _timed(func):
    """(seconds, peak RSS growth in MB, result) of one call."""
    start = time.perf_counter()
    growth, result = peak_rss_growth(func)
    seconds = time.perf_counter() - start
    return seconds, (None if growth is None else growth / 2**20), result


def _traced_peak_mb(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _best(runs):
    times = [t for t, _, _ in runs]
    mems = [m for _, m, _ in runs if m is not None]
    return min(times), (min(mems) if mems else None), runs[-1][2]


def main(quick: bool = False):
    _fixed_mmap_threshold()
    if quick:
        plan = [(10_000, 2, True)]
    else:
        plan = [(10_000, 3, True), (100_000, 2, True), (1_000_000, 2, False)]
    rows = []
    for n, repeat, run_lp in plan:
        P, y = _problem(n)
        ones = np.ones(n)
        for per_level in (False, True):

            def lp(P=P, y=y, ones=ones, per_level=per_level):
                return fit_simplex_weights(
                    P, y, LEVELS, ones, per_level=per_level, method="highs-ipm"
                )

            def lbfgs(P=P, y=y, ones=ones, per_level=per_level):
                return fit_smooth_weights(
                    P, y, LEVELS, ones, per_level=per_level, random_state=0
                )

            lbfgs()  # warm-up (imports, page faults of P)
            lp_runs, lbfgs_runs = [], []
            for _ in range(repeat):
                if run_lp:
                    lp_runs.append(_timed(lp))
                lbfgs_runs.append(_timed(lbfgs))
            t_ours, _, (w_ours, certified) = _best(lbfgs_runs)
            m_ours = _traced_peak_mb(lbfgs)
            loss_ours = _loss(P, y, w_ours)
            row = {
                "case": f"{'per_quantile' if per_level else 'global'}, n={n:,}",
                "N": repeat,
                "lbfgs_s": t_ours,
            }
            if run_lp:
                t_lp, m_lp, w_lp = _best(lp_runs)
                loss_lp = _loss(P, y, w_lp)
                row.update(
                    {
                        "LP_s": t_lp,
                        "speedup": t_lp / t_ours,
                        "lbfgs_MB": m_ours,
                        "LP_MB": m_lp,
                        "P_MB": P.nbytes / 2**20,
                        "loss_lbfgs": loss_ours,
                        "loss_LP": loss_lp,
                        "rel_gap": (loss_ours - loss_lp) / loss_lp,
                        "certified_gap": certified,
                    }
                )
            else:
                row.update(
                    {
                        "LP_s": "not run",
                        "speedup": "n/a",
                        "lbfgs_MB": m_ours,
                        "LP_MB": "not run",
                        "P_MB": P.nbytes / 2**20,
                        "loss_lbfgs": loss_ours,
                        "loss_LP": "not run",
                        "rel_gap": "n/a",
                        "certified_gap": certified,
                    }
                )
            rows.append(row)
            print(row, flush=True)
    return print_table(
        "aggregation weights: L-BFGS (ours) vs the HiGHS LP (highs-ipm), "
        "interleaved, best of N",
        rows,
        peer="LP",
    )


if __name__ == "__main__":
    main()
