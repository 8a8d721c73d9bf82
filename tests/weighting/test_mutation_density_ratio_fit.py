"""Mutation tests of the body of DensityRatioEstimator.fit.

A domain classifier that reads its probability from a table keyed by an id
column makes every cross-fitted probability, and so every ratio, weight,
clip count and effective sample size, known exactly by hand.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skvariance.weighting import DensityRatioEstimator


class _TableClassifier(ClassifierMixin, BaseEstimator):
    """P(target) = ``table[id]`` for the id in column 0 (fit learns nothing)."""

    def __init__(self, table=None):
        self.table = table

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        p = np.asarray(self.table, dtype=float)[np.asarray(X)[:, 0].astype(int)]
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


P_SOURCE = np.array([0.5, 0.2, 0.25, 0.6, 0.5, 0.4, 0.3, 0.5, 0.5, 0.45, 0.5, 0.35])


def _samples(p_target):
    n_s, n_t = len(P_SOURCE), len(p_target)
    Xs = np.column_stack([np.arange(n_s), np.linspace(0, 1, n_s)])
    Xt = np.column_stack([n_s + np.arange(n_t), np.linspace(0, 1, n_t)])
    return Xs, Xt, np.r_[P_SOURCE, p_target]


def _auc(p_s, p_t):
    diff = p_t[:, None] - p_s[None, :]
    return (np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / diff.size


@pytest.mark.parametrize(
    "p_target",
    [
        np.array([0.5, 0.6, 0.7, 0.55, 0.65, 0.5, 0.6, 0.4, 0.5, 0.6, 0.7, 0.5]),
        np.array([0.5, 0.4, 0.3, 0.45, 0.35, 0.5, 0.4, 0.6, 0.5, 0.4, 0.3, 0.5]),
    ],
)
@pytest.mark.parametrize("normalize", [False, True])
def test_weights_clip_count_and_sample_sizes_by_hand(p_target, normalize):
    Xs, Xt, table = _samples(p_target)
    clip = 1.5 if normalize else 1.0
    est = DensityRatioEstimator(
        _TableClassifier(table), clip=clip, normalize=normalize, cv=2
    ).fit(Xs, Xt)
    raw = P_SOURCE / (1 - P_SOURCE)  # n_source == n_target
    norm = 1.0 / raw.mean() if normalize else 1.0
    weights = raw * norm
    assert est.normalization_ == pytest.approx(norm, rel=1e-12)
    # weights equal to clip (the 0.5 rows when not normalised) are not clipped
    assert est.n_clipped_ == int(np.sum(weights > clip)) == 1
    clipped = np.minimum(weights, clip)
    np.testing.assert_allclose(est.source_weights_, clipped)
    ess = clipped.sum() ** 2 / np.sum(clipped**2)
    assert est.source_weights_ess_ == pytest.approx(ess, rel=1e-12)
    mtr = np.mean(p_target / (1 - p_target))
    assert est.mean_target_ratio_ == pytest.approx(mtr, rel=1e-12)
    assert est.effective_sample_size_ == pytest.approx(min(12, 12 / mtr), rel=1e-12)
    assert est.domain_auc_ == pytest.approx(_auc(P_SOURCE, p_target), rel=1e-12)


def test_no_clip_counts_nothing():
    p_target = np.full(12, 0.55)
    est = DensityRatioEstimator(
        _TableClassifier(_samples(p_target)[2]), normalize=False, cv=2
    ).fit(*_samples(p_target)[:2])
    assert est.n_clipped_ == 0
    np.testing.assert_allclose(est.source_weights_, P_SOURCE / (1 - P_SOURCE))


def test_zero_ratio_everywhere_is_refused():
    p_source = np.zeros(12)
    Xs, Xt, _ = _samples(np.full(12, 0.5))
    table = np.r_[p_source, np.full(12, 0.5)]
    msg = (
        "The estimated ratio is zero on every source row: the samples do not "
        "overlap, no reweighting of the source can match the target."
    )
    # the ValueError comes first: no divide-by-zero RuntimeWarning before it
    # (an error under filterwarnings=error, which hid the message)
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        DensityRatioEstimator(_TableClassifier(table), cv=2).fit(Xs, Xt)


def test_n_jobs_zero_is_rejected_by_name():
    Xs, Xt, table = _samples(np.full(12, 0.5))
    msg = (
        "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
        "int (-1 for all cores)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        DensityRatioEstimator(_TableClassifier(table), n_jobs=0).fit(Xs, Xt)


def test_ulsif_is_reproducible_and_follows_random_state():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.normal(size=(30, 2)), rng.normal(0.3, 1.0, size=(30, 2))

    def fit(rs):
        return DensityRatioEstimator(
            method="ulsif",
            n_centers=5,
            bandwidth=1.0,
            regularization=0.1,
            cv=2,
            random_state=rs,
        ).fit(Xs, Xt)

    a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.centers_, b.centers_)
    np.testing.assert_array_equal(a.source_weights_, b.source_weights_)
    assert not np.array_equal(a.centers_, c.centers_)
