"""Tests written against mutants of ``ConformalClassifier.fit`` that survived.

``fit`` is wrapped in scikit-learn's ``@_fit_context``, which mutmut skips;
these tests were checked against its body moved out by
``tools/mutation_unwrap.py`` (doc/developers.rst, "Mutation testing").
Messages are matched whole; references are computed here.
"""

import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skvariance.calibration import ConformalClassifier

from ._helpers import KnownProba, draw_known


@pytest.fixture
def data():
    rng = np.random.RandomState(5)
    return draw_known(rng, 60)


def _full(message):
    return "^" + re.escape(message) + "$"


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_n_jobs_zero_is_rejected_before_fitting(data, method):
    # split never starts a worker pool: only fit's own check can refuse 0
    X, y = data
    with pytest.raises(
        ValueError,
        match=_full(
            "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
            "int (-1 for all cores)."
        ),
    ):
        ConformalClassifier(KnownProba(softmax=True), method=method, n_jobs=0).fit(X, y)


def test_one_class_message_in_full(data):
    X, _ = data
    with pytest.raises(
        ValueError,
        match=_full("y has only one class ['a']; conformal sets need at least two."),
    ):
        ConformalClassifier(LogisticRegression()).fit(X, np.full(len(X), "a"))


def test_all_zero_shift_weights_are_refused_before_the_method_check(data):
    # the weights are checked (positive total) at fit's entry, whatever the
    # method: the method's own objection comes second
    X, y = data
    with pytest.raises(
        ValueError,
        match=_full(
            "shift_weight is zero for every calibration row: weighted conformal "
            "prediction needs a positive total weight on the calibration set."
        ),
    ):
        ConformalClassifier(KnownProba(softmax=True), method="cv_plus").fit(
            X, y, shift_weight=np.zeros(len(X))
        )


def test_cross_method_shift_message_in_full(data):
    X, y = data
    message = _full(
        "covariate-shift weights (shift_weight, weight_function) need "
        "method='split', got method='cv_plus'."
    )
    clf = ConformalClassifier(KnownProba(softmax=True), method="cv_plus")
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, shift_weight=np.ones(len(X)))
    clf.set_params(weight_function=lambda Z: np.ones(len(Z)))
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
