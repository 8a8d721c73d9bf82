"""SMOTE with few features (issue 17): the KD-tree path vs imbalanced-learn.

Data: ``make_classification`` with 3 features (all informative) and a 5%
minority class, at 100,000 and 1,000,000 rows (5,000 and 50,000 minority
rows). With at most ``TREE_MAX_FEATURES`` columns our exact search takes a
KD-tree's candidates and re-ranks them exactly; imbalanced-learn's
``NearestNeighbors`` picks a KD-tree too (scikit-learn's ``"auto"``).
Both sides at their defaults (``SMOTE(random_state=s)``), two calls:

* ``cold``: one ``fit_resample``, our neighbour-graph cache off;
* ``ten seeds``: seeds 0..9 on the same data (our cache cleared first).

Timing: the two sides alternate, each keeps its best wall time over ``N``
runs, after one untimed warm call of ours (numba compilation). Agreement
columns as in ``bench_smote_scale``: ``max_abs_diff`` between the two
outputs for the same seed, ``graph`` (a digest of our minority graph,
k=5) and ``graph_brute`` (the same with the brute force forced through
the private switch ``_neighbors._METHOD``): equal means exactly the same
neighbours as the brute force. ``brute_s``: one cold call of ours with the
brute force forced (the code before the tree path).

Run from a checkout root: ``python benchmarks/bench_smote_lowdim.py``
(``SKVARIANCE_BENCH_SIZES`` and ``SKVARIANCE_BENCH_CALLS`` as in
``bench_smote_scale``).
"""

from __future__ import annotations

import os
from functools import partial

from _harness import environment, print_table
from bench_smote_scale import _compare, _graph_digest, _ours, _timed
from sklearn.datasets import make_classification

from skvariance.resampling import _neighbors


def _data(n):
    return make_classification(
        n_samples=n,
        n_features=3,
        n_informative=3,
        n_redundant=0,
        n_repeated=0,
        weights=[0.95],
        flip_y=0.0,
        random_state=0,
    )


def _brute(func):
    previous = _neighbors._METHOD
    _neighbors._METHOD = "brute"
    try:
        return func()
    finally:
        _neighbors._METHOD = previous


def main(quick: bool = False):
    default = "20000" if quick else "100000,1000000"
    sizes = [
        int(s) for s in os.environ.get("SKVARIANCE_BENCH_SIZES", default).split(",")
    ]
    print(environment())
    Xw, yw = _data(20_000)
    _ours(Xw, yw, [0], None, True)  # compile (tree path)
    _brute(partial(_ours, Xw, yw, [0], None, True))  # compile (brute force)
    rows = []
    for n in sizes:
        X, y = _data(n)
        graph = _graph_digest(X, y)
        graph_brute = _brute(partial(_graph_digest, X, y))
        brute_s = _timed(partial(_brute, partial(_ours, X, y, [0], None, True)))[0]
        for call, seeds in (("cold", [0]), ("ten seeds", list(range(10)))):
            if call not in os.environ.get("SKVARIANCE_BENCH_CALLS", call):
                continue
            cold = call == "cold"
            repeat = 5 if cold else 3
            row = _compare(
                f"n={n:,} x 3 defaults {call}", X, y, seeds, None, cold, repeat
            )
            row["brute_s"] = brute_s if cold else None
            row["graph"] = graph
            row["graph_brute"] = graph_brute
            rows.append(row)
            print(row, flush=True)
    return print_table(
        "SMOTE, 3 features: best wall seconds (interleaved, best of N)",
        rows,
        peer="imblearn",
    )


if __name__ == "__main__":
    main()
