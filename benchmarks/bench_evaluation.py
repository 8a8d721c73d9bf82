"""Bootstrap CIs and performance profiles: skvariance.evaluation vs rliable 1.2.0.

Same score matrices (10 runs x 20 tasks, 5 x 50, 100 x 5) on both sides:

* 95% percentile intervals of the IQM (50,000 resamples);
* 95% "bc" intervals of the IQM with task bootstrap (tasks resampled as well
  as runs; 50,000 resamples);
* 95% intervals of the probability of improvement (10,000 resamples:
  rliable calls ``scipy.stats.mannwhitneyu`` once per task per resample and
  needs minutes per case at 50,000; both sides scale linearly in the number
  of resamples, so the ratio is the same);
* average-score performance profiles (rliable's
  ``use_score_distribution=False``) over 101 thresholds with 95% bands
  (2,000 resamples, rliable's default).

``--quick`` uses 5,000 / 5,000 / 2,000 / 500 resamples. Columns: times and
ratio, both bounds side by side (they agree to Monte Carlo error; for
profiles the largest gap between the two bands over all thresholds), and
whether each library returns the same result on two calls with the same
``random_state``: ours is bit-identical (counter-based generator in numba),
rliable's is not, because its ``StratifiedBootstrap`` draws from NumPy's
global generator (``np.random.choice``) and ignores the ``random_state`` it
is given (checked on two calls with 2,000 resamples, or 500 for profiles).

rliable does not import beside pandas 3 (it needs arch < 8), so it runs in
its own environment, in a subprocess (``_rliable_peer.py``, which times each
job inside the peer's process). Create it once::

    python3 -m venv /tmp/rliable-venv
    /tmp/rliable-venv/bin/pip install -r benchmarks/requirements-rliable.txt

and point ``RLIABLE_PYTHON`` at its interpreter if it lives elsewhere.
Without it our side still runs and the peer columns say ``n/a``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from _harness import environment, measure, print_table

from skvariance.evaluation import bootstrap_ci, performance_profile

HERE = Path(__file__).resolve().parent
SHAPES = [(10, 20), (5, 50), (100, 5)]
#: Resamples of the two peer calls that check repeatability.
CHECK_REPS = 2_000


def _peer_python():
    """The interpreter of rliable's environment, or None (with the reason)."""
    candidates = [os.environ.get("RLIABLE_PYTHON"), "/tmp/rliable-venv/bin/python"]
    for path in filter(None, candidates):
        if not Path(path).exists():
            continue
        probe = subprocess.run(
            [path, "-c", "import rliable.library, rliable.metrics"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0:
            return path, None
        return None, f"{path} cannot import rliable: {probe.stderr.strip()[-200:]}"
    return None, "no rliable environment (set RLIABLE_PYTHON)"


def _run_peer(python, jobs):
    if python is None:
        return [None] * len(jobs)
    proc = subprocess.run(
        [python, str(HERE / "_rliable_peer.py")],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _interval_row(case, ours_fn, peer, repeat):
    seconds, ours = measure(ours_fn, repeat=repeat)
    again = ours_fn()
    row = {
        "case": case,
        "ours_s": seconds,
        "peer_s": None if peer is None else peer["seconds"],
        "speedup": None if peer is None else peer["seconds"] / seconds,
        "ours_low": ours.low,
        "ours_high": ours.high,
        "peer_low": None if peer is None else peer["bounds"][0],
        "peer_high": None if peer is None else peer["bounds"][1],
        "ours_repeatable": again.low == ours.low and again.high == ours.high,
        "peer_repeatable": None if peer is None else peer["repeatable"],
    }
    return row


def _profile_row(case, ours_fn, peer, repeat):
    seconds, ours = measure(ours_fn, repeat=repeat)
    again = ours_fn()
    row = {
        "case": case,
        "ours_s": seconds,
        "peer_s": None if peer is None else peer["seconds"],
        "speedup": None if peer is None else peer["seconds"] / seconds,
        "max_profile_gap": None,
        "max_band_gap": None,
        "ours_repeatable": bool(
            np.array_equal(again.low, ours.low)
            and np.array_equal(again.high, ours.high)
        ),
        "peer_repeatable": None if peer is None else peer["repeatable"],
    }
    if peer is not None:
        low, high = np.asarray(peer["bounds"])
        row["max_profile_gap"] = float(np.abs(ours.estimate - peer["estimate"]).max())
        row["max_band_gap"] = float(
            max(np.abs(ours.low - low).max(), np.abs(ours.high - high).max())
        )
    return row


def main(quick: bool = False):
    reps = 5_000 if quick else 50_000
    poi_reps = 2_000 if quick else 10_000
    profile_reps = 500 if quick else 2_000
    repeat = 3 if quick else 1
    print(environment())
    python, reason = _peer_python()
    if python is None:
        print(f"rliable is unavailable ({reason}); peer columns are n/a.")
    rng = np.random.RandomState(0)
    data = []
    jobs = []
    for n_runs, n_tasks in SHAPES:
        x = rng.normal(0.6, 0.2, size=(n_runs, n_tasks))
        y = rng.normal(0.5, 0.2, size=(n_runs, n_tasks))
        tau = np.linspace(0.0, 1.2, 101)
        data.append((f"{n_runs} runs x {n_tasks} tasks", x, y, tau))
        common = {"scores": x.tolist(), "check_reps": CHECK_REPS, "repeat": 1}
        jobs += [
            dict(common, kind="interval", statistic="iqm", reps=reps),
            dict(
                common,
                kind="interval",
                statistic="iqm",
                method="bc",
                task_bootstrap=True,
                reps=reps,
            ),
            dict(
                common,
                kind="interval",
                statistic="probability_of_improvement",
                scores_y=y.tolist(),
                reps=poi_reps,
            ),
            dict(
                common,
                kind="profile",
                thresholds=tau.tolist(),
                use_score_distribution=False,
                reps=profile_reps,
                check_reps=500,
            ),
        ]
    peers = _run_peer(python, jobs)

    tables = {"iqm": [], "bc": [], "poi": [], "profile": []}
    for k, (case, x, y, tau) in enumerate(data):
        p_iqm, p_bc, p_poi, p_profile = peers[4 * k : 4 * k + 4]
        tables["iqm"].append(
            _interval_row(
                case,
                lambda x=x: bootstrap_ci(x, "iqm", n_resamples=reps, random_state=0),
                p_iqm,
                repeat,
            )
        )
        tables["bc"].append(
            _interval_row(
                case,
                lambda x=x: bootstrap_ci(
                    x,
                    "iqm",
                    n_resamples=reps,
                    method="bc",
                    task_bootstrap=True,
                    random_state=0,
                ),
                p_bc,
                repeat,
            )
        )
        tables["poi"].append(
            _interval_row(
                case,
                lambda x=x, y=y: bootstrap_ci(
                    (x, y),
                    "probability_of_improvement",
                    n_resamples=poi_reps,
                    random_state=0,
                ),
                p_poi,
                repeat,
            )
        )
        tables["profile"].append(
            _profile_row(
                case,
                lambda x=x, tau=tau: performance_profile(
                    x, tau, kind="average", n_resamples=profile_reps, random_state=0
                ),
                p_profile,
                repeat,
            )
        )
    text = print_table(
        f"IQM 95% percentile CI, {reps} resamples", tables["iqm"], peer="rliable"
    )
    text += print_table(
        f"IQM 95% 'bc' CI with task bootstrap, {reps} resamples",
        tables["bc"],
        peer="rliable",
    )
    text += print_table(
        f"probability of improvement 95% CI, {poi_reps} resamples",
        tables["poi"],
        peer="rliable",
    )
    text += print_table(
        f"average-score performance profile, 101 thresholds, 95% bands, "
        f"{profile_reps} resamples",
        tables["profile"],
        peer="rliable",
    )
    return text


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
