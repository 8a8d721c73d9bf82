"""SeedEnsembleRegressor(HistGradientBoostingRegressor): overhead and scaling.

Two comparisons on the same data in this process:

* ``n_jobs=1`` against a hand-written loop of the same fits
  (``set_random_state(clone(hgb), seed).fit(X, y)`` for each seed): the
  ensemble's bookkeeping should cost a few percent at most. Quality column:
  the largest absolute difference between the two averaged predictions
  (must be 0: the same members).
* ``n_jobs=2`` against ``n_jobs=1``: the speed-up of fitting members in
  parallel (at most 2 on two cores). Quality column: the largest absolute
  difference of the predictions (must be 0: results do not depend on
  ``n_jobs``). A last row times pure-Python loops the same way, as the
  machine's own ceiling for two-process scaling at that moment.

HistGradientBoosting is multi-threaded itself; every run is limited to one
OpenMP thread per process (joblib's workers get one thread each on a two-core
machine) so that the comparisons measure the ensemble, not OpenMP. On a
shared machine wall-clock times move with other load; ``cpu_overhead_%``
(process CPU time, runs interleaved) is the robust overhead figure.
"""

import statistics
import time

import numpy as np
from _harness import compare, print_table
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

from skvariance.ensemble import SeedEnsembleRegressor
from skvariance.utils import derive_seeds, set_random_state


def _hand_loop(estimator, X, y, seeds):
    members = [set_random_state(clone(estimator), int(s)).fit(X, y) for s in seeds]
    return np.mean([m.predict(X) for m in members], axis=0)


def _busy_loop(n):
    total = 0.0
    for k in range(n):
        total += k * 0.5
    return total


def _python_loops(n_jobs, n_tasks, n):
    return Parallel(n_jobs=n_jobs)(delayed(_busy_loop)(n) for _ in range(n_tasks))


def _cpu_overhead(ours, peer, repeat=3):
    """Median CPU-time overhead (%) of ``ours`` over ``peer``, runs interleaved.

    Process CPU time of single-process runs is insensitive to other load on
    the machine, which wall-clock times on a shared machine are not.
    """
    ratios = []
    for _ in range(repeat):
        start = time.process_time()
        ours()
        t_ours = time.process_time() - start
        start = time.process_time()
        peer()
        ratios.append(t_ours / (time.process_time() - start))
    return 100.0 * (statistics.median(ratios) - 1.0)


def main(quick: bool = False):
    n_samples, n_seeds, max_iter = (5_000, 4, 30) if quick else (20_000, 8, 60)
    X, y = make_regression(
        n_samples=n_samples, n_features=20, noise=10.0, random_state=0
    )
    hgb = HistGradientBoostingRegressor(
        max_iter=max_iter, early_stopping=True, validation_fraction=0.1
    )
    seeds = derive_seeds(0, n_seeds)

    def ensemble(n_jobs):
        ens = SeedEnsembleRegressor(hgb, n_seeds=n_seeds, n_jobs=n_jobs, random_state=0)
        return ens.fit(X, y).predict(X)

    def max_diff(ours, peer):
        return {"max_abs_diff": float(np.max(np.abs(ours - peer)))}

    rows = []
    with threadpool_limits(limits=1):
        row = compare(
            f"n_jobs=1 vs hand loop ({n_seeds} seeds, n={n_samples})",
            lambda: ensemble(1),
            lambda: _hand_loop(hgb, X, y, seeds),
            repeat=3,
            quality=max_diff,
        )
        row["overhead_%"] = 100.0 * (row["ours_s"] / row["peer_s"] - 1.0)
        row["cpu_overhead_%"] = _cpu_overhead(
            lambda: ensemble(1), lambda: _hand_loop(hgb, X, y, seeds)
        )
        rows.append(row)
        rows.append(
            compare(
                f"n_jobs=2 vs n_jobs=1 ({n_seeds} seeds, n={n_samples})",
                lambda: ensemble(2),
                lambda: ensemble(1),
                repeat=3,
                quality=max_diff,
            )
        )
        # what two processes can gain on this machine right now: when other
        # load occupies the second core, no parallel code can scale
        n_loop = 500_000 if quick else 2_000_000
        rows.append(
            compare(
                "machine reference: pure-Python loops, n_jobs=2 vs n_jobs=1",
                lambda: _python_loops(2, n_seeds, n_loop),
                lambda: _python_loops(1, n_seeds, n_loop),
                repeat=3,
            )
        )
    return print_table(
        "SeedEnsembleRegressor(HistGradientBoostingRegressor)",
        rows,
        peer="baseline",
    )


if __name__ == "__main__":
    main()
