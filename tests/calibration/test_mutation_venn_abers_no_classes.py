"""Mutation tests of VennAbersClassifier: a model without ``classes_``.

``conformalize`` must refuse such a fitted model with its own ValueError (not
an AttributeError), and ``fit`` must accept pair models that have no
``classes_`` (only their scores are used). References: the definition of
the Venn-Abers pair (isotonic refits) on an independent split.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier

from .test_venn_abers import naive_pair


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
    train, cal = train_test_split(
        np.arange(80), test_size=30, random_state=5, stratify=y
    )
    model = GaussianNB().fit(X[train], y[train])
    X_test = X[:12]
    ref = naive_pair(
        model.predict_proba(X[cal])[:, 1], y[cal], model.predict_proba(X_test)[:, 1]
    )
    np.testing.assert_allclose(va.predict_proba_interval(X_test), ref, atol=1e-12)
