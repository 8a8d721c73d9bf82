"""Tests written against mutants of ``ConformalQuantileRegressor.__init__``.

The documented defaults ``cv=5`` and ``verbose=0`` had no test: a default
of 6 folds or of ``verbose=1`` survived. Checked by what they do: the number
of fold models and what joblib prints.
"""

import numpy as np
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin

from skvariance.calibration import ConformalQuantileRegressor


class Levels(RegressorMixin, BaseEstimator):
    """A multi-quantile model with fixed levels: ``x0 + Phi^-1(quantiles)``."""

    def __init__(self, quantiles=(0.05, 0.95)):
        self.quantiles = quantiles

    def fit(self, X, y, sample_weight=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        z = norm.ppf(np.asarray(self.quantiles, dtype=np.float64))
        return np.asarray(X)[:, [0]] + z[None, :]


def _data(n=30):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


def test_cv_plus_defaults_to_five_folds():
    X, y = _data()
    cqr = ConformalQuantileRegressor(Levels(), method="cv_plus", random_state=0)
    assert len(cqr.fit(X, y).estimators_) == 5


def test_default_verbose_prints_nothing(capsys):
    # verbose=1 would print joblib's "[Parallel(n_jobs=1)]: Done ..." line
    X, y = _data()
    ConformalQuantileRegressor(random_state=0).fit(X, y)
    ConformalQuantileRegressor(Levels(), method="cv_plus", random_state=0).fit(X, y)
    assert capsys.readouterr() == ("", "")
