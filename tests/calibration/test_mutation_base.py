"""Tests written against mutants of skvariance/calibration/base.py that survived.

Each test names the mutation it kills; references are written out by hand.
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge

from skvariance.calibration.base import ScoreParameter, _call_weight_function


def test_score_parameter_keeps_the_method_and_its_doc():
    # ``self.method = None`` / ``self.__doc__ = None``: the class attribute
    # would no longer be the scoring method nor carry its docstring. The
    # estimators build their descriptor at import time, so a fresh one is
    # built here (mutants are switched on after import).
    def method(self, X, y):
        """Docstring of the scoring method."""
        return ("scored", self, X, y)

    class Holder:
        score = ScoreParameter(method)

    assert Holder.score is method
    assert Holder.__dict__["score"].__doc__ == "Docstring of the scoring method."
    holder = Holder()
    holder.score = "absolute"  # the parameter value
    assert holder.__dict__["score"] == "absolute"
    assert holder.score(1, 2) == ("scored", holder, 1, 2)


def test_unfitted_weight_function_message():
    X = np.zeros((3, 2))
    with pytest.raises(NotFittedError) as exc:
        _call_weight_function(Ridge(), X)
    assert str(exc.value) == (
        "weight_function Ridge is not fitted. clone() (as in GridSearchCV or "
        "cross_val_score) returns estimator-valued parameters unfitted; pass "
        "the bound method of a fitted estimator instead, e.g. "
        "weight_function=dre.predict."
    )


def test_non_callable_weight_function_message():
    with pytest.raises(TypeError) as exc:
        _call_weight_function(3.5, np.zeros((3, 2)))
    assert str(exc.value) == (
        "weight_function must be a callable X -> weights or a fitted object "
        "with predict(X), got float."
    )
