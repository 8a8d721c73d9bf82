"""Mutation tests of ConformalClassifier._tune_raps: the non-randomised rule."""

from fractions import Fraction
from math import ceil

import numpy as np
import pytest

from skvariance.calibration import ConformalClassifier

from ._helpers import KnownProba, softmax

GRID = (0.001, 0.01, 0.1, 0.2, 0.5)


def _tuned_by_hand(P, y, u, level, randomized):
    """pick_kreg, then the lambda of smallest mean set size."""
    n, n_classes = P.shape
    rank = ceil((n + 1) * Fraction(str(level)))
    order = np.argsort(-P, axis=1, kind="stable")
    position = np.argmax(order == y[:, None], axis=1) + 1
    k = int(np.sort(position)[rank - 1])
    p_sorted = np.take_along_axis(P, order, axis=1)
    sizes = []
    for lam in GRID:
        s = (
            np.cumsum(p_sorted, axis=1)
            - (1 - u[:, None]) * p_sorted
            + lam * np.maximum(0, np.arange(1, n_classes + 1) - k)
        )
        true = s[np.arange(n), position - 1]
        q = np.sort(true)[rank - 1]
        entry = np.concatenate([np.full((n, 1), -np.inf), s[:, :-1]], axis=1)
        inside = s <= q if randomized else entry < q
        sizes.append(inside.sum(axis=1).mean())
    return k, GRID[int(np.argmin(sizes))]


@pytest.mark.parametrize("randomized", [False, True])
def test_tuning_uses_the_set_size_of_its_own_rule(randomized):
    # three distinct probability rows repeated (the draws are a function of
    # the row): true scores tie at the quantile, so the randomised and the
    # non-randomised size rules rank the penalties differently here
    rng = np.random.default_rng(13)
    V = softmax(rng.normal(size=(3, 4)) * 1.5)
    P = V[rng.integers(0, 3, 80)]
    y = np.array([rng.choice(4, p=p) for p in P])
    clf = ConformalClassifier(
        KnownProba().fit(P, y),
        score="raps",
        coverage=0.8,
        k_reg="auto",
        penalty="auto",
        randomized=randomized,
        tuning_size=0.5,
        random_state=0,
    ).conformalize(P, y)
    t = clf.tuning_indices_
    u = clf._draws(P[t]) if randomized else np.ones(t.size)
    expected = _tuned_by_hand(P[t], y[t], u, 0.8, randomized)
    assert (clf.k_reg_, clf.penalty_) == expected
    # the other rule (same draws) would pick another penalty on these rows
    assert _tuned_by_hand(P[t], y[t], u, 0.8, not randomized)[1] != expected[1]
