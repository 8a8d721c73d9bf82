"""Tests written against mutants of skvariance/calibration/_classifier.py that survived.

KnownProba returns X as its probabilities whatever it was fitted on, so every
CV+ fold model is the same function and the CV+ count of a label is simply
the number of calibration scores below its score (written out here).
"""

import itertools

import numpy as np

from skvariance.calibration import ConformalClassifier
from skvariance.calibration._classifier import entry_scores

from ._helpers import KnownProba


def _tied_probabilities(rng, n):
    """Rows that are permutations of (0.1, 0.3, 0.6): LAC scores tie often."""
    perms = np.array(list(itertools.permutations([0.1, 0.3, 0.6])))
    return perms[rng.randint(0, len(perms), n)]


def test_lac_cv_plus_sets_by_hand_with_tied_scores():
    # kills the CV+ count taken with side="right" for a randomised score
    # (ties counted) and ``counts <= ranks``: levels are chosen so that the
    # conformal rank equals a count exactly
    rng = np.random.RandomState(0)
    n = 30
    X = _tied_probabilities(rng, n)
    y = rng.randint(0, 3, n)
    s_cal = 1.0 - X[np.arange(n), y]
    X_test = _tied_probabilities(rng, 12)
    clf = ConformalClassifier(
        KnownProba(), score="lac", method="cv_plus", cv=3, coverage=0.5
    ).fit(X, y)
    counts = {s: int(np.sum(s_cal < s)) for s in (0.9, 0.7, 0.4)}
    ranks = sorted({c for c in counts.values() if 1 <= c <= n - 1})
    assert ranks  # a count strictly inside (0, n): the boundary is exercised
    levels = [r / (n + 1) for r in ranks]  # ceil((n + 1) level) = r
    sets = clf.predict_set(X_test, coverage=levels)
    for k, r in enumerate(ranks):
        want = np.array(
            [[counts[round(1.0 - p, 10)] < r for p in row] for row in X_test]
        )
        np.testing.assert_array_equal(sets[:, :, k], want)


def test_class_conditional_cv_plus_with_exactly_the_needed_rows():
    # coverage 0.8 needs 4 calibration rows per class (ceil(5 * 0.8) = 4):
    # a class of exactly 4 rows is enough (kills ``min() <= needed``)
    rng = np.random.RandomState(1)
    y = np.array([0] * 4 + [1] * 6)
    X = _tied_probabilities(rng, 10)[:, :2]
    X = X / X.sum(axis=1, keepdims=True)
    clf = ConformalClassifier(
        KnownProba(),
        score="lac",
        method="cv_plus",
        cv=2,
        coverage=0.8,
        class_conditional=True,
    ).fit(X, y)
    X_test = X[:3]
    sets = clf.predict_set(X_test)
    for c in (0, 1):
        s_c = 1.0 - X[y == c, c]
        rank = int(np.ceil((s_c.size + 1) * 0.8 - 1e-9))
        want = [np.sum(s_c < 1.0 - p[c]) < rank for p in X_test]
        np.testing.assert_array_equal(sets[:, c], want)


def test_entry_scores_break_ties_by_label_index_with_many_classes():
    # 64 labels drawn from three probabilities: a non-stable argsort
    # (kind=None, quicksort) reorders tied labels beyond ~16 of them
    rng = np.random.RandomState(0)
    proba = rng.choice([1.0, 2.0, 3.0], size=(4, 64))
    proba /= proba.sum(axis=1, keepdims=True)
    scores = rng.uniform(size=proba.shape)
    got = entry_scores(proba, scores)
    for i in range(proba.shape[0]):
        order = sorted(range(64), key=lambda c: (-proba[i, c], c))
        want = np.empty(64)
        previous = -np.inf
        for c in order:
            want[c] = previous
            previous = scores[i, c]
        np.testing.assert_array_equal(got[i], want)


def _aps_by_hand(proba, u, penalty, k_reg):
    out = np.empty_like(proba)
    for i in range(proba.shape[0]):
        order = sorted(range(proba.shape[1]), key=lambda c: (-proba[i, c], c))
        before = 0.0
        for r, c in enumerate(order):
            out[i, c] = before + u[i] * proba[i, c] + penalty * max(0, r + 1 - k_reg)
            before += proba[i, c]
    return out


def test_label_scores_defaults_dtype_and_message():
    import pytest

    from skvariance.calibration._classifier import label_scores

    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(5), size=6)
    u = rng.uniform(size=6)
    # defaults: no penalty (RAPS is APS), the penalty from rank 1 on
    np.testing.assert_allclose(
        label_scores(proba, "raps", u), _aps_by_hand(proba, u, 0.0, 1), atol=1e-12
    )
    np.testing.assert_allclose(
        label_scores(proba, "raps", u, penalty=0.1),
        _aps_by_hand(proba, u, 0.1, 1),
        atol=1e-12,
    )
    # LAC: 1 - p (kills ``2.0 - proba``, which would keep every set)
    np.testing.assert_array_equal(label_scores(proba, "lac", u), 1.0 - proba)
    # float32 probabilities are scored in float64
    for score in ("lac", "aps"):
        got = label_scores(proba.astype(np.float32), score, u)
        assert got.dtype == np.float64
    bad = proba.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError) as exc:
        label_scores(bad, "aps", u)
    assert str(exc.value) == "the estimator's predict_proba returned NaN or infinity."
