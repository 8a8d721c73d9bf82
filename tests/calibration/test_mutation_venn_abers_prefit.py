"""Mutation tests of VennAbersClassifier's prefit path and models without classes_.

``conformalize`` must refuse a fitted model without ``classes_`` with its
own ValueError (not an AttributeError) and calibrate each class pair of a
multiclass model on that pair's rows; ``fit`` must accept pair models that
have no ``classes_`` (only their scores are used). References: the
definition of the Venn-Abers pair (isotonic refits).
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier

from .test_venn_abers import naive_pair, split_pair_by_hand


class _NoClasses(BaseEstimator):
    """A probabilistic binary model that does not expose ``classes_``."""

    def fit(self, X, y):
        self.model_ = GaussianNB().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def test_conformalize_refuses_a_fitted_model_without_classes():
    X, y = make_classification(n_samples=40, random_state=0)
    model = _NoClasses().fit(X, y)
    msg = (
        "conformalize needs a fitted classifier with classes_ of at least two "
        "labels; got classes_=array(None, dtype=object)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        VennAbersClassifier(model).conformalize(X, y)


def test_fit_accepts_pair_models_without_classes():
    X, y = make_classification(n_samples=80, random_state=1)
    va = VennAbersClassifier(_NoClasses(), calibration_size=30, random_state=5)
    va.fit(X, y)
    X_test = X[:12]
    ref = split_pair_by_hand(X, y, X_test, calibration_size=30, seed=5)
    np.testing.assert_allclose(va.predict_proba_interval(X_test), ref, atol=1e-12)


def test_conformalize_multiclass_pairs_equal_isotonic_refits():
    # each pair (a, b) of the prefit model: scores p_b / (p_a + p_b) of the
    # calibration rows of classes a and b, labelled 1 for b
    rng = np.random.default_rng(3)
    y = np.arange(150) % 3
    X = rng.normal(size=(150, 2)) + y[:, None]
    names = np.array(["a", "b", "c"])
    model = GaussianNB().fit(X[:60], names[y[:60]])
    X_cal, y_cal, X_test = X[60:130], y[60:130], X[130:]
    va = VennAbersClassifier(model).conformalize(X_cal, names[y_cal])
    assert va.pairs_.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    p_cal, p_test = model.predict_proba(X_cal), model.predict_proba(X_test)
    got = va.predict_proba_interval(X_test)
    for m, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
        rows = (y_cal == i) | (y_cal == j)
        ref = naive_pair(
            p_cal[rows, j] / (p_cal[rows, i] + p_cal[rows, j]),
            (y_cal[rows] == j).astype(int),
            p_test[:, j] / (p_test[:, i] + p_test[:, j]),
        )
        np.testing.assert_allclose(got[:, m], ref, rtol=0, atol=1e-12)
