"""Can the comparison results be trusted? Before/after issue 15.

1. Family-wise error of ``adaptive_compare``'s AdaStop core with 2, 3 and 4
   equal estimators (Gaussian scores, batches of 5, 4 interims,
   alpha = 5%), >= 20,000 experiments each, with binomial 95% intervals:
   "before" is the core of the base commit (one split of positions applied
   to each pair's own pooled batch), read from git and run one experiment
   at a time; "after" is the current core (a joint relabelling of the
   pooled block of all active estimators), run vectorized.
2. Type I error of ``compare_estimators``' corrected t-test with folds that
   cannot be re-seeded (KFold without shuffling, GroupKFold): score grids of
   two exchangeable models (y = x1 + x2 + e, A regresses on x1, B on x2,
   the seed draws bagging-like row weights; a group effect for GroupKFold)
   on fixed folds. "before" counts every (seed, split) cell, as the base
   commit did; "after" is the current rule (the per-split means over the
   seeds, J = n_splits).

Run from the repository root: ``python benchmarks/bench_comparison_trust.py``
(``--quick`` for fewer experiments).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from itertools import combinations

import numpy as np
from scipy import stats

sys.path.insert(0, ".")

from skvariance.model_selection._adaptive import _AdaStop
from skvariance.model_selection._compare import _pairwise_tests

BASE = "eb1ccf8"
ALPHA = 0.05


def _base_adastop():
    """The base commit's ``_AdaStop`` class, compiled from ``git show``."""
    src = subprocess.run(
        ["git", "show", f"{BASE}:skvariance/model_selection/_adaptive.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tree = ast.parse(src)
    node = next(
        n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_AdaStop"
    )
    namespace = {"np": np, "combinations": combinations}
    exec(compile(ast.Module([node], []), "base_adastop", "exec"), namespace)
    return namespace["_AdaStop"]


def _interval(k, n):
    """Clopper-Pearson 95% interval of k successes in n."""
    low = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return low, high


def fwer_before(n_agents, n_exp, perms, seed, n=5, n_interims=4):
    base = _base_adastop()
    rng = np.random.RandomState(seed)
    hits = 0
    for _ in range(n_exp):
        test = base(n_agents, n_interims, ALPHA, perms, rng)
        while not test.finished:
            test.update({a: rng.normal(size=n) for a in test.active_agents()})
        hits += any(d != "equal" for d in test.decisions)
    return hits


def fwer_after(n_agents, n_exp, perms, seed, n=5, n_interims=4, chunk=2000):
    rng = np.random.RandomState(seed)
    hits = 0
    for start in range(0, n_exp, chunk):
        size = min(chunk, n_exp - start)
        test = _AdaStop(n_agents, n_interims, ALPHA, perms, rng, n_experiments=size)
        for _ in range(n_interims):
            test.update(rng.normal(size=(size, n_agents, n)))
        hits += int(np.sum((test.decision_codes != 2).any(axis=1)))
    return hits


def null_grids(n_exp, *, n=40, n_seeds=5, n_splits=5, seed=0, group_effect=0.0):
    """Score grids of two exchangeable models on fixed contiguous folds."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_exp, 2, n))
    y = X.sum(axis=1) + rng.normal(size=(n_exp, n))
    fold = np.arange(n) * n_splits // n  # GroupKFold: one group per fold
    y += group_effect * rng.normal(size=(n_exp, n_splits))[:, fold]
    train = fold[None, :] != np.arange(n_splits)[:, None]
    w = rng.exponential(size=(n_exp, n_seeds, 1, n)) * train
    scores = np.empty((2, n_exp, n_seeds, n_splits))
    for m in range(2):
        x = X[:, m][:, None, None, :]
        b = (w * x * y[:, None, None, :]).sum(-1) / (w * x * x).sum(-1)
        sq = (y[:, None, None, :] - b[..., None] * x) ** 2
        scores[m] = -(sq * ~train).sum(-1) / (~train).sum(-1)
    n_train = np.tile(train.sum(axis=1), (n_seeds, 1)).astype(float)
    return scores, n_train, n - n_train


def type_one(scores, n_train, n_test, reseeded):
    rejections = sum(
        _pairwise_tests(
            scores[:, e],
            n_train,
            n_test,
            test="corrected_ttest",
            rope=0.0,
            reseeded=reseeded,
        )[(0, 1)].pvalue
        <= ALPHA
        for e in range(scores.shape[1])
    )
    return int(rejections)


def main(quick=False):
    n_fwer = 2000 if quick else 20_000
    perms = 200
    print(
        f"## FWER of adaptive_compare's core, alpha=5%, batches of 5, 4 interims, "
        f"{perms} permutations, {n_fwer} experiments each\n"
    )
    print("| equal estimators | before | 95% CI | after | 95% CI |")
    print("|---|---|---|---|---|")
    for m in (2, 3, 4):
        t0 = time.time()
        before = fwer_before(m, n_fwer, perms, seed=10 + m)
        after = fwer_after(m, n_fwer, perms, seed=20 + m)
        lb, hb = _interval(before, n_fwer)
        la, ha = _interval(after, n_fwer)
        print(
            f"| {m} | {before / n_fwer:.2%} | {lb:.2%}-{hb:.2%} | "
            f"{after / n_fwer:.2%} | {la:.2%}-{ha:.2%} |",
            f"<!-- {time.time() - t0:.0f}s -->",
            flush=True,
        )

    n_t1 = 1000 if quick else 10_000
    print(
        f"\n## Type I error of compare_estimators' corrected t-test, fixed folds, "
        f"5 seeds x 5 splits, alpha=5%, {n_t1} experiments\n"
    )
    print("| splitter | before (J = 25 cells) | 95% CI | after (J = 5) | 95% CI |")
    print("|---|---|---|---|---|")
    for name, effect in (("KFold()", 0.0), ("GroupKFold (group effect)", 0.5)):
        scores, n_train, n_test = null_grids(n_t1, seed=1, group_effect=effect)
        before = type_one(scores, n_train, n_test, True)
        after = type_one(scores, n_train, n_test, False)
        lb, hb = _interval(before, n_t1)
        la, ha = _interval(after, n_t1)
        print(
            f"| {name} | {before / n_t1:.2%} | {lb:.2%}-{hb:.2%} | "
            f"{after / n_t1:.2%} | {la:.2%}-{ha:.2%} |",
            flush=True,
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
