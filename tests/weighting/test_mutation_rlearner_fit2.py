"""More mutation tests of the body of RLearner.fit (see
test_mutation_rlearner_fit.py): what the nuisance models are fitted with.

References by hand: explicit folds and the labels every fit receives.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression

from skvariance.weighting import RLearner

from ._doubles import binary_treatment_data, round_robin_folds

_folds = round_robin_folds
_data = binary_treatment_data


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
        classes = rl.treatment_model_.classes_.tolist()  # the refit, if lazy
        assert _LabelRecorder.dtypes == ["i"] * 4
        assert classes == [0, 1]


class _Column0(RegressorMixin, BaseEstimator):
    """Predicts the first column of X as it is (no fitting)."""

    def fit(self, X, y, sample_weight=None):
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


class _Zero(_Column0):
    def predict(self, X):
        return np.zeros(len(X))


def test_a_treatment_predicted_exactly_is_refused():
    X, y, _ = _data()
    msg = (
        "Every treatment residual is zero: the treatment model predicts the "
        "treatment exactly, so no effect can be identified."
    )
    rl = RLearner(
        outcome_model=LinearRegression(),
        treatment_model=_Column0(),
        effect_model=LinearRegression(),
        cv=_folds(len(y)),
        treatment_type="continuous",
        min_treatment_residual=0.0,
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        rl.fit(X, y, treatment=X[:, 0])


def test_pseudo_outcome_divides_every_nonzero_residual():
    # treatment residuals are the treatment itself (a zero treatment model),
    # some exactly 1: every pseudo-outcome is r_y / w
    X, y, _ = _data()
    w = np.tile([0.5, 1.0, 2.0, -1.0, 1.0], 9)
    rl = RLearner(
        outcome_model=LinearRegression(),
        treatment_model=_Zero(),
        effect_model=LinearRegression(),
        cv=_folds(len(y)),
        treatment_type="continuous",
    ).fit(X, y, treatment=w)
    np.testing.assert_array_equal(rl.treatment_residuals_, w)
    np.testing.assert_allclose(rl.pseudo_outcome_, rl.outcome_residuals_ / w)
    np.testing.assert_allclose(rl.weights_, w**2)


def test_small_total_weight_is_not_zero_weight():
    # weights are relative: scaling sample_weight by 1e-3 (a total weight
    # below 1) changes nothing
    X, y, w = _data()

    def effect(sw):
        return (
            RLearner(
                outcome_model=LinearRegression(),
                treatment_model=_LabelRecorder(),
                effect_model=LinearRegression(),
                cv=_folds(len(y)),
            )
            .fit(X, y, treatment=w, sample_weight=sw)
            .predict(X)
        )

    sw = np.linspace(0.5, 1.5, len(y))
    np.testing.assert_allclose(effect(1e-3 * sw), effect(sw), rtol=1e-8)
