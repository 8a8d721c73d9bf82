"""Prediction churn: negative flips, churn, and disagreement across seeds."""

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

from skvariance.ensemble import SeedEnsembleClassifier
from skvariance.metrics import (
    churn,
    negative_flip_rate,
    seed_disagreement,
    seed_flip_probability,
)


def test_negative_flip_rate_counts_right_to_wrong_only():
    y = np.array([0, 1, 1, 0, 1, 0])
    old = np.array([0, 1, 0, 0, 1, 1])  # right on 0, 1, 3, 4
    new = np.array([1, 1, 1, 0, 0, 0])  # wrong on 0, 4: both were right
    assert negative_flip_rate(y, old, new) == pytest.approx(2 / 6)
    # reversed: right on 1, 2, 3, 5, wrong afterwards on 2 and 5; the flips
    # that were negative before (0, 4) are positive now and do not count
    assert negative_flip_rate(y, new, old) == pytest.approx(2 / 6)
    w = np.array([3.0, 1, 1, 1, 0, 1])
    assert negative_flip_rate(y, old, new, sample_weight=w) == pytest.approx(3 / 7)


def test_churn_symmetric_and_weighted():
    a = np.array(["x", "y", "y", "z"])
    b = np.array(["x", "z", "y", "x"])
    assert churn(a, b) == churn(b, a) == 0.5
    assert churn(a, b, sample_weight=[1, 0, 1, 0]) == 0.0
    assert churn(a, a) == 0.0


def test_seed_flip_probability_is_pairwise_churn():
    rng = np.random.RandomState(0)
    preds = rng.randint(3, size=(6, 40))
    prob = seed_flip_probability(preds)
    pairs = list(itertools.combinations(range(6), 2))
    direct = np.mean([preds[i] != preds[j] for i, j in pairs], axis=0)
    np.testing.assert_allclose(prob, direct)
    # the count formula 1 - sum_c n_c (n_c - 1) / (S (S - 1))
    for col in range(40):
        counts = np.bincount(preds[:, col], minlength=3)
        assert prob[col] == pytest.approx(1 - np.sum(counts * (counts - 1)) / 30)
    assert seed_disagreement(preds) == pytest.approx(
        np.mean([churn(preds[i], preds[j]) for i, j in pairs])
    )


def test_seed_disagreement_of_seed_ensemble_members():
    X, y = make_classification(n_samples=200, n_features=8, flip_y=0.2, random_state=0)
    tree = DecisionTreeClassifier(max_features=2)
    members = (
        SeedEnsembleClassifier(tree, n_seeds=5, random_state=0)
        .fit(X[:150], y[:150])
        .predict_members(X[150:])
    )
    prob = seed_flip_probability(members)
    assert prob.shape == (50,)
    assert 0 < seed_disagreement(members) < 0.6
    assert prob.max() <= 0.6 + 1e-12  # 5 seeds, 2 classes: a 3-2 split
    deterministic = np.tile(members[0], (4, 1))
    assert seed_disagreement(deterministic) == 0.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: negative_flip_rate([0, 1], [0, 1, 1], [0, 1]), "differ in length"),
        (lambda: churn([0.0, np.nan], [0.0, 1.0]), "NaN"),
        (lambda: churn([0, 1], [0, 1], sample_weight=[1, -1]), "non-negative"),
        (lambda: seed_flip_probability([[0, 1, 1]]), "at least 2 seeds"),
        (lambda: seed_flip_probability([0, 1, 1]), "n_seeds, n_samples"),
        (lambda: churn([], []), "empty"),
    ],
)
def test_churn_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
