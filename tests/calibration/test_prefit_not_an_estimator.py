"""``conformalize`` with a model that is not a scikit-learn estimator.

A duck-typed model (``fit``/``predict`` but no ``__sklearn_tags__``) used to
fail inside scikit-learn's fitted check with an ``AttributeError`` about tags;
it gets a ``TypeError`` naming the parameter instead.
"""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
    RiskController,
    VennAbersClassifier,
)

rng = np.random.default_rng(3)
X = rng.normal(size=(60, 3))
y_reg = X[:, 0] + rng.normal(size=60)
y_clf = (X[:, 0] > 0).astype(int)


class _Duck:
    """A fitted model with the methods but without scikit-learn's tags."""

    def __init__(self, model):
        self.model = model
        self.n_features_in_ = model.n_features_in_
        self.classes_ = getattr(model, "classes_", None)

    def fit(self, X, y):
        return self

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)


@pytest.mark.parametrize(
    ("cls", "model", "y", "kwargs"),
    [
        (ConformalRegressor, LinearRegression().fit(X, y_reg), y_reg, {}),
        (ConformalQuantileRegressor, LinearRegression().fit(X, y_reg), y_reg, {}),
        (ConformalClassifier, LogisticRegression().fit(X, y_clf), y_clf, {}),
        (RiskController, LogisticRegression().fit(X, y_clf), y_clf, {}),
        (VennAbersClassifier, LogisticRegression().fit(X, y_clf), y_clf, {}),
    ],
)
def test_duck_typed_model_gets_a_type_error_naming_estimator(cls, model, y, kwargs):
    calibrator = cls(estimator=_Duck(model), **kwargs)
    with pytest.raises(
        TypeError,
        match=r"^estimator must be a scikit-learn estimator \(an object with "
        r"__sklearn_tags__, e\.g\. a subclass of sklearn\.base\.BaseEstimator\); "
        r"got _Duck\. Wrap the model in a class deriving from BaseEstimator\.$",
    ):
        calibrator.conformalize(X, y)


def test_duck_typed_sigma_estimator_gets_a_type_error_naming_it():
    model = LinearRegression().fit(X, y_reg)
    sigma = _Duck(LinearRegression().fit(X, np.abs(y_reg)))
    calibrator = ConformalRegressor(
        estimator=model, sigma_estimator=sigma, score="normalized"
    )
    with pytest.raises(TypeError, match=r"^sigma_estimator must be a scikit-learn"):
        calibrator.conformalize(X, y_reg)
