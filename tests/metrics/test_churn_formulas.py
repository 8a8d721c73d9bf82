"""Churn metrics pinned against brute-force references and exact messages."""

import itertools
import re

import numpy as np
import pytest

from skvariance.metrics import (
    churn,
    negative_flip_rate,
    seed_disagreement,
    seed_flip_probability,
)


def _full(msg):
    return "^" + re.escape(msg) + "$"


def _ref_nfr(y, old, new, w=None):
    w = [1.0] * len(y) if w is None else list(w)
    num = sum(wi for yi, oi, ni, wi in zip(y, old, new, w) if oi == yi and ni != yi)
    return num / sum(w)


def _ref_churn(a, b, w=None):
    w = [1.0] * len(a) if w is None else list(w)
    return sum(wi for ai, bi, wi in zip(a, b, w) if ai != bi) / sum(w)


def _ref_flip(members):
    n_seeds, n_samples = len(members), len(members[0])
    out = []
    for j in range(n_samples):
        pairs = list(itertools.combinations(range(n_seeds), 2))
        diff = sum(members[s][j] != members[t][j] for s, t in pairs)
        out.append(diff / len(pairs))
    return out


Y = [0, 1, 2, 2, 1, 0, 2, 1]
OLD = [0, 1, 1, 2, 1, 2, 2, 0]
NEW = [1, 1, 2, 0, 2, 2, 2, 1]
W = [0.5, 2.0, 1.0, 3.0, 0.25, 1.0, 0.0, 1.5]


def test_negative_flip_rate_multiclass_matches_loop():
    # right before, wrong after: samples 0, 3, 4 -> 3 / 8
    assert negative_flip_rate(Y, OLD, NEW) == pytest.approx(3 / 8)
    assert negative_flip_rate(Y, OLD, NEW) == pytest.approx(_ref_nfr(Y, OLD, NEW))
    assert negative_flip_rate(Y, NEW, OLD) == pytest.approx(_ref_nfr(Y, NEW, OLD))
    got = negative_flip_rate(Y, OLD, NEW, sample_weight=W)
    assert got == pytest.approx((0.5 + 3.0 + 0.25) / sum(W))
    assert got == pytest.approx(_ref_nfr(Y, OLD, NEW, W))


def test_negative_flip_rate_edge_cases():
    y = [1, 1, 1]
    assert negative_flip_rate(y, y, y) == 0.0
    assert negative_flip_rate(y, y, [0, 0, 0]) == 1.0
    assert negative_flip_rate(y, [0, 0, 0], y) == 0.0
    assert negative_flip_rate(y, [0, 0, 0], [2, 2, 2]) == 0.0
    assert negative_flip_rate([3], [3], [4]) == 1.0
    assert isinstance(negative_flip_rate(y, y, y), float)
    # column vectors are accepted and equal to the flat labels
    col = np.array(Y)[:, None]
    got = negative_flip_rate(col, np.array(OLD)[:, None], np.array(NEW)[:, None])
    assert got == pytest.approx(3 / 8)
    strs = ["a", "b", "c"]
    assert negative_flip_rate(strs, strs, ["a", "c", "c"]) == pytest.approx(1 / 3)


def test_churn_matches_loop():
    assert churn(OLD, NEW) == pytest.approx(5 / 8)
    assert churn(OLD, NEW) == pytest.approx(_ref_churn(OLD, NEW))
    assert churn(NEW, OLD) == pytest.approx(5 / 8)
    got = churn(OLD, NEW, sample_weight=W)
    assert got == pytest.approx(_ref_churn(OLD, NEW, W))
    assert got == pytest.approx((0.5 + 1.0 + 3.0 + 0.25 + 1.5) / sum(W))
    assert churn(Y, Y) == 0.0
    assert churn([5], [6]) == 1.0
    assert churn([0.5, 1.5], [0.5, 2.5]) == 0.5
    assert churn(["a", "b", "b", "c"], ["a", "b", "c", "a"]) == 0.5
    a = np.array([[0], [1], [2], [3]])
    assert churn(a, np.array([[0], [0], [2], [2]])) == 0.5
    assert isinstance(churn(Y, Y), float)
    # integer and boolean weights
    assert churn([0, 1, 1], [0, 0, 0], sample_weight=[1, 2, 1]) == 0.75
    assert churn([0, 1, 1], [0, 0, 1], sample_weight=[True, True, False]) == 0.5
    # zero and fractional weights are allowed, total below one too
    assert churn([0, 1], [1, 1], sample_weight=[0.25, 0.0]) == 1.0
    assert churn([0, 1], [1, 1], sample_weight=[0.0, 0.5]) == 0.0


