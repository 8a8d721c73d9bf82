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

A second table times the intervals of the variance components that
``seed_cross_validate`` reports (``variance_components_ci``: exact chi-square
and MLS intervals from the mean squares) against the crossed bootstrap they
replaced (2,000 resamples of seeds and splits, the former default), on the
same simulated normal 10 x 5 score tables with known components. Quality
columns: the coverage of each component's nominal 95% interval for both
methods (binomial sd about 0.015 with 200 tables, 0.007 with 1,000).

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
from skvariance.model_selection import variance_components, variance_components_ci
from skvariance.utils import derive_seeds, set_random_state

_COMPONENTS = ("seed", "split", "residual")


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


def _simulated_tables(n_tables, sd, n_seeds=10, n_splits=5, seed=0):
    rng = np.random.RandomState(seed)
    return (
        sd["seed"] * rng.normal(size=(n_tables, n_seeds, 1))
        + sd["split"] * rng.normal(size=(n_tables, 1, n_splits))
        + sd["residual"] * rng.normal(size=(n_tables, n_seeds, n_splits))
    )


def _crossed_bootstrap(tables, n_boot=2000, seed=1):
    """The former intervals: percentile intervals of a crossed bootstrap."""
    rng = np.random.RandomState(seed)
    n_tables, n_seeds, n_splits = tables.shape
    out = {name: np.empty((n_tables, 2)) for name in _COMPONENTS}
    for t, table in enumerate(tables):
        rows = rng.randint(n_seeds, size=(n_boot, n_seeds))
        cols = rng.randint(n_splits, size=(n_boot, n_splits))
        boot = variance_components(table[rows[:, :, None], cols[:, None, :]])
        for name in _COMPONENTS:
            out[name][t] = np.quantile(boot[name], [0.025, 0.975])
    return {name: (v[:, 0], v[:, 1]) for name, v in out.items()}


def _interval_rows(quick):
    n_tables = 200 if quick else 1000
    settings = {
        "seed-dominated": {"seed": 1.0, "split": 0.3, "residual": 0.5},
        "split-dominated": {"seed": 0.3, "split": 1.0, "residual": 0.5},
    }
    rows = []
    for label, sd in settings.items():
        tables = _simulated_tables(n_tables, sd)

        def coverage(ours, peer, sd=sd):
            row = {}
            for name in _COMPONENTS:
                truth = sd[name] ** 2
                for side, res in (("ours", ours), ("peer", peer)):
                    low, high = res[name]
                    row[f"{name}_cov_{side}"] = float(
                        np.mean((low <= truth) & (truth <= high))
                    )
            return row

        rows.append(
            compare(
                f"{label}, {n_tables} tables 10x5",
                lambda tables=tables: variance_components_ci(tables),
                lambda tables=tables: _crossed_bootstrap(tables),
                repeat=1 if quick else 3,
                quality=coverage,
            )
        )
    return rows


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
    text = print_table(
        "SeedEnsembleRegressor(HistGradientBoostingRegressor)",
        rows,
        peer="baseline",
    )
    return text + print_table(
        "Intervals of the variance components: MLS / chi-square (ours) vs "
        "crossed bootstrap, 2,000 resamples (peer: the former method)",
        _interval_rows(quick),
        peer="bootstrap",
    )


if __name__ == "__main__":
    main()
