"""Data generators and a binomial-tolerance helper for coverage simulations."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression


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
