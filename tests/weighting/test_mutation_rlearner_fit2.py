"""More mutation tests of the body of RLearner.fit (see
test_mutation_rlearner_fit.py): what the nuisance models are fitted with.

References by hand: explicit folds and the labels every fit receives.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LinearRegression

from skvariance.weighting import RLearner


def _folds(n, k=3):
    idx = np.arange(n)
    return [(np.setdiff1d(idx, idx[j::k]), idx[j::k]) for j in range(k)]


def _data(n=45, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 2))
    w = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    y = X[:, 0] + w * (1 + 2 * X[:, 1]) + 0.3 * rng.normal(size=n)
    return X, y, w


class _LabelRecorder(ClassifierMixin, BaseEstimator):
    """Constant propensity; records the dtype of the labels of every fit."""

    dtypes: list = []

    def fit(self, X, y, sample_weight=None):
        _LabelRecorder.dtypes.append(np.asarray(y).dtype.kind)
        self.classes_ = np.unique(y)
        self.p_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        p = np.full(len(X), self.p_)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]


def test_binary_treatment_reaches_every_classifier_fit_as_integer_labels():
    # a float or boolean treatment is coded 0/1 as integers for the
    # classifier, in the cross-fits as in the refit
    X, y, w = _data()
    for treatment in (w.astype(float), w.astype(bool)):
        _LabelRecorder.dtypes = []
        rl = RLearner(
            outcome_model=LinearRegression(),
            treatment_model=_LabelRecorder(),
            effect_model=LinearRegression(),
            cv=_folds(len(y)),
        ).fit(X, y, treatment=treatment)
        assert _LabelRecorder.dtypes == ["i"] * 4
        assert rl.treatment_model_.classes_.tolist() == [0, 1]
