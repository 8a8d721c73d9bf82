"""Bayesian comparisons over data sets: skvariance vs baycomp.

One process, the same score tables for both sides:

- Signed-rank test: ``bayesian_signed_rank_test(a, b)`` vs baycomp's
  ``SignedRankTest.sample(b, a)`` with the same seed (baycomp's differences
  are ``y - x``). Both draw from ``RandomState(seed).dirichlet``, so the
  posterior draws must agree to rounding and the probabilities exactly;
  baycomp loops over the draws in Python, we vectorize the quadratic forms.
  Tables: random score tables of 20, 50 and 150 data sets and the share of
  high-school graduates vs urban population over the 51 US states
  (statsmodels' ``statecrime``, a table no test uses).
- Hierarchical test: baycomp's ``HierarchicalTest`` needs pystan, which is
  not in this environment. Our sampler runs here on the four tables of
  ``tests/evaluation/baycomp_hierarchical_reference.json``, and is compared
  with the probabilities and times baycomp (Stan, 4 x 10,000 draws) recorded
  there by ``tests/evaluation/make_hierarchical_reference.py``. The times of
  Stan exclude its one-off 90 s model compilation.

``--quick`` uses fewer draws.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from _harness import compare, environment, print_table

from skvariance.evaluation import bayesian_hierarchical_test, bayesian_signed_rank_test

REFERENCE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "evaluation"
    / "baycomp_hierarchical_reference.json"
)


def _peer(name):
    try:
        return __import__(name)
    except Exception:  # any import failure means "no peer"
        return None


baycomp = _peer("baycomp")


def _tables():
    rng = np.random.RandomState(0)
    for n in (20, 50, 150):
        b = rng.uniform(0.6, 0.9, n)
        yield f"random, {n} data sets", b + rng.normal(0.005, 0.01, n), b, 0.01
    try:
        from statsmodels.datasets import statecrime

        data = statecrime.load_pandas().data
        yield (
            "statecrime, 51 states",
            data["hs_grad"].to_numpy() / 100,
            data["urban"].to_numpy() / 100,
            0.05,
        )
    except ImportError:
        pass


def bench_signed_rank(n_samples, repeat):
    rows = []
    for case, a, b, rope in _tables():

        def ours(a=a, b=b, rope=rope):
            return bayesian_signed_rank_test(
                a, b, rope=rope, n_samples=n_samples, random_state=0
            )

        def peer(a=a, b=b, rope=rope):
            return baycomp.SignedRankTest.sample(
                b, a, rope, nsamples=n_samples, random_state=0
            )

        def quality(r_ours, r_peer):
            winners = np.bincount(np.argmax(r_peer, axis=1), minlength=3)
            probs = tuple(winners / len(r_peer))
            return {
                "max_abs_diff_draws": float(np.abs(r_ours.samples - r_peer).max()),
                "same_probs": r_ours.probabilities == probs,
                "p_left/rope/right": "/".join(f"{p:.4f}" for p in r_ours.probabilities),
            }

        rows.append(
            compare(
                f"{case}, {n_samples} draws", ours, peer, repeat=repeat, quality=quality
            )
        )
    return rows


def bench_hierarchical(n_samples, repeat):
    rows = []
    for case in json.loads(REFERENCE.read_text()):

        def ours(case=case):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a convergence warning is a failure
                return bayesian_hierarchical_test(
                    case["a"],
                    case["b"],
                    rope=case["rope"],
                    rho=case["rho"],
                    n_samples=n_samples,
                    random_state=0,
                )

        row = compare(
            f"{case['name']} ({len(case['a'])} x {len(case['a'][0])})",
            ours,
            None,
            repeat=repeat,
        )
        res = ours()
        row["stan_s_recorded"] = case["seconds"]
        row["ours_probs"] = "/".join(f"{p:.3f}" for p in res.probabilities)
        row["stan_probs"] = "/".join(f"{p:.3f}" for p in case["probs"])
        row["max_abs_diff_mean_post"] = float(
            np.abs(res.samples.mean(axis=0) - case["mean_sample"]).max()
        )
        row["max_rhat"] = max(res.rhat.values())
        rows.append(row)
    return rows


def main(quick: bool = False) -> None:
    print(environment(), "\n")
    repeat = 1 if quick else 3
    if baycomp is not None:
        print_table(
            "Bayesian signed-rank test: skvariance vs baycomp (same seed)",
            bench_signed_rank(5000 if quick else 50_000, repeat),
            peer="baycomp",
        )
    else:
        print("baycomp not installed: signed-rank rows skipped\n")
    print_table(
        "Bayesian hierarchical test: skvariance (Gibbs, 4 chains) vs baycomp "
        "(Stan NUTS, 4 x 10,000 draws, recorded)",
        bench_hierarchical(1000 if quick else 2500, repeat),
        peer="baycomp",
    )


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
