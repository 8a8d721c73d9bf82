"""Mutation tests of VennAbersClassifier.conformalize: its error messages.

test_venn_abers.py matches parts of these messages; a mutant that changes
the rest of a message (case, a name) must fail too.
"""

import re

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.naive_bayes import GaussianNB

from skvariance.calibration import VennAbersClassifier


def _raises(err, msg):
    return pytest.raises(err, match="^" + re.escape(msg) + "$")


def test_conformalize_messages():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.arange(40) % 2
    model = GaussianNB().fit(X, y)
    with _raises(
        ValueError,
        "conformalize needs an already fitted estimator, but estimator is None; "
        "pass the fitted model as estimator, or call fit(X, y) to fit and "
        "calibrate on a split.",
    ):
        VennAbersClassifier().conformalize(X, y)
    with _raises(
        ValueError,
        "conformalize calibrates a prefit estimator on one calibration set: "
        "method must be 'inductive', got 'cross'.",
    ):
        VennAbersClassifier(model, method="cross").conformalize(X, y)
    one = DummyClassifier().fit(X, np.zeros(40, dtype=int))
    with _raises(
        ValueError,
        "conformalize needs a fitted classifier with classes_ of at least two "
        "labels; got classes_=array([0]).",
    ):
        VennAbersClassifier(one).conformalize(X, y)
    with _raises(
        ValueError,
        "y_cal has labels [2] that the estimator does not know (classes_=[0, 1]).",
    ):
        VennAbersClassifier(model).conformalize(X, np.where(y == 1, 2, 0))


def test_conformalize_string_labels_match_integer_labels():
    # y_cal is not numeric: string labels give the tables of integer labels
    rng = np.random.default_rng(1)
    y = np.arange(90) % 3
    X = rng.normal(size=(90, 2)) + y[:, None]
    names = np.array(["a", "b", "c"])
    ints = GaussianNB().fit(X[:45], y[:45])
    strs = GaussianNB().fit(X[:45], names[y[:45]])
    va_i = VennAbersClassifier(ints).conformalize(X[45:], y[45:])
    va_s = VennAbersClassifier(strs).conformalize(X[45:], names[y[45:]])
    assert va_s.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(va_s.predict_proba(X), va_i.predict_proba(X))
