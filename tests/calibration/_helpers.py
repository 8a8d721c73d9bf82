"""Data generators, a binomial-tolerance helper and a whole-message pattern."""

import re

import numpy as np
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LinearRegression
from sklearn.utils import check_random_state

from skvariance.utils._seeds import derive_seeds


def heteroscedastic(rng, n, shift=0.0):
    """y = x0 + noise whose scale grows with |x0|; x0 ~ N(shift, 1)."""
    X = rng.normal(size=(n, 2))
    X[:, 0] += shift
    y = X[:, 0] + rng.normal(size=n) * (0.2 + np.abs(X[:, 0]))
    return X, y


def within(mean, expected, per_rep_var, n_reps, z=4.0):
    """|mean - expected| <= z standard errors of a mean over n_reps."""
    se = np.sqrt(per_rep_var / n_reps)
    return abs(mean - expected) <= z * se, se


def rep_variance(p, n_cal, n_test):
    """Variance of one repetition's coverage: Beta(calibration) + binomial(test)."""
    return p * (1 - p) / (n_cal + 2) + p * (1 - p) / n_test


class LinearWithStd(RegressorMixin, BaseEstimator):
    """Linear mean and a known std ``0.2 + |x0|`` from ``predict(return_std=True)``."""

    def fit(self, X, y, sample_weight=None):
        self.model_ = LinearRegression().fit(X, y, sample_weight=sample_weight)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X, return_std=False):
        mu = self.model_.predict(X)
        if return_std:
            return mu, 0.2 + np.abs(np.asarray(X)[:, 0])
        return mu


class KnownProba(ClassifierMixin, BaseEstimator):
    """Class probabilities read from X: its rows, or a softmax of its columns.

    ``softmax=False``: ``predict_proba(X) = X`` (X holds probabilities);
    ``True``: ``softmax(X[:, :n_classes])``. Fitting only records the labels,
    so coverage simulations of thousands of fits stay fast.
    """

    def __init__(self, softmax=False):
        self.softmax = softmax

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=np.float64)
        if not self.softmax:
            return X
        return softmax(X[:, : self.classes_.size])


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def draw_known(rng, n, scale=1.5):
    """X ~ N(0, scale^2) in 3 columns, y ~ Categorical(softmax(X))."""
    X = rng.normal(size=(n, 3)) * scale
    p = softmax(X)
    y = (rng.uniform(size=(n, 1)) > p.cumsum(axis=1)).sum(axis=1)
    return X, np.minimum(y, 2)


def whole(message):
    """A ``pytest.raises(match=...)`` pattern for exactly ``message``."""
    return "^" + re.escape(message) + "$"


def jab_by_hand(model, X, y, n_resamples, seed):
    """Jackknife+-after-bootstrap's fitted models and out-of-bag mask, by hand.

    The documented recipe: the seeds first, then the bootstrap samples in
    order from the same ``RandomState``. Returns the models fitted on each
    sample and ``out_of`` (n, n_resamples), 1.0 where a row is out of bag.
    """
    n = X.shape[0]
    r = check_random_state(seed)
    derive_seeds(r, n_resamples)
    samples = [r.randint(0, n, size=n) for _ in range(n_resamples)]
    models = [clone(model).fit(X[s], y[s]) for s in samples]
    in_bag = np.zeros((n_resamples, n), dtype=bool)
    for b, s in enumerate(samples):
        in_bag[b, s] = True
    return models, (~in_bag).T.astype(float)


class Gaussian(RegressorMixin, BaseEstimator):
    """One quantile model per level (``quantile``): ``x0 + Phi^-1(quantile)``."""

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0] + norm.ppf(self.quantile)


def massless_group_cv_plus():
    """Leave-one-out CV+ on 30 rows whose group 1 has no calibration weight.

    Returns ``(X, reg)``: group 0 (the first 15 rows) has weight 1, group 1
    weight 0, so a group-1 test row has no calibration mass at all.
    """
    from sklearn.model_selection import LeaveOneOut

    from skvariance.calibration import ConformalRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X[:, 0] + rng.normal(size=30)
    g = np.repeat([0, 1], 15)
    w = np.where(g == 1, 0.0, 1.0)
    reg = ConformalRegressor(LinearRegression(), method="cv_plus", cv=LeaveOneOut())
    return X, reg.fit(X, y, groups=g, shift_weight=w)
