"""ConformalClassifier.conformalize with Mondrian groups and RAPS tuning.

The merge of prefit calibration with classifier groups: ``conformalize``
calibrates per group on every calibration row, with the sets checked
against a per-group conformal quantile computed by hand.
"""

import math

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skvariance.calibration import ConformalClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=700, n_classes=3, n_informative=4, random_state=11
    )
    model = LogisticRegression(max_iter=500).fit(X[:300], y[:300])
    groups = np.where(X[:, 1] > 0.3, "b", "a")
    return model, X, y, groups


def test_conformalize_groups_equal_per_group_quantile_by_hand(data):
    model, X, y, groups = data
    coverage = 0.83
    X_cal, y_cal, g_cal = X[300:600], y[300:600], groups[300:600]
    clf = ConformalClassifier(model, score="lac", coverage=coverage)
    clf.conformalize(X_cal, y_cal, groups=g_cal)
    assert clf.estimator_ is model
    np.testing.assert_array_equal(clf.calibration_indices_, np.arange(300))
    np.testing.assert_array_equal(clf.groups_, ["a", "b"])
    scores_cal = 1.0 - model.predict_proba(X_cal)[np.arange(300), y_cal]
    X_test, g_test = X[600:], groups[600:]
    proba = model.predict_proba(X_test)
    expected = np.empty(proba.shape, dtype=bool)
    for g in ("a", "b"):
        s = np.sort(scores_cal[g_cal == g])
        k = math.ceil((s.size + 1) * coverage)
        assert k <= s.size
        rows = g_test == g
        expected[rows] = 1.0 - proba[rows] <= s[k - 1]
    got = clf.predict_set(X_test, groups=g_test)
    np.testing.assert_array_equal(got, expected)
    # marginal calibration gives other sets: the groups are used
    marginal = ConformalClassifier(model, score="lac", coverage=coverage)
    marginal.conformalize(X_cal, y_cal)
    assert not np.array_equal(marginal.predict_set(X_test), expected)
    with pytest.raises(ValueError, match="groups is required"):
        clf.predict_set(X_test)


def test_conformalize_raps_auto_holds_out_tuning_rows(data):
    model, X, y, _ = data
    clf = ConformalClassifier(
        model, score="raps", k_reg="auto", penalty="auto", random_state=0
    )
    clf.conformalize(X[300:], y[300:])
    tune = clf.tuning_indices_
    cal = clf.calibration_indices_
    assert tune.size > 0 and cal.size > 0
    assert np.intersect1d(tune, cal).size == 0
    np.testing.assert_array_equal(np.union1d(tune, cal), np.arange(400))
    assert clf.conformity_scores_.shape == (cal.size,)
    assert clf.k_reg_ >= 0 and clf.penalty_ >= 0
    # the fixed-parameter path calibrates on every row
    fixed = ConformalClassifier(model, score="raps", random_state=0)
    fixed.conformalize(X[300:], y[300:])
    np.testing.assert_array_equal(fixed.calibration_indices_, np.arange(400))
    assert fixed.tuning_indices_ is None