@pytest.mark.parametrize(
    "members",
    [
        [[0, 1, 1], [0, 1, 0], [0, 0, 1], [0, 1, 1]],
        [[0, 1], [1, 0]],
        [[0, 1, 2, 2], [1, 1, 2, 0], [2, 1, 0, 1]],
        [
            [3, 3, 1, 0, 2],
            [3, 2, 1, 0, 2],
            [1, 3, 1, 0, 0],
            [3, 2, 1, 1, 2],
            [0, 3, 1, 0, 2],
        ],
        [["a"], ["b"], ["a"], ["b"]],
        [[0.5, 1.0], [0.5, 2.0], [1.5, 1.0]],
    ],
)
def test_seed_flip_probability_matches_pair_loop(members):
    got = seed_flip_probability(members)
    assert got.shape == (len(members[0]),)
    np.testing.assert_allclose(got, _ref_flip(members), rtol=0, atol=1e-12)
    # mean over samples == mean churn over pairs of seeds
    pairs = list(itertools.combinations(range(len(members)), 2))
    mean_churn = np.mean([_ref_churn(members[s], members[t]) for s, t in pairs])
    assert seed_disagreement(members) == pytest.approx(mean_churn)
    assert isinstance(seed_disagreement(members), float)


def test_seed_flip_probability_hand_values():
    # 2 seeds: 0 or 1; ties 2-2 among 4 seeds: 1 - 2 * (2 * 1) / (4 * 3) = 2/3
    np.testing.assert_allclose(seed_flip_probability([[0, 1], [0, 2]]), [0, 1])
    tie = [[0], [0], [1], [1]]
    np.testing.assert_allclose(seed_flip_probability(tie), [2 / 3])
    # all different among 3 seeds: 1
    np.testing.assert_allclose(seed_flip_probability([[0], [1], [2]]), [1.0])
    np.testing.assert_allclose(seed_flip_probability([[7, 7]] * 5), [0.0, 0.0])


