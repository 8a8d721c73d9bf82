"""The rliable side of ``bench_evaluation.py``, run in rliable's own venv.

rliable 1.2.0 needs pandas < 3 (through arch < 8), so it cannot live beside
skvariance's environment. ``bench_evaluation.py`` starts this script with that
environment's interpreter, sends the jobs as JSON on stdin and reads one JSON
result per job from stdout. Each job is timed here, inside the peer's
process, so the interpreter start-up and imports are not counted.

Job keys: ``kind`` ("interval" or "profile"), ``scores`` (and ``scores_y`` for
the probability of improvement), ``statistic`` ("iqm", "mean", "median",
"optimality_gap", "probability_of_improvement"), ``method``,
``task_bootstrap``, ``reps``, ``check_reps``, ``repeat``, and for profiles
``thresholds`` and ``use_score_distribution``.
"""

import json
import statistics
import sys
import time
import warnings

import numpy as np


def _interval(rly, metrics, job, reps):
    func = {
        "iqm": metrics.aggregate_iqm,
        "mean": metrics.aggregate_mean,
        "median": metrics.aggregate_median,
        "optimality_gap": metrics.aggregate_optimality_gap,
        "probability_of_improvement": metrics.probability_of_improvement,
    }[job["statistic"]]
    x = np.asarray(job["scores"])
    if "scores_y" in job:
        data = {"a": [x, np.asarray(job["scores_y"])]}
    else:
        data = {"a": x}
    point, interval = rly.get_interval_estimates(
        data,
        lambda *s: np.array([func(*s)]),
        method=job.get("method", "percentile"),
        task_bootstrap=job.get("task_bootstrap", False),
        reps=reps,
        random_state=np.random.RandomState(0),
    )
    return [float(point["a"][0])], interval["a"][:, 0].tolist()


def _profile(rly, job, reps):
    profile, band = rly.create_performance_profile(
        {"a": np.asarray(job["scores"])},
        np.asarray(job["thresholds"]),
        use_score_distribution=job["use_score_distribution"],
        task_bootstrap=job.get("task_bootstrap", False),
        reps=reps,
    )
    return profile["a"].tolist(), band["a"].tolist()


def run(job):
    from rliable import library as rly
    from rliable import metrics

    def call(reps):
        if job["kind"] == "profile":
            return _profile(rly, job, reps)
        return _interval(rly, metrics, job, reps)

    times, result = [], None
    for _ in range(job.get("repeat", 1)):
        start = time.perf_counter()
        result = call(job["reps"])
        times.append(time.perf_counter() - start)
    first, second = call(job["check_reps"]), call(job["check_reps"])
    return {
        "seconds": statistics.median(times),
        "estimate": result[0],
        "bounds": result[1],
        "repeatable": first[1] == second[1],
    }


def main():
    warnings.simplefilter("ignore")
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)


if __name__ == "__main__":
    main()
