"""Mutation tests of RiskController.conformalize (issue 18).

Kills the mutants of the decorated body that test_risk_control.py and
test_mutation_risk_control_fit.py let survive; references are by hand.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skvariance.calibration import RiskController


class _NoWidth(ClassifierMixin, BaseEstimator):
    """A fitted model that reads probabilities from X and has no
    ``n_features_in_``: X_cal alone sets the width."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)


def test_conformalize_a_model_without_n_features_in():
    model = _NoWidth().fit(None, np.array([0, 1]))
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.5, 0.5], [0.1, 0.9]])
    y = np.array([0, 1, 0, 1])
    rc = RiskController(model, target=0.2).conformalize(proba, y)
    assert rc.n_features_in_ == 2
    # scores 1 - p_y: 0.3, 0.4, 0.5, 0.1; CRC: (misses + 1) / 5 <= 0.2
    # allows no miss, so the threshold is the largest score
    assert rc.threshold_ == pytest.approx(0.5)


class _NoClasses(ClassifierMixin, BaseEstimator):
    """A fitted single-label model without ``classes_``."""

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)


def test_conformalize_refuses_a_single_label_model_without_classes():
    # its probability columns cannot be matched to labels: refused up front
    # (before the fix: an AttributeError from deep inside the calibration)
    model = _NoClasses().fit(None, None)
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.5, 0.5], [0.1, 0.9]])
    msg = (
        "estimator _NoClasses has no classes_: conformalize needs a fitted "
        "classifier whose classes_ name its predict_proba columns."
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        RiskController(model, target=0.2).conformalize(proba, np.array([0, 1, 0, 1]))
