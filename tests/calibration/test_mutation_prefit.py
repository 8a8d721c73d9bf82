"""Whole messages and input handling of the prefit and CQR CV+ paths.

Written against the mutants that survived the behaviour tests: each error
message is matched whole (``_helpers.whole``), and a non-numeric ``y_cal``
must be refused by the regressors' validation.
"""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge

from skvariance.calibration import (
    ConformalClassifier,
    ConformalQuantileRegressor,
    ConformalRegressor,
)

from ._helpers import whole


def _xy(n=20):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 2))
    return X, X[:, 0] + rng.normal(size=n)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_method_message(method):
    X, y = _xy()
    with pytest.raises(
        ValueError,
        match=whole(
            "conformalize calibrates an already fitted estimator on held-out "
            f"data, which is split conformal; method={method!r} fits one model "
            "per fold (or bootstrap sample) and cannot use a single prefit one. "
            "Use method='split', or fit(X, y) to refit."
        ),
    ):
        ConformalRegressor(Ridge().fit(X, y), method=method).conformalize(X, y)


@pytest.mark.parametrize(
    "cls, unfitted",
    [
        (ConformalRegressor, Ridge()),
        (ConformalQuantileRegressor, Ridge()),
        (ConformalClassifier, LogisticRegression()),
    ],
)
def test_missing_and_unfitted_estimator_messages(cls, unfitted):
    X, y = _xy()
    with pytest.raises(
        ValueError,
        match=whole(
            "conformalize needs an already fitted estimator, but estimator is "
            "None; pass the fitted model as estimator, or call fit(X, y) to fit "
            "and calibrate on a split."
        ),
    ):
        cls().conformalize(X, y)
    with pytest.raises(
        NotFittedError,
        match=whole(
            "conformalize calibrates an already fitted estimator, but estimator "
            f"{type(unfitted).__name__} is not fitted: fit it first, or call "
            "fit(X, y) instead to fit it on a split and calibrate."
        ),
    ):
        cls(unfitted).conformalize(X, y)


def test_regressors_refuse_a_non_numeric_y_cal():
    X, y = _xy()
    labels = np.array(["a", "b"] * 10)
    for cls in (ConformalRegressor, ConformalQuantileRegressor):
        with pytest.raises(ValueError, match="Convert your data to numeric"):
            cls(Ridge().fit(X, y)).conformalize(X, labels)


def test_single_level_message():
    X, y = _xy()
    with pytest.raises(
        ValueError,
        match=whole(
            "conformalize needs one fitted model of several quantile levels; "
            "estimator QuantileRegressor predicts a single level. Fit a "
            "multi-quantile model (for example MultiQuantileRegressor or a "
            "quantile forest) and pass it, or call fit(X, y)."
        ),
    ):
        from sklearn.linear_model import QuantileRegressor

        ConformalQuantileRegressor(QuantileRegressor().fit(X, y)).conformalize(X, y)


def test_cqr_cv_plus_refusal_messages():
    X, y = _xy()
    cqr = ConformalQuantileRegressor(method="cv_plus", cv=2)
    with pytest.raises(
        ValueError,
        match=whole(
            "groups (Mondrian calibration) need method='split': CV+ mixes every "
            "fold's model in each bound, and no per-group form of CQR with CV+ "
            "with a proven guarantee is implemented here."
        ),
    ):
        cqr.fit(X, y, groups=np.arange(20) % 2)
    weights_message = whole(
        "covariate-shift weights (shift_weight, weight_function) need "
        "method='split': weighted CV+ has no finite-sample guarantee for K-fold "
        "CV+ (Prinster et al. 2022 prove it for the jackknife+ only)."
    )
    with pytest.raises(ValueError, match=weights_message):
        cqr.fit(X, y, shift_weight=np.ones(20))
    cqr.set_params(weight_function=lambda Z: np.ones(len(Z)))
    with pytest.raises(ValueError, match=weights_message):
        cqr.fit(X, y)


class _NoFeatureCount(Ridge):
    """A fitted Ridge that hides its ``n_features_in_``."""

    def fit(self, X, y):
        super().fit(X, y)
        del self.n_features_in_
        return self


def test_an_estimator_without_n_features_in_lets_X_cal_set_it():
    X, y = _xy()
    model = _NoFeatureCount().fit(X, y)
    assert not hasattr(model, "n_features_in_")
    reg = ConformalRegressor(model).conformalize(X, y)
    assert reg.n_features_in_ == 2
    with pytest.raises(ValueError, match="but ConformalRegressor is expecting 2 "):
        reg.predict_interval(np.hstack([X, X]))