def test_seed_disagreement_weighted():
    members = [[0, 1, 1], [0, 1, 0], [0, 0, 1], [0, 1, 1]]  # probs 0, 1/2, 1/2
    assert seed_disagreement(members) == pytest.approx(1 / 3)
    w = [2.0, 1.0, 0.0]
    assert seed_disagreement(members, sample_weight=w) == pytest.approx(0.5 / 3)
    w = [0.1, 0.1, 0.2]
    assert seed_disagreement(members, sample_weight=w) == pytest.approx(0.15 / 0.4)
    msg = "sample_weight has shape (2,), expected (3,)."
    with pytest.raises(ValueError, match=_full(msg)):
        seed_disagreement(members, sample_weight=[1.0, 1.0])


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (
            lambda: negative_flip_rate([[0, 1]] * 2, [0, 1], [0, 1]),
            ValueError,
            "y_true must be 1-d (one label per sample), got (2, 2).",
        ),
        (
            lambda: negative_flip_rate([0, 1], [[0, 1]] * 2, [0, 1]),
            ValueError,
            "y_pred_old must be 1-d (one label per sample), got (2, 2).",
        ),
        (
            lambda: negative_flip_rate([0, 1], [0, 1], np.zeros((1, 2))),
            ValueError,
            "y_pred_new must be 1-d (one label per sample), got (1, 2).",
        ),
        (
            lambda: churn(np.zeros((2, 1, 1)), [0, 1]),
            ValueError,
            "y_pred_a must be 1-d (one label per sample), got (2, 1, 1).",
        ),
        (
            lambda: churn([0, 1], 3),
            ValueError,
            "y_pred_b must be 1-d (one label per sample), got ().",
        ),
        (lambda: churn([], [0]), ValueError, "y_pred_a is empty."),
        (lambda: churn([0], np.zeros((0, 1))), ValueError, "y_pred_b is empty."),
        (lambda: negative_flip_rate([], [], []), ValueError, "y_true is empty."),
        (
            lambda: negative_flip_rate([0], [], [0]),
            ValueError,
            "y_pred_old is empty.",
        ),
        (
            lambda: negative_flip_rate([0], [0], []),
            ValueError,
            "y_pred_new is empty.",
        ),
        (
            lambda: negative_flip_rate([np.nan], [0.0], [0.0]),
            ValueError,
            "y_true contains NaN; a label is missing.",
        ),
        (
            lambda: negative_flip_rate([0.0], [np.nan], [0.0]),
            ValueError,
            "y_pred_old contains NaN; a label is missing.",
        ),
        (
            lambda: negative_flip_rate([0.0], [0.0], [np.nan]),
            ValueError,
            "y_pred_new contains NaN; a label is missing.",
        ),
        (
            lambda: churn([0.0, np.nan], [0.0, 1.0]),
            ValueError,
            "y_pred_a contains NaN; a label is missing.",
        ),
        (
            lambda: churn([0.0, 1.0], [[np.nan], [1.0]]),
            ValueError,
            "y_pred_b contains NaN; a label is missing.",
        ),
        (
            lambda: negative_flip_rate([0, 1], [0, 1, 1], [0, 1]),
            ValueError,
            "inputs differ in length: {'y_true': 2, 'y_pred_old': 3, 'y_pred_new': 2}.",
        ),
        (
            lambda: negative_flip_rate([0, 1], [0, 1], [0]),
            ValueError,
            "inputs differ in length: {'y_true': 2, 'y_pred_old': 2, 'y_pred_new': 1}.",
        ),
        (
            lambda: churn([0, 1, 2], [0, 1]),
            ValueError,
            "inputs differ in length: {'y_pred_a': 3, 'y_pred_b': 2}.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=["a", "b"]),
            TypeError,
            "sample_weight must be numeric, got dtype <U1.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[1j, 1j]),
            TypeError,
            "sample_weight must be numeric, got dtype complex128.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[1.0, 1.0, 1.0]),
            ValueError,
            "sample_weight has shape (3,), expected (2,).",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[[1.0, 1.0]]),
            ValueError,
            "sample_weight has shape (1, 2), expected (2,).",
        ),
        (
            lambda: negative_flip_rate([0], [0], [1], sample_weight=[-1.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[1, -1]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: churn([0, 1], [1, 1], sample_weight=[3.0, -1.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[0.0, 0.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[np.inf, 1.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: churn([0, 1], [0, 1], sample_weight=[np.nan, 1.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
        (
            lambda: seed_flip_probability([0, 1, 1]),
            ValueError,
            "predictions must have shape (n_seeds, n_samples), one row per seed "
            "(for example SeedEnsembleClassifier.predict_members(X)); got (3,).",
        ),
        (
            lambda: seed_disagreement(np.zeros((2, 2, 2))),
            ValueError,
            "predictions must have shape (n_seeds, n_samples), one row per seed "
            "(for example SeedEnsembleClassifier.predict_members(X)); got (2, 2, 2).",
        ),
        (
            lambda: seed_flip_probability([[0, 1, 1]]),
            ValueError,
            "predictions needs at least 2 seeds (rows) to disagree, got 1.",
        ),
        (
            lambda: seed_flip_probability(np.zeros((0, 3))),
            ValueError,
            "predictions needs at least 2 seeds (rows) to disagree, got 0.",
        ),
        (
            lambda: seed_flip_probability(np.zeros((3, 0))),
            ValueError,
            "predictions has no samples (columns).",
        ),
        (
            lambda: seed_flip_probability([[0.0, 1.0], [np.nan, 1.0]]),
            ValueError,
            "predictions contains NaN; a label is missing.",
        ),
        (
            lambda: seed_disagreement([[0.0], [1.0]], sample_weight=[-1.0]),
            ValueError,
            "sample_weight must be finite, non-negative, not all zero.",
        ),
    ],
)
def test_churn_errors_full_message(call, exc, msg):
    with pytest.raises(exc, match=_full(msg)):
        call()
