"""Write ``rliable_reference.json``: rliable's values for the parity tests.

Run it from an environment with rliable (it needs pandas < 3, so not the
package's own one)::

    python3 -m venv /tmp/rliable-venv
    /tmp/rliable-venv/bin/pip install rliable "pandas<3" "numpy<2.4"
    /tmp/rliable-venv/bin/python tests/evaluation/make_rliable_reference.py

``tests/evaluation/test_rliable_parity.py`` compares skvariance's
``bootstrap_ci`` and ``performance_profile`` with these values without
importing rliable. rliable's ``StratifiedBootstrap`` draws from NumPy's
*global* generator (``np.random.choice``) and ignores the ``random_state`` it
is given, so this script -- and nothing in the package or its tests -- seeds
that global generator, once, to make the file reproducible.
"""

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np

REPS = 50_000
PROFILE_REPS = 20_000
OUT = Path(__file__).with_name("rliable_reference.json")


def metric_func(x):
    from rliable import metrics

    return np.array(
        [
            metrics.aggregate_iqm(x),
            metrics.aggregate_mean(x),
            metrics.aggregate_median(x),
            metrics.aggregate_optimality_gap(x, gamma=1.0),
        ]
    )


def main():
    # imported here, so that pytest's doctest collection can import this file
    # in an environment without rliable
    from rliable import library as rly

    # rliable's bootstrap reads only the global RNG: the one place it is seeded
    np.random.seed(20211206)  # noqa: NPY002
    data = np.random.RandomState(42)
    # skewed scores, few runs and tasks: "bc" differs visibly from "percentile"
    scores = data.lognormal(0.0, 1.0, size=(6, 5))
    profile_scores = data.uniform(0.0, 1.0, size=(8, 12))
    tau = np.linspace(0.0, 1.0, 11)

    intervals = []
    for method, task_bootstrap in [
        ("percentile", True),
        ("bc", False),
        ("bc", True),
        ("bca", False),
    ]:
        if method == "bca":
            # one statistic at a time: arch's BCa acceleration centres the
            # jackknife values on their mean over *all* outputs of a
            # vector-valued statistic, which mixes the four statistics
            funcs = [lambda x, k=k: metric_func(x)[k : k + 1] for k in range(4)]
        else:
            funcs = [metric_func]
        estimate, low, high = [], [], []
        for func in funcs:
            point, interval = rly.get_interval_estimates(
                {"a": scores},
                func,
                method=method,
                task_bootstrap=task_bootstrap,
                reps=REPS,
            )
            estimate.extend(point["a"].tolist())
            low.extend(interval["a"][0].tolist())
            high.extend(interval["a"][1].tolist())
        intervals.append(
            {
                "method": method,
                "task_bootstrap": task_bootstrap,
                "statistics": ["iqm", "mean", "median", "optimality_gap"],
                "estimate": estimate,
                "low": low,
                "high": high,
            }
        )

    profiles = []
    for use_score_distribution in (True, False):
        for task_bootstrap in (False, True):
            profile, band = rly.create_performance_profile(
                {"a": profile_scores},
                tau,
                use_score_distribution=use_score_distribution,
                task_bootstrap=task_bootstrap,
                reps=PROFILE_REPS,
            )
            profiles.append(
                {
                    "kind": "score" if use_score_distribution else "average",
                    "task_bootstrap": task_bootstrap,
                    "estimate": profile["a"].tolist(),
                    "low": band["a"][0].tolist(),
                    "high": band["a"][1].tolist(),
                }
            )

    reference = {
        "generated_by": Path(__file__).name,
        "versions": {
            name: version(name) for name in ("rliable", "arch", "numpy", "scipy")
        },
        "reps": REPS,
        "profile_reps": PROFILE_REPS,
        "scores": scores.tolist(),
        "profile_scores": profile_scores.tolist(),
        "thresholds": tau.tolist(),
        "intervals": intervals,
        "profiles": profiles,
    }
    OUT.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
