"""Tests written against mutants of ``ConformalRegressor.fit`` that survived.

``fit`` is wrapped in scikit-learn's ``@_fit_context``, which mutmut skips;
these tests were checked against its body moved out by
``tools/mutation_unwrap.py`` (doc/developers.rst, "Mutation testing").
Messages are matched whole; references are computed here.
"""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, Ridge

from skvariance.calibration import ConformalRegressor

from ._helpers import LinearWithStd, heteroscedastic, whole


@pytest.fixture
def data():
    rng = np.random.RandomState(3)
    return heteroscedastic(rng, 60)


@pytest.mark.parametrize("method", ["split", "cv_plus"])
def test_n_jobs_zero_is_rejected_before_fitting(data, method):
    # split never starts a worker pool: only fit's own check can refuse 0
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            "n_jobs == 0 has no meaning; use None, a positive int, or a negative "
            "int (-1 for all cores)."
        ),
    ):
        ConformalRegressor(LinearRegression(), method=method, n_jobs=0).fit(X, y)


def test_constant_y_message_inwhole(data):
    X, _ = data
    y = np.full(X.shape[0], 2.5)
    value = repr(np.float64(2.5))
    with pytest.raises(
        ValueError,
        match=whole(
            f"y is constant (every value is {value}): conformal intervals would "
            "have zero width and say nothing about new data."
        ),
    ):
        ConformalRegressor(Ridge()).fit(X, y)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_all_zero_shift_weights_are_refused_before_the_method_check(data, method):
    # the weights are checked (positive total) at fit's entry, whatever the
    # method: the method's own objection comes second
    X, y = data
    with pytest.raises(
        ValueError,
        match=whole(
            "shift_weight is zero for every calibration row: weighted conformal "
            "prediction needs a positive total weight on the calibration set."
        ),
    ):
        ConformalRegressor(Ridge(), method=method).fit(
            X, y, shift_weight=np.zeros(X.shape[0])
        )


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_method_messages_inwhole(data, method):
    X, y = data
    shift = whole(
        f"covariate-shift weights (shift_weight, weight_function) with method="
        f"{method!r} have no finite-sample guarantee: Prinster et al. (2022) prove "
        "the weighted jackknife+ for leave-one-out models only. Use "
        "method='split', or method='cv_plus' with cv=LeaveOneOut()."
    )
    with pytest.raises(ValueError, match=shift):
        ConformalRegressor(Ridge(), method=method).fit(
            X, y, shift_weight=np.ones(X.shape[0])
        )
    with pytest.raises(ValueError, match=shift):
        ConformalRegressor(
            Ridge(), method=method, weight_function=lambda Z: np.ones(len(Z))
        ).fit(X, y)
    with pytest.raises(
        ValueError,
        match=whole(
            "sigma_estimator is only used by method='split'; with "
            f"method={method!r} use an estimator whose predict takes return_std."
        ),
    ):
        ConformalRegressor(
            LinearWithStd(),
            method=method,
            score="normalized",
            sigma_estimator=Ridge(),
        ).fit(X, y)


def test_normalized_without_a_std_message_inwhole(data):
    X, y = data
    with pytest.raises(
        TypeError,
        match=whole(
            "score='normalized' needs sigma(x): estimator Ridge has no "
            "predict(X, return_std=True); give a sigma_estimator or an estimator "
            "that returns a std."
        ),
    ):
        ConformalRegressor(Ridge(), score="normalized").fit(X, y)


@pytest.mark.parametrize("method", ["cv_plus", "jackknife_plus_ab"])
def test_cross_methods_have_no_groups(data, method):
    X, y = data
    reg = ConformalRegressor(Ridge(), method=method, random_state=0).fit(X, y)
    assert reg.groups_ is None


class OddOutput(RegressorMixin, BaseEstimator):
    """``LinearWithStd`` whose predictions come as an object array or a column.

    ``kind="plain"`` is the reference: float64 arrays of shape (n,).
    """

    def __init__(self, kind="plain"):
        self.kind = kind

    def fit(self, X, y, sample_weight=None):
        self.model_ = LinearWithStd().fit(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def _shape(self, values):
        if self.kind == "object":
            return np.array(list(values), dtype=object)
        if self.kind == "column":
            return values.reshape(-1, 1)
        return values

    def predict(self, X, return_std=False):
        if return_std:
            mu, std = self.model_.predict(X, return_std=True)
            return self._shape(mu), self._shape(std)
        return self._shape(self.model_.predict(X))


class OddSigma(OddOutput):
    """A sigma_estimator (a linear fit of the absolute residuals), odd output."""

    def fit(self, X, y):
        self.model_ = LinearRegression().fit(X, y)
        return self

    def predict(self, X):
        return self._shape(np.abs(self.model_.predict(X)) + 0.1)


@pytest.mark.parametrize("kind", ["object", "column"])
@pytest.mark.parametrize(
    "method, score, sigma",
    [
        ("split", "absolute", False),
        ("split", "normalized", False),
        ("split", "normalized", True),
        ("cv_plus", "absolute", False),
        ("cv_plus", "normalized", False),
        ("jackknife_plus_ab", "normalized", False),
    ],
)
def test_predictions_as_object_arrays_or_columns_are_read_as_floats(
    data, kind, method, score, sigma
):
    # the centre and scale are cast to float64 vectors whatever the model's
    # predict returns: the same numbers as from plain float64 vectors
    X, y = data
    out = {}
    for k in ("plain", kind):
        reg = ConformalRegressor(
            OddOutput(k),
            method=method,
            score=score,
            sigma_estimator=OddSigma(k) if sigma else None,
            n_resamples=10,
            random_state=0,
        ).fit(X, y)
        out[k] = (
            reg.conformity_scores_,
            reg.predict_interval(X[:7], coverage=[0.5, 0.8]),
            reg.predict_quantiles(X[:7], [0.25, 0.75]),
        )
    for got, ref in zip(out[kind], out["plain"]):
        assert got.dtype == np.float64 and got.shape == ref.shape
        np.testing.assert_array_equal(got, ref)
