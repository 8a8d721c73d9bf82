"""SMOTE at scale (issue 17): skvariance vs imbalanced-learn, 100k to 1M rows.

Data: ``make_classification`` with 20 features and a 5% minority class
(``bench_resampling``'s data), at 100,000, 300,000 and 1,000,000 rows.
Cases, each run for both settings:

* ``defaults``: ``SMOTE(random_state=s)`` on both sides, what a user runs;
* ``n_jobs=2``: ours as ``SMOTE(n_jobs=2)``, imbalanced-learn's (which has no
  ``n_jobs``) through ``k_neighbors=NearestNeighbors(n_neighbors=6,
  n_jobs=2)``;

and two calls:

* ``cold``: one ``fit_resample`` with our neighbour-graph cache off, so the
  search is always paid;
* ``ten seeds``: ``fit_resample`` with seeds 0..9 on the same data (our
  cache cleared first, so it searches once; imbalanced-learn searches ten
  times).

Timing: the two sides alternate (ours, peer, ours, peer, ...) and each keeps
its best wall time over ``N`` runs (the column ``N``), after one untimed warm
call of ours at a small size (numba compilation). Agreement columns:
``max_abs_diff`` between the two outputs for the same seed (0 when both find
the same neighbours in the same order and draw the same numbers), and
``graph`` -- the first 12 hex digits of a BLAKE2b digest of our minority
neighbour graph (``class_kneighbors``, k=5): equal before and after a change
of the search means exactly the same neighbours.

Run from a checkout root: ``python benchmarks/bench_smote_scale.py``; set
``PYTHONPATH`` to another checkout for its numbers (before/after), and
``SKVARIANCE_BENCH_SIZES=100000,300000`` to choose sizes and
``SKVARIANCE_BENCH_CALLS=cold`` (or ``ten seeds``) for one call only.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from functools import partial

import numpy as np
from _harness import environment, print_table
from sklearn.datasets import make_classification
from sklearn.neighbors import NearestNeighbors

import skvariance
from skvariance.resampling import SMOTE, clear_neighbors_cache
from skvariance.resampling._neighbors import class_kneighbors

try:
    from imblearn.over_sampling import SMOTE as ImbSMOTE
except ImportError:  # pragma: no cover
    ImbSMOTE = None


def _data(n):
    return make_classification(
        n_samples=n,
        n_features=20,
        n_informative=10,
        weights=[0.95],
        flip_y=0.0,
        random_state=0,
    )


def _ours(X, y, seeds, n_jobs, cold):
    if not cold:
        clear_neighbors_cache()
    with skvariance.config_context(neighbors_cache=not cold):
        for s in seeds:
            out = SMOTE(random_state=s, n_jobs=n_jobs).fit_resample(X, y)
    return out


def _peer(X, y, seeds, n_jobs):
    for s in seeds:
        kwargs = {}
        if n_jobs is not None:
            kwargs["k_neighbors"] = NearestNeighbors(n_neighbors=6, n_jobs=n_jobs)
        out = ImbSMOTE(random_state=s, **kwargs).fit_resample(X, y)
    return out


def _timed(func):
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _graph_digest(X, y):
    nn = class_kneighbors(X[y == 1], 5, use_cache=False)
    return hashlib.blake2b(
        np.ascontiguousarray(nn, np.int64), digest_size=6
    ).hexdigest()


def _compare(case, X, y, seeds, n_jobs, cold, repeat):
    """One table row: ours and imbalanced-learn alternating, best of ``repeat``.

    ``max_abs_diff`` compares the two outputs for the same seeds.
    """
    best_ours = best_peer = np.inf
    r_ours = r_peer = None
    for _ in range(repeat):  # interleaved
        t, r_ours = _timed(partial(_ours, X, y, seeds, n_jobs, cold))
        best_ours = min(best_ours, t)
        if ImbSMOTE is not None:
            t, r_peer = _timed(partial(_peer, X, y, seeds, n_jobs))
            best_peer = min(best_peer, t)
    row = {
        "case": case,
        "N": repeat,
        "ours_s": best_ours,
        "peer_s": best_peer if r_peer is not None else None,
        "speedup": best_peer / best_ours if r_peer is not None else None,
    }
    if r_peer is not None:
        same = r_ours[0].shape == r_peer[0].shape
        row["max_abs_diff"] = (
            float(np.max(np.abs(r_ours[0] - r_peer[0]))) if same else float("nan")
        )
    return row


def main(quick: bool = False):
    default = "20000" if quick else "100000,300000,1000000"
    sizes = [
        int(s) for s in os.environ.get("SKVARIANCE_BENCH_SIZES", default).split(",")
    ]
    print(environment())
    Xw, yw = _data(2_000)
    _ours(Xw, yw, [0], None, True)  # compile
    rows = []
    for n in sizes:
        X, y = _data(n)
        graph = _graph_digest(X, y)
        for setting, n_jobs in (("defaults", None), ("n_jobs=2", 2)):
            for call, seeds in (("cold", [0]), ("ten seeds", list(range(10)))):
                if call not in os.environ.get("SKVARIANCE_BENCH_CALLS", call):
                    continue
                cold = call == "cold"
                big = n >= 1_000_000
                repeat = (2 if big else 3) if cold else (1 if big else 2)
                row = _compare(
                    f"n={n:,} {setting} {call}", X, y, seeds, n_jobs, cold, repeat
                )
                row["graph"] = graph
                rows.append(row)
                print(row, flush=True)
    return print_table(
        "SMOTE at scale: best wall seconds (interleaved, best of N)",
        rows,
        peer="imblearn",
    )


if __name__ == "__main__":
    main()