def test_one_calibration_row_is_accepted_and_gives_the_exact_infinite_answer():
    from skvariance.calibration import CalibrationSizeWarning

    X, y = _xy()
    reg = ConformalRegressor(Ridge().fit(X, y), coverage=0.5)
    reg.conformalize(X[:1], y[:1])  # rank ceil(2 * 0.5) = 1: finite
    score = abs(y[0] - reg.estimator_.predict(X[:1])[0])
    mu = reg.estimator_.predict(X[1:3])
    np.testing.assert_allclose(
        reg.predict_interval(X[1:3]), np.column_stack([mu - score, mu + score])
    )
    with pytest.warns(CalibrationSizeWarning, match="has 1 samples"):
        assert np.isinf(reg.predict_interval(X[1:3], coverage=0.9)).all()


def test_stale_feature_names_of_an_earlier_fit_are_removed():
    import pandas as pd

    X, y = _xy()
    reg = ConformalRegressor(Ridge()).fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert reg.feature_names_in_.tolist() == ["a", "b"]
    reg.set_params(estimator=Ridge().fit(X, y)).conformalize(X, y)
    assert not hasattr(reg, "feature_names_in_") and reg.n_features_in_ == 2


def test_cqr_conformalize_passes_groups_and_shift_weights_on():
    X, y = _xy(60)

    class Band(RegressorMixin, BaseEstimator):
        def __init__(self, quantiles=(0.1, 0.9)):
            self.quantiles = quantiles

        def fit(self, X, y):
            self.ridge_ = Ridge().fit(X, y)
            return self

        def predict(self, X):
            mu = self.ridge_.predict(X)
            return np.column_stack([mu - 1.0, mu + 1.0])

    model = Band().fit(X, y)
    lo, hi = model.predict(X).T
    scores = np.maximum(lo - y, y - hi)
    g = (X[:, 1] > 0).astype(int)
    cqr = ConformalQuantileRegressor(model, coverage=0.8).conformalize(X, y, groups=g)
    assert cqr.groups_.tolist() == [0, 1]
    for k in (0, 1):
        s = np.sort(scores[g == k])
        q = s[int(np.ceil(0.8 * (s.size + 1))) - 1]
        got = cqr.predict_interval(X[:1], groups=[k])
        np.testing.assert_allclose(got, [[lo[0] - q, hi[0] + q]])
    w = np.exp(X[:, 0])
    weighted = ConformalQuantileRegressor(model, coverage=0.8)
    weighted.conformalize(X, y, shift_weight=w)
    order = np.argsort(scores)
    cum = np.cumsum(w[order]) / (w.sum() + 2.0)
    q = scores[order][np.searchsorted(cum, 0.8 - 1e-12)]
    got = weighted.predict_interval(X[:1], shift_weight=[2.0])
    np.testing.assert_allclose(got, [[lo[0] - q, hi[0] + q]])


def test_cqr_conformalize_takes_the_fitted_levels_over_the_parameter():
    X, y = _xy(40)

    class DropsTheMedian(RegressorMixin, BaseEstimator):
        """Asked for (0.1, 0.5, 0.9), fitted (0.1, 0.9) only."""

        def __init__(self, quantiles=(0.1, 0.5, 0.9)):
            self.quantiles = quantiles

        def fit(self, X, y):
            self.quantiles_ = np.array([0.1, 0.9])
            return self

        def predict(self, X):
            return np.column_stack([X[:, 0] - 1.0, X[:, 0] + 1.0])

    cqr = ConformalQuantileRegressor(DropsTheMedian().fit(X, y))
    cqr.conformalize(X, y)
    np.testing.assert_array_equal(cqr.quantile_levels_, [0.1, 0.9])
    assert cqr.predict_interval(X[:2]).shape == (2, 2)


def test_cqr_conformalize_asks_a_levels_taking_model_for_its_levels():
    X, y = _xy(40)

    class AsksLevels(RegressorMixin, BaseEstimator):
        """predict(X, quantiles=...) as a quantile forest's: x0 + a level shift."""

        def fit(self, X, y):
            self.fitted_ = True
            return self

        def predict(self, X, quantiles=(0.5,)):
            return X[:, [0]] + (np.asarray(quantiles)[None, :] - 0.5) * 4.0

    cqr = ConformalQuantileRegressor(AsksLevels().fit(X, y), coverage=0.8)
    cqr.conformalize(X, y)
    lo, hi = X[:, 0] - 1.6, X[:, 0] + 1.6  # levels 0.1 and 0.9
    scores = np.sort(np.maximum(lo - y, y - hi))
    q = scores[int(np.ceil(0.8 * 41)) - 1]
    np.testing.assert_allclose(
        cqr.predict_interval(X[:2]), np.column_stack([lo[:2] - q, hi[:2] + q])
    )
