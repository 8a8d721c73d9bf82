"""Small deterministic quantile models for the quantile family's tests."""

import numpy as np
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class ShiftedOracle(RegressorMixin, BaseEstimator):
    """True quantiles of y = sin(3 x0) + 0.3 N(0, 1), wrong by ``bias`` on one
    side of x0 = 0 (``good_side`` -1 or +1). A native multi-quantile model."""

    def __init__(self, good_side=-1, bias=1.0, quantiles=(0.1, 0.5, 0.9)):
        self.good_side = good_side
        self.bias = bias
        self.quantiles = quantiles

    def fit(self, X, y, sample_weight=None):
        validate_data(self, X, y)
        self.fitted_ = True
        return self

    def predict(self, X, quantiles=None):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        levels = np.asarray(self.quantiles if quantiles is None else quantiles)
        truth = np.sin(3 * X[:, [0]]) + 0.3 * norm.ppf(levels)[None, :]
        wrong = np.sign(X[:, [0]]) != self.good_side
        return truth + self.bias * wrong


def oracle_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = np.sin(3 * X[:, 0]) + 0.3 * rng.normal(size=n)
    return X, y


class DecreasingQuantile(RegressorMixin, BaseEstimator):
    """A per-level model with a ``quantile`` parameter whose predictions
    decrease with the level: every pair of levels crosses."""

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y)
        self.center_ = float(np.mean(y))
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.center_ + (0.5 - self.quantile) * (1 + np.abs(X[:, 0]))
