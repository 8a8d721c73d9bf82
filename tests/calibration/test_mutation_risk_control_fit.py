"""Mutation tests of RiskController.fit and conformalize (issue 17/18).

Each test kills mutants of the decorated bodies that the behaviour tests of
test_risk_control.py let survive; references are computed by hand.
"""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.linear_model import LogisticRegression

from skvariance.calibration import RiskController

from ._helpers import KnownProba


def _data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(np.int64)
    return X, y


def test_fit_resets_n_features_in():
    # reset=True: a refit on data of another width must start afresh
    rc = RiskController(LogisticRegression(), target=0.2, random_state=0)
    X3, y3 = _data(60, 3)
    X5, y5 = _data(60, 5, seed=1)
    rc.fit(X3, y3)
    assert rc.n_features_in_ == 3
    rc.fit(X5, y5)
    assert rc.n_features_in_ == 5
    names = [f"f{i}" for i in range(4)]
    rc.fit(pd.DataFrame(_data(60, 4)[0], columns=names), y3)
    assert rc.feature_names_in_.tolist() == names
    assert rc.n_features_in_ == 4


def test_conformalize_resets_n_features_in():
    rc = RiskController(LogisticRegression(), target=0.2, random_state=0)
    rc.fit(*_data(60, 3))
    model = KnownProba().fit(np.eye(2), np.array([0, 1]))
    rc.set_params(estimator=model)
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]])
    rc.conformalize(proba, np.array([0, 1, 0, 1]))
    assert rc.n_features_in_ == 2
    assert not hasattr(rc, "feature_names_in_") or rc.feature_names_in_ is None


def test_fit_rejects_metadata_without_routing():
    X, y = _data(60, 3)
    rc = RiskController(LogisticRegression(), target=0.2, random_state=0)
    msg = (
        "RiskController.fit got unexpected parameters ['sample_weight']; "
        "enable metadata routing to pass them to the estimator."
    )
    with pytest.raises(TypeError, match="^" + re.escape(msg) + "$"):
        rc.fit(X, y, sample_weight=np.ones(y.size))


def test_fit_rejects_rows_mismatch():
    X, y = _data(60, 3)
    rc = RiskController(LogisticRegression(), target=0.2, random_state=0)
    msg = "X and y have different numbers of rows: 60 and 59."
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        rc.fit(X, y[:59])


class _KnownMultilabel(ClassifierMixin, BaseEstimator):
    """A multilabel model whose predict_proba (n, n_labels) is X."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)


def test_fit_two_samples_is_enough():
    # n=2: one proper-training row, one calibration row. With target=0.5 and
    # one row, CRC needs (total + 1) / 2 <= 0.5, i.e. no missed label: the
    # threshold is the largest score 1 - p of that row's true labels
    X = np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.4]])
    Y = np.array([[1, 0, 1], [0, 1, 1]])
    rc = RiskController(
        _KnownMultilabel(), risk="fnr", target=0.5, calibration_size=1, random_state=0
    ).fit(X, Y)
    (c,) = rc.calibration_indices_
    assert rc.threshold_ == pytest.approx(np.max(1.0 - X[c][Y[c] == 1]))
    msg = (
        "RiskController needs at least 2 samples to fit and calibrate; got n_samples=1."
    )
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        RiskController(_KnownMultilabel(), risk="fnr", target=0.5).fit(X[:1], Y[:1])


def test_fit_split_is_stratified():
    # 4 positives in 40 rows, 10 calibration rows: a stratified split puts
    # exactly 1 positive in the calibration rows for every seed (a plain
    # permutation gives 0, 2, ... for some of these seeds)
    X, _ = _data(40, 2)
    y = np.zeros(40, dtype=np.int64)
    y[[3, 11, 25, 38]] = 1
    counts = [
        y[
            RiskController(
                LogisticRegression(), target=0.2, calibration_size=10, random_state=s
            )
            .fit(X, y)
            .calibration_indices_
        ].sum()
        for s in range(8)
    ]
    assert counts == [1] * 8


def test_fit_random_state_reproducible():
    # an int or a RandomState instance in the same state give the same split
    # and the same model (a random one); another seed gives another one
    X, y = _data(80, 3)

    def fitted(rs):
        model = ExtraTreesClassifier(n_estimators=3, max_depth=2)
        rc = RiskController(model, target=0.2, random_state=rs).fit(X, y)
        return rc.calibration_indices_, rc.estimator_.predict_proba(X)

    for a, b in [(0, 0), (np.random.RandomState(0), np.random.RandomState(0))]:
        for u, v in zip(fitted(a), fitted(b)):
            np.testing.assert_array_equal(u, v)
    for a, b in [(0, 1), (np.random.RandomState(0), np.random.RandomState(1))]:
        for u, v in zip(fitted(a), fitted(b)):
            assert not np.array_equal(u, v)


def _raises(err, msg):
    return pytest.raises(err, match="^" + re.escape(msg) + "$")


def test_conformalize_messages():
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    y = np.array([0, 1, 0])
    with _raises(
        ValueError,
        "conformalize needs an already fitted estimator, but estimator is None; "
        "pass the fitted model as estimator, or call fit(X, y) to fit and "
        "calibrate on a split.",
    ):
        RiskController(target=0.2).conformalize(proba, y)
    with _raises(
        Exception,
        "conformalize calibrates an already fitted estimator, but estimator "
        "KnownProba is not fitted: fit it first, or call fit(X, y) instead to fit "
        "it on a split and calibrate.",
    ):
        RiskController(KnownProba(), target=0.2).conformalize(proba, y)
    model = KnownProba().fit(np.eye(2), np.array([0, 1]))
    with _raises(
        ValueError, "X_cal has 3 features but the fitted estimator expects 2."
    ):
        RiskController(model, target=0.2).conformalize(np.ones((3, 3)), y)
    with _raises(
        ValueError, "X_cal and y_cal have different numbers of rows: 3 and 2."
    ):
        RiskController(model, target=0.2).conformalize(proba, y[:2])


def test_conformalize_uses_estimator_classes():
    # the estimator knows 3 classes, y_cal holds 2 of them: classes_ are the
    # estimator's, and the scores are read from the right columns
    model = KnownProba().fit(np.eye(3), np.array([0, 1, 2]))
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]]
    )
    y = np.array([0, 1, 0, 1])
    rc = RiskController(model, target=0.2).conformalize(proba, y)
    assert rc.classes_.tolist() == [0, 1, 2]
    assert rc.estimator_ is model
    assert rc.calibration_indices_ is None
    assert rc.n_calibration_ == 4
    # scores 1 - p_y: 0.3, 0.4, 0.5, 0.8; CRC: (misses + 1) / 5 <= 0.2 means
    # no miss, so the threshold is the largest score
    assert rc.threshold_ == pytest.approx(0.8)


def test_fit_routes_sample_weight_to_the_training_rows():
    X, y = _data(80, 3)
    w = np.linspace(0.2, 3.0, y.size)
    with config_context(enable_metadata_routing=True):
        model = LogisticRegression().set_fit_request(sample_weight=True)
        rc = RiskController(model, target=0.2, random_state=0)
        unit = rc.fit(X, y, sample_weight=np.ones(y.size)).estimator_.coef_
        weighted = rc.fit(X, y, sample_weight=w).estimator_.coef_
    plain = RiskController(LogisticRegression(), target=0.2, random_state=0)
    np.testing.assert_allclose(unit, plain.fit(X, y).estimator_.coef_, rtol=1e-6)
    assert not np.allclose(weighted, unit)
