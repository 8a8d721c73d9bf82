"""Stratified bootstrap CIs: skvariance.evaluation vs rliable 1.2.0.

Same score matrices (10 runs x 20 tasks, 5 x 50, 100 x 5), 95% percentile
intervals of the IQM (50,000 resamples) and of the probability of improvement
(10,000 resamples: rliable calls ``scipy.stats.mannwhitneyu`` once per task
per resample and needs many minutes per case at 50,000; both sides scale
linearly in the number of resamples, so the ratio is the same). ``--quick``
uses 5,000 and 2,000. Columns: times and ratio, both CI bounds side
by side (they agree to Monte Carlo error), and whether each library returns
the same interval on two calls with the same ``random_state``: ours is
bit-identical (counter-based generator in numba), rliable's is not, because
its ``StratifiedBootstrap`` draws from NumPy's global generator
(``np.random.choice``) and ignores the ``random_state`` it is given. (The
peer's repeatability is checked on two calls with 2,000 resamples: a full
rliable run of the probability of improvement takes minutes.)

rliable does not import beside pandas 3 (it needs arch < 8); run this file
from its own environment (outside the repository)::

    python3.11 -m venv /work/bench-venv-rliable
    /work/bench-venv-rliable/bin/pip install -r benchmarks/requirements-rliable.txt
    /work/bench-venv-rliable/bin/pip install -e .
    /work/bench-venv-rliable/bin/python benchmarks/bench_evaluation.py

Without rliable importable, our side still runs and the peer columns say
``n/a``.
"""

import sys

import numpy as np
from _harness import compare, environment, print_table

from skvariance.evaluation import bootstrap_ci

try:  # rliable prints absl/arch noise and may fail on new pandas/numpy
    from rliable import library as rly
    from rliable import metrics as rly_metrics
except Exception as exc:  # any import failure means "no peer"
    rly = None
    PEER_ERROR = f"{type(exc).__name__}: {exc}"
else:
    PEER_ERROR = None

SHAPES = [(10, 20), (5, 50), (100, 5)]
#: Resamples of the two rliable calls that check repeatability.
CHECK_REPS = 2_000


def _ours(scores, statistic, reps):
    return lambda: bootstrap_ci(
        scores, statistic, n_resamples=reps, method="percentile", random_state=0
    )


def _peer_iqm(scores, reps):
    if rly is None:
        return None

    def run():
        point, interval = rly.get_interval_estimates(
            {"a": scores},
            lambda x: np.array([rly_metrics.aggregate_iqm(x)]),
            reps=reps,
            random_state=np.random.RandomState(0),
        )
        return point["a"][0], interval["a"][:, 0]

    return run


def _peer_poi(x, y, reps):
    if rly is None:
        return None

    def run():
        point, interval = rly.get_interval_estimates(
            {"a,b": [x, y]},
            lambda x, y: np.array([rly_metrics.probability_of_improvement(x, y)]),
            reps=reps,
            random_state=np.random.RandomState(0),
        )
        return point["a,b"][0], interval["a,b"][:, 0]

    return run


def _quality(ours_fn, peer_check):
    """CI bounds side by side, and repeatability with the same random_state.

    ``peer_check`` runs the peer twice with fewer resamples (the question is
    only whether the two calls agree, and a full rliable run of the
    probability of improvement takes minutes).
    """

    def quality(ours, peer):
        again = ours_fn()
        row = {
            "ours_low": ours.low,
            "ours_high": ours.high,
            "peer_low": None,
            "peer_high": None,
            "ours_repeatable": again.low == ours.low and again.high == ours.high,
            "peer_repeatable": None,
        }
        if peer is not None:
            row["peer_low"], row["peer_high"] = float(peer[1][0]), float(peer[1][1])
            first, second = peer_check(), peer_check()
            row["peer_repeatable"] = bool(np.array_equal(first[1], second[1]))
        return row

    return quality


def main(quick: bool = False):
    reps = 5_000 if quick else 50_000
    poi_reps = 2_000 if quick else 10_000
    print(environment())
    if rly is None:
        print(f"rliable is unavailable ({PEER_ERROR}); peer columns are n/a.")
    rng = np.random.RandomState(0)
    iqm_rows, poi_rows, poi_full_rows = [], [], []
    for n_runs, n_tasks in SHAPES:
        x = rng.normal(0.6, 0.2, size=(n_runs, n_tasks))
        y = rng.normal(0.5, 0.2, size=(n_runs, n_tasks))
        case = f"{n_runs} runs x {n_tasks} tasks"
        ours = _ours(x, "iqm", reps)
        peer = _peer_iqm(x, reps)
        check = _peer_iqm(x, CHECK_REPS)
        iqm_rows.append(
            compare(
                case,
                ours,
                peer,
                repeat=1 if not quick else 3,
                quality=_quality(ours, check),
            )
        )
        poi_full_rows.append(
            compare(case, _ours((x, y), "probability_of_improvement", reps), None)
        )
        ours = _ours((x, y), "probability_of_improvement", poi_reps)
        peer = _peer_poi(x, y, poi_reps)
        check = _peer_poi(x, y, CHECK_REPS)
        ours()  # compile / load the cached kernel; rliable's run takes long
        # enough that it is timed once, without a warm-up call
        poi_rows.append(
            compare(
                case,
                ours,
                peer,
                repeat=1,
                warmup=False,
                quality=_quality(ours, check),
            )
        )
    text = print_table(
        f"IQM 95% percentile CI, {reps} resamples", iqm_rows, peer="rliable"
    )
    text += print_table(
        f"probability of improvement 95% CI, {poi_reps} resamples",
        poi_rows,
        peer="rliable",
    )
    text += print_table(
        f"probability of improvement 95% CI, ours only, {reps} resamples",
        poi_full_rows,
        peer="rliable",
    )
    return text


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
